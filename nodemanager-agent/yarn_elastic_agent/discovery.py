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
            # Nothing above decided: the nearest process naming a container wins.
            for member in chain:
                found = own_container(member)
                if found is not None:
                    break
        for member in chain:
            result[member] = found
        return found

    for pid in procs:
        resolve(pid)
    return {pid: cid for pid, cid in result.items() if cid is not None and pid in procs}


def read_pid_files(local_dirs: Iterable[str]) -> dict[int, str]:
    """Session-leader pid -> container id, from the NM's private pid files."""
    roots: dict[int, str] = {}
    for local_dir in local_dirs:
        for pid_file in Path(local_dir, "nmPrivate").glob("*/container_*/container_*.pid"):
            container_id = pid_file.name[: -len(".pid")]
            try:
                roots[int(pid_file.read_text().strip())] = container_id
            except (OSError, ValueError):
                continue  # being written or already removed; the next tick sees it
    return roots


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
    """Container id -> its pids, for one tick."""
    local_dirs = list(local_dirs)
    table.refresh()
    roots = read_pid_files(local_dirs)
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
