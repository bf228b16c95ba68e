"""The asks the RM holds, and which of them a scheduler may see this cycle.

CapacityScheduler, whose behaviour ElasticScheduler keeps, lets AMs hold at most a share of
the cluster (`yarn.scheduler.capacity.maximum-am-resource-percent`, the workload's
`am_share`, over vcores and memory): an AM ask waits, unseen, until the AMs running and shown
leave room for it, and one AM may always run. Without it any scheduler can fill a cluster with
AMs whose executors then never fit. Executor asks are always shown.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from yarn_elastic.scheduling.tables import FloatArray
from yarn_elastic.simulator.model import AppSpec, RoleSpec
from yarn_elastic.simulator.nodemanager import TOLERANCE
from yarn_elastic.simulator.schedulers.base import PendingAsk, RunningContainer


class AskQueue:
    def __init__(self, am_limit: FloatArray) -> None:
        self.am_limit = am_limit  # (2,) vcores and memory all AMs together may hold
        self.pending: dict[str, PendingAsk] = {}
        self._made = 0

    def __bool__(self) -> bool:
        return bool(self.pending)

    def add(self, index: int, app: AppSpec, role: RoleSpec, count: int, slot: int) -> None:
        self._made += 1
        key = f"{app.id}/{role.role}/{self._made}"
        self.pending[key] = PendingAsk(key, index, app, role, count, slot)

    def get(self, key: str) -> PendingAsk | None:
        return self.pending.get(key)

    def took(self, ask: PendingAsk, count: int) -> None:
        ask.count -= count
        if ask.count == 0:
            del self.pending[ask.key]

    def drop_app(self, index: int) -> None:
        for key in [k for k, a in self.pending.items() if a.app_index == index]:
            del self.pending[key]

    def shown(self, running: Iterable[RunningContainer]) -> tuple[PendingAsk, ...]:
        """Pending asks the scheduler may see: executors all, AMs within the AM share."""
        ams = np.zeros(2)
        count = 0
        for c in running:
            if c.role.is_am:
                ams += (c.role.request.vcores, c.role.request.memory_mb)
                count += 1
        shown = []
        for ask in self.pending.values():
            if ask.role.is_am:
                need = np.array([ask.role.request.vcores, ask.role.request.memory_mb])
                if count and np.any(ams + need > self.am_limit + TOLERANCE):
                    continue
                ams += need
                count += 1
            shown.append(ask)
        return tuple(shown)
