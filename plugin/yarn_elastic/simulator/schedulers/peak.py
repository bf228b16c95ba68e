"""The baselines that reserve peak demand over all four resources: `tetris` and `drf`.

A role's peak is what YARN gives it for CPU and memory, its request (YARN allocates and
enforces that, so a smaller estimate would only get containers killed), and for disk and
network, which YARN does not request, the largest use seen in its job's history (nothing
known for a job with no history). The peak is reserved, and limited, for the container's
whole life; CPU and memory are also limited there, disk and network are not (YARN throttles
neither). This is Tetris as it runs on YARN: the requests it is given, and estimates for
the resources nobody asks for.

`tetris` (Grandl et al., SIGCOMM'14): on each heartbeat, the pending container whose peak
fits and whose alignment, the dot product of the node's free vector with its peak (both
relative to the node's capacity), is highest; again until nothing fits. Its remaining-work
term and fairness knob are not modelled. `drf` (Ghodsi et al., NSDI'11): on each heartbeat,
the app with the lowest dominant share (its reserved peaks over the cluster's capacity, the
largest over resources) gets one container if one fits; again until nothing fits.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from yarn_elastic.scheduling.tables import FloatArray
from yarn_elastic.simulator.model import AppSpec, RoleSpec, Workload
from yarn_elastic.simulator.schedulers.base import (
    Allocation,
    ClusterView,
    Launch,
    LaunchesOnly,
    PendingAsk,
    enforced,
    flat_allocation,
)
from yarn_elastic.simulator.schedulers.heartbeat import FIT, Timer, heartbeat_order


class _PeakScheduler(LaunchesOnly):
    name = ""

    def __init__(self, seed: int = 0) -> None:
        self.peaks: dict[tuple[str, str], FloatArray] = {}
        self.timer = Timer()

    def prepare(self, workload: Workload) -> None:
        for run in workload.history:
            for role in run.roles:
                seen = role.usage.max(axis=1)
                key = (run.name, role.role)
                self.peaks[key] = np.maximum(self.peaks.get(key, seen), seen)

    def peak(self, app: AppSpec, role: RoleSpec) -> FloatArray:
        request = role.requested
        seen = self.peaks.get((app.name, role.role))
        if seen is None:
            return request
        peak: FloatArray = np.concatenate([request[:2], seen[2:]])
        return peak

    def allocation(self, app: AppSpec, role: RoleSpec) -> Allocation:
        peak = self.peak(app, role)
        return flat_allocation(peak, enforced(peak))

    def killed(self, app: AppSpec, role: RoleSpec) -> None:
        """A peak is the request for memory: nothing to learn from a kill."""

    def cycle_ms(self) -> float:
        return self.timer.last_ms

    def place(self, view: ClusterView) -> Sequence[Launch]:
        with self.timer:
            free = view.capacity - view.ledger
            left = {ask.key: ask.count for ask in view.pending}
            needs = [self.peak(ask.app, ask.role) for ask in view.pending]
            launches: list[Launch] = []
            for node in heartbeat_order(view).tolist():
                while True:
                    open_ = [i for i, ask in enumerate(view.pending) if left[ask.key]
                             and np.all(needs[i] <= free[node] + FIT)]
                    if not open_:
                        break
                    i = self.choose(open_, view, node, free[node], needs)
                    ask = view.pending[i]
                    free[node] -= needs[i]
                    left[ask.key] -= 1
                    self.placed(ask, needs[i])
                    launches.append(Launch(ask.key, node))
        return launches

    def choose(self, open_: list[int], view: ClusterView, node: int, free: FloatArray,
               needs: list[FloatArray]) -> int:
        raise NotImplementedError

    def placed(self, ask: PendingAsk, need: FloatArray) -> None:
        """Called after each placement (DRF keeps its shares up to date here)."""


class TetrisScheduler(_PeakScheduler):
    name = "tetris"

    def choose(self, open_: list[int], view: ClusterView, node: int, free: FloatArray,
               needs: list[FloatArray]) -> int:
        capacity = view.capacity[node]
        scale = np.where(capacity > 0, capacity, 1.0)
        alignment = [float(np.dot(free / scale, needs[i] / scale)) for i in open_]
        # The highest alignment; ties to the earlier ask (max returns the first).
        return open_[int(np.argmax(alignment))]


class DrfScheduler(_PeakScheduler):
    name = "drf"

    def __init__(self, seed: int = 0) -> None:
        super().__init__(seed)
        self.shares: dict[int, FloatArray] = {}
        self.total = np.ones(4)

    def place(self, view: ClusterView) -> Sequence[Launch]:
        self.total = np.where(view.capacity.sum(axis=0) > 0, view.capacity.sum(axis=0), 1.0)
        self.shares = {}
        for c in view.running:
            ledger = c.allocation.at(c.position)[0]
            self.shares[c.app_index] = self.shares.get(c.app_index, np.zeros(4)) + ledger
        return super().place(view)

    def choose(self, open_: list[int], view: ClusterView, node: int, free: FloatArray,
               needs: list[FloatArray]) -> int:
        def dominant(i: int) -> float:
            held = self.shares.get(view.pending[i].app_index, np.zeros(4))
            return float((held / self.total).max())

        return min(open_, key=lambda i: (dominant(i), i))

    def placed(self, ask: PendingAsk, need: FloatArray) -> None:
        self.shares[ask.app_index] = self.shares.get(ask.app_index, np.zeros(4)) + need
