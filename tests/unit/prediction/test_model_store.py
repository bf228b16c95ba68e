from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np
import pytest
from prediction_helpers import make_runs, signature
from yarn_elastic.prediction.model_store import FEATURE_MODEL, ModelStore
from yarn_elastic.prediction.xgb_curves import TrainingParams

SMALL = TrainingParams(n_estimators=8, max_depth=3, n_jobs=1)


def filled_store(path: Path) -> ModelStore:
    store = ModelStore(path / "core.db", params=SMALL, retrain_every_runs=100)
    for sig in (signature("etl", 2, 4096), signature("etl", 4, 8192)):
        for run in make_runs(4, sig, seed=sig.executor_cores or 0):
            store.record_run(run)
    return store


def model_file(store: ModelStore) -> Path:
    return store.model_dir / f"{FEATURE_MODEL}.ubj"


def test_runs_round_trip_and_are_idempotent(tmp_path: Path) -> None:
    store = filled_store(tmp_path)
    runs = store.runs(signature("etl", 2, 4096))
    assert [r.run_id for r in runs] == ["r0", "r1", "r2", "r3"]
    assert not store.record_run(runs[0])
    np.testing.assert_allclose(runs[0].roles["executor"],
                               make_runs(1, signature("etl", 2, 4096), seed=2)[0].roles["executor"],
                               atol=1e-4)
    assert len(store.signatures_named("etl")) == 2 and store.signatures_named("other") == []


def test_model_saved_as_ubjson_with_checksum_and_reloaded(tmp_path: Path) -> None:
    store = filled_store(tmp_path)
    model = store.retrain()
    assert model is not None
    data = model_file(store).read_bytes()
    assert data[:1] == b"{"  # UBJSON object marker
    row = store._db.execute("SELECT sha256, trained_runs FROM prediction_models").fetchone()
    assert row == (hashlib.sha256(data).hexdigest(), 8)
    store.close()
    again = ModelStore(tmp_path / "core.db", params=SMALL)
    loaded = again.feature_model()
    assert loaded is not None and again.counters.rebuilds == 0 and again.counters.trainings == 0
    sig = signature("etl", 2, 4096)
    np.testing.assert_allclose(loaded.predict(sig, "executor", 8e9),
                               model.predict(sig, "executor", 8e9))


@pytest.mark.parametrize("damage", ["flip", "truncate", "delete"])
def test_corrupt_model_is_rebuilt_from_history_never_used(
    tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = filled_store(tmp_path)
    assert store.retrain() is not None
    store.close()
    path = model_file(store)
    data = bytearray(path.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    elif damage == "truncate":
        path.write_bytes(bytes(data[: len(data) // 3]))
    else:
        path.unlink()
    reopened = ModelStore(tmp_path / "core.db", params=SMALL)
    with caplog.at_level(logging.WARNING, logger="yarn_elastic.prediction"):
        model = reopened.feature_model()
    assert model is not None
    assert reopened.counters.rebuilds == 1 and reopened.counters.trainings == 1
    assert "rebuilding it from the stored run history" in caplog.text
    assert str(path) in caplog.text
    # The rebuilt file is whole again and matches its recorded checksum.
    row = reopened._db.execute("SELECT sha256 FROM prediction_models").fetchone()
    assert row[0] == hashlib.sha256(path.read_bytes()).hexdigest()
    # History was not touched.
    assert len(reopened.runs()) == 8


def test_retrains_as_runs_finish(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "core.db", params=SMALL, retrain_every_runs=2)
    runs = make_runs(6, signature("etl"), seed=3)
    assert store.on_run_finished(runs[0]) is None  # 2 role curves: too few to train
    store.on_run_finished(runs[1])
    store.on_run_finished(runs[2])
    assert store.counters.trainings == 1  # 3 runs: 6 role curves, enough
    store.on_run_finished(runs[3])
    assert store.counters.trainings == 1  # 1 new run since the last training
    store.on_run_finished(runs[4])
    assert store.counters.trainings == 2  # 2 new runs
    store.on_run_finished(runs[4])  # replayed: ignored
    assert store.counters.trainings == 2 and store.counters.runs_recorded == 5


def test_bands_fitted_on_held_out_settings_survive_a_reload(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "core.db", params=SMALL, retrain_every_runs=100)
    for cores in (1, 2, 4, 8):  # four settings of one job: one is held out whole
        sig = signature("etl", cores, 2048 * cores)
        for run in make_runs(4, sig, seed=cores):
            store.record_run(run)
    model = store.retrain()
    assert model is not None and model.anchored_band is not None
    store.close()
    loaded = ModelStore(tmp_path / "core.db", params=SMALL).feature_model()
    assert loaded is not None and loaded.anchored_band is not None
    np.testing.assert_allclose(loaded.anchored_band.margins, model.anchored_band.margins)
    assert loaded.anchored_band.widths == model.anchored_band.widths
    assert loaded.band.widths == model.band.widths
