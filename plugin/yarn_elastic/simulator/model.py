"""The workload's typed form: what `workload.parse_workload` returns and the engine replays.

Curves are numpy arrays of shape (4, slots) in `RESOURCE_NAMES` order (cpu_vcores, memory_mb,
disk_mb_per_s, network_mb_per_s): what one container of a role uses in slot k of its own
progress when nothing slows it. After its last slot the container is done.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from yarn_elastic.messages import RESOURCE_NAMES
from yarn_elastic.prediction.runs import AM_ROLE, EXECUTOR_ROLE
from yarn_elastic.resources import CurveArray

__all__ = ["AM_ROLE", "EXECUTOR_ROLE", "USAGE_KEYS"]

FORMAT = "yarn-elastic-workload/1"
# A role's usage curves are named as the messages name resources; roles as the predictors do.
USAGE_KEYS = RESOURCE_NAMES
# CapacityScheduler's yarn.scheduler.capacity.maximum-am-resource-percent default.
DEFAULT_AM_SHARE = 0.1


def first_slot(seconds: float, slot_seconds: float) -> int:
    """The slot boundary at or after `seconds`: where the engine first sees an arrival."""
    return math.ceil(seconds / slot_seconds - 1e-9)


@dataclass(frozen=True)
class NodeGroup:
    name: str
    count: int
    vcores: float
    memory_mb: float
    disk_mb_per_s: float
    network_mb_per_s: float

    @property
    def capacity(self) -> np.ndarray:
        """(4,) in RESOURCE_NAMES order."""
        return np.array([self.vcores, self.memory_mb, self.disk_mb_per_s,
                         self.network_mb_per_s], dtype=np.float64)


@dataclass(frozen=True)
class Request:
    """What the application asks YARN for: vcores and memory only, as YARN has."""

    vcores: float
    memory_mb: float


@dataclass(frozen=True)
class RoleSpec:
    role: str  # "am" for the ApplicationMaster; any other name is an executor role
    count: int
    request: Request
    usage: CurveArray  # (4, slots)

    @property
    def requested(self) -> np.ndarray:
        """(4,) the request as a resource vector: nothing for disk and network."""
        return np.array([self.request.vcores, self.request.memory_mb, 0.0, 0.0])

    @property
    def is_am(self) -> bool:
        return self.role == AM_ROLE


@dataclass(frozen=True)
class AppSpec:
    id: str
    name: str
    type: str
    queue: str
    user: str
    tags: tuple[str, ...]
    arrival_s: float
    input_mb: float | None
    roles: tuple[RoleSpec, ...]
    deadline_s: float | None = None
    divisible: bool = False

    @property
    def am(self) -> RoleSpec | None:
        return next((r for r in self.roles if r.is_am), None)

    @property
    def executors(self) -> tuple[RoleSpec, ...]:
        return tuple(r for r in self.roles if not r.is_am)


@dataclass(frozen=True)
class Workload:
    slot_seconds: float
    nodes: tuple[NodeGroup, ...]
    history: tuple[AppSpec, ...]
    apps: tuple[AppSpec, ...]
    name: str = ""
    am_share: float = DEFAULT_AM_SHARE  # the most of the cluster AMs may hold

    @property
    def node_count(self) -> int:
        return sum(g.count for g in self.nodes)

    def capacity(self) -> np.ndarray:
        """(4,) the whole cluster's capacity."""
        total: np.ndarray = np.sum([g.capacity * g.count for g in self.nodes], axis=0)
        return total
