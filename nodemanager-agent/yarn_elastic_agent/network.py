"""Per-container network bytes: from per-socket TCP counters or a container's own netns.

psutil has no per-process network counters, and /proc/<pid>/net/dev shows the whole network
namespace, so a container sharing the host namespace cannot be measured from there. The kernel
keeps `bytes_sent`/`bytes_received` per TCP socket; summing the deltas of a container's sockets
gives its traffic. They are read over netlink sock_diag (sock_diag.py, no fork), or, where that
is refused, from `ss -tinpHe`. Bytes on sockets opened and closed between two samples are
missed (documented in docs/agent.md). Parsing is pure; netlink, /proc and `ss` are the edge.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from yarn_elastic_agent.sock_diag import TcpSocketDump, socket_inodes

LOG = logging.getLogger(__name__)

_PID = re.compile(r"pid=(\d+)")
_INODE = re.compile(r"\bino:(\d+)")
_SENT = re.compile(r"\bbytes_sent:(\d+)")
_ACKED = re.compile(r"\bbytes_acked:(\d+)")
_RECEIVED = re.compile(r"\bbytes_received:(\d+)")


@dataclass(frozen=True)
class SocketBytes:
    inode: int
    pid: int
    sent: int
    received: int


def parse_ss(output: str) -> list[SocketBytes]:
    """Parse `ss -tinpHe` output, one- or two-lines-per-socket, into per-socket counters."""
    records: list[str] = []
    for line in output.splitlines():
        if line[:1].isspace() and records:
            records[-1] += " " + line.strip()
        elif line.strip():
            records.append(line)
    sockets = []
    for record in records:
        pid, inode = _PID.search(record), _INODE.search(record)
        if pid is None or inode is None or inode.group(1) == "0":
            continue
        sent = _SENT.search(record) or _ACKED.search(record)
        received = _RECEIVED.search(record)
        sockets.append(SocketBytes(
            int(inode.group(1)), int(pid.group(1)),
            int(sent.group(1)) if sent else 0, int(received.group(1)) if received else 0,
        ))
    return sockets


def socket_deltas(
    previous: Mapping[int, SocketBytes] | None, current: Iterable[SocketBytes]
) -> dict[int, tuple[int, int]]:
    """pid -> (rx bytes, tx bytes) since the previous snapshot. A socket new since then counts
    in full (it was opened in the interval); with no previous snapshot nothing counts yet."""
    per_pid: dict[int, tuple[int, int]] = {}
    if previous is None:
        return per_pid
    for sock in current:
        before = previous.get(sock.inode)
        rx, tx = sock.received, sock.sent
        # A counter that went backwards is a reused inode: count the new socket in full.
        if before is not None and rx >= before.received and tx >= before.sent:
            rx, tx = rx - before.received, tx - before.sent
        old_rx, old_tx = per_pid.get(sock.pid, (0, 0))
        per_pid[sock.pid] = (old_rx + rx, old_tx + tx)
    return per_pid


class SocketCounters:
    """Per-pid TCP byte deltas once per tick: netlink sock_diag, else `ss`."""

    def __init__(self) -> None:
        self._diag: TcpSocketDump | None
        try:
            self._diag = TcpSocketDump()
        except OSError as exc:
            LOG.info("netlink sock_diag unavailable (%s); per-socket counters come from `ss`", exc)
            self._diag = None
        self.binary = shutil.which("ss") if self._diag is None else None
        self._previous: dict[int, SocketBytes] | None = None
        self._owners: dict[int, int] = {}  # socket inode -> container pid, from the last fd scan
        self._foreign: set[int] = set()  # live inodes no container process held at that scan
        self._scanned: set[int] = set()  # the pids of that scan

    @property
    def available(self) -> bool:
        return self._diag is not None or self.binary is not None

    @property
    def source(self) -> str:
        return "netlink" if self._diag is not None else "ss" if self.binary else "none"

    def tick(self, pids: Collection[int]) -> dict[int, tuple[int, int]] | None:
        """pid -> (rx, tx) bytes since the previous tick, for sockets of `pids` (with netlink;
        `ss` reports every process's)."""
        sockets: list[SocketBytes] | None
        if self._diag is not None:
            try:
                sockets = self._netlink_sockets(pids)
            except OSError as exc:
                LOG.warning("netlink sock_diag failed (%s); using `ss` from now on", exc)
                self._diag.close()
                self._diag, self.binary, self._previous = None, shutil.which("ss"), None
                return None
        elif self.binary is not None:
            sockets = self._ss_sockets(self.binary)
        else:
            return None
        if sockets is None:
            self._previous = None
            return None
        deltas = socket_deltas(self._previous, sockets)
        self._previous = {s.inode: s for s in sockets}
        return deltas

    def _netlink_sockets(self, pids: Collection[int]) -> list[SocketBytes]:
        assert self._diag is not None
        dumped = self._diag.dump()
        live = {s.inode for s in dumped}
        wanted = set(pids)
        # Reading every container process's fds is the costly part: do it only when a socket
        # or a process appears that the last scan did not see.
        if (live - self._owners.keys() - self._foreign) or not wanted <= self._scanned:
            self._owners = socket_inodes(wanted)
            self._scanned = wanted
            self._foreign = live - self._owners.keys()
        else:
            self._foreign &= live
        owners = self._owners
        return [SocketBytes(s.inode, owners[s.inode], s.sent, s.received)
                for s in dumped if s.inode in owners]

    @staticmethod
    def _ss_sockets(binary: str) -> list[SocketBytes] | None:
        try:
            completed = subprocess.run(
                [binary, "-tinpHe"], capture_output=True, text=True, timeout=10, check=True
            )
        except (OSError, subprocess.SubprocessError) as exc:
            LOG.warning("ss failed (%s); network falls back to node-level figures", exc)
            return None
        return parse_ss(completed.stdout)


def netns_of(pid: int | str) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/net")
    except OSError:
        return None


def read_netns_bytes(pid: int) -> tuple[int, int] | None:
    """(rx, tx) bytes of every non-loopback interface in the namespace of `pid`."""
    try:
        lines = Path(f"/proc/{pid}/net/dev").read_text().splitlines()[2:]
    except OSError:
        return None
    rx = tx = 0
    for line in lines:
        name, _, fields = line.partition(":")
        if name.strip() == "lo":
            continue
        values = fields.split()
        rx += int(values[0])
        tx += int(values[8])
    return rx, tx
