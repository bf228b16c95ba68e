"""Issue 11, test a: the room a shrunk container frees is room another application uses.

One NodeManager of 4096 MB. A recurring Spark job asks for 3712 MB (its driver 896 and two
executors of 1408: `--executor-memory 1024m` plus Spark's 384 MB overhead) and uses a few
hundred MB per executor. The core learns it from 3 runs. On the 4th, the RM's REST API must
show both executors shrink below their request soon after they start; then a DistributedShell
container of 1024 MB, which cannot fit by requests (4096 - 3712 - 256 for its AM < 1024),
must be allocated and run beside them. Both applications succeed and nothing is killed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from yarn_elastic.devcluster.distributed_shell import ShellAppSpec, submit_distributed_shell
from yarn_elastic.devcluster.elastic import core_status
from yarn_elastic.devcluster.learning_rig import LearningRig, learning_rig
from yarn_elastic.devcluster.placement import PlacementRecorder
from yarn_elastic.devcluster.spark_job import SparkJobSpec, submit_spark_job
from yarn_elastic.devcluster.spec import NodeSpec

pytestmark = [pytest.mark.integration, pytest.mark.spark]

NODE_MB = 4096
EXECUTOR_REQUEST_MB = 1024 + 384
SECOND_MB = 1024
# Two tasks, one per executor, each holding almost nothing while it waits.
SLEEPER = """\
import sys
import time

from pyspark.sql import SparkSession

seconds = float(sys.argv[1])
spark = SparkSession.builder.getOrCreate()
spark.sparkContext.parallelize(range(2), 2).map(lambda x: (time.sleep(seconds), x)[1]).collect()
spark.stop()
"""



@pytest.fixture(scope="module")
def rig() -> Iterator[LearningRig]:
    with learning_rig("it-room", nodes=(NodeSpec("nm1", memory_mb=NODE_MB, vcores=8),)) as rig:
        yield rig


def sleeper(rig: LearningRig, seconds: int) -> SparkJobSpec:
    return SparkJobSpec(name="spark-sleeper", num_executors=2, executor_memory_mb=1024,
                        script=rig.file("sleeper.py", SLEEPER), args=(str(seconds),))


def learn(rig: LearningRig, runs: int) -> None:
    """One run at a time (two do not fit the node by request), each stored by the core."""
    for _ in range(runs):
        report = submit_spark_job(rig.cluster, sleeper(rig, 10)).wait(timeout_seconds=300)
        assert (report.state, report.final_status) == ("FINISHED", "SUCCEEDED"), report
        deadline = time.monotonic() + 120
        while report.app_id not in ((core_status(rig.core) or {}).get("prediction")
                                    or {}).get("recent", []):
            assert time.monotonic() < deadline, f"not learnt: {report.app_id}"
            time.sleep(1)


def executors(recorder: PlacementRecorder, app_id: str) -> list[str]:
    """Task containers a NodeManager ran: not the AM, not one the AM released unlaunched, and
    not an update's temporary container (the RM lists both among the app's containers)."""
    return [p.container_id for p in recorder.placements(app_id) if p.ran and not p.is_am]


def shrunk(recorder: PlacementRecorder, container_id: str) -> bool:
    return any(memory < EXECUTOR_REQUEST_MB for _, memory, _ in recorder.sizes(container_id))


def requested_mb(recorder: PlacementRecorder, container_ids: list[str]) -> int:
    """What the containers asked for: the first size the RM allocated each of them."""
    return sum(recorder.sizes(c)[0][1] for c in container_ids if recorder.sizes(c))


def test_a_second_application_runs_where_stock_had_no_room(rig: LearningRig) -> None:
    learn(rig, runs=3)
    kills_before = (core_status(rig.core) or {}).get("memory_kills", 0)
    with rig.cluster.placement_recorder() as recorder:
        spark = submit_spark_job(rig.cluster, sleeper(rig, 60))
        spark_id = spark.app_id()
        deadline = time.monotonic() + 150
        while not (len(ours := executors(recorder, spark_id)) == 2
                   and all(shrunk(recorder, c) for c in ours)):
            assert time.monotonic() < deadline, {c: recorder.sizes(c) for c in
                                                 executors(recorder, spark_id)}
            time.sleep(0.5)
        second = submit_distributed_shell(rig.cluster, ShellAppSpec(
            "ds-beside", num_containers=1, memory_mb=SECOND_MB, vcores=1, sleep_seconds=5))
        second_id = second.app_id()
        deadline = time.monotonic() + 120
        together: dict[str, int] = {}
        while not together:
            assert time.monotonic() < deadline, recorder.placements(second_id)
            live = recorder.live()
            theirs = [c for c in executors(recorder, second_id) if c in live]
            if theirs and all(c in live for c in ours):
                together = live
            time.sleep(0.25)
        # Stock CapacityScheduler allocates by requests: these could not all be on the node.
        requested = requested_mb(recorder, list(together))
        assert requested > NODE_MB, (requested, together)
        assert sum(together.values()) <= NODE_MB, together  # and the node is not over-committed
        second_report = second.wait(timeout_seconds=180)
        spark_report = spark.wait(timeout_seconds=300)
    for report in (second_report, spark_report):
        assert (report.state, report.final_status) == ("FINISHED", "SUCCEEDED"), report
    assert (core_status(rig.core) or {}).get("memory_kills", 0) == kills_before
