"""Persisting prediction state in the depository's database, and model files beside it.

Tables (all `prediction_*`, next to the depository's `usage_*`):
- `prediction_runs`: every finished run's role curves, the history models are retrained from,
  with the slot length they were measured in (`slot_ms`);
- `prediction_models`: one row per model file: its path, SHA-256, size and training metadata;
- `prediction_meta`: small JSON values (the history predictors' band calibration).

A model file whose checksum does not match its row (torn write, disk error, someone's edit) is
never loaded: it is logged, rebuilt from `prediction_runs`, and counted in `rebuilds`.

One slot length serves the store (`yarn.elastic.slot-ms`). A stored run of another one (the
operator changed the key, or the run predates the default of 3 s) is read rescaled to it, each
slot the largest value it overlaps (`runs.rescaled`), and stays stored as it was measured; a
model file trained on another slot length is retrained. Runs stored before runs recorded their
slot length get `legacy_slot_ms` written in once, when the store is first opened.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from yarn_elastic.depository.database import open_database
from yarn_elastic.prediction.runs import Run, rescaled, stored
from yarn_elastic.prediction.signature import JobSignature
from yarn_elastic.prediction.xgb_curves import CurveModel, TrainingParams, train
from yarn_elastic.slots import LEGACY_SLOT_MS, SLOT_MS

LOG = logging.getLogger("yarn_elastic.prediction")

FEATURE_MODEL = "xgboost-curves"

_DDL = """
CREATE TABLE IF NOT EXISTS prediction_runs (
  signature_key TEXT NOT NULL, run_id TEXT NOT NULL, finished_ms INTEGER NOT NULL,
  signature TEXT NOT NULL, input_bytes REAL, roles TEXT NOT NULL, slot_ms INTEGER,
  PRIMARY KEY (signature_key, run_id));
CREATE INDEX IF NOT EXISTS prediction_runs_by_time ON prediction_runs (finished_ms);
CREATE TABLE IF NOT EXISTS prediction_models (
  name TEXT PRIMARY KEY, file TEXT NOT NULL, sha256 TEXT NOT NULL, bytes INTEGER NOT NULL,
  trained_ms INTEGER NOT NULL, trained_runs INTEGER NOT NULL, metadata TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS prediction_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class ModelStoreError(RuntimeError):
    """Stored prediction state cannot be used; the message names the file and the fix."""


@dataclass
class StoreCounters:
    runs_recorded: int = 0
    trainings: int = 0
    rebuilds: int = 0


def signature_to_json(signature: JobSignature) -> str:
    return json.dumps(signature.__dict__ | {"tags": list(signature.tags)}, sort_keys=True)


def signature_from_json(text: str) -> JobSignature:
    fields = json.loads(text)
    fields["tags"] = tuple(fields["tags"])
    return JobSignature(**fields)


class ModelStore:
    """Thread-safe; one connection. `model_dir` defaults to `<db dir>/prediction-models`.
    Runs go in and come out in slots of `slot_ms`; `legacy_slot_ms` is the slot length of runs
    and models stored without one."""

    def __init__(
        self, db_path: str | Path, model_dir: str | Path | None = None,
        params: TrainingParams | None = None, retrain_every_runs: int = 1,
        slot_ms: int = SLOT_MS.default, legacy_slot_ms: int = LEGACY_SLOT_MS,
    ) -> None:
        self.db_path = Path(db_path)
        self.model_dir = Path(model_dir) if model_dir else self.db_path.parent / "prediction-models"
        self.params = params or TrainingParams()
        self.retrain_every_runs = retrain_every_runs
        self.slot_ms, self.legacy_slot_ms = slot_ms, legacy_slot_ms
        self.counters = StoreCounters()
        self._lock = threading.Lock()
        self._db = open_database(self.db_path)
        self._db.executescript(_DDL)
        self._record_slot_lengths()
        self._report_other_slot_lengths()
        self._model: CurveModel | None = None

    def _record_slot_lengths(self) -> None:
        """Give runs stored by a version that recorded no slot length `legacy_slot_ms`, once,
        so that they keep it when the configured slot length changes later."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(prediction_runs)")}
        if "slot_ms" in columns and self._db.execute(
                "SELECT 1 FROM prediction_runs WHERE slot_ms IS NULL LIMIT 1").fetchone() is None:
            return  # the common case needs no write lock
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                # Again inside the lock: another process (`yarn-elastic predict`, a second
                # core) may have done it meanwhile.
                columns = {row[1] for row in self._db.execute(
                    "PRAGMA table_info(prediction_runs)")}
                if "slot_ms" not in columns:
                    self._db.execute("ALTER TABLE prediction_runs ADD COLUMN slot_ms INTEGER")
                filled = self._db.execute(
                    "UPDATE prediction_runs SET slot_ms = ? WHERE slot_ms IS NULL",
                    (self.legacy_slot_ms,)).rowcount
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise ModelStoreError(
                f"cannot record the slot length of the stored runs in {self.db_path} ({exc});"
                " the core needs write access to its database") from exc
        if filled:
            LOG.info("prediction: %d stored runs recorded no slot length; recorded as %d ms"
                     " (the old default, or the deprecated yarn.elastic.prediction.slot-seconds"
                     " where set)", filled, self.legacy_slot_ms)

    def _report_other_slot_lengths(self) -> None:
        rows = self._db.execute(
            "SELECT slot_ms, count(*) FROM prediction_runs WHERE slot_ms != ? GROUP BY slot_ms"
            " ORDER BY slot_ms", (self.slot_ms,)).fetchall()
        for slot_ms, count in rows:
            LOG.info("prediction: %d stored runs have %d ms slots, not the configured %d ms"
                     " (%s): they are read rescaled to it, each slot the largest value it"
                     " overlaps, and stay stored as measured", count, slot_ms, self.slot_ms,
                     SLOT_MS.name)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ---- history ------------------------------------------------------------------------

    def record_run(self, run: Run) -> bool:
        """Store a finished run, its curves in this store's slots (idempotent by signature and
        run id); True if it was new."""
        roles = {role: stored(curve).tolist() for role, curve in run.roles.items()}
        with self._lock:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO prediction_runs (signature_key, run_id, finished_ms,"
                " signature, input_bytes, roles, slot_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (run.signature.key, run.run_id, run.finished_ms, signature_to_json(run.signature),
                 run.input_bytes, json.dumps(roles), self.slot_ms),
            )
            new = cursor.rowcount == 1
        if new:
            self.counters.runs_recorded += 1
        return new

    def runs(self, signature: JobSignature | None = None) -> list[Run]:
        """The stored runs, oldest first, in this store's slots."""
        sql = ("SELECT signature, run_id, finished_ms, input_bytes, roles, slot_ms"
               " FROM prediction_runs")
        args: tuple[Any, ...] = ()
        if signature is not None:
            sql += " WHERE signature_key = ?"
            args = (signature.key,)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY finished_ms, run_id", args).fetchall()
        out = []
        for sig, run_id, finished, input_bytes, roles, slot_ms in rows:
            stored_ms = slot_ms or self.legacy_slot_ms
            curves = {r: rescaled(np.asarray(c, dtype=np.float64), stored_ms, self.slot_ms)
                      for r, c in json.loads(roles).items()}
            out.append(Run(signature_from_json(sig), run_id, finished, curves, input_bytes))
        return out

    def signatures_named(self, app_name: str) -> list[JobSignature]:
        with self._lock:
            rows = self._db.execute(
                "SELECT DISTINCT signature FROM prediction_runs ORDER BY signature"
            ).fetchall()
        signatures = [signature_from_json(r[0]) for r in rows]
        return [s for s in signatures if s.app_name == app_name]

    # ---- meta ---------------------------------------------------------------------------

    def put_meta(self, key: str, value: Any) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO prediction_meta VALUES (?, ?)", (key, json.dumps(value))
            )

    def get_meta(self, key: str) -> Any:
        with self._lock:
            row = self._db.execute(
                "SELECT value FROM prediction_meta WHERE key = ?", (key,)
            ).fetchone()
        return None if row is None else json.loads(row[0])

    # ---- the feature model --------------------------------------------------------------

    def feature_model(self) -> CurveModel | None:
        """The current model: loaded and checksum-verified, rebuilt if that fails, trained if
        none exists yet and there is history enough; None while there is not."""
        if self._model is not None:
            return self._model
        row = self._model_row()
        if row is not None:
            try:
                self._model = self._load(row)
                return self._model
            except ModelStoreError as exc:
                LOG.warning("%s; rebuilding it from the stored run history", exc)
                self.counters.rebuilds += 1
        return self.retrain()

    def on_run_finished(self, run: Run) -> CurveModel | None:
        """Record a finished run and retrain once `retrain_every_runs` new runs arrived."""
        if not self.record_run(run):
            return self._model
        return self.retrain_if_due()

    def retrain_if_due(self) -> CurveModel | None:
        """Retrain when `retrain_every_runs` runs were stored since the model was trained."""
        row = self._model_row()
        trained = row["trained_runs"] if row else 0
        if self.run_count() - trained >= self.retrain_every_runs:
            return self.retrain()
        return self.feature_model()

    def retrain(self) -> CurveModel | None:
        runs = self.runs()
        if sum(len(r.roles) for r in runs) < 5:
            LOG.info("feature model: %d stored runs, not enough to train yet", len(runs))
            return None
        started = time.monotonic()
        model = train(runs, self.params)
        self._save(model)
        self._model = model
        self.counters.trainings += 1
        LOG.info(
            "feature model trained on %d runs in %.1f s (band margins %s, widths %s)", len(runs),
            time.monotonic() - started, np.round(model.band.margins, 3).tolist(),
            list(model.band.widths),
        )
        return model

    def run_count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM prediction_runs").fetchone()[0])

    def _model_row(self) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT file, sha256, bytes, trained_runs, metadata FROM prediction_models "
                "WHERE name = ?", (FEATURE_MODEL,),
            ).fetchone()
        if row is None:
            return None
        keys = ("file", "sha256", "bytes", "trained_runs", "metadata")
        return dict(zip(keys, row, strict=True))

    def _load(self, row: dict[str, Any]) -> CurveModel:
        path = Path(row["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ModelStoreError(f"model file {path} cannot be read ({exc})") from exc
        digest = hashlib.sha256(data).hexdigest()
        if digest != row["sha256"]:
            raise ModelStoreError(
                f"model file {path} is corrupt: SHA-256 {digest[:12]}… does not match the "
                f"recorded {row['sha256'][:12]}…"
            )
        try:
            metadata = json.loads(row["metadata"])
            trained_ms = int(metadata.get("slot_ms", self.legacy_slot_ms))
        except (ValueError, TypeError, AttributeError) as exc:
            raise ModelStoreError(f"model file {path} cannot be loaded ({exc})") from exc
        # The model predicts a curve's length in slots: of another slot length it is wrong.
        if trained_ms != self.slot_ms:
            raise ModelStoreError(
                f"model file {path} was trained on {trained_ms} ms slots, and {SLOT_MS.name}"
                f" is {self.slot_ms} ms")
        try:
            return CurveModel.from_bytes(data, metadata)
        except (ValueError, KeyError, TypeError, sqlite3.Error) as exc:
            raise ModelStoreError(f"model file {path} cannot be loaded ({exc})") from exc

    def _save(self, model: CurveModel) -> None:
        data, metadata = model.to_bytes()
        metadata["slot_ms"] = self.slot_ms
        self.model_dir.mkdir(parents=True, exist_ok=True)
        path = self.model_dir / f"{FEATURE_MODEL}.ubj"
        tmp = path.with_suffix(".ubj.tmp")
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO prediction_models VALUES (?, ?, ?, ?, ?, ?, ?)",
                (FEATURE_MODEL, str(path), hashlib.sha256(data).hexdigest(), len(data),
                 int(time.time() * 1000), self._count_runs_unlocked(),
                 json.dumps(metadata, sort_keys=True)),
            )

    def _count_runs_unlocked(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM prediction_runs").fetchone()[0])
