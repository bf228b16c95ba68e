"""The chaos benchmark's killer: the active core SIGKILLed at random moments, and how long
the shim took to have a core deciding again after each kill."""

from __future__ import annotations

import os
import random
import signal
import threading
import time

from yarn_elastic.devcluster.elastic import CoreSetup, core_pids, core_status


def now_ms() -> int:
    return int(time.time() * 1000)


class CoreKiller(threading.Thread):
    """Kills the active core `kills` times, each after a random pause, and records when the
    shim had it back."""

    def __init__(self, core: CoreSetup, kills: int, rng: random.Random,
                 done: threading.Event) -> None:
        super().__init__(name="core-killer", daemon=True)
        self.core, self.kills, self.rng, self.done = core, kills, rng, done
        self.record: list[tuple[int, int]] = []

    def run(self) -> None:
        while len(self.record) < self.kills and not self.done.wait(self.rng.uniform(5, 20)):
            wait_for_cycles(self.core)
            pids = core_pids(self.core)
            if not pids:
                continue
            killed = now_ms()
            for pid in pids:
                os.kill(pid, signal.SIGKILL)
            print(f"  core killed ({len(self.record) + 1}/{self.kills})", flush=True)
            wait_for_cycles(self.core)
            self.record.append((killed, now_ms()))


def wait_for_cycles(core: CoreSetup, timeout_seconds: float = 120) -> None:
    """Until a core answers cycles again: the shim is back from its fallback. (The shim's own
    CoreState gauge lags by up to 10 s through the metrics cache, longer than a recovery.)"""
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        status = core_status(core)
        if status is not None and status.get("cycles", 0) > 0:
            return
        time.sleep(0.2)
    raise TimeoutError(f"no core answered cycles for {timeout_seconds} s; see {core.log_file}")
