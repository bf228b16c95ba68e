"""Spark on YARN with dynamic allocation, as most Spark-on-YARN users run it (issue 12).

Spark 3.5's external shuffle service runs in every NodeManager as the `spark_shuffle` aux
service. A job of two bursts of tasks with an idle gap makes dynamic allocation add executors
for each burst and remove them in the gap; the core must place every executor it adds, and the
job must still read the first burst's shuffle files, which only the shuffle service serves once
their executors have gone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from yarn_elastic.devcluster.cluster import LocalCluster, new_run_dir
from yarn_elastic.devcluster.elastic import (
    CoreSetup,
    DecisionRecorder,
    elastic_spec,
    wait_for_core_state,
)
from yarn_elastic.devcluster.spark_job import (
    BURSTS_SCRIPT,
    DynamicAllocation,
    SparkJobSpec,
    spark_35_home,
    submit_spark_job,
    yarn_shuffle_classpath,
)
from yarn_elastic.devcluster.spec import ClusterSpec

pytestmark = [pytest.mark.integration, pytest.mark.spark, pytest.mark.dynamic_allocation]

ACTIVE = 1


@pytest.fixture(scope="module")
def elastic_with_shuffle() -> Iterator[tuple[LocalCluster, CoreSetup]]:
    base = ClusterSpec(spark_shuffle_classpath=yarn_shuffle_classpath(spark_35_home()))
    spec, core = elastic_spec(base, new_run_dir("it-dynalloc"))
    with LocalCluster.start(spec, core.log_file.parent, ready_timeout_seconds=240) as cluster:
        wait_for_core_state(cluster, ACTIVE, timeout_seconds=120)
        yield cluster, core


def test_executors_come_and_go_and_the_core_places_each(
    elastic_with_shuffle: tuple[LocalCluster, CoreSetup],
) -> None:
    cluster, core = elastic_with_shuffle
    script = cluster.layout.run_dir / "bursts.py"
    script.write_text(BURSTS_SCRIPT)
    allocation = DynamicAllocation(min_executors=1, max_executors=3, idle_timeout_seconds=5)
    # 12 one-second tasks keep 3 one-core executors busy for about 4 s per burst; the 25 s gap
    # outlasts the 5 s idle timeout, so all but the minimum executor are removed in it.
    job = replace(
        SparkJobSpec(name="spark-bursts", script=script, args=("12", "25")),
        dynamic_allocation=allocation, spark_home=spark_35_home(),
    )

    with DecisionRecorder(core) as decisions, cluster.placement_recorder() as recorder:
        report = submit_spark_job(cluster, job).wait(timeout_seconds=480)
        recorder.poll_once()

    assert (report.state, report.final_status) == ("FINISHED", "SUCCEEDED"), report
    placements = recorder.placements(report.app_id)
    executors = [p for p in placements if p.ran and not p.is_am]
    removed = set(recorder.ended_early(report.app_id)) & {p.container_id for p in executors}
    assert len(executors) > allocation.min_executors, placements  # some were added
    assert removed, f"no executor ended before the job did: {placements}"
    for placement in placements:
        cluster.node_name(placement.node_id)  # one of this cluster's NodeManagers
    assert not decisions.not_chosen(placements)
