"""The fluid lower bound on makespan: no schedule of the workload can finish sooner.

    LB = max( max_i (a_i + T_i),  max_r max_a [ a + W_r(a) / C_r ] )

- a_i is app i's arrival, rounded up to the slot it is first seen in, and T_i the shortest
  time it can take: one slot of its AM before any executor is asked (the engine's rule), then
  its longest executor curve, unslowed.
- W_r(a) is the resource-seconds of resource r that apps arriving at or after a must use, and
  C_r the cluster's capacity of r: even a perfectly divisible, perfectly packed cluster needs
  W_r(a) / C_r after a to do that work. An AM counts for its shortest life,
  T_i, at its curve's values (the last one holding).
"""

from __future__ import annotations

import math

import numpy as np

from yarn_elastic.simulator.model import AppSpec, Workload


def shortest_life_slots(app: AppSpec) -> int:
    executors = max(int(r.usage.shape[1]) for r in app.executors)
    return executors + (1 if app.am is not None else 0)


def resource_seconds(app: AppSpec, slot_seconds: float) -> np.ndarray:
    """(4,) what the app uses at the least, in resource-seconds."""
    total = np.zeros(4)
    life = shortest_life_slots(app)
    for role in app.roles:
        usage = role.usage
        if role.is_am:
            held = np.concatenate(
                [usage, np.repeat(usage[:, -1:], max(life - usage.shape[1], 0), axis=1)],
                axis=1)[:, :life]
            total += held.sum(axis=1)
        else:
            total += usage.sum(axis=1) * role.count
    return total * slot_seconds


def lower_bound_s(workload: Workload) -> float:
    slot = workload.slot_seconds
    arrivals = [math.ceil(a.arrival_s / slot - 1e-6) * slot for a in workload.apps]
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
