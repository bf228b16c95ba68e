"""Start daemons in their own process groups and make sure none outlive the cluster."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child: get SIGKILL when the starting thread dies, even if Python is SIGKILLed.

    Linux only; elsewhere the context manager and atexit hooks are the only guard.
    """
    os.setsid()
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


@dataclass
class Daemon:
    name: str
    process: subprocess.Popen[bytes]
    log_file: Path

    @classmethod
    def start(
        cls, name: str, command: Sequence[str], log_file: Path, env: Mapping[str, str], cwd: Path
    ) -> Daemon:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with log_file.open("ab") as out:
            process = subprocess.Popen(
                list(command),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=dict(env),
                cwd=cwd,
                preexec_fn=_die_with_parent,
            )
        log.info("started %s (pid %d), log: %s", name, process.pid, log_file)
        return cls(name, process, log_file)

    def is_running(self) -> bool:
        return self.process.poll() is None

    def stop(self, grace_seconds: float = 15.0) -> None:
        stop_all([self], grace_seconds)

    def kill(self) -> None:
        """SIGKILL its process group, as a crash would: no shutdown hook runs."""
        _signal_group(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        log.info("killed %s", self.name)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_file.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(text[-lines:])


def stop_all(daemons: Sequence[Daemon], grace_seconds: float = 15.0) -> None:
    """SIGTERM each process group (so Hadoop's shutdown hooks run), then SIGKILL stragglers.

    All get the signal at once: NodeManagers each spend seconds in shutdown hooks.
    """
    running = [d for d in daemons if d.is_running()]
    for daemon in running:
        _signal_group(daemon.process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    for daemon in running:
        try:
            daemon.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop in %.0f s; killing it", daemon.name, grace_seconds)
            _signal_group(daemon.process.pid, signal.SIGKILL)
            daemon.process.wait(timeout=10)
        log.info("stopped %s (exit %s)", daemon.name, daemon.process.returncode)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def reap_processes_under(directory: Path, grace_seconds: float = 5.0) -> list[int]:
    """Kill leftovers that belong to a run dir: containers run in their own sessions.

    The NodeManager starts each container with setsid, so signalling the NM's group does not
    reach them; a SIGKILLed NM would leave them running. A process belongs to the run if its
    working directory or command line lies under `directory`.
    """
    marker = str(directory.resolve())
    # Our own command line may name the run dir (`yarn-elastic demo --run-dir ...`).
    spared = {os.getpid(), *(p.pid for p in psutil.Process().parents())}
    found: list[psutil.Process] = []
    for proc in psutil.process_iter(["pid", "cmdline", "cwd"]):
        if proc.info["pid"] in spared:
            continue
        cwd = proc.info.get("cwd") or ""
        cmdline = " ".join(proc.info.get("cmdline") or [])
        if cwd.startswith(marker) or marker in cmdline:
            found.append(proc)
    for proc in found:
        with contextlib.suppress(psutil.Error):
            proc.terminate()
    _, alive = psutil.wait_procs(found, timeout=grace_seconds)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    if found:
        log.warning(
            "killed %d leftover process(es) of %s: %s",
            len(found), directory, [p.pid for p in found],
        )
    return [p.pid for p in found]
