"""Small hand-made workloads for the simulator's table tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from yarn_elastic.simulator.model import AppSpec, NodeGroup, Request, RoleSpec, Workload

SLOT = 3.0


def curve(cpu: Sequence[float], memory: Sequence[float] | float = 100.0,
          disk: Sequence[float] | float = 0.0, network: Sequence[float] | float = 0.0
          ) -> np.ndarray:
    """A (4, slots) usage curve; a scalar is held for as many slots as `cpu` has."""
    slots = len(cpu)

    def row(values: Sequence[float] | float) -> list[float]:
        return [float(values)] * slots if isinstance(values, (int, float)) else list(values)

    return np.array([list(cpu), row(memory), row(disk), row(network)], dtype=np.float64)


def role(name: str, usage: np.ndarray, count: int = 1, vcores: float = 1.0,
         memory_mb: float = 1024.0) -> RoleSpec:
    return RoleSpec(name, count, Request(vcores, memory_mb), usage)


def app(app_id: str, arrival_s: float, *roles: RoleSpec, name: str | None = None) -> AppSpec:
    return AppSpec(app_id, name or app_id, "SPARK", "default", "ana", (), arrival_s, None,
                   tuple(roles))


def simple_app(app_id: str, arrival_s: float = 0.0, executor: np.ndarray | None = None,
               executors: int = 1, vcores: float = 1.0, memory_mb: float = 1024.0,
               name: str | None = None) -> AppSpec:
    """An AM using 0.1 vcore and 100 MB, and `executors` executors of one curve."""
    am = role("am", curve([0.1]), vcores=1.0, memory_mb=512.0)
    body = executor if executor is not None else curve([1.0, 1.0, 1.0])
    return app(app_id, arrival_s, am,
               role("executor", body, executors, vcores, memory_mb), name=name)


def workload(*apps: AppSpec, nodes: int = 1, vcores: float = 4.0, memory_mb: float = 4096.0,
             disk: float = 100.0, network: float = 100.0,
             history: Sequence[AppSpec] = ()) -> Workload:
    return Workload(SLOT, (NodeGroup("n", nodes, vcores, memory_mb, disk, network),),
                    tuple(history), tuple(apps), "test")
