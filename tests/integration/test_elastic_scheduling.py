"""The spine under real YARN: a stock 3.4.1 RM loads the shim from yarn-site.xml, and the
real core decides where real applications' containers go (issue 2, tests a, b and d).

The RM launches the core itself here (`yarn.elastic.core.command`), as an operator would
configure it. Every container's node, read from the RM's REST API while the app runs, must be a
node the core's decision log names for that application.

Beyond PySpark 4 with fixed executors (d): a JVM Spark job (e, `make compat` only), and Spark
3.5 with dynamic allocation (f, issue 12), for which every NM runs Spark's external shuffle
service as its `spark_shuffle` aux service. Two bursts of tasks with an idle gap make dynamic
allocation add executors for each burst and remove them in the gap; the job then reads the
first burst's shuffle files, which only the shuffle service serves once their executors have
gone.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
from yarn_elastic.devcluster.cluster import LocalCluster, new_run_dir
from yarn_elastic.devcluster.distributed_shell import ShellAppSpec, submit_distributed_shell
from yarn_elastic.devcluster.elastic import (
    CoreSetup,
    DecisionRecorder,
    core_pids,
    elastic_spec,
    shim_metrics,
    wait_for_core_state,
)
from yarn_elastic.devcluster.placement import ContainerPlacement
from yarn_elastic.devcluster.spark_job import (
    BURSTS_SCRIPT,
    JAVA_PI_CLASS,
    DynamicAllocation,
    SparkJobSpec,
    build_java_pi_jar,
    pyspark_home,
    spark_35_home,
    submit_spark_job,
    yarn_shuffle_classpath,
)
from yarn_elastic.devcluster.spec import ClusterSpec

pytestmark = pytest.mark.integration

ACTIVE, FALLBACK = 1, 0


@pytest.fixture(scope="module")
def elastic() -> Iterator[tuple[LocalCluster, CoreSetup]]:
    # The NMs run Spark 3.5's shuffle service for the dynamic-allocation test (test_f).
    base = ClusterSpec(spark_shuffle_classpath=yarn_shuffle_classpath(spark_35_home()))
    spec, core = elastic_spec(base, new_run_dir("it-elastic"))
    with LocalCluster.start(spec, core.log_file.parent, ready_timeout_seconds=240) as cluster:
        wait_for_core_state(cluster, ACTIVE, timeout_seconds=120)
        yield cluster, core


def assert_placed_by_core(
    placements: list[ContainerPlacement], decisions: DecisionRecorder, cluster: LocalCluster
) -> None:
    assert placements, "no containers were recorded"
    for placement in placements:
        cluster.node_name(placement.node_id)  # one of this cluster's NodeManagers
    assert not decisions.not_chosen(placements)


def test_a_distributed_shell_containers_land_where_the_core_decided(
    elastic: tuple[LocalCluster, CoreSetup],
) -> None:
    cluster, core = elastic
    before = shim_metrics(cluster)
    small = ShellAppSpec("ds-small", num_containers=5, memory_mb=512, vcores=1)
    large = ShellAppSpec("ds-large", num_containers=4, memory_mb=1024, vcores=2)

    with DecisionRecorder(core) as decisions, cluster.placement_recorder() as recorder:
        submitted = [submit_distributed_shell(cluster, app) for app in (small, large)]
        reports = [s.wait(timeout_seconds=300) for s in submitted]
        recorder.poll_once()

    placements = []
    for app, report in zip((small, large), reports, strict=True):
        assert (report.state, report.final_status) == ("FINISHED", "SUCCEEDED"), report
        ours = recorder.placements(report.app_id)
        workers = [p for p in ours if p.ran and not p.is_am]
        assert len(workers) == app.num_containers, ours
        assert {(p.memory_mb, p.vcores) for p in workers} == {(app.memory_mb, app.vcores)}
        placements += ours
    assert len(placements) >= 8 + 2  # nine workers of two sizes and two AMs
    assert_placed_by_core(placements, decisions, cluster)

    after = shim_metrics(cluster)
    assert after["CoreState"] == ACTIVE
    assert after["FallbackAllocations"] == before["FallbackAllocations"]
    assert after["PlannedAllocations"] - before["PlannedAllocations"] >= len(placements)


def test_b_core_killed_mid_run_falls_back_then_resyncs(
    elastic: tuple[LocalCluster, CoreSetup],
) -> None:
    cluster, core = elastic
    before = shim_metrics(cluster)
    slow = ShellAppSpec("ds-during-crash", num_containers=6, memory_mb=512, vcores=1,
                        sleep_seconds=25)

    with cluster.placement_recorder() as recorder:
        submitted = submit_distributed_shell(cluster, slow)
        app_id = submitted.app_id()
        deadline = time.monotonic() + 180
        while not [p for p in recorder.placements(app_id) if not p.is_am]:
            assert time.monotonic() < deadline, "no worker container started"
            time.sleep(0.5)
        pids = core_pids(core)
        assert pids, "the RM-launched core is not running"
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        report = submitted.wait(timeout_seconds=300)

    assert (report.state, report.final_status) == ("FINISHED", "SUCCEEDED"), report
    assert shim_metrics(cluster)["Fallbacks"] > before["Fallbacks"]
    rm_log = cluster.layout.rm_log_file.read_text(errors="replace")
    assert "yarn-elastic core unavailable" in rm_log
    assert "falls back to stock" in rm_log

    # The RM restarts its core; it resyncs and places the next application.
    wait_for_core_state(cluster, ACTIVE, timeout_seconds=120)
    assert set(core_pids(core)).isdisjoint(pids)
    nxt = ShellAppSpec("ds-after-crash", num_containers=3, memory_mb=768, vcores=1)
    with DecisionRecorder(core) as decisions, cluster.placement_recorder() as recorder:
        report = submit_distributed_shell(cluster, nxt).wait(timeout_seconds=300)
        recorder.poll_once()
    assert (report.state, report.final_status) == ("FINISHED", "SUCCEEDED"), report
    assert_placed_by_core(recorder.placements(report.app_id), decisions, cluster)


def run_spark_job_placed_by_core(
    cluster: LocalCluster, core: CoreSetup, job: SparkJobSpec, timeout_seconds: float = 420
) -> tuple[list[ContainerPlacement], list[str]]:
    """Run the job to success while recording; every container must land where the core
    decided. Returns its containers, and those the RM stopped listing before the job ended."""
    wait_for_core_state(cluster, ACTIVE, timeout_seconds=120)
    with DecisionRecorder(core) as decisions, cluster.placement_recorder() as recorder:
        report = submit_spark_job(cluster, job).wait(timeout_seconds=timeout_seconds)
        recorder.poll_once()

    assert (report.state, report.final_status) == ("FINISHED", "SUCCEEDED"), report
    placements = recorder.placements(report.app_id)
    assert_placed_by_core(placements, decisions, cluster)
    return placements, recorder.ended_early(report.app_id)


def executors(placements: list[ContainerPlacement]) -> list[ContainerPlacement]:
    return [p for p in placements if p.ran and not p.is_am]


@pytest.mark.spark
def test_d_spark_executors_are_placed_by_the_core(
    elastic: tuple[LocalCluster, CoreSetup],
) -> None:
    job = SparkJobSpec(num_executors=2)

    placements, _ = run_spark_job_placed_by_core(*elastic, job)

    assert len(executors(placements)) == job.num_executors, placements


@pytest.mark.spark
@pytest.mark.compat_only
def test_e_a_jvm_spark_job_is_placed_by_the_core(
    elastic: tuple[LocalCluster, CoreSetup],
) -> None:
    cluster, _ = elastic
    spark_home = pyspark_home()
    jar = build_java_pi_jar(spark_home, cluster.layout.run_dir)
    job = SparkJobSpec(name="java-pi", num_executors=2, script=jar, args=("4",),
                       main_class=JAVA_PI_CLASS, spark_home=spark_home)

    placements, _ = run_spark_job_placed_by_core(*elastic, job)

    assert len(executors(placements)) == job.num_executors, placements


@pytest.mark.spark
@pytest.mark.dynamic_allocation
def test_f_spark_dynamic_allocation_executors_come_and_go_and_the_core_places_each(
    elastic: tuple[LocalCluster, CoreSetup],
) -> None:
    cluster, _ = elastic
    script = cluster.layout.run_dir / "bursts.py"
    script.write_text(BURSTS_SCRIPT)
    allocation = DynamicAllocation(min_executors=1, max_executors=3, idle_timeout_seconds=5)
    # 12 one-second tasks keep 3 one-core executors busy for about 4 s per burst; the 15 s gap
    # outlasts the 5 s idle timeout, so all but the minimum executor are removed in it.
    job = replace(
        SparkJobSpec(name="spark-bursts", script=script, args=("12", "15")),
        dynamic_allocation=allocation, spark_home=spark_35_home(),
    )

    placements, ended_early = run_spark_job_placed_by_core(*elastic, job, timeout_seconds=480)

    ran = executors(placements)
    assert len(ran) > allocation.min_executors, placements  # some were added
    removed = set(ended_early) & {p.container_id for p in ran}
    assert removed, f"no executor ended before the job did: {placements}"
