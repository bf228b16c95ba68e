"""The fluid lower bound on makespan: no schedule of the workload can finish sooner.

    LB = max( max_i (a_i + T_i),  max_r max_a [ a + W_r(a) / C_r ] )

- a_i is app i's arrival, rounded up to the slot it is first seen in, and T_i the shortest
  time it can take: one slot of its AM before any executor is asked (the engine's rule), then
  its longest executor curve, unslowed.
- W_r(a) is the resource-seconds of resource r that apps arriving at or after a must use, and
  C_r the cluster's capacity of r: even a perfectly divisible, perfectly packed cluster needs
  W_r(a) / C_r after a to do that work. An AM counts for its shortest life, T_i, at its
  curve's values (the last one holding).

Why W is safe. The engine charges a container its curve's value at the slot its progress is
in, so a slowed container may do part of slot k's work at slot k-1's value: CPU, disk and
network are counted per slot as min(u[k-1], u[k]), the least that slot's work can cost. Memory
is held, not worked through, and a container's progress never skips a slot (its rate is at
most 1), so each slot's memory is held for a whole slot at least: counted as it is.
"""

from __future__ import annotations

import numpy as np

from yarn_elastic.prediction.runs import hold
from yarn_elastic.simulator.model import AppSpec, Workload, first_slot

MEMORY = 1


def shortest_life_slots(app: AppSpec) -> int:
    executors = max(int(r.usage.shape[1]) for r in app.executors)
    return executors + (1 if app.am is not None else 0)


def least_work(usage: np.ndarray) -> np.ndarray:
    """(4,) the least resource-slots a curve can cost in the engine (module docstring)."""
    compressible = np.minimum(usage, np.concatenate([usage[:, :1], usage[:, :-1]], axis=1))
    compressible[MEMORY] = usage[MEMORY]
    total: np.ndarray = compressible.sum(axis=1)
    return total


def resource_seconds(app: AppSpec, slot_seconds: float) -> np.ndarray:
    """(4,) what the app uses at the least, in resource-seconds."""
    total = np.zeros(4)
    life = shortest_life_slots(app)
    for role in app.roles:
        if role.is_am:
            total += least_work(hold(role.usage, life))
        else:
            total += least_work(role.usage) * role.count
    return total * slot_seconds


def lower_bound_s(workload: Workload) -> float:
    slot = workload.slot_seconds
    arrivals = [first_slot(a.arrival_s, slot) * slot for a in workload.apps]
    single = max(a + shortest_life_slots(app) * slot
                 for a, app in zip(arrivals, workload.apps, strict=True))
    capacity = workload.capacity()
    order = np.argsort(arrivals, kind="stable")[::-1]
    behind = np.zeros(4)  # W_r(a) over the apps arriving at or after a, latest first
    fluid = 0.0
    for i in order.tolist():
        behind = behind + resource_seconds(workload.apps[i], slot)
        ratios = np.divide(behind, capacity, out=np.zeros(4), where=capacity > 0)
        fluid = max(fluid, arrivals[i] + float(ratios.max()))
    return max(single, fluid)
