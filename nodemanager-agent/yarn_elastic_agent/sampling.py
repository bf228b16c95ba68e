"""One tick of measurement: every container's CPU, memory, disk and network, and the node's.

CPU is the sum over a container's processes of the growth of user+system time since the last
tick, divided by the wall time between ticks: process time, not a share of wall time, so a busy
neighbour on the node does not change a container's figure. Children's reaped times
(`children_user`) are deliberately not added: a reaped child's time already counted while it
lived. A process born since the last tick counts its whole time; one that died in between
loses its last interval (unavoidable without cgroups; docs/agent.md).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Mapping
from typing import Any

import psutil

from yarn_elastic_agent.discovery import ProcessTable, find_containers
from yarn_elastic_agent.network import SocketCounters, netns_of, read_netns_bytes
from yarn_elastic_agent.procfs import PidCounters, ProcReader

__all__ = ["PidCounters", "Sampler", "pid_growth"]

LOG = logging.getLogger(__name__)


def pid_growth(
    before: PidCounters | None, now: PidCounters, previous_tick: float | None
) -> tuple[float, int | None, int | None]:
    """(cpu seconds, bytes read, bytes written) a process used since the previous tick."""
    if before is not None and before.create_time == now.create_time:
        return (
            max(0.0, now.cpu_s - before.cpu_s),
            _growth(before.read_bytes, now.read_bytes),
            _growth(before.write_bytes, now.write_bytes),
        )
    if previous_tick is not None and now.create_time >= previous_tick:
        return now.cpu_s, now.read_bytes, now.write_bytes
    return 0.0, 0 if now.read_bytes is not None else None, (
        0 if now.write_bytes is not None else None
    )


def _growth(before: int | None, now: int | None) -> int | None:
    if before is None or now is None:
        return None
    return max(0, now - before)


class Sampler:
    """Keeps the previous tick's counters and turns the next tick into rates."""

    def __init__(self, local_dirs: Iterable[str], network_method: str, collect_pss: bool) -> None:
        self.local_dirs = list(local_dirs)
        self.network_method = network_method
        self.collect_pss = collect_pss
        self.table = ProcessTable()
        self.reader = ProcReader(collect_pss)
        self.sockets = SocketCounters()
        self._own_netns = netns_of(os.getpid())
        self._is_root = os.geteuid() == 0
        self._uid = os.geteuid()
        self._pids: dict[int, PidCounters] = {}
        self._netns: dict[str, tuple[int, int]] = {}
        self._node: tuple[float, int, int, int, int] | None = None
        self._tick: tuple[float, float] | None = None  # (wall, monotonic)
        self.users: dict[str, str | None] = {}
        if network_method in ("auto", "ss") and not self.sockets.available:
            LOG.warning("neither netlink sock_diag nor `ss` (iproute2) is usable; network "
                        "figures will be node-level only")

    def sample(self) -> tuple[int, list[dict[str, Any]], dict[str, Any] | None]:
        """(ts_ms, container samples, node sample); the first call only sets the baseline."""
        wall, mono = time.time(), time.monotonic()
        containers = find_containers(self.table, self.local_dirs)
        use_ss = self.network_method in ("auto", "ss") and self.sockets.available
        socket_bytes = (
            self.sockets.tick([pid for pids in containers.values() for pid in pids])
            if use_ss else None
        )
        node, node_net = self._node_sample(mono)
        previous = self._tick
        self._tick = (wall, mono)
        ts_ms = int(wall * 1000)
        node["ts_ms"] = ts_ms
        dt = max(1e-6, mono - previous[1]) if previous else 1.0
        seen: dict[int, PidCounters] = {}
        samples = []
        for container_id, pids in sorted(containers.items()):
            sample = self._container(
                container_id, pids, seen, previous, dt, socket_bytes, node_net
            )
            if sample is not None and previous is not None:
                sample["ts_ms"] = ts_ms
                samples.append(sample)
        self._pids = seen
        self._forget_gone(containers)
        return ts_ms, samples, node if previous is not None else None

    def _container(
        self, container_id: str, pids: list[int], seen: dict[int, PidCounters],
        previous: tuple[float, float] | None, dt: float,
        socket_bytes: Mapping[int, tuple[int, int]] | None,
        node_net: tuple[float, float] | None,
    ) -> dict[str, Any] | None:
        cpu_s, rss, pss, reads, writes, alive = 0.0, 0, 0, 0, 0, 0
        pss_ok = self.collect_pss
        io_ok = True
        uids_visible = True
        for pid in pids:
            counters = self.reader.counters(pid)
            if counters is None:
                continue
            seen[pid] = counters
            alive += 1
            grown = pid_growth(self._pids.get(pid), counters, previous[0] if previous else None)
            cpu_s += grown[0]
            rss += counters.rss
            if counters.pss is None:
                pss_ok = False
            else:
                pss += counters.pss
            if grown[1] is None or grown[2] is None:
                io_ok = False
            else:
                reads += grown[1]
                writes += grown[2]
            if not self._is_root and uids_visible:
                # /proc/<pid> belongs to the process's uid (to root if it is not dumpable):
                # only then can the agent read its fds, and so map its sockets.
                try:
                    uids_visible = os.stat(f"/proc/{pid}").st_uid == self._uid
                except OSError:
                    uids_visible = False
        if alive == 0:
            return None
        if container_id not in self.users:
            self.users[container_id] = _user_of(self.table, pids)
        rx, tx, method = self._network(
            container_id, pids, dt, socket_bytes, node_net, uids_visible
        )
        return {
            "container_id": container_id, "cpu_cores": cpu_s / dt, "rss_bytes": rss,
            "pss_bytes": pss if pss_ok else None,
            "disk_read_bps": reads / dt if io_ok else None,
            "disk_write_bps": writes / dt if io_ok else None,
            "net_rx_bps": rx, "net_tx_bps": tx,
            "net_method": method, "progress": None, "pids": alive,
        }

    def _network(
        self, container_id: str, pids: list[int], dt: float,
        socket_bytes: Mapping[int, tuple[int, int]] | None,
        node_net: tuple[float, float] | None, uids_visible: bool,
    ) -> tuple[float | None, float | None, str]:
        """(rx bytes/s, tx bytes/s, how measured) for one container."""
        if self.network_method in ("auto", "netns"):
            for pid in pids:
                namespace = netns_of(pid)
                if namespace is not None and namespace != self._own_netns:
                    counters = read_netns_bytes(pid)
                    if counters is None:
                        break
                    before = self._netns.get(container_id)
                    self._netns[container_id] = counters
                    if before is None:
                        return 0.0, 0.0, "netns"
                    return (max(0, counters[0] - before[0]) / dt,
                            max(0, counters[1] - before[1]) / dt, "netns")
        if socket_bytes is not None and (self._is_root or uids_visible):
            rx = sum(socket_bytes.get(pid, (0, 0))[0] for pid in pids)
            tx = sum(socket_bytes.get(pid, (0, 0))[1] for pid in pids)
            return rx / dt, tx / dt, "ss"
        if node_net is not None:
            # Only the whole node's traffic is known: an upper bound, flagged as such.
            return node_net[0], node_net[1], "node"
        return None, None, "none"

    def _node_sample(self, mono: float) -> tuple[dict[str, Any], tuple[float, float] | None]:
        """The node's totals and free capacity; also node-level network rates (bytes/s)."""
        cpu = psutil.cpu_times()
        busy = sum(cpu) - cpu.idle - getattr(cpu, "iowait", 0.0)
        memory = psutil.virtual_memory()
        disk = psutil.disk_io_counters()
        nics = psutil.net_io_counters(pernic=True)
        rx = sum(c.bytes_recv for name, c in nics.items() if name != "lo")
        tx = sum(c.bytes_sent for name, c in nics.items() if name != "lo")
        reads, writes = (disk.read_bytes, disk.write_bytes) if disk else (0, 0)
        now = (busy, reads, writes, rx, tx)
        before, self._node = self._node, (mono, *now)  # type: ignore[assignment]
        total = float(psutil.cpu_count() or 1)
        sample: dict[str, Any] = {
            "cpu_cores_total": total, "mem_total_bytes": memory.total,
            "mem_available_bytes": memory.available,
            "mem_used_bytes": memory.total - memory.available,
        }
        if before is None:
            return sample, None
        dt = max(1e-6, mono - before[0])
        rates = [max(0.0, (a - b) / dt) for a, b in zip(now, before[1:], strict=True)]
        sample.update(
            ts_ms=0, cpu_cores_used=min(total, rates[0]), disk_read_bps=rates[1],
            disk_write_bps=rates[2], net_rx_bps=rates[3], net_tx_bps=rates[4],
        )
        return sample, (rates[3], rates[4])

    def _forget_gone(self, containers: Mapping[str, list[int]]) -> None:
        for container_id in list(self._netns):
            if container_id not in containers:
                del self._netns[container_id]
        for container_id in list(self.users):
            if container_id not in containers:
                del self.users[container_id]


def _user_of(table: ProcessTable, pids: list[int]) -> str | None:
    for pid in sorted(pids):
        process = table.process(pid)
        if process is None:
            continue
        try:
            return str(process.username())
        except (psutil.Error, KeyError):
            continue
    return None

