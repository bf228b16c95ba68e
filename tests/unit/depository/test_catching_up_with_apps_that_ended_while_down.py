"""Applications that ended while the core was down are learnt from once it is back: the
catch-up finds them in the depository (samples, no stored run), waits for their samples to
settle, asks the RM's REST API (a fake one here) and hands them to the same run recorder."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fake_rm import FakeRm, app_report
from test_learning_from_finished_apps import (
    EXECUTOR,
    Clock,
    finished_app,
    recorder,
    store_usage,
)
from usage_reports import APP, NOW_MS, report, sample
from yarn_elastic.depository.service import Depository
from yarn_elastic.depository.store import UsageStore
from yarn_elastic.prediction.catchup_runner import CatchUp
from yarn_elastic.prediction.recorder import RunRecorder, recorder_from_conf
from yarn_elastic.prediction.rm_apps import RmApps
from yarn_elastic.prediction.runs import Run
from yarn_elastic.prediction.signature import make_signature

OTHER = "application_1700000000000_0002"


@pytest.fixture
def rm() -> Iterator[FakeRm]:
    fake = FakeRm()
    yield fake
    fake.close()


def catch_up(learner: RunRecorder, rm_url: str, running: frozenset[str] = frozenset()) -> CatchUp:
    return CatchUp(learner, RmApps([rm_url], timeout_s=2), lambda: running, window_s=86_400,
                   interval_s=300, first_interval_s=15, wall_ms=lambda: NOW_MS)


def looks(catching_up: CatchUp, count: int = 2) -> int:
    """Handed over in `count` looks (the first only notes what the depository holds)."""
    return sum(catching_up.look() for _ in range(count))


def test_an_app_that_ended_while_the_core_was_down_is_learnt_from_once(
    depository: Depository, store: UsageStore, tmp_path: Path, rm: FakeRm
) -> None:
    store_usage(depository)  # what the agents' spools delivered once the core was back
    rm.answers[APP] = app_report(APP, applicationTags="Nightly,runid:7")
    learner = recorder(store, tmp_path, Clock())
    catching_up = catch_up(learner, rm.url)
    assert catching_up.look() == 0 and rm.asked == []  # samples may still be arriving
    assert catching_up.look() == 1 and rm.asked == [APP]
    assert learner.record_due() == 1  # due at once: the samples have settled
    (run,) = learner.models.runs()
    # The job as the RM names it; its executor size is unknown (no stored run to take it from).
    assert run.signature == make_signature("nightly-etl", "SPARK", "default", "alice",
                                           tags=("nightly",))
    assert run.run_id == APP and run.finished_ms == 1_699_999_990_000  # the RM's finish time
    assert run.roles["executor"][0, 0] == 1.5
    status = learner.status()
    assert (status["learnt"], status["caught_up"], status["finished"]) == (1, 1, 0)
    assert status["recent"] == [APP]
    assert looks(catching_up) == 0 and rm.asked == [APP]  # stored: not a candidate any more
    learner.models.close()

    # Restarted (a new recorder and catch-up on the same file), it does not learn it again.
    again = recorder(store, tmp_path, Clock())
    assert looks(catch_up(again, rm.url), 3) == 0 and rm.asked == [APP]
    assert again.record_due() == 0 and len(again.models.runs()) == 1
    again.models.close()


def test_samples_still_arriving_wait_for_a_look_where_they_did_not_change(
    depository: Depository, store: UsageStore, tmp_path: Path, rm: FakeRm
) -> None:
    store_usage(depository, seconds=10)
    rm.answers[APP] = app_report(APP)
    learner = recorder(store, tmp_path, Clock())
    catching_up = catch_up(learner, rm.url)
    catching_up.look()
    later = [sample(EXECUTOR, NOW_MS - 30_000 + 1000 * t) for t in range(10, 20)]
    depository.ingest(json.dumps(report(later)).encode(), None, None)
    assert catching_up.look() == 0 and rm.asked == []  # a spool still being delivered
    assert catching_up.look() == 1
    learner.record_due()
    (run,) = learner.models.runs()
    assert run.roles["executor"].shape[1] == 4  # all 20 seconds, not the first 10
    learner.models.close()


def test_a_running_app_is_not_learnt_from(
    depository: Depository, store: UsageStore, tmp_path: Path, rm: FakeRm
) -> None:
    store_usage(depository)
    rm.answers[APP] = app_report(APP, state="RUNNING")
    learner = recorder(store, tmp_path, Clock())
    # In the picture: the RM is not even asked; the live path learns from it when it ends.
    assert looks(catch_up(learner, rm.url, frozenset({APP})), 3) == 0 and rm.asked == []
    # Not in the picture (the shim has not connected yet), the RM says it runs: asked again.
    catching_up = catch_up(learner, rm.url)
    assert looks(catching_up, 3) == 0 and rm.asked == [APP, APP]
    rm.answers[APP] = app_report(APP)
    assert catching_up.look() == 1
    learner.models.close()


def test_an_app_the_live_path_is_settling_is_left_to_it(
    depository: Depository, store: UsageStore, tmp_path: Path, rm: FakeRm
) -> None:
    store_usage(depository)
    rm.answers[APP] = app_report(APP)
    learner = recorder(store, tmp_path, Clock())
    learner.finished([finished_app()])
    assert looks(catch_up(learner, rm.url)) == 0 and rm.asked == [] and learner.pending() == 1
    learner.models.close()


def test_an_app_the_rm_no_longer_knows_is_skipped_with_a_log_line(
    depository: Depository, store: UsageStore, tmp_path: Path, rm: FakeRm,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store_usage(depository)
    learner = recorder(store, tmp_path, Clock())
    catching_up = catch_up(learner, rm.url)
    with caplog.at_level(logging.INFO, "yarn_elastic.prediction"):
        assert looks(catching_up, 4) == 0
    assert rm.asked == [APP]  # once: it would not know it any better later
    (line,) = [r.getMessage() for r in caplog.records if "no longer knows" in r.getMessage()]
    assert "1 application(s)" in line and APP in line
    learner.models.close()


@pytest.mark.parametrize("state", ["FAILED", "KILLED"])
def test_a_failed_or_killed_app_is_learnt_from_as_the_live_path_does(
    depository: Depository, store: UsageStore, tmp_path: Path, rm: FakeRm, state: str
) -> None:
    # The shim drops an application from the picture at any final state, and the live path
    # learns from every one it drops; a caught-up application follows the same rule.
    store_usage(depository)
    rm.answers[APP] = app_report(APP, state=state)
    learner = recorder(store, tmp_path, Clock())
    assert looks(catch_up(learner, rm.url)) == 1
    learner.record_due()
    assert [r.run_id for r in learner.models.runs()] == [APP]
    learner.models.close()


@pytest.mark.parametrize("bad", [503, b"<html>not json</html>", {"app": {"id": APP}}, b"[1]"])
def test_a_bad_answer_is_logged_once_and_asked_again_later(
    depository: Depository, store: UsageStore, tmp_path: Path, rm: FakeRm, bad: object,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store_usage(depository)
    rm.answers[APP] = bad
    learner = recorder(store, tmp_path, Clock())
    catching_up = catch_up(learner, rm.url)
    with caplog.at_level(logging.INFO, "yarn_elastic.prediction"):
        assert looks(catching_up, 4) == 0
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and len(rm.asked) == 3, [r.getMessage() for r in warnings]
    rm.answers[APP] = app_report(APP)
    assert catching_up.look() == 1
    learner.models.close()


def test_an_rm_that_is_down_stops_the_look_and_is_tried_at_the_next(
    depository: Depository, store: UsageStore, tmp_path: Path, rm: FakeRm,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store_usage(depository)
    rm.answers[APP] = app_report(APP)
    learner = recorder(store, tmp_path, Clock())
    down = FakeRm()
    down.close()  # nothing listens there any more
    catching_up = CatchUp(learner, RmApps([down.url], timeout_s=2), lambda: (), 86_400, 300,
                          15, wall_ms=lambda: NOW_MS)
    with caplog.at_level(logging.INFO, "yarn_elastic.prediction"):
        assert looks(catching_up, 3) == 0
        assert len([r for r in caplog.records if "does not answer" in r.getMessage()]) == 1
        # Two RMs (HA): the first one still down, the other answers.
        catching_up.rm = RmApps([down.url, rm.url], timeout_s=2)
        assert catching_up.look() == 1
    assert any("answers again" in r.getMessage() for r in caplog.records)
    learner.models.close()


def test_the_executor_size_is_the_one_the_jobs_stored_runs_have(
    depository: Depository, store: UsageStore, tmp_path: Path, rm: FakeRm
) -> None:
    store_usage(depository)
    rm.answers[APP] = app_report(APP, queue="root.default")  # an RM that tells queue paths
    learner = recorder(store, tmp_path, Clock())
    earlier = make_signature("nightly-etl", "SPARK", "default", "alice", 2, 4096)
    stored = Run(earlier, "application_1600000000000_0001", NOW_MS - 86_400_000,
                 {"executor": np.ones((4, 3))}, None)
    assert learner.models.record_run(stored)
    assert looks(catch_up(learner, rm.url)) == 1
    learner.record_due()
    # Filed with the job's earlier runs, as the live path would have filed it.
    assert [r.run_id for r in learner.models.runs(earlier)] == [stored.run_id, APP]
    learner.models.close()


def test_the_core_catches_up_on_threads_of_its_own(
    depository: Depository, store: UsageStore, rm: FakeRm
) -> None:
    store_usage(depository)
    rm.answers[APP] = app_report(APP)
    conf = {"yarn.resourcemanager.webapp.address": rm.url.removeprefix("http://"),
            "yarn.elastic.prediction.settle-seconds": "0.05",
            "yarn.elastic.prediction.catch-up-interval-seconds": "0.05",
            # The test's samples are from 2023: a window that reaches them.
            "yarn.elastic.prediction.catch-up-window-hours": "1000000"}
    learner = recorder_from_conf(conf, store, running=frozenset)
    assert learner is not None and len(learner.on_stop) == 1
    deadline = time.monotonic() + 20
    while learner.counters.caught_up == 0:
        assert time.monotonic() < deadline, learner.status()
        time.sleep(0.02)
    learner.stop()
    assert learner.status()["recent"] == [APP]


def test_catch_up_can_be_switched_off(store: UsageStore) -> None:
    conf = {"yarn.elastic.prediction.catch-up": "false"}
    learner = recorder_from_conf(conf, store, running=frozenset)
    assert learner is not None and learner.on_stop == []
    learner.stop()
