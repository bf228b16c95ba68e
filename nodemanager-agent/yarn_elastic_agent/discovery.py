"""Which processes belong to which YARN container.

A NodeManager container is a process tree rooted at a session leader whose pid the NM writes to
`<local-dir>/nmPrivate/<app>/<container>/<container>.pid` (see research/ecosystem.md §5). We
trust, in order: the pid file (and every process in that session), the parent chain, and last
the container id appearing in a process's command line, working directory or CONTAINER_ID
environment variable, which catches containers whose pid file we cannot read.

`assign` is the pure rule; `ProcessTable` is the edge that reads /proc through psutil and
remembers what it has already learnt about each process, so a steady tick costs one pid
listing plus reading only processes that are new.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import psutil
from yarn_elastic.depository.report import app_id_of

LOG = logging.getLogger(__name__)
CONTAINER_ID = re.compile(r"container_(?:e\d+_)?\d+_\d+_\d+_\d+")


@dataclass(frozen=True)
class ProcFacts:
    ppid: int
    sid: int


def assign(
    procs: Mapping[int, ProcFacts],
    roots: Mapping[int, str],
    own_container: Callable[[int], str | None],
) -> dict[int, str]:
    """Map every pid that belongs to a container to its container id."""
    result: dict[int, str | None] = {}

    def resolve(pid: int) -> str | None:
        chain: list[int] = []
        found: str | None = None
        current = pid
        # Walk up until something decides; every pid on the way gets the same answer.
        while current not in result:
            chain.append(current)
            facts = procs.get(current)
            if current in roots:
                found = roots[current]
                break
            if facts is None:
                break
            if facts.sid in roots:
                found = roots[facts.sid]
                break
            if facts.ppid <= 1 or facts.ppid in chain:
                found = own_container(current)
                break
            current = facts.ppid
        else:
            found = result[current]
        if found is None:
            # Nothing above decided: each process takes the container named by itself or by its
            # nearest ancestor. Walking down from the top keeps a child that names a container
            # from claiming its parents (a test runner, a shell) along with itself.
            for member in reversed(chain):
                found = own_container(member) or found
                result[member] = found
            return result[pid]
        for member in chain:
            result[member] = found
        return found

    for pid in procs:
        resolve(pid)
    return {pid: cid for pid, cid in result.items() if cid is not None and pid in procs}


def read_pid_files(local_dirs: Iterable[str]) -> dict[int, str]:
    """Session-leader pid -> container id, from the NM's private pid files."""
    return PidFiles().read(local_dirs)


# A directory modified this recently may change again within the same mtime tick (coarse
# timestamps on some file systems): its cached listing is not trusted yet.
_RACY_NS = 2_000_000_000


class PidFiles:
    """The NM's pid files `<local-dir>/nmPrivate/<app>/<container>/<container>.pid`, re-read
    only below directories whose mtime changed (the NM writes a pid file by renaming it into
    place, which touches its directory). A steady tick costs one stat per directory."""

    def __init__(self) -> None:
        self._listings: dict[str, tuple[int, list[str]]] = {}
        self._pids: dict[str, tuple[int, int | None]] = {}

    def read(self, local_dirs: Iterable[str]) -> dict[int, str]:
        now_ns = time.time_ns()
        seen: set[str] = set()
        roots: dict[int, str] = {}
        for local_dir in local_dirs:
            private = os.path.join(local_dir, "nmPrivate")
            for app in self._listing(private, now_ns, seen):
                app_dir = os.path.join(private, app)
                for container_id in self._listing(app_dir, now_ns, seen):
                    if container_id.startswith("container_"):
                        pid = self._pid(os.path.join(app_dir, container_id), container_id,
                                        now_ns, seen)
                        if pid is not None:
                            roots[pid] = container_id
        self._listings = {d: v for d, v in self._listings.items() if d in seen}
        self._pids = {d: v for d, v in self._pids.items() if d in seen}
        return roots

    def _listing(self, directory: str, now_ns: int, seen: set[str]) -> list[str]:
        try:
            mtime = os.stat(directory).st_mtime_ns
        except OSError:
            return []
        seen.add(directory)
        cached = self._listings.get(directory)
        if cached is not None and cached[0] == mtime and now_ns - mtime > _RACY_NS:
            return cached[1]
        try:
            names = os.listdir(directory)
        except OSError:
            return []
        self._listings[directory] = (mtime, names)
        return names

    def _pid(self, directory: str, container_id: str, now_ns: int, seen: set[str]) -> int | None:
        try:
            mtime = os.stat(directory).st_mtime_ns
        except OSError:
            return None
        seen.add(directory)
        cached = self._pids.get(directory)
        if cached is not None and cached[0] == mtime and now_ns - mtime > _RACY_NS:
            return cached[1]
        try:
            with open(os.path.join(directory, container_id + ".pid")) as f:
                pid: int | None = int(f.read().strip())
        except (OSError, ValueError):
            pid = None  # not written yet, or being replaced; the next tick sees it
        self._pids[directory] = (mtime, pid)
        return pid


def last_pid_allocated() -> int | None:
    """The pid the kernel handed out last (/proc/loadavg): unchanged means no process (or
    thread) was born since it was last read, so the process table cannot have gained one."""
    try:
        with open("/proc/loadavg", "rb") as f:
            return int(f.read().split()[4])
    except (OSError, ValueError, IndexError):
        return None


def container_id_in(texts: Iterable[str]) -> str | None:
    for text in texts:
        match = CONTAINER_ID.search(text)
        if match is not None:
            return match.group(0)
    return None


@dataclass
class _Known:
    process: psutil.Process
    facts: ProcFacts
    own: str | None = None
    own_read: bool = False


class ProcessTable:
    """The node's processes, learnt incrementally; excludes the agent itself."""

    def __init__(self) -> None:
        self._known: dict[int, _Known] = {}
        self._local: dict[str, bool] = {}
        self._self = os.getpid()
        self.pid_files = PidFiles()
        # (last pid allocated, pid files) of the last full scan, and what it found.
        self.last_scan: tuple[tuple[int, dict[int, str]], dict[str, list[int]]] | None = None

    def refresh(self) -> None:
        current = set(psutil.pids())
        for gone in self._known.keys() - current:
            del self._known[gone]
        for pid in current - self._known.keys():
            try:
                process = psutil.Process(pid)
                facts = ProcFacts(process.ppid(), os.getsid(pid))
            except (psutil.Error, OSError):
                continue
            self._known[pid] = _Known(process, facts)

    def facts(self) -> dict[int, ProcFacts]:
        return {pid: k.facts for pid, k in self._known.items() if pid != self._self}

    def process(self, pid: int) -> psutil.Process | None:
        known = self._known.get(pid)
        return None if known is None else known.process

    def is_local(self, container_id: str, local_dirs: Iterable[str]) -> bool:
        """`is_local_container`, remembered while the container has processes."""
        known = self._local.get(container_id)
        if known is None:
            known = self._local[container_id] = is_local_container(local_dirs, container_id)
        return known

    def forget_containers_except(self, live: Iterable[str]) -> None:
        keep = set(live)
        self._local = {c: v for c, v in self._local.items() if c in keep}

    def own_container(self, pid: int) -> str | None:
        known = self._known.get(pid)
        if known is None:
            return None
        if not known.own_read:
            known.own = _container_of(known.process)
            known.own_read = True
        return known.own


def _container_of(process: psutil.Process) -> str | None:
    try:
        found = container_id_in(process.cmdline())
        if found is None:
            found = container_id_in([process.cwd()])
        if found is None:
            value = process.environ().get("CONTAINER_ID")
            found = value if value and CONTAINER_ID.fullmatch(value) else None
        return found
    except (psutil.Error, OSError):
        return None


def is_local_container(local_dirs: Iterable[str], container_id: str) -> bool:
    """Whether this NodeManager keeps a directory for the container (nmPrivate or appcache).

    The fallback rules name containers from anywhere on the host; where two NodeManagers share
    a host (test clusters, several NMs per box) each agent must keep to its own NM's containers.
    """
    app_id = app_id_of(container_id)
    for local_dir in local_dirs:
        if Path(local_dir, "nmPrivate", app_id, container_id).is_dir():
            return True
        if any(Path(local_dir, "usercache").glob(f"*/appcache/{app_id}/{container_id}")):
            return True
    return False


def find_containers(table: ProcessTable, local_dirs: Iterable[str]) -> dict[str, list[int]]:
    """Container id -> its pids, for one tick. While no process was born and no pid file
    changed, the last answer stands (processes that died meanwhile simply fail to be read)."""
    local_dirs = list(local_dirs)
    roots = table.pid_files.read(local_dirs)
    last_pid = last_pid_allocated()
    stamp = None if last_pid is None else (last_pid, roots)
    if stamp is not None and table.last_scan is not None and table.last_scan[0] == stamp:
        return table.last_scan[1]
    containers = _scan(table, local_dirs, roots)
    table.last_scan = None if stamp is None else (stamp, containers)
    return containers


def _scan(
    table: ProcessTable, local_dirs: list[str], roots: dict[int, str]
) -> dict[str, list[int]]:
    table.refresh()
    mapping = assign(table.facts(), roots, table.own_container)
    containers: dict[str, list[int]] = {}
    for pid, container_id in mapping.items():
        containers.setdefault(container_id, []).append(pid)
    table.forget_containers_except(containers)
    if not any(Path(d).is_dir() for d in local_dirs):
        return containers  # local dirs unknown here (warned at start): every container counts
    named = set(roots.values())
    return {c: pids for c, pids in containers.items()
            if c in named or table.is_local(c, local_dirs)}
