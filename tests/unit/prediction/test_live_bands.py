"""LiveBands: the cycle reads predicted bands from memory; a thread computes them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from yarn_elastic.messages import App
from yarn_elastic.prediction.live import LiveBands
from yarn_elastic.prediction.model_store import ModelStore
from yarn_elastic.prediction.runs import Run
from yarn_elastic.prediction.signature import make_signature

APP = App("application_1_0004", "root.default", "alice", "nightly", "SPARK", 0, 0)
SIZE = (1.0, 4096.0)


def executor_curve(memory: float) -> np.ndarray:
    return np.array([[1, 1, 1], [memory, memory, memory], [0, 0, 0], [0, 0, 0]], dtype=float)


def store_with_runs(path: Path, runs: int) -> ModelStore:
    store = ModelStore(path / "core.db")
    signature = make_signature("nightly", "SPARK", "root.default", "alice", 1, 4096)
    for i in range(runs):
        am = np.array([[1, 1, 1], [500, 500, 500], [0, 0, 0], [0, 0, 0]], dtype=float)
        store.record_run(Run(signature, f"application_1_000{i}", 1000 + i,
                             {"executor": executor_curve(1000 + 10 * i), "am": am}))
    return store


def test_a_miss_answers_none_at_once_and_the_thread_fills_it(tmp_path: Path) -> None:
    bands = LiveBands(store_with_runs(tmp_path, 3))
    assert bands.band(APP, "executor", SIZE) is None  # queued, not computed in the cycle
    assert bands.fill() == 1
    band = bands.band(APP, "executor", SIZE)
    assert band is not None and band.shape[0] == 4
    assert 1000 <= band[1].max() < 4096  # about what the runs used, not the request
    assert bands.status()["bands"] == 1


def test_an_am_ask_finds_the_one_stored_signature_of_its_job(tmp_path: Path) -> None:
    bands = LiveBands(store_with_runs(tmp_path, 3))
    bands.band(APP, "am", None)  # the AM comes before any executor: no size yet
    bands.fill()
    band = bands.band(APP, "am", None)
    assert band is not None and band[1].max() >= 500


def test_an_unknown_job_has_no_band(tmp_path: Path) -> None:
    bands = LiveBands(store_with_runs(tmp_path, 3))
    other = App("application_1_0009", "root.default", "bob", "adhoc", "SPARK", 0, 0)
    bands.band(other, "executor", SIZE)
    bands.fill()
    assert bands.band(other, "executor", SIZE) is None
    assert bands.status()["unpredictable"] == 1


def test_a_memory_kill_raises_the_job_roles_memory_band_for_good(tmp_path: Path) -> None:
    store = store_with_runs(tmp_path, 3)
    bands = LiveBands(store)
    bands.band(APP, "executor", SIZE)
    bands.fill()
    bands.bump(APP, "executor")
    band = bands.band(APP, "executor", SIZE)
    assert band is not None and np.isinf(band[1]).all()  # the demand caps it at the request
    assert np.isfinite(band[0]).all()  # CPU keeps its band
    # A new run makes a new forecaster and an empty book; the bump stays.
    signature = make_signature("nightly", "SPARK", "root.default", "alice", 1, 4096)
    store.record_run(Run(signature, "application_1_0007", 2000, {"executor": executor_curve(900)}))
    bands.fill()
    assert bands.band(APP, "executor", SIZE) is None
    bands.fill()
    again = bands.band(APP, "executor", SIZE)
    assert again is not None and np.isinf(again[1]).all()


def test_without_runs_nothing_is_predicted(tmp_path: Path) -> None:
    bands = LiveBands(ModelStore(tmp_path / "core.db"))
    bands.band(APP, "executor", SIZE)
    bands.fill()
    assert bands.band(APP, "executor", SIZE) is None


def test_the_thread_starts_and_stops(tmp_path: Path) -> None:
    bands = LiveBands(store_with_runs(tmp_path, 3))
    bands.start()
    try:
        bands.band(APP, "executor", SIZE)
        for _ in range(200):
            if bands.band(APP, "executor", SIZE) is not None:
                break
            import time
            time.sleep(0.05)
        assert bands.band(APP, "executor", SIZE) is not None
    finally:
        bands.stop()
