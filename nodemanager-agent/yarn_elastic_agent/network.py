"""Per-container network bytes: from per-socket TCP counters (`ss`) or a container's own netns.

psutil has no per-process network counters, and /proc/<pid>/net/dev shows the whole network
namespace, so a container sharing the host namespace cannot be measured from there. `ss -i`
reports `bytes_sent`/`bytes_received` per TCP socket with its owning pids; summing the deltas
of a container's sockets gives its traffic. Bytes on sockets opened and closed between two
samples are missed (documented in docs/agent.md). Parsing is pure; running `ss` is the edge.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

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
    """Runs `ss` once per tick and turns it into per-pid byte deltas."""

    def __init__(self) -> None:
        self.binary = shutil.which("ss")
        self._previous: dict[int, SocketBytes] | None = None

    @property
    def available(self) -> bool:
        return self.binary is not None

    def tick(self) -> dict[int, tuple[int, int]] | None:
        if self.binary is None:
            return None
        try:
            completed = subprocess.run(
                [self.binary, "-tinpHe"], capture_output=True, text=True, timeout=10, check=True
            )
        except (OSError, subprocess.SubprocessError) as exc:
            LOG.warning("ss failed (%s); network falls back to node-level figures", exc)
            self._previous = None
            return None
        sockets = parse_ss(completed.stdout)
        deltas = socket_deltas(self._previous, sockets)
        self._previous = {s.inode: s for s in sockets}
        return deltas


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
