"""The skyline store: history per run and estimations per pipeline, in SQLite.

Semantics follow Hadoop's InMemoryStore and SkylineStoreValidator (which exception when), with
two deliberate changes, both documented in docs/estimator.md:
- it persists: one SQLite file, which the usage depository shares, so the tables are prefixed
  `estimator_`;
- an estimation never outlives the history it was computed from: every change to a pipeline's
  history deletes that pipeline's stored estimation in the same transaction, so the next
  estimate request solves again (Hadoop keeps serving the stale one).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from yarn_elastic.depository.database import DatabaseError, open_database
from yarn_elastic.estimator.serde import (
    rle_from_record,
    rle_to_record,
    skyline_from_record,
    skyline_to_record,
)
from yarn_elastic.estimator.skyline import RecurrenceId, ResourceSkyline, RleSkyline

SCHEMA_VERSION = 1
WILDCARD = "*"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS estimator_schema (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS estimator_history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    pipeline_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    job_id TEXT NOT NULL,
    skyline TEXT NOT NULL,
    added_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS estimator_history_run ON estimator_history (pipeline_id, run_id);
CREATE TABLE IF NOT EXISTS estimator_estimation (
    pipeline_id TEXT PRIMARY KEY,
    skyline TEXT NOT NULL,
    solver_params TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
"""


class SkylineStoreError(Exception):
    """Base of the store's errors (Hadoop's SkylineStoreException)."""


class NullRecurrenceIdError(SkylineStoreError):
    pass


class NullResourceSkylineError(SkylineStoreError):
    pass


class NullPipelineIdError(SkylineStoreError):
    pass


class NullRleError(SkylineStoreError):
    pass


class DuplicateRecurrenceIdError(SkylineStoreError):
    pass


class RecurrenceIdNotFoundError(SkylineStoreError):
    pass


class EmptyResourceSkylineError(SkylineStoreError):
    pass


class StoredDataError(SkylineStoreError):
    """A row in the database cannot be read back; the message names the row. Never deleted."""


History = dict[RecurrenceId, list[ResourceSkyline]]


class SqliteSkylineStore:
    """Thread-safe: the HTTP server calls it from several threads over one connection."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        # The depository's opener: same file, same WAL / durability settings for both.
        try:
            self._db = open_database(self.path)
        except DatabaseError as exc:
            raise SkylineStoreError(str(exc)) from exc
        self._create_schema()

    def _create_schema(self) -> None:
        with self._lock:
            self._db.executescript(_SCHEMA)
            row = self._db.execute("SELECT version FROM estimator_schema").fetchone()
            if row is None:
                self._db.execute("INSERT INTO estimator_schema VALUES (?)", (SCHEMA_VERSION,))
            elif row[0] != SCHEMA_VERSION:
                raise StoredDataError(
                    f"{self.path} holds estimator tables of schema version {row[0]}; this "
                    f"yarn-elastic reads version {SCHEMA_VERSION}. Use a matching release."
                )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # ---- history -------------------------------------------------------------------------

    def add_history(
        self, recurrence_id: RecurrenceId | None, skylines: Sequence[ResourceSkyline | None] | None
    ) -> None:
        self.add_histories({_require_rid(recurrence_id): _require_list(skylines)})

    def add_histories(
        self, records: Mapping[RecurrenceId, Sequence[ResourceSkyline | None]]
    ) -> None:
        """Add several runs at once, all or nothing (a translated log file is one unit)."""
        now = _now_ms()
        with self._transaction() as db:
            for rid, skylines in records.items():
                jobs = [s for s in _require_list(skylines) if s is not None]
                if not jobs:
                    continue
                existing = {
                    row[0]
                    for row in db.execute(
                        "SELECT job_id FROM estimator_history WHERE pipeline_id=? AND run_id=?",
                        (rid.pipeline_id, rid.run_id),
                    )
                }
                clash = sorted(existing.intersection(job.job_id for job in jobs))
                if clash:
                    raise DuplicateRecurrenceIdError(
                        f"{rid} already holds job(s) {', '.join(clash)}; delete the run first "
                        f"to replace it"
                    )
                db.executemany(
                    "INSERT INTO estimator_history "
                    "(pipeline_id, run_id, job_id, skyline, added_ms) VALUES (?, ?, ?, ?, ?)",
                    [
                        (rid.pipeline_id, rid.run_id, job.job_id, _dump(job), now)
                        for job in jobs
                    ],
                )
                _invalidate(db, rid.pipeline_id)

    def update_history(
        self, recurrence_id: RecurrenceId | None, skylines: Sequence[ResourceSkyline | None] | None
    ) -> None:
        rid = _require_rid(recurrence_id)
        given = _require_list(skylines)
        now = _now_ms()
        with self._transaction() as db:
            if not _run_exists(db, rid):
                raise RecurrenceIdNotFoundError(f"{rid} is not in the skyline store")
            jobs = [s for s in given if s is not None]
            if not jobs:
                raise EmptyResourceSkylineError(f"the new history for {rid} has no skylines")
            db.execute(
                "DELETE FROM estimator_history WHERE pipeline_id=? AND run_id=?",
                (rid.pipeline_id, rid.run_id),
            )
            db.executemany(
                "INSERT INTO estimator_history "
                "(pipeline_id, run_id, job_id, skyline, added_ms) VALUES (?, ?, ?, ?, ?)",
                [(rid.pipeline_id, rid.run_id, job.job_id, _dump(job), now) for job in jobs],
            )
            _invalidate(db, rid.pipeline_id)

    def delete_history(self, recurrence_id: RecurrenceId | None) -> None:
        """Delete one run; `*` is taken literally, as in Hadoop (no bulk deletes)."""
        rid = _require_rid(recurrence_id)
        with self._transaction() as db:
            deleted = db.execute(
                "DELETE FROM estimator_history WHERE pipeline_id=? AND run_id=?",
                (rid.pipeline_id, rid.run_id),
            ).rowcount
            if deleted == 0:
                raise RecurrenceIdNotFoundError(f"{rid} is not in the skyline store")
            _invalidate(db, rid.pipeline_id)

    def get_history(self, recurrence_id: RecurrenceId | None) -> History | None:
        """pipelineId `*`: the whole store; runId `*`: every run of the pipeline, or None if it
        has none; otherwise the one run, or None."""
        rid = _require_rid(recurrence_id)
        args: tuple[str, ...]
        if rid.pipeline_id == WILDCARD:
            query, args = "SELECT * FROM estimator_history ORDER BY seq", ()
        elif rid.run_id == WILDCARD:
            query = "SELECT * FROM estimator_history WHERE pipeline_id=? ORDER BY seq"
            args = (rid.pipeline_id,)
        else:
            query = "SELECT * FROM estimator_history WHERE pipeline_id=? AND run_id=? ORDER BY seq"
            args = (rid.pipeline_id, rid.run_id)
        with self._lock:
            rows = self._db.execute(query, args).fetchall()
        history: History = {}
        for seq, pipeline_id, run_id, _job, text, _added in rows:
            job = _load(text, f"estimator_history row seq={seq}", skyline_from_record)
            history.setdefault(RecurrenceId(pipeline_id, run_id), []).append(job)
        if not history and rid.pipeline_id != WILDCARD:
            return None
        return history

    def history_version(self, pipeline_id: str) -> tuple[int, int]:
        """Changes whenever the pipeline's history does: (rows, newest row). Row numbers are
        never reused, so an add raises the second and a delete lowers the first."""
        with self._lock:
            return _history_version(self._db, pipeline_id)

    def pipelines(self) -> list[str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT pipeline_id FROM estimator_history GROUP BY pipeline_id ORDER BY MIN(seq)"
            ).fetchall()
        return [row[0] for row in rows]

    # ---- estimations ---------------------------------------------------------------------

    def add_estimation(
        self,
        pipeline_id: str | None,
        skyline: RleSkyline | None,
        solver_params: Mapping[str, Any] | None = None,
        history_version: tuple[int, int] | None = None,
    ) -> bool:
        """Store an estimation; with `history_version`, only if the history is still the one
        it was computed from (else nothing is stored and False is returned)."""
        if pipeline_id is None:
            raise NullPipelineIdError("the pipeline id of an estimation must not be null")
        if skyline is None:
            raise NullRleError(f"the estimation for pipeline {pipeline_id} must not be null")
        with self._transaction() as db:
            if history_version is not None and (
                _history_version(db, pipeline_id) != history_version
            ):
                return False
            db.execute(
                "INSERT OR REPLACE INTO estimator_estimation VALUES (?, ?, ?, ?)",
                (
                    pipeline_id,
                    json.dumps(rle_to_record(skyline)),
                    json.dumps(dict(solver_params or {}), sort_keys=True),
                    _now_ms(),
                ),
            )
        return True

    def get_estimation(self, pipeline_id: str | None) -> RleSkyline | None:
        found = self.get_estimation_with_params(pipeline_id)
        return None if found is None else found[0]

    def get_estimation_with_params(
        self, pipeline_id: str | None
    ) -> tuple[RleSkyline, dict[str, Any]] | None:
        if pipeline_id is None:
            raise NullPipelineIdError("the pipeline id to look up must not be null")
        with self._lock:
            row = self._db.execute(
                "SELECT skyline, solver_params FROM estimator_estimation WHERE pipeline_id=?",
                (pipeline_id,),
            ).fetchone()
        if row is None:
            return None
        where = f"estimator_estimation row pipeline_id={pipeline_id!r}"
        skyline = _load(row[0], where, rle_from_record)
        params = _load(row[1], where, lambda value: value)
        return skyline, params if isinstance(params, dict) else {}


def _require_rid(recurrence_id: RecurrenceId | None) -> RecurrenceId:
    if recurrence_id is None:
        raise NullRecurrenceIdError("the recurrence id must not be null")
    return recurrence_id


def _require_list(
    skylines: Sequence[ResourceSkyline | None] | None,
) -> Sequence[ResourceSkyline | None]:
    if skylines is None:
        raise NullResourceSkylineError("the list of resource skylines must not be null")
    return skylines


def _run_exists(db: sqlite3.Connection, rid: RecurrenceId) -> bool:
    row = db.execute(
        "SELECT 1 FROM estimator_history WHERE pipeline_id=? AND run_id=? LIMIT 1",
        (rid.pipeline_id, rid.run_id),
    ).fetchone()
    return row is not None


def _history_version(db: sqlite3.Connection, pipeline_id: str) -> tuple[int, int]:
    count, newest = db.execute(
        "SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM estimator_history WHERE pipeline_id=?",
        (pipeline_id,),
    ).fetchone()
    return int(count), int(newest)


def _invalidate(db: sqlite3.Connection, pipeline_id: str) -> None:
    db.execute("DELETE FROM estimator_estimation WHERE pipeline_id=?", (pipeline_id,))


def _dump(job: ResourceSkyline) -> str:
    return json.dumps(skyline_to_record(job), separators=(",", ":"))


def _load(text: str, where: str, decode: Any) -> Any:
    try:
        return decode(json.loads(text))
    except ValueError as exc:  # json.JSONDecodeError is a ValueError too
        raise StoredDataError(f"{where} cannot be read ({exc}); the row is left as it is") from exc


def _now_ms() -> int:
    return int(time.time() * 1000)
