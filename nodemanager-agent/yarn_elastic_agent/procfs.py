"""A process's counters read straight from /proc: the per-tick hot path of the agent.

psutil reads the same files but costs several times more per process in Python (objects,
caches, one file per attribute); with 50 containers every 3 s that was most of the agent's own
CPU. `/proc/<pid>/stat` alone gives cpu times, start time and RSS; `io` gives disk bytes;
`smaps_rollup` gives PSS. Parsing is pure (`parse_stat`, `parse_io`); the readers are the edge.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import psutil

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class PidCounters:
    create_time: float
    cpu_s: float
    rss: int
    pss: int | None
    read_bytes: int | None
    write_bytes: int | None


def parse_stat(text: bytes) -> tuple[int, int, int]:
    """(utime + stime ticks, start time ticks since boot, rss pages) from /proc/<pid>/stat.
    The command name may hold spaces or parentheses, so fields are counted after the last ')'."""
    fields = text[text.rindex(b")") + 2:].split()
    return int(fields[11]) + int(fields[12]), int(fields[19]), int(fields[21])


def parse_io(text: bytes) -> tuple[int, int]:
    """(read_bytes, write_bytes) from /proc/<pid>/io: bytes that really reached storage."""
    read = write = 0
    for line in text.splitlines():
        if line.startswith(b"read_bytes:"):
            read = int(line[11:])
        elif line.startswith(b"write_bytes:"):
            write = int(line[12:])
    return read, write


def _read(path: str, size: int = 4096) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        return os.read(fd, size)
    except OSError:
        return None
    finally:
        os.close(fd)


class ProcReader:
    """Reads PidCounters; the boot time is read once so start times become wall clock."""

    def __init__(self, collect_pss: bool) -> None:
        self.collect_pss = collect_pss
        self.boot_time = psutil.boot_time()

    def counters(self, pid: int) -> PidCounters | None:
        """None if the process is gone (or its stat unreadable)."""
        stat = _read(f"/proc/{pid}/stat")
        if not stat:
            return None
        try:
            ticks, started, rss_pages = parse_stat(stat)
        except (ValueError, IndexError):
            return None
        read_bytes: int | None
        write_bytes: int | None
        io = _read(f"/proc/{pid}/io")  # unreadable without root for other users' processes
        if io:
            read_bytes, write_bytes = parse_io(io)
        elif not os.path.exists(f"/proc/{pid}"):
            return None  # exited between the two reads
        else:
            read_bytes = write_bytes = None
        return PidCounters(
            self.boot_time + started / CLOCK_TICKS, ticks / CLOCK_TICKS, rss_pages * PAGE_SIZE,
            read_pss(pid) if self.collect_pss else None, read_bytes, write_bytes,
        )


def read_pss(pid: int) -> int | None:
    """PSS from smaps_rollup (one kernel walk; much cheaper than psutil's full smaps parse)."""
    text = _read(f"/proc/{pid}/smaps_rollup")
    if not text:
        return None
    at = text.find(b"\nPss:")
    if at < 0:
        return None
    try:
        return int(text[at + 5: text.index(b"kB", at)]) * 1024
    except ValueError:
        return None
