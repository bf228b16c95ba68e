"""The local real-YARN harness: RM and NMs as JVMs, DistributedShell and Spark on them."""

from __future__ import annotations

from collections import Counter

import psutil
import pytest
from yarn_elastic.devcluster.cluster import ClusterStartError, LocalCluster, new_run_dir
from yarn_elastic.devcluster.distributed_shell import ShellAppSpec, submit_distributed_shell
from yarn_elastic.devcluster.spark_job import SparkJobSpec, submit_spark_job
from yarn_elastic.devcluster.spec import ClusterSpec

pytestmark = pytest.mark.integration


def test_cluster_runs_three_nodemanagers_of_the_configured_sizes(
    stock_cluster: LocalCluster,
) -> None:
    reports = stock_cluster.rest.nodes()

    sizes = {stock_cluster.node_name(r.node_id): (r.memory_mb, r.vcores) for r in reports}
    assert sizes == {n.name: (n.memory_mb, n.vcores) for n in stock_cluster.spec.nodes}
    assert all(r.state == "RUNNING" for r in reports)
    assert len({r.node_id for r in reports}) == 3


def test_distributed_shell_apps_succeed_and_every_container_node_is_known(
    stock_cluster: LocalCluster,
) -> None:
    small = ShellAppSpec("ds-small", num_containers=5, memory_mb=512, vcores=1)
    large = ShellAppSpec("ds-large", num_containers=4, memory_mb=1024, vcores=2)

    with stock_cluster.placement_recorder() as recorder:
        submitted = [submit_distributed_shell(stock_cluster, app) for app in (small, large)]
        reports = [s.wait(timeout_seconds=300) for s in submitted]
        recorder.poll_once()

    for app, report in zip((small, large), reports, strict=True):
        assert (report.state, report.final_status) == ("FINISHED", "SUCCEEDED"), report
        placements = recorder.placements(report.app_id)
        for placement in placements:
            stock_cluster.node_name(placement.node_id)  # raises if not one of ours
        workers = [p for p in placements if p.ran and not p.is_am]
        assert len(workers) == app.num_containers, placements
        assert {(p.memory_mb, p.vcores) for p in workers} == {(app.memory_mb, app.vcores)}
    # Nine 512 MB..1 GB containers do not fit on one node; the stock scheduler spreads them.
    used = Counter(p.node_id for p in recorder.placements() if p.ran and not p.is_am)
    assert len(used) >= 2


@pytest.mark.spark
def test_spark_on_yarn_job_succeeds_with_executors_on_known_nodes(
    stock_cluster: LocalCluster,
) -> None:
    job = SparkJobSpec(num_executors=2)

    with stock_cluster.placement_recorder() as recorder:
        report = submit_spark_job(stock_cluster, job).wait(timeout_seconds=420)

    assert (report.state, report.final_status) == ("FINISHED", "SUCCEEDED"), report
    executors = [p for p in recorder.placements(report.app_id) if p.ran and not p.is_am]
    assert len(executors) == job.num_executors, recorder.placements(report.app_id)
    for placement in executors:
        stock_cluster.node_name(placement.node_id)
        # Executor memory plus Spark's default 384 MB overhead, rounded to the 128 MB minimum.
        assert placement.memory_mb == 896
        assert placement.vcores == job.executor_cores


def test_a_resourcemanager_that_dies_at_start_fails_clearly_and_leaves_nothing() -> None:
    spec = ClusterSpec(scheduler_class="org.example.NoSuchScheduler")
    run_dir = new_run_dir("it-bad-scheduler")

    with pytest.raises(ClusterStartError) as failure:
        LocalCluster.start(spec, run_dir, ready_timeout_seconds=120)

    message = str(failure.value)
    assert "resourcemanager exited" in message
    assert str(run_dir / "resourcemanager" / "resourcemanager.log") in message
    assert "NoSuchScheduler" in message
    leftovers = [
        p.pid for p in psutil.process_iter(["cmdline"])
        if str(run_dir) in " ".join(p.info["cmdline"] or [])
    ]
    assert leftovers == []
