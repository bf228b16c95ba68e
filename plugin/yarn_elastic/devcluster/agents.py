"""One `yarn-elastic-agent` beside each NodeManager of a local cluster, reporting to the core.

Each agent gets its own conf dir: its NodeManager's yarn-site.xml (so it reads that NM's
local dirs, as on a real node) with the agent's keys set over it: the core's URL, the RM's
name for the node, a spool and a log in the run dir, and a short interval for tests. Agents
run in their own process groups (like the cluster's daemons) and are stopped with SIGTERM, so
they flush and drain their spools the way an operator's `systemctl stop` would.

    with NodeManagerAgents.start(cluster, core.http_url, interval_ms=1000) as agents:
        ...
        tally = agents.wait_for_tally(core.http_url, token, app_id, container_ids,
                                      timeout_seconds=60, until=SampleTally.agrees)
        tally.lost, tally.double      # samples taken (the agents' logs) against stored
"""

from __future__ import annotations

import re
import shutil
import sys
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import requests

from yarn_elastic.devcluster.cluster import ClusterStartError, LocalCluster
from yarn_elastic.devcluster.conf_files import write_configuration_xml
from yarn_elastic.devcluster.processes import Daemon, stop_all
from yarn_elastic.hadoop_conf import read_configuration
from yarn_elastic.web.auth import bearer

_STARTED = re.compile(r"agent on \S+: sampling every")
_ENDED = re.compile(r"container (\S+) (?:gone after|still running at stop:) (\d+) samples")


def agent_command(conf_dir: Path) -> list[str]:
    """The `yarn-elastic-agent` of this Python environment (its console script if installed)."""
    script = Path(sys.executable).parent / "yarn-elastic-agent"
    if script.is_file():
        return [str(script), "--conf-dir", str(conf_dir)]
    found = shutil.which("yarn-elastic-agent")
    base = [found] if found else [sys.executable, "-m", "yarn_elastic_agent.cli"]
    return [*base, "--conf-dir", str(conf_dir)]


@dataclass
class RunningAgent:
    name: str  # the NodeManager's spec name (nm1, ...)
    node_id: str  # the RM's id of that NodeManager; the agent reports under it
    home: Path
    daemon: Daemon

    @property
    def conf_dir(self) -> Path:
        return self.home / "conf"

    @property
    def spool_dir(self) -> Path:
        return self.home / "spool"

    @property
    def log_file(self) -> Path:
        return self.daemon.log_file

    def log_text(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")
        except OSError:
            return ""

    def spooled_batches(self) -> int:
        """Batches written but not yet acknowledged by the core."""
        return len(list(self.spool_dir.glob("*.json.gz")))

    def samples_taken(self) -> dict[str, int]:
        """Container id -> samples the agent took of it, for containers it saw end (or at stop)."""
        counts: dict[str, int] = {}
        for container_id, taken in _ENDED.findall(self.log_text()):
            counts[container_id] = counts.get(container_id, 0) + int(taken)
        return counts

    def has_found(self, container_id: str) -> bool:
        """Whether the agent has logged finding the container (it samples it from then on)."""
        return f"container {container_id} found" in self.log_text()


@dataclass(frozen=True)
class SampleTally:
    """One application's containers: the samples their agents logged taking, against the
    curves the depository stored. Only containers whose end an agent logged are counted."""

    containers: frozenset[str]
    taken: Mapping[str, int]  # container id -> samples taken, summed over the agents
    stored: Mapping[str, Mapping[str, Any]]  # container id -> the depository's entry

    def stored_count(self, container_id: str) -> int:
        entry = self.stored.get(container_id)
        return 0 if entry is None else len(entry["curve"])

    @property
    def all_ended(self) -> bool:
        return self.containers <= set(self.taken)

    @property
    def lost(self) -> int:
        return sum(max(0, n - self.stored_count(c)) for c, n in self.taken.items())

    @property
    def double(self) -> int:
        return sum(max(0, self.stored_count(c) - n) for c, n in self.taken.items())

    def agrees(self) -> bool:
        """Every container ended and the depository holds exactly the samples taken."""
        return self.all_ended and not self.lost and not self.double

    def describe(self) -> str:
        held = {c: self.stored_count(c) for c in self.taken}
        return (f"agents took {dict(self.taken)} samples of {len(self.containers)} containers;"
                f" the depository holds {held}")


class NodeManagerAgents:
    """The agents of one local cluster; a context manager that always stops them."""

    def __init__(self, agents: list[RunningAgent]) -> None:
        self.agents = agents

    @classmethod
    def start(
        cls,
        cluster: LocalCluster,
        core_url: str,
        *,
        interval_ms: int = 1000,
        max_backoff_ms: int = 2000,
        extra_properties: Mapping[str, str] | None = None,
        ready_timeout_seconds: float = 60.0,
    ) -> NodeManagerAgents:
        node_ids = _rm_node_ids(cluster)
        agents = []
        try:
            for node in cluster.layout.nodes:
                home = cluster.layout.run_dir / "agents" / node.spec.name
                properties = {
                    **read_configuration([node.conf_dir / "yarn-site.xml"]),
                    "yarn.elastic.agent.core-url": core_url,
                    "yarn.elastic.agent.node-id": node_ids[node.spec.name],
                    "yarn.elastic.agent.spool-dir": str(home / "spool"),
                    "yarn.elastic.agent.interval-ms": str(interval_ms),
                    "yarn.elastic.agent.report-interval-ms": str(interval_ms),
                    "yarn.elastic.agent.max-backoff-ms": str(max_backoff_ms),
                    "yarn.elastic.agent.request-timeout-ms": "5000",
                    **(extra_properties or {}),
                }
                (home / "conf").mkdir(parents=True, exist_ok=True)
                write_configuration_xml(
                    home / "conf" / "yarn-site.xml", properties,
                    f"{node.conf_dir / 'yarn-site.xml'} and the agent harness",
                )
                daemon = Daemon.start(
                    f"agent {node.spec.name}", agent_command(home / "conf"),
                    home / "agent.log", cluster.client_env(), home,
                )
                agents.append(RunningAgent(node.spec.name, node_ids[node.spec.name], home, daemon))
            fleet = cls(agents)
            fleet.wait_started(ready_timeout_seconds)
        except BaseException:
            stop_all([a.daemon for a in agents])
            raise
        return fleet

    def __enter__(self) -> NodeManagerAgents:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def wait_started(self, timeout_seconds: float) -> None:
        """Wait until every agent logs its start line; fail fast, with its log, if one exits."""
        deadline = time.monotonic() + timeout_seconds
        waiting = list(self.agents)
        while waiting:
            for agent in list(waiting):
                if not agent.daemon.is_running():
                    raise ClusterStartError(
                        f"{agent.daemon.name} exited with {agent.daemon.process.returncode}; "
                        f"see {agent.log_file}. Last lines:\n{agent.daemon.log_tail()}"
                    )
                if _STARTED.search(agent.log_text()):
                    waiting.remove(agent)
            if waiting and time.monotonic() > deadline:
                raise ClusterStartError(
                    f"agents {[a.name for a in waiting]} did not start in {timeout_seconds} s"
                )
            time.sleep(0.2)

    def agent_for(self, node_id: str) -> RunningAgent:
        for agent in self.agents:
            if agent.node_id == node_id:
                return agent
        raise KeyError(f"no agent reports as node {node_id}")

    def tally(self, core_url: str, token: str | None, app_id: str,
              containers: Collection[str]) -> SampleTally:
        wanted = frozenset(containers)
        taken: dict[str, int] = {}
        for agent in self.agents:
            for container_id, n in agent.samples_taken().items():
                if container_id in wanted:
                    taken[container_id] = taken.get(container_id, 0) + n
        usage = usage_of_app(core_url, token, app_id) or {}
        stored = {c["container_id"]: c for c in usage.get("container_curves", [])}
        return SampleTally(wanted, taken, stored)

    def wait_for_tally(self, core_url: str, token: str | None, app_id: str,
                       containers: Collection[str], *, timeout_seconds: float,
                       until: Callable[[SampleTally], bool]) -> SampleTally:
        """The first tally for which `until` holds, or the last one at the deadline."""
        deadline = time.monotonic() + timeout_seconds
        while True:
            found = self.tally(core_url, token, app_id, containers)
            if until(found) or time.monotonic() > deadline:
                return found
            time.sleep(0.5)

    def wait_spools_empty(self, timeout_seconds: float) -> None:
        """Wait until every agent's spool is drained (the core acknowledged every batch)."""
        deadline = time.monotonic() + timeout_seconds
        while any(a.spooled_batches() for a in self.agents):
            if time.monotonic() > deadline:
                left = {a.name: a.spooled_batches() for a in self.agents}
                raise TimeoutError(f"agents' spools not drained in {timeout_seconds} s: {left}")
            time.sleep(0.3)

    def stop(self, grace_seconds: float = 15.0) -> None:
        stop_all([a.daemon for a in self.agents], grace_seconds)


def _rm_node_ids(cluster: LocalCluster) -> dict[str, str]:
    """NodeManager spec name -> the node id the RM (and so the placement recorder) uses."""
    ids = {}
    for report in cluster.rest.nodes():
        for node in cluster.layout.nodes:
            if node.is_node(report.node_id):
                ids[node.spec.name] = report.node_id
    missing = [n.spec.name for n in cluster.layout.nodes if n.spec.name not in ids]
    if missing:
        raise ClusterStartError(f"the RM does not list NodeManagers {missing}")
    return ids


def usage_of_app(core_url: str, token: str | None, app_id: str) -> dict[str, Any] | None:
    """The depository's record of an application and its containers' curves, or None (404)."""
    response = requests.get(f"{core_url}/ws/v1/usage/apps/{app_id}", headers=bearer(token),
                            timeout=10)
    if response.status_code == 404:
        return None
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body
