"""The agent under real NodeManagers, reporting to the real core (issue 3, tests 5b and 5c).

One elastic cluster for the module: the RM loads the shim and launches the core, which serves
the usage depository; one `yarn-elastic-agent` runs beside each NodeManager, sampling every
second. Every container the NodeManagers ran must reach the depository under its own container
id and its own node, with exactly as many samples as its agent says it took: none lost, none
counted twice, even when the core is killed while the agents are reporting.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from yarn_elastic.devcluster.agents import NodeManagerAgents, SampleTally, usage_of_app
from yarn_elastic.devcluster.cluster import LocalCluster, new_run_dir
from yarn_elastic.devcluster.distributed_shell import ShellAppSpec, submit_distributed_shell
from yarn_elastic.devcluster.elastic import (
    CoreSetup,
    core_pids,
    core_status,
    elastic_spec,
    wait_for_core_state,
)
from yarn_elastic.devcluster.placement import ContainerPlacement
from yarn_elastic.devcluster.spark_job import SparkJobSpec, submit_spark_job
from yarn_elastic.devcluster.spec import ClusterSpec
from yarn_elastic.prediction.model_store import ModelStore

pytestmark = pytest.mark.integration

ACTIVE = 1
INTERVAL_MS = 1000
OUTAGE_SECONDS = 8.0


@dataclass
class Rig:
    cluster: LocalCluster
    core: CoreSetup
    agents: NodeManagerAgents
    token: str


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    run_dir = new_run_dir("it-agents")
    spec, core = elastic_spec(ClusterSpec(), run_dir)
    with LocalCluster.start(spec, run_dir, ready_timeout_seconds=240) as cluster:
        wait_for_core_state(cluster, ACTIVE, timeout_seconds=120)
        with NodeManagerAgents.start(cluster, core.http_url, interval_ms=INTERVAL_MS) as agents:
            token = core.usage_token_file.read_text().strip()
            yield Rig(cluster, core, agents, token)


def ran(placements: list[ContainerPlacement]) -> list[ContainerPlacement]:
    return [p for p in placements if p.ran]


def wait_until_reported(
    rig: Rig, app_id: str, placements: list[ContainerPlacement], timeout_seconds: float = 60
) -> dict[str, Mapping[str, Any]]:
    """Wait until each container's agent logs its end and the depository holds that many
    samples; return the depository's containers by id. Fails naming what is missing."""
    tally = rig.agents.wait_for_tally(
        rig.core.http_url, rig.token, app_id, [p.container_id for p in placements],
        timeout_seconds=timeout_seconds, until=SampleTally.agrees)
    assert tally.agrees(), f"{app_id}: {tally.describe()}"
    return dict(tally.stored)


def assert_reported_on_their_nodes(
    rig: Rig, placements: list[ContainerPlacement], stored: Mapping[str, Mapping[str, Any]]
) -> None:
    for p in placements:
        entry = stored[p.container_id]
        assert entry["node"] == p.node_id, (p, entry["node"])
        assert len(entry["curve"]) >= 2, (p.container_id, entry["curve"])
        others = [a.name for a in rig.agents.agents
                  if a.node_id != p.node_id and p.container_id in a.samples_taken()]
        assert not others, f"{p.container_id} of {p.node_id} also claimed by agents {others}"


def test_distributed_shell_containers_are_reported_by_id_on_their_node(rig: Rig) -> None:
    # 4 x 2 vcores plus the AM exceed the largest node (8 vcores): containers on several nodes.
    app = ShellAppSpec("ds-agents", num_containers=4, memory_mb=1024, vcores=2, sleep_seconds=6)
    with rig.cluster.placement_recorder() as recorder:
        report = submit_distributed_shell(rig.cluster, app).wait(timeout_seconds=240)
        recorder.poll_once()
    assert (report.state, report.final_status) == ("FINISHED", "SUCCEEDED"), report
    placements = ran(recorder.placements(report.app_id))
    assert len([p for p in placements if not p.is_am]) == app.num_containers, placements

    stored = wait_until_reported(rig, report.app_id, placements)

    assert_reported_on_their_nodes(rig, placements, stored)
    assert set(stored) == {p.container_id for p in placements}
    assert len({p.node_id for p in placements}) >= 2, placements
    usage = usage_of_app(rig.core.http_url, rig.token, report.app_id)
    assert usage is not None
    assert (usage["name"], usage["type"]) == ("ds-agents", "YARN")  # from the RM, via the agent
    worker = next(p for p in placements if not p.is_am)
    assert all(point["rss_bytes"] > 0 for point in stored[worker.container_id]["curve"])


def cut_the_core_off(rig: Rig, seconds: float) -> dict[str, int]:
    """Kill the RM-launched core, and every core the RM restarts, for `seconds`; returns the
    most batches each agent's spool held meanwhile."""
    spooled = {a.name: 0 for a in rig.agents.agents}
    killed = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for pid in core_pids(rig.core):
            os.kill(pid, signal.SIGKILL)
            killed += 1
        for agent in rig.agents.agents:
            spooled[agent.name] = max(spooled[agent.name], agent.spooled_batches())
        time.sleep(0.1)
    assert killed, "the RM-launched core was not running"
    return spooled


def test_killing_the_core_while_agents_report_loses_no_sample(rig: Rig) -> None:
    app = ShellAppSpec("ds-agents-outage", num_containers=2, memory_mb=512, vcores=1,
                       sleep_seconds=20)
    with rig.cluster.placement_recorder() as recorder:
        submitted = submit_distributed_shell(rig.cluster, app)
        app_id = submitted.app_id()
        deadline = time.monotonic() + 180
        while not any(
            rig.agents.agent_for(p.node_id).has_found(p.container_id)
            for p in ran(recorder.placements(app_id)) if not p.is_am
        ):
            assert time.monotonic() < deadline, "no agent found a worker container"
            time.sleep(0.3)
        warnings_before = {a.name: a.log_text().count("cannot reach the core")
                           for a in rig.agents.agents}
        killed_ms = int(time.time() * 1000)
        spooled = cut_the_core_off(rig, OUTAGE_SECONDS)
        restored_ms = int(time.time() * 1000)
        # The link was really cut only if the agents tried to send and failed meanwhile.
        for agent in rig.agents.agents:
            assert agent.log_text().count("cannot reach the core") > warnings_before[agent.name]
            assert spooled[agent.name] >= 3, spooled  # batches waited in the spool
        wait_for_core_state(rig.cluster, ACTIVE, timeout_seconds=120)  # the RM restarts it
        report = submitted.wait(timeout_seconds=240)
        recorder.poll_once()
    assert (report.state, report.final_status) == ("FINISHED", "SUCCEEDED"), report
    placements = ran(recorder.placements(app_id))

    stored = wait_until_reported(rig, app_id, placements)

    assert_reported_on_their_nodes(rig, placements, stored)
    rig.agents.wait_spools_empty(timeout_seconds=30)
    # Samples taken while the core was down (about one a second) arrived after it came back.
    for p in placements:
        during = [pt for pt in stored[p.container_id]["curve"]
                  if killed_ms <= pt["ts_ms"] <= restored_ms]
        assert len(during) >= OUTAGE_SECONDS / 2, (p.container_id, killed_ms, restored_ms)


@pytest.mark.spark
def test_spark_executors_are_reported_with_their_cpu(rig: Rig) -> None:
    job = SparkJobSpec(name="spark-agents", num_executors=2, samples=100000)
    with rig.cluster.placement_recorder() as recorder:
        report = submit_spark_job(rig.cluster, job).wait(timeout_seconds=420)
        recorder.poll_once()
    assert (report.state, report.final_status) == ("FINISHED", "SUCCEEDED"), report
    placements = ran(recorder.placements(report.app_id))
    executors = [p for p in placements if not p.is_am]
    assert len(executors) == job.num_executors, placements

    stored = wait_until_reported(rig, report.app_id, placements)

    assert_reported_on_their_nodes(rig, placements, stored)
    for executor in executors:
        cpu = max(point["cpu_cores"] for point in stored[executor.container_id]["curve"])
        assert cpu > 0.05, (executor.container_id, stored[executor.container_id]["curve"])


@pytest.mark.spark
def test_the_core_learns_from_a_finished_spark_job(rig: Rig) -> None:
    """Issue 4: models retrain as runs finish. The Spark job the agents measured becomes a run
    of its job signature in the core's database, with an executor curve, without any command."""
    job = SparkJobSpec(name="spark-learnt", num_executors=2, samples=100000)
    report = submit_spark_job(rig.cluster, job).wait(timeout_seconds=420)
    assert (report.state, report.final_status) == ("FINISHED", "SUCCEEDED"), report
    # The RM drops the app, the core waits yarn.elastic.prediction.settle-seconds (15), learns.
    deadline = time.monotonic() + 120
    learning: dict[str, Any] = {}
    while report.app_id not in learning.get("recent", []):
        assert time.monotonic() < deadline, f"the core did not learn from {report.app_id}: " \
            f"{learning} (core log {rig.core.log_file})"
        time.sleep(1)
        learning = (core_status(rig.core) or {}).get("prediction") or {}
    assert learning["errors"] == 0 and learning["runs_stored"] >= 1
    models = ModelStore(rig.cluster.spec.extra_properties["yarn.elastic.depository.path"])
    try:
        (run,) = [r for r in models.runs() if r.run_id == report.app_id]
    finally:
        models.close()
    assert run.signature.app_name == job.name and run.signature.executor_cores == 1
    assert run.roles["executor"][0].max() > 0.05  # the executors' CPU, as the agents saw it
