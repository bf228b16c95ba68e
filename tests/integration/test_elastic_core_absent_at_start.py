"""Issue 2, test c: the RM starts while the core is unreachable, schedules in fallback, and
takes the core on when it appears. The core runs on its own here (no
`yarn.elastic.core.command`), the way an operator runs it with `yarn-elastic core`."""

from __future__ import annotations

import pytest
from yarn_elastic.devcluster.cluster import LocalCluster, new_run_dir
from yarn_elastic.devcluster.distributed_shell import ShellAppSpec, submit_distributed_shell
from yarn_elastic.devcluster.elastic import (
    DecisionRecorder,
    elastic_spec,
    shim_metrics,
    start_standalone_core,
    wait_for_core_state,
)
from yarn_elastic.devcluster.spec import ClusterSpec

pytestmark = pytest.mark.integration


def test_c_rm_schedules_without_the_core_and_takes_it_on_when_it_appears() -> None:
    spec, core = elastic_spec(ClusterSpec(), new_run_dir("it-no-core"), launched_by_rm=False)
    with LocalCluster.start(spec, core.log_file.parent, ready_timeout_seconds=240) as cluster:
        metrics = shim_metrics(cluster)
        assert metrics["CoreState"] == 0  # fallback: nothing is listening

        first = ShellAppSpec("ds-no-core", num_containers=3, memory_mb=512, vcores=1,
                             sleep_seconds=5)
        report = submit_distributed_shell(cluster, first).wait(timeout_seconds=300)
        assert (report.state, report.final_status) == ("FINISHED", "SUCCEEDED"), report
        assert shim_metrics(cluster)["FallbackAllocations"] >= first.num_containers + 1

        process = start_standalone_core(core)
        try:
            wait_for_core_state(cluster, 1, timeout_seconds=120)
            second = ShellAppSpec("ds-with-core", num_containers=3, memory_mb=512, vcores=1,
                                  sleep_seconds=5)
            with DecisionRecorder(core) as decisions, cluster.placement_recorder() as recorder:
                report = submit_distributed_shell(cluster, second).wait(timeout_seconds=300)
                recorder.poll_once()
            assert (report.state, report.final_status) == ("FINISHED", "SUCCEEDED"), report
            placements = recorder.placements(report.app_id)
            assert len([p for p in placements if p.ran and not p.is_am]) == second.num_containers
            for placement in placements:
                assert decisions.decided(placement.app_id, placement.node_id), placement
        finally:
            process.terminate()
            process.wait(timeout=30)
