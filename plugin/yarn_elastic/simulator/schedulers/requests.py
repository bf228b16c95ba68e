"""The baselines that believe YARN's requests: `static` and `capacity`.

Both reserve each container's request (vcores, memory) for its whole life and count nothing
for disk and network, which YARN does not request. `static` is Elasecutor's Static baseline:
a random node that fits, seeded. `capacity` is stock CapacityScheduler's behaviour: node
heartbeats in turn, and on each node the queue's applications in FIFO order, as many
containers as fit (CapacityScheduler assigns several per heartbeat). Its reservations and the
AM share limit (maximum-am-resource-percent) are not modelled.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from yarn_elastic.simulator.model import AppSpec, RoleSpec, Workload
from yarn_elastic.simulator.schedulers.base import (
    Allocation,
    ClusterView,
    Launch,
    LaunchesOnly,
    request_allocation,
)
from yarn_elastic.simulator.schedulers.heartbeat import FIT, Timer, heartbeat_order


class _RequestScheduler(LaunchesOnly):
    name = ""

    def __init__(self, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self.timer = Timer()

    def prepare(self, workload: Workload) -> None:
        """Requests need no history."""

    def allocation(self, app: AppSpec, role: RoleSpec) -> Allocation:
        return request_allocation(role)

    def killed(self, app: AppSpec, role: RoleSpec) -> None:
        """Requests do not change after a kill."""

    def cycle_ms(self) -> float:
        return self.timer.last_ms


class StaticScheduler(_RequestScheduler):
    name = "static"

    def place(self, view: ClusterView) -> Sequence[Launch]:
        with self.timer:
            free = view.capacity - view.ledger
            launches = []
            for ask in view.pending:
                need = request_allocation(ask.role).at(0)[0]
                for _ in range(ask.count):
                    candidates = np.flatnonzero(np.all(need <= free + 1e-6, axis=1))
                    if not candidates.size:
                        break
                    node = int(self.rng.choice(candidates))
                    free[node] -= need
                    launches.append(Launch(ask.key, node))
        return launches


class CapacityScheduler(_RequestScheduler):
    name = "capacity"

    def place(self, view: ClusterView) -> Sequence[Launch]:
        with self.timer:
            free = (view.capacity - view.ledger)[:, :2].tolist()
            asks = [(ask.key, ask.role.request.vcores, ask.role.request.memory_mb)
                    for ask in view.pending]
            left = {ask.key: ask.count for ask in view.pending}
            smallest = (min((a[1] for a in asks), default=0.0),
                        min((a[2] for a in asks), default=0.0))
            launches = []
            for node in heartbeat_order(view).tolist():
                room = free[node]  # vcores and memory: all a request counts against
                for key, vcores, memory in asks:
                    if room[0] + FIT < smallest[0] or room[1] + FIT < smallest[1]:
                        break  # nothing pending fits what is left here
                    while left[key] and vcores <= room[0] + FIT and memory <= room[1] + FIT:
                        room[0] -= vcores
                        room[1] -= memory
                        left[key] -= 1
                        launches.append(Launch(key, node))
        return launches
