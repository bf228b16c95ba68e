"""The core learns from every application that finishes: the run recorder reads its usage from
the depository once it has settled, stores it as a run of its job, and retrains."""

from __future__ import annotations

import json
import time
from pathlib import Path

from usage_reports import APP, NOW_MS, report, sample
from yarn_elastic.depository.service import Depository
from yarn_elastic.depository.store import UsageStore
from yarn_elastic.messages import App
from yarn_elastic.picture import FinishedApp
from yarn_elastic.prediction.forecaster import Forecaster
from yarn_elastic.prediction.model_store import ModelStore
from yarn_elastic.prediction.recorder import RunRecorder
from yarn_elastic.prediction.scoring import PredictionScorer
from yarn_elastic.prediction.signature import make_signature

AM = "container_e01_1700000000000_0001_01_000001"
EXECUTOR = "container_e01_1700000000000_0001_01_000002"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def finished_app(app_id: str = APP) -> FinishedApp:
    app = App(app_id, "default", "alice", "nightly-etl", "SPARK", 0, NOW_MS - 60_000)
    return FinishedApp(app, 2, 4096)


def store_usage(depository: Depository, seconds: int = 20) -> None:
    samples = [sample(c, NOW_MS - 30_000 + 1000 * t, cpu_cores=cpu)
               for t in range(seconds) for c, cpu in ((AM, 0.2), (EXECUTOR, 1.5))]
    depository.ingest(json.dumps(report(samples)).encode(), None, None)


def recorder(store: UsageStore, tmp_path: Path, clock: Clock) -> RunRecorder:
    # The recorder cuts runs in its store's slots: 5 s here, so 20 samples make 4 slots.
    models = ModelStore(store.path, tmp_path / "models", slot_ms=5000)
    return RunRecorder(store, models, settle_seconds=15, clock=clock, wall_ms=lambda: NOW_MS)


def told_of_a_measured_app(
    depository: Depository, store: UsageStore, tmp_path: Path
) -> tuple[RunRecorder, Clock]:
    """A recorder on a manual clock at 0, told that an app whose usage is stored finished."""
    store_usage(depository)
    clock = Clock()
    learner = recorder(store, tmp_path, clock)
    learner.finished([finished_app()])
    return learner, clock


def test_a_finished_app_is_learnt_from_once_it_has_settled(
    depository: Depository, store: UsageStore, tmp_path: Path
) -> None:
    learner, clock = told_of_a_measured_app(depository, store, tmp_path)
    assert learner.record_due() == 0 and learner.pending() == 1  # agents may still report
    clock.now = 15.0
    assert learner.record_due() == 1
    signature = make_signature("nightly-etl", "SPARK", "default", "alice", 2, 4096)
    (run,) = learner.models.runs(signature)
    # 20 one-second samples in 5-second slots: 4 slots per role; the executor burnt 1.5 cores.
    assert run.run_id == APP and set(run.roles) == {"am", "executor"}
    assert run.roles["executor"].shape == (4, 4) and run.roles["executor"][0, 0] == 1.5
    assert learner.status()["learnt"] == 1 and learner.status()["pending"] == 0
    # Told again (a replayed delta), it stores nothing twice.
    learner.finished([finished_app()])
    clock.now = 30.0
    learner.record_due()
    assert len(learner.models.runs()) == 1 and learner.counters.learnt == 1
    learner.models.close()


def test_an_app_no_agent_measured_is_counted_not_stored(
    store: UsageStore, tmp_path: Path
) -> None:
    clock = Clock()
    learner = recorder(store, tmp_path, clock)
    learner.finished([finished_app("application_1700000000000_0099")])
    clock.now = 60.0
    learner.record_due()
    assert learner.counters.without_samples == 1 and learner.models.runs() == []
    learner.models.close()


def test_the_thread_learns_and_stops(
    depository: Depository, store: UsageStore, tmp_path: Path
) -> None:
    store_usage(depository)
    models = ModelStore(store.path, tmp_path / "models")
    learner = RunRecorder(store, models, settle_seconds=0.05)
    learner.start()
    learner.finished([finished_app()])
    deadline = time.monotonic() + 10
    while learner.counters.learnt == 0:
        assert time.monotonic() < deadline, learner.status()
        time.sleep(0.02)
    learner.stop()


def test_after_stop_nothing_more_is_learnt(
    depository: Depository, store: UsageStore, tmp_path: Path
) -> None:
    learner, clock = told_of_a_measured_app(depository, store, tmp_path)
    clock.now = 60.0
    learner.stop()
    assert learner.record_due() == 0 and learner.pending() == 1


def test_each_learnt_run_is_judged_first_and_a_new_job_is_unpredicted(
    depository: Depository, store: UsageStore, tmp_path: Path
) -> None:
    learner, clock = told_of_a_measured_app(depository, store, tmp_path)
    clock.now = 15.0
    learner.record_due()
    assert learner.scorer.snapshot().outcomes == {"predicted": 0, "unpredicted": 1, "failed": 0}
    # Told again (a replayed delta): nothing stored, nothing judged twice.
    learner.finished([finished_app()])
    clock.now = 30.0
    learner.record_due()
    assert learner.scorer.snapshot().outcomes["unpredicted"] == 1
    learner.models.close()


def test_a_failure_to_judge_a_run_does_not_stop_it_being_learnt(
    depository: Depository, store: UsageStore, tmp_path: Path
) -> None:
    learner, clock = told_of_a_measured_app(depository, store, tmp_path)

    def broken(_: ModelStore) -> Forecaster:
        raise RuntimeError("the forecaster is broken")

    learner.scorer = PredictionScorer(learner.models, forecaster=broken)
    clock.now = 15.0
    assert learner.record_due() == 1
    assert learner.counters.learnt == 1 and len(learner.models.runs()) == 1
    assert learner.counters.errors == 0  # the learning did not fail; the judging did
    assert learner.scorer.snapshot().outcomes["failed"] == 1
    learner.models.close()
