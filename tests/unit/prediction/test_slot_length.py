"""One slot length from yarn.elastic.slot-ms: prediction, the estimator and the core agree on it,
the deprecated prediction key is warned of and never stops anything, and runs stored at another
slot length (the old 5 s) are rescaled when read, never rewritten or mixed in as they are."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from prediction_helpers import make_runs, signature
from yarn_elastic.cli import main
from yarn_elastic.commands.core import elastic_inputs
from yarn_elastic.depository.store import UsageStore
from yarn_elastic.endpoint.service import CoreService
from yarn_elastic.estimator.config import TIME_INTERVAL, read_estimator_config
from yarn_elastic.prediction.live import LiveBands
from yarn_elastic.prediction.model_store import ModelStore
from yarn_elastic.prediction.recorder import RunRecorder, model_store_from_conf
from yarn_elastic.prediction.runs import rescaled
from yarn_elastic.prediction.xgb_curves import TrainingParams
from yarn_elastic.scheduling import minfrag_policy
from yarn_elastic.slots import DEPRECATED_SLOT_SECONDS, LEGACY_SLOT_MS, SLOT_MS, slot_lengths

SMALL = TrainingParams(n_estimators=5, max_depth=3)
# The prediction_runs table as versions before slot lengths were recorded created it.
OLD_DDL = """
CREATE TABLE prediction_runs (
  signature_key TEXT NOT NULL, run_id TEXT NOT NULL, finished_ms INTEGER NOT NULL,
  signature TEXT NOT NULL, input_bytes REAL, roles TEXT NOT NULL,
  PRIMARY KEY (signature_key, run_id));
"""


@pytest.mark.parametrize(("conf", "slot_ms", "seconds"), [
    ({}, 3000, 3),  # the defaults: the agent's sampling interval
    ({SLOT_MS.name: "2000"}, 2000, 2),
    ({SLOT_MS.name: "10000"}, 10000, 10),
])
def test_every_slot_length_derives_from_the_one_key(
        tmp_path: Path, conf: dict[str, str], slot_ms: int, seconds: int) -> None:
    usage = UsageStore(tmp_path / "core.db")
    models = model_store_from_conf(conf, usage.path)
    service = CoreService(minfrag_policy())
    bands = elastic_inputs(service, conf, models, usage)
    try:
        assert isinstance(bands, LiveBands) and service.elastic is not None
        assert models.slot_ms == slot_ms
        assert service.elastic.bands.band_slot_ms == slot_ms  # what the core's cycle rescales
        assert read_estimator_config(conf).solver.time_interval == seconds
        recorder = RunRecorder(usage, models)
        assert recorder.models.slot_ms == slot_ms  # the runs it cuts are in the store's slots
    finally:
        bands.stop()
        models.close()
        usage.close()


def test_the_shipped_conf_has_one_slot_length() -> None:
    from yarn_elastic.hadoop_conf import read_configuration

    root = Path(__file__).resolve().parents[3]
    site = read_configuration([root / "conf" / "yarn-site.xml"])
    estimator = read_configuration([root / "conf" / "resourceestimator-config.xml"])
    assert DEPRECATED_SLOT_SECONDS not in site and TIME_INTERVAL.name not in estimator
    slot_ms = SLOT_MS.read(site)
    assert read_estimator_config(site | estimator).solver.time_interval * 1000 == slot_ms


def test_the_deprecated_key_is_warned_of_and_sets_no_slot_length(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        lengths = slot_lengths({DEPRECATED_SLOT_SECONDS: "5"})
    assert lengths.slot_ms == SLOT_MS.default and lengths.legacy_ms == 5000
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert DEPRECATED_SLOT_SECONDS in warning and "deprecated and ignored" in warning
    assert SLOT_MS.name in warning and "Remove the key" in warning


def test_a_bad_deprecated_value_is_warned_of_never_fatal(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        lengths = slot_lengths({DEPRECATED_SLOT_SECONDS: "five", SLOT_MS.name: "1000"})
    assert (lengths.slot_ms, lengths.legacy_ms) == (1000, LEGACY_SLOT_MS)
    assert any(DEPRECATED_SLOT_SECONDS in r.getMessage() and "'five'" in r.getMessage()
               for r in caplog.records if r.levelno == logging.WARNING)


def test_predict_with_the_deprecated_key_warns_and_answers(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    store = ModelStore(tmp_path / "core.db", params=SMALL)
    for run in make_runs(5, signature("nightly"), seed=3):
        store.record_run(run)
    store.close()
    site = tmp_path / "yarn-site.xml"
    site.write_text(f"<configuration><property><name>{DEPRECATED_SLOT_SECONDS}</name>"
                    "<value>5</value></property></configuration>")
    code = main(["predict", "--app-name", "nightly", "--db", str(tmp_path / "core.db"),
                 "--conf", str(site), "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["slot_ms"] == SLOT_MS.default
    assert any(DEPRECATED_SLOT_SECONDS in r.getMessage() for r in caplog.records
               if r.levelno == logging.WARNING)


def old_database(path: Path, executor: np.ndarray) -> None:
    """A database as an older core left it: a run of 5 s slots, with no slot length."""
    run = make_runs(1, signature("etl"))[0]
    db = sqlite3.connect(path)
    db.executescript(OLD_DDL)
    db.execute("INSERT INTO prediction_runs VALUES (?, ?, ?, ?, ?, ?)",
               (run.signature.key, "old", 1000, json.dumps(
                   run.signature.__dict__ | {"tags": list(run.signature.tags)}),
                None, json.dumps({"executor": executor.tolist()})))
    db.commit()
    db.close()


def test_old_runs_are_recorded_as_5s_and_read_rescaled(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    executor = np.arange(40, dtype=float).reshape(4, 10)  # 10 slots of 5 s: 50 s
    old_database(tmp_path / "core.db", executor)
    with caplog.at_level(logging.INFO):
        store = ModelStore(tmp_path / "core.db", slot_ms=3000)
    (run,) = store.runs()
    curve = run.roles["executor"]
    assert curve.shape == (4, 17)  # 51 s of 3 s slots cover the 50 s
    np.testing.assert_array_equal(curve, rescaled(executor, 5000, 3000))
    assert (curve >= np.repeat(executor, 5, axis=1)[:, ::3][:, :17]).all()  # never below
    messages = [r.getMessage() for r in caplog.records]
    assert any("1 stored runs recorded no slot length; recorded as 5000 ms" in m
               for m in messages)
    assert any("1 stored runs have 5000 ms slots, not the configured 3000 ms" in m
               for m in messages)
    rows = store._db.execute("SELECT roles, slot_ms FROM prediction_runs").fetchall()
    assert rows == [(json.dumps({"executor": executor.tolist()}), 5000)]  # kept as measured
    store.close()
    # Recorded once: a later legacy length (the deprecated key changed or gone) changes nothing.
    again = ModelStore(tmp_path / "core.db", slot_ms=5000, legacy_slot_ms=1000)
    np.testing.assert_array_equal(again.runs()[0].roles["executor"], executor)
    again.close()


def test_the_deprecated_key_names_the_old_runs_slot_length(tmp_path: Path) -> None:
    executor = np.ones((4, 6))
    old_database(tmp_path / "core.db", executor)
    store = model_store_from_conf({DEPRECATED_SLOT_SECONDS: "10", SLOT_MS.name: "5000"},
                                  tmp_path / "core.db")
    assert store.runs()[0].roles["executor"].shape == (4, 12)  # 60 s in 5 s slots
    store.close()


def test_new_runs_keep_their_slot_length_and_mix_rescaled(tmp_path: Path) -> None:
    old = ModelStore(tmp_path / "core.db", slot_ms=5000)
    (first,) = make_runs(1, signature("etl"), seed=1)
    old.record_run(first)
    old.close()
    store = ModelStore(tmp_path / "core.db", slot_ms=1000)
    (second,) = [r for r in make_runs(2, signature("etl"), seed=2) if r.run_id == "r1"]
    store.record_run(second)
    runs = {r.run_id: r for r in store.runs()}
    np.testing.assert_allclose(runs["r0"].roles["executor"],
                               rescaled(np.round(first.roles["executor"], 4), 5000, 1000))
    np.testing.assert_allclose(runs["r1"].roles["executor"], second.roles["executor"],
                               atol=1e-4)
    assert store._db.execute("SELECT run_id, slot_ms FROM prediction_runs ORDER BY run_id"
                             ).fetchall() == [("r0", 5000), ("r1", 1000)]
    store.close()


def test_a_model_trained_on_other_slots_is_retrained(tmp_path: Path) -> None:
    old = ModelStore(tmp_path / "core.db", params=SMALL, slot_ms=5000)
    for run in make_runs(5, signature("etl"), seed=4):
        old.record_run(run)
    assert old.retrain() is not None
    old.close()
    same = ModelStore(tmp_path / "core.db", params=SMALL, slot_ms=5000)
    assert same.feature_model() is not None and same.counters.rebuilds == 0
    same.close()
    store = ModelStore(tmp_path / "core.db", params=SMALL, slot_ms=3000)
    assert store.feature_model() is not None and store.counters.rebuilds == 1
    (metadata,) = store._db.execute("SELECT metadata FROM prediction_models").fetchone()
    assert json.loads(metadata)["slot_ms"] == 3000
    store.close()


def test_a_model_from_before_slot_lengths_counts_as_legacy(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "core.db", params=SMALL, slot_ms=LEGACY_SLOT_MS)
    for run in make_runs(5, signature("etl"), seed=4):
        store.record_run(run)
    store.retrain()
    (metadata,) = store._db.execute("SELECT metadata FROM prediction_models").fetchone()
    store._db.execute("UPDATE prediction_models SET metadata = ?", (json.dumps(
        {k: v for k, v in json.loads(metadata).items() if k != "slot_ms"}),))
    store.close()
    legacy = ModelStore(tmp_path / "core.db", params=SMALL, slot_ms=LEGACY_SLOT_MS)
    assert legacy.feature_model() is not None and legacy.counters.rebuilds == 0
    legacy.close()


@pytest.mark.parametrize(("conf", "seconds", "warned"), [
    ({TIME_INTERVAL.name: "3"}, 3, False),  # agrees with the default 3000 ms
    ({TIME_INTERVAL.name: "5"}, 5, True),  # Hadoop's shipped value: kept, and warned of
    ({TIME_INTERVAL.name: "5", SLOT_MS.name: "5000"}, 5, False),
    ({SLOT_MS.name: "2500"}, 3, True),  # the estimator's steps are whole seconds
])
def test_the_estimators_time_interval(conf: dict[str, str], seconds: int, warned: bool,
                                      caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert read_estimator_config(conf).solver.time_interval == seconds
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert bool(warnings) == warned
    assert all(TIME_INTERVAL.name in w and SLOT_MS.name in w for w in warnings)


def test_rescaled_is_the_max_of_the_old_slots_each_new_one_overlaps() -> None:
    rng = np.random.default_rng(11)
    for _ in range(500):
        length, from_ms, to_ms = (int(v) for v in rng.integers([1, 1, 1], [40, 9000, 9000]))
        curve = rng.random((4, length))
        out = rescaled(curve, from_ms, to_ms)
        assert out.shape[1] * to_ms >= length * from_ms > (out.shape[1] - 1) * to_ms
        for i in range(out.shape[1]):
            overlapped = [j for j in range(length)
                          if j * from_ms < (i + 1) * to_ms and (j + 1) * from_ms > i * to_ms]
            np.testing.assert_array_equal(out[:, i], curve[:, overlapped].max(axis=1))
