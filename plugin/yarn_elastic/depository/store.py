"""The usage depository's SQLite storage: schema, atomic ingest, retention and queries.

Every report is written in one `BEGIN IMMEDIATE` transaction together with its batch id, so a
report is either wholly stored or not at all, and a replayed batch id is recognised and not
counted twice. The schema is documented in docs/depository.md; all tables start with `usage_`
because the estimator keeps its own tables in the same file.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

from yarn_elastic.depository.database import open_database
from yarn_elastic.depository.downsample import (
    CONTAINER_RULE,
    MINUTE_MS,
    NODE_RULE,
    Column,
    retention_cutoff,
)
from yarn_elastic.depository.report import (
    NODE_SAMPLE_COLUMNS,
    SAMPLE_COLUMNS,
    Report,
    ReportError,
    undeclared_containers,
)

SCHEMA_VERSION = 1
# Batch ids outlive raw samples by this much, so that a spool replayed long after an outage is
# still recognised (the raw rows it would duplicate may already be downsampled).
BATCH_ID_EXTRA_RETENTION_MS = 30 * 86_400_000

_DDL = f"""
CREATE TABLE IF NOT EXISTS usage_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS usage_nodes (
  node_key INTEGER PRIMARY KEY, node TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS usage_apps (
  app_id TEXT PRIMARY KEY, name TEXT, app_type TEXT, user TEXT, queue TEXT);
CREATE INDEX IF NOT EXISTS usage_apps_by_name ON usage_apps (name);
CREATE TABLE IF NOT EXISTS usage_containers (
  container_key INTEGER PRIMARY KEY, container_id TEXT NOT NULL UNIQUE, app_id TEXT NOT NULL,
  node_key INTEGER, user TEXT, first_ms INTEGER, last_ms INTEGER);
CREATE INDEX IF NOT EXISTS usage_containers_by_app ON usage_containers (app_id);
CREATE TABLE IF NOT EXISTS usage_samples (
  container_key INTEGER NOT NULL, ts_ms INTEGER NOT NULL, cpu_cores REAL NOT NULL,
  rss_bytes INTEGER NOT NULL, pss_bytes INTEGER, disk_read_bps REAL, disk_write_bps REAL,
  net_rx_bps REAL, net_tx_bps REAL, net_method TEXT NOT NULL, progress REAL,
  pids INTEGER NOT NULL, PRIMARY KEY (container_key, ts_ms)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS usage_samples_1m (
  container_key INTEGER NOT NULL, minute_ms INTEGER NOT NULL, n INTEGER NOT NULL,
  {", ".join(c.output for c in CONTAINER_RULE)},
  PRIMARY KEY (container_key, minute_ms)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS usage_node_samples (
  node_key INTEGER NOT NULL, ts_ms INTEGER NOT NULL, cpu_cores_used REAL NOT NULL,
  cpu_cores_total REAL NOT NULL, mem_used_bytes INTEGER NOT NULL,
  mem_total_bytes INTEGER NOT NULL, mem_available_bytes INTEGER NOT NULL,
  disk_read_bps REAL, disk_write_bps REAL, net_rx_bps REAL, net_tx_bps REAL,
  PRIMARY KEY (node_key, ts_ms)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS usage_node_samples_1m (
  node_key INTEGER NOT NULL, minute_ms INTEGER NOT NULL, n INTEGER NOT NULL,
  {", ".join(c.output for c in NODE_RULE)},
  PRIMARY KEY (node_key, minute_ms)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS usage_batches (
  batch_id TEXT PRIMARY KEY, node_key INTEGER NOT NULL, received_ms INTEGER NOT NULL,
  samples INTEGER NOT NULL);
"""


@dataclass(frozen=True)
class IngestResult:
    duplicate: bool
    samples_stored: int


class UsageStore:
    """Thread-safe: one connection, one lock; the HTTP server calls it from many threads."""

    def __init__(self, path: str | Path, synchronous: str = "FULL") -> None:
        self.path = Path(path)
        self._db = open_database(self.path, synchronous)
        self._lock = threading.Lock()
        self._container_keys: dict[str, int] = {}
        self._node_keys: dict[str, int] = {}
        # The newest (ts_ms, rss bytes) of each container, kept in memory for the scheduling
        # cycle, which must not query the database (see `latest_memory_mb`).
        self._latest_rss: dict[str, tuple[int, int]] = {}
        with self._lock:
            self._create_schema()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _create_schema(self) -> None:
        self._db.executescript(_DDL)
        row = self._db.execute("SELECT value FROM usage_meta WHERE key='schema'").fetchone()
        if row is None:
            self._db.execute(
                "INSERT INTO usage_meta(key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),)
            )
        elif int(row[0]) > SCHEMA_VERSION:
            raise RuntimeError(
                f"{self.path} has usage schema {row[0]}, newer than this yarn-elastic "
                f"({SCHEMA_VERSION}); upgrade yarn-elastic or use another file"
            )

    # ---- ingest -------------------------------------------------------------------------

    def ingest(self, report: Report, now_ms: int) -> IngestResult:
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                if db.execute(
                    "SELECT 1 FROM usage_batches WHERE batch_id=?", (report.batch_id,)
                ).fetchone():
                    db.execute("ROLLBACK")
                    return IngestResult(duplicate=True, samples_stored=0)
                new_keys: dict[str, int] = {}
                node_key = self._node_key(report.node)
                stored = self._write(report, node_key, new_keys)
                db.execute(
                    "INSERT INTO usage_batches VALUES (?,?,?,?)",
                    (report.batch_id, node_key, now_ms, report.sample_count),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                self._node_keys.pop(report.node, None)
                raise
            # Keys are cached only once committed: a rolled-back insert must not be remembered.
            self._container_keys.update(new_keys)
            for sample in report.samples:
                container, ts_ms, rss = sample[0], sample[1], sample[3]
                seen = self._latest_rss.get(container)
                if seen is None or ts_ms >= seen[0]:
                    self._latest_rss[container] = (ts_ms, rss)
            return IngestResult(duplicate=False, samples_stored=stored)

    def latest_memory_mb(self, now_ms: int, max_age_ms: int = 60_000) -> dict[str, float]:
        """Each container's last measured RSS in MB, for those measured within `max_age_ms`
        (older ones are forgotten: the container has ended, or its agent is gone)."""
        with self._lock:
            stale = [c for c, (ts, _) in self._latest_rss.items() if now_ms - ts > max_age_ms]
            for container in stale:
                del self._latest_rss[container]
            return {c: rss / float(1 << 20) for c, (_, rss) in self._latest_rss.items()}

    def _node_key(self, node: str) -> int:
        key = self._node_keys.get(node)
        if key is None:
            self._db.execute("INSERT OR IGNORE INTO usage_nodes(node) VALUES (?)", (node,))
            key = int(
                self._db.execute("SELECT node_key FROM usage_nodes WHERE node=?", (node,))
                .fetchone()[0]
            )
            self._node_keys[node] = key
        return key

    def _write(self, report: Report, node_key: int, new_keys: dict[str, int]) -> int:
        db = self._db
        db.executemany(
            "INSERT INTO usage_apps(app_id, name, app_type, user, queue) VALUES (?,?,?,?,?) "
            "ON CONFLICT(app_id) DO UPDATE SET name=coalesce(excluded.name, name), "
            "app_type=coalesce(excluded.app_type, app_type), "
            "user=coalesce(excluded.user, user), queue=coalesce(excluded.queue, queue)",
            [(a.app_id, a.name, a.app_type, a.user, a.queue) for a in report.apps],
        )
        db.executemany(
            "INSERT OR IGNORE INTO usage_apps(app_id) VALUES (?)",
            [(app_id,) for app_id in {c.app_id for c in report.containers}],
        )
        fresh = [c for c in report.containers if c.container_id not in self._container_keys]
        db.executemany(
            "INSERT INTO usage_containers(container_id, app_id, node_key, user) "
            "VALUES (?,?,?,?) ON CONFLICT(container_id) DO UPDATE SET "
            "node_key=excluded.node_key, user=coalesce(excluded.user, user)",
            [(c.container_id, c.app_id, node_key, c.user) for c in fresh],
        )
        wanted = {c.container_id for c in fresh}
        wanted.update(c for c in undeclared_containers(report) if c not in self._container_keys)
        new_keys.update(self._stored_container_keys(wanted))
        unknown = wanted - new_keys.keys()
        if unknown:
            raise ReportError(
                422,
                f"samples name unknown containers {sorted(unknown)[:5]}: declare each container "
                "in the report's 'containers' list",
            )
        keys = {**self._container_keys, **new_keys} if new_keys else self._container_keys
        rows = [(keys[sample[0]], *sample[1:]) for sample in report.samples]
        times: dict[int, list[int]] = {}
        for key, ts in zip(map(itemgetter(0), rows), map(itemgetter(1), rows), strict=True):
            times.setdefault(key, []).append(ts)
        cursor = db.executemany(
            f"INSERT OR IGNORE INTO usage_samples(container_key, {', '.join(SAMPLE_COLUMNS)}) "
            f"VALUES ({', '.join('?' * (len(SAMPLE_COLUMNS) + 1))})",
            rows,
        )
        stored = max(cursor.rowcount, 0)
        db.executemany(
            "UPDATE usage_containers SET first_ms=min(coalesce(first_ms, ?), ?), "
            "last_ms=max(coalesce(last_ms, ?), ?) WHERE container_key=?",
            [(min(t), min(t), max(t), max(t), key) for key, t in times.items()],
        )
        cursor = db.executemany(
            f"INSERT OR IGNORE INTO usage_node_samples(node_key, {', '.join(NODE_SAMPLE_COLUMNS)})"
            f" VALUES ({', '.join('?' * (len(NODE_SAMPLE_COLUMNS) + 1))})",
            [(node_key, *row) for row in report.node_samples],
        )
        return stored + max(cursor.rowcount, 0)

    def _stored_container_keys(self, container_ids: set[str]) -> dict[str, int]:
        """One query per 500 ids (under SQLite's bound-parameter limit on old builds)."""
        wanted = sorted(container_ids)
        found: dict[str, int] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start: start + 500]
            found.update(self._db.execute(
                "SELECT container_id, container_key FROM usage_containers WHERE container_id IN "
                f"({','.join('?' * len(chunk))})",
                chunk,
            ).fetchall())
        return found

    # ---- retention ----------------------------------------------------------------------

    def apply_retention(self, now_ms: int, raw_retention_days: float) -> int:
        """Fold raw samples older than the retention into 1-minute rows; returns rows folded."""
        cutoff = retention_cutoff(now_ms, raw_retention_days)
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                folded = 0
                for raw, minute, key, rule in (
                    ("usage_samples", "usage_samples_1m", "container_key", CONTAINER_RULE),
                    ("usage_node_samples", "usage_node_samples_1m", "node_key", NODE_RULE),
                ):
                    db.execute(_fold_sql(raw, minute, key, rule), (cutoff,))
                    folded += db.execute(f"DELETE FROM {raw} WHERE ts_ms < ?", (cutoff,)).rowcount
                db.execute(
                    "DELETE FROM usage_batches WHERE received_ms < ?",
                    (cutoff - BATCH_ID_EXTRA_RETENTION_MS,),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            return folded

    # ---- queries ------------------------------------------------------------------------

    def container_curve(
        self, container_id: str, from_ms: int | None = None, to_ms: int | None = None
    ) -> list[dict[str, Any]] | None:
        """Samples of one container in time order (1-minute rows first where downsampled);
        None if the container is unknown."""
        with self._lock:
            row = self._db.execute(
                "SELECT container_key FROM usage_containers WHERE container_id=?", (container_id,)
            ).fetchone()
            if row is None:
                return None
            return self._curve(
                "usage_samples", "usage_samples_1m", "container_key", int(row[0]),
                SAMPLE_COLUMNS, CONTAINER_RULE, from_ms, to_ms,
            )

    def node_curve(
        self, node: str, from_ms: int | None = None, to_ms: int | None = None
    ) -> list[dict[str, Any]] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT node_key FROM usage_nodes WHERE node=?", (node,)
            ).fetchone()
            if row is None:
                return None
            return self._curve(
                "usage_node_samples", "usage_node_samples_1m", "node_key", int(row[0]),
                NODE_SAMPLE_COLUMNS, NODE_RULE, from_ms, to_ms,
            )

    def app(self, app_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT a.app_id, a.name, a.app_type, a.user, a.queue, min(c.first_ms), "
                "max(c.last_ms), count(c.container_key) FROM usage_apps a "
                "LEFT JOIN usage_containers c ON c.app_id = a.app_id WHERE a.app_id=? "
                "GROUP BY a.app_id",
                (app_id,),
            ).fetchone()
            return None if row is None else _app_dict(row)

    def app_containers(self, app_id: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT c.container_id, n.node, c.user, c.first_ms, c.last_ms "
                "FROM usage_containers c LEFT JOIN usage_nodes n ON n.node_key = c.node_key "
                "WHERE c.app_id=? ORDER BY c.container_id",
                (app_id,),
            ).fetchall()
        keys = ("container_id", "node", "user", "first_ms", "last_ms")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def job_runs(
        self, name: str, user: str | None = None, queue: str | None = None,
        app_type: str | None = None,
    ) -> list[dict[str, Any]]:
        """Every run of a recurring job: applications with the same name (and, if given, the
        same user, queue and type), oldest first."""
        where, args = ["a.name = ?"], [name]
        for column, value in (("a.user", user), ("a.queue", queue), ("a.app_type", app_type)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        with self._lock:
            rows = self._db.execute(
                "SELECT a.app_id, a.name, a.app_type, a.user, a.queue, min(c.first_ms), "
                "max(c.last_ms), count(c.container_key) FROM usage_apps a "
                "LEFT JOIN usage_containers c ON c.app_id = a.app_id "
                f"WHERE {' AND '.join(where)} GROUP BY a.app_id ORDER BY min(c.first_ms)",
                args,
            ).fetchall()
        return [_app_dict(r) for r in rows]

    def _curve(
        self, raw: str, minute: str, key_column: str, key: int, columns: Sequence[str],
        rule: tuple[Column, ...], from_ms: int | None, to_ms: int | None,
    ) -> list[dict[str, Any]]:
        lo = from_ms if from_ms is not None else -(2**62)
        hi = to_ms if to_ms is not None else 2**62
        out_columns = ["n", *(c.output for c in rule)]
        points = [
            {
                "ts_ms": r[0], "resolution_ms": MINUTE_MS,
                **dict(zip(out_columns, r[1:], strict=True)),
            }
            for r in self._db.execute(
                f"SELECT minute_ms, {', '.join(out_columns)} FROM {minute} "
                f"WHERE {key_column}=? AND minute_ms BETWEEN ? AND ? ORDER BY minute_ms",
                (key, lo, hi),
            )
        ]
        names = list(columns)
        points.extend(
            {"resolution_ms": 0, **dict(zip(names, r, strict=True))}
            for r in self._db.execute(
                f"SELECT {', '.join(names)} FROM {raw} "
                f"WHERE {key_column}=? AND ts_ms BETWEEN ? AND ? ORDER BY ts_ms",
                (key, lo, hi),
            )
        )
        return points


def _app_dict(row: Sequence[Any]) -> dict[str, Any]:
    keys = ("app_id", "name", "type", "user", "queue", "first_ms", "last_ms", "containers")
    return dict(zip(keys, row, strict=True))


def _fold_sql(raw: str, minute: str, key: str, rule: tuple[Column, ...]) -> str:
    """SQL applying `rule` (see downsample.py) to raw rows before the cutoff `?`, merging into
    minute rows that already exist (late-arriving samples)."""
    select, update = [], []
    for c in rule:
        if c.how == "mean":
            select.append(f"avg({c.source})")
            merged = f"({c.output} * n + excluded.{c.output} * excluded.n) / (n + excluded.n)"
        elif c.how == "max":
            select.append(f"max({c.source})")
            merged = f"max({c.output}, excluded.{c.output})"
        else:
            select.append(
                f"CASE WHEN min({c.source}) = max({c.source}) THEN min({c.source}) "
                "ELSE 'mixed' END"
            )
            merged = f"CASE WHEN {c.output} = excluded.{c.output} THEN {c.output} ELSE 'mixed' END"
        update.append(
            f"{c.output} = CASE WHEN {c.output} IS NULL THEN excluded.{c.output} "
            f"WHEN excluded.{c.output} IS NULL THEN {c.output} ELSE {merged} END"
        )
    return (
        f"INSERT INTO {minute} ({key}, minute_ms, n, {', '.join(c.output for c in rule)}) "
        f"SELECT {key}, ts_ms - ts_ms % {MINUTE_MS}, count(*), {', '.join(select)} "
        f"FROM {raw} WHERE ts_ms < ? GROUP BY {key}, ts_ms - ts_ms % {MINUTE_MS} "
        f"ON CONFLICT({key}, minute_ms) DO UPDATE SET {', '.join(update)}, n = n + excluded.n"
    )

