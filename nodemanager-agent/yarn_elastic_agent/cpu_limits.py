"""CPU limits of resized containers, written to their cgroups where the NodeManager does not.

A 3.4.1 NodeManager under LinuxContainerExecutor with cgroups writes a container's CPU
limit once, at launch: `cpu.shares` of 1024 per vcore and, with strict resource usage, a CFS
quota of the node's YARN share of the cores in proportion to the vcores. A resize changes
the container's token and the memory monitor's limit, but the chain that writes cgroups is
called only for execution-type updates (ContainerScheduler.onUpdateContainer), so a shrunk
container keeps its launch CPU limit. The agent closes that gap: it reads each container's
current vcores from the NM's REST API and writes what the NodeManager would have written had
the container launched at that size, on cgroup v1 (`cpu.shares`, `cpu.cfs_quota_us`) or v2
(`cpu.weight`, `cpu.max`). It writes only a value that differs, and only where the
container's cgroup exists and the agent has the right to write it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import requests

LOG = logging.getLogger(__name__)

SHARES_PER_VCORE = 1024  # the NodeManager's weight of one vcore
PERIOD_US = 100_000  # the kernel's default CFS period
MIN_QUOTA_US = 1_000  # the kernel refuses quotas below 1 ms
FAILURE_BACKOFF_S = 60.0


@dataclass(frozen=True)
class NodeCpu:
    """What the NodeManager's own formula depends on."""

    node_vcores: int  # yarn.nodemanager.resource.cpu-vcores
    cores: float  # the cores YARN may use: physical cores x percentage-physical-cpu-limit
    strict: bool  # ...cgroups.strict-resource-usage: cap each container, not only weigh it


@dataclass(frozen=True)
class CpuLimit:
    shares: int  # cgroup v1 cpu.shares
    quota_us: int | None  # CFS quota per PERIOD_US; None: no cap

    @property
    def weight(self) -> int:
        """cgroup v2 cpu.weight for these shares, on the kernel's own scale: the default
        weight 100 is the default 1024 shares (kernel/sched: weight x 1024 / 100)."""
        return min(max(round(self.shares * 100 / 1024), 1), 10_000)


def cpu_limit(vcores: int, node: NodeCpu) -> CpuLimit:
    """The limit a container of `vcores` gets at launch on `node`. Without strict usage, or
    for a container of the whole node, only the weight is set."""
    shares = SHARES_PER_VCORE * max(vcores, 1)
    if not node.strict or vcores >= node.node_vcores or node.node_vcores <= 0:
        return CpuLimit(shares, None)
    cores = vcores * node.cores / node.node_vcores
    return CpuLimit(shares, max(MIN_QUOTA_US, round(cores * PERIOD_US)))


def files_for(limit: CpuLimit, version: int) -> dict[str, str]:
    """The cgroup files and their contents for a limit, on cgroup `version` 1 or 2."""
    if version == 2:
        cap = "max" if limit.quota_us is None else str(limit.quota_us)
        return {"cpu.weight": str(limit.weight), "cpu.max": f"{cap} {PERIOD_US}"}
    return {"cpu.shares": str(limit.shares),
            "cpu.cfs_period_us": str(PERIOD_US),
            "cpu.cfs_quota_us": "-1" if limit.quota_us is None else str(limit.quota_us)}


@dataclass
class CgroupCpu:
    """The containers' CPU cgroups under the NodeManager's mount path and hierarchy."""

    mount: Path  # yarn.nodemanager.linux-container-executor.cgroups.mount-path
    hierarchy: str  # ...cgroups.hierarchy, e.g. /hadoop-yarn
    node: NodeCpu

    def __post_init__(self) -> None:
        self.applied = 0
        self.refused = 0
        self._refused_logged: set[str] = set()
        # Read once: the hierarchy's version does not change under a running NodeManager.
        self.version = 2 if (self.mount / "cgroup.controllers").is_file() else 1

    def directory(self, container_id: str) -> Path | None:
        relative = self.hierarchy.strip("/")
        if self.version == 2:
            candidates = [self.mount / relative / container_id]
        else:  # v1: the cpu controller's own mount, joined with cpuacct on most distributions
            candidates = [self.mount / name / relative / container_id
                          for name in ("cpu", "cpu,cpuacct", "cpuacct,cpu")]
        return next((path for path in candidates if path.is_dir()), None)

    def apply(self, container_id: str, vcores: int) -> str:
        """Bring one container's cgroup to its size: 'applied', 'unchanged', 'no-cgroup' or
        'refused' (the agent may not write it; logged once per container)."""
        directory = self.directory(container_id)
        if directory is None:
            return "no-cgroup"
        wanted = files_for(cpu_limit(vcores, self.node), self.version)
        changed = {name: value for name, value in wanted.items()
                   if _read(directory / name) != value}
        if not changed:
            return "unchanged"
        try:
            for name, value in changed.items():
                (directory / name).write_text(value)
        except OSError as exc:
            self.refused += 1
            if container_id not in self._refused_logged:
                self._refused_logged.add(container_id)
                LOG.warning("container %s: cannot write its CPU limit (%d vcores) to %s: %s;"
                            " run the agent as the NodeManager's user or root, or set"
                            " yarn.elastic.agent.cpu-limits=off", container_id, vcores,
                            directory, exc.strerror or exc)
            return "refused"
        self.applied += 1
        LOG.info("container %s now has %d vcores: wrote %s in %s", container_id, vcores,
                 ", ".join(f"{n}={v}" for n, v in changed.items()), directory)
        return "applied"

    def apply_all(self, vcores_by_container: Mapping[str, int]) -> dict[str, str]:
        outcomes = {c: self.apply(c, v) for c, v in sorted(vcores_by_container.items())}
        self._refused_logged &= set(vcores_by_container)
        return outcomes


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def physical_cores() -> int:
    return os.cpu_count() or 1


def running_vcores(payload: object) -> dict[str, int]:
    """Current vcores of each running container, from the NodeManager's
    `GET /ws/v1/node/containers` (its token's resource, which a resize updates)."""
    containers: Iterable[object] = ()
    if isinstance(payload, dict):
        listed = payload.get("containers")
        found = listed.get("container") if isinstance(listed, dict) else None
        containers = found if isinstance(found, list) else ()
    result: dict[str, int] = {}
    for entry in containers:
        if not isinstance(entry, dict) or entry.get("state") != "RUNNING":
            continue
        container_id, vcores = entry.get("id"), entry.get("totalVCoresNeeded")
        if isinstance(container_id, str) and isinstance(vcores, int) \
                and not isinstance(vcores, bool) and vcores > 0:
            result[container_id] = vcores
    return result


class CpuLimiter:
    """Every `interval_s`, on a thread of its own so that sampling never waits on the
    NodeManager: its containers and their vcores, then their cgroups. A NodeManager that does
    not answer is retried after FAILURE_BACKOFF_S."""

    def __init__(self, nm_url: str, cgroups: CgroupCpu, timeout_s: float = 1.0) -> None:
        self.url = f"{nm_url.rstrip('/')}/ws/v1/node/containers"
        self.cgroups = cgroups
        self.timeout_s = timeout_s
        self._session = requests.Session()
        self._down_until = 0.0
        self._warned_no_cgroup = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, interval_s: float) -> None:
        self._thread = threading.Thread(target=self._run, args=(interval_s,),
                                        name="cpu-limits", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join(timeout=5)

    def _run(self, interval_s: float) -> None:
        while not self._stop.wait(interval_s):
            try:
                self.run_once()
            except Exception:  # the thread must outlive one bad round, and say why
                LOG.exception("keeping CPU limits failed this round")

    def run_once(self) -> dict[str, str]:
        if time.monotonic() < self._down_until:
            return {}
        try:
            response = self._session.get(self.url, timeout=self.timeout_s,
                                         headers={"Accept": "application/json"})
            response.raise_for_status()
            vcores = running_vcores(response.json())
        except (requests.RequestException, ValueError) as exc:
            LOG.warning("no container sizes from the NodeManager at %s (%s); CPU limits are"
                        " not kept up to date for %.0f s", self.url, exc, FAILURE_BACKOFF_S)
            self._down_until = time.monotonic() + FAILURE_BACKOFF_S
            return {}
        outcomes = self.cgroups.apply_all(vcores)
        if outcomes and not self._warned_no_cgroup and all(
                o == "no-cgroup" for o in outcomes.values()):
            self._warned_no_cgroup = True
            LOG.info("no container has a CPU cgroup under %s (hierarchy %s): the NodeManager"
                     " does not run LinuxContainerExecutor with cgroups, so there is no CPU"
                     " limit to keep after a resize", self.cgroups.mount,
                     self.cgroups.hierarchy)
        return outcomes
