"""What one simulated run under one scheduler produced; `outputs` turns it into files."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class AppOutcome:
    app_id: str
    name: str
    arrival_s: float
    start_s: float | None  # when its AM started; None if it never started
    finish_s: float | None  # when its last executor finished; None if it never finished
    containers: int  # containers started, restarts after a kill included
    kills: int  # of its containers, for memory (over allocation or node over capacity)

    @property
    def completion_s(self) -> float | None:
        """Application completion time (ACT): arrival to finish."""
        return None if self.finish_s is None else self.finish_s - self.arrival_s


@dataclass
class SchedulerRun:
    """One scheduler's replay of a workload, slot by slot (slot t covers [t, t+1) slots)."""

    scheduler: str
    slot_seconds: float
    apps: list[AppOutcome]
    capacity: np.ndarray  # (4,) the cluster's capacity
    used: np.ndarray  # (4, T) what containers really used, summed over the cluster
    allocated: np.ndarray  # (4, T) what the scheduler gave out (YARN's ledger), cluster sum
    over_capacity: np.ndarray  # (4, T) bool: some node wanted more than its capacity
    containers: int = 0
    killed_containers: int = 0
    cycle_ms: list[float] = field(default_factory=list)  # decision time of each cycle
    launches: list[tuple[int, str, str, int]] = field(default_factory=list)  # slot, ask, node, n
    wall_s: float = 0.0  # how long the replay took
    prepare_s: float = 0.0  # of which learning from the history (elastic's predictions)
    resizes: dict[str, int] = field(default_factory=dict)  # issued, applied, refused

    @property
    def slots(self) -> int:
        return int(self.used.shape[1])

    @property
    def makespan_s(self) -> float:
        """The last finish, from the workload's time 0 (the origin the lower bound uses too);
        NaN if an app never finished, since the makespan is then unknown."""
        finished = [a.finish_s for a in self.apps]
        if not finished or any(f is None for f in finished):
            return float("nan")
        return max(f for f in finished if f is not None)
