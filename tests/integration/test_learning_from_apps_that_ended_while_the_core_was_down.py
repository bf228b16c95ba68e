"""Issue 10: an application that runs and ends while the core is down is learnt from once the
core is back. The agents spool its samples and deliver them to the restarted core, whose
catch-up finds them with no stored run, asks the real RM's REST API about the application and
learns from it through the same recorder as the live path."""

from __future__ import annotations

import time
from typing import Any

import pytest
from yarn_elastic.devcluster.agents import NodeManagerAgents
from yarn_elastic.devcluster.cluster import LocalCluster, new_run_dir
from yarn_elastic.devcluster.distributed_shell import ShellAppSpec, submit_distributed_shell
from yarn_elastic.devcluster.elastic import core_status, elastic_spec, start_standalone_core
from yarn_elastic.devcluster.spec import ClusterSpec
from yarn_elastic.prediction.model_store import ModelStore

pytestmark = pytest.mark.integration

FAST_CATCH_UP = {
    "yarn.elastic.prediction.settle-seconds": "3",
    "yarn.elastic.prediction.catch-up-interval-seconds": "5",
}


def test_an_app_that_ended_while_the_core_was_down_is_learnt_from_when_it_is_back() -> None:
    run_dir = new_run_dir("it-catch-up")
    spec, core = elastic_spec(ClusterSpec(extra_properties=FAST_CATCH_UP), run_dir,
                              launched_by_rm=False)
    with LocalCluster.start(spec, run_dir, ready_timeout_seconds=240) as cluster, \
            NodeManagerAgents.start(cluster, core.http_url, interval_ms=1000) as agents:
        process = start_standalone_core(core)
        process.terminate()
        process.wait(timeout=30)

        # The core is down: the RM schedules in fallback, the agents spool.
        app = ShellAppSpec("ds-while-core-down", num_containers=2, memory_mb=256, vcores=1,
                           sleep_seconds=8)
        report = submit_distributed_shell(cluster, app).wait(timeout_seconds=300)
        assert (report.state, report.final_status) == ("FINISHED", "SUCCEEDED"), report
        assert sum(a.spooled_batches() for a in agents.agents) > 0

        process = start_standalone_core(core)
        try:
            deadline = time.monotonic() + 90
            learning: dict[str, Any] = {}
            while time.monotonic() < deadline:
                status = core_status(core) or {}
                learning = status.get("prediction") or {}
                if report.app_id in learning.get("recent", []):
                    break
                time.sleep(1)
            assert report.app_id in learning.get("recent", []), learning
            assert learning["caught_up"] == 1 and learning["finished"] == 0, learning
        finally:
            process.terminate()
            process.wait(timeout=30)
        log = core.log_file.read_text()
        assert "caught up with 1 application(s)" in log and report.app_id in log

    models = ModelStore(run_dir.resolve() / "core.db")
    try:
        (run,) = [r for r in models.runs() if r.run_id == report.app_id]
        assert run.signature.app_name == "ds-while-core-down"
        assert run.signature.app_type == "YARN" and run.signature.queue == "default"
        assert set(run.roles) == {"am", "executor"}
    finally:
        models.close()
