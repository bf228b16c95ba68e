"""How a measured run becomes a container of another size and length, and the offered load.

The shipped generators (`mix`, `real_spark`) build every role from one real run of the curve
library (`library`). What changes and what is kept (docs/simulator.md, "Shipped workloads"):

| quantity | rule | source |
|---|---|---|
| executor lifetime | slots x `stretch` (linear resampling over progress) | `mix` says how |
| executor CPU | x target vcores / measured vcores | keeps the measured CPU per vcore |
| executor memory | x target request MB / measured request MB | keeps measured MB per request MB |
| executor disk, network | x target vcores / measured vcores | keeps measured bytes per CPU-s |
| AM | measured levels; its head before the executors kept, the rest stretched like them | |
| clip, CPU | <= request vcores x the largest slot use/request in the library | library |
| clip, memory | <= request MB (YARN kills a container over its limit) | |

Scaling by the request ratio keeps each run's request/peak ratio as measured, and every
repeat of a setting gets the same factors, so repeat-to-repeat differences stay the real ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from yarn_elastic.prediction.runs import resample
from yarn_elastic.resources import CurveArray
from yarn_elastic.simulator.library import LibraryRole, spark_container_mb
from yarn_elastic.simulator.model import AM_ROLE, USAGE_KEYS, Request, RoleSpec, Workload

CPU, MEMORY, DISK, NETWORK = range(4)


@dataclass(frozen=True)
class ExecutorShape:
    """A Spark executor: `--executor-cores` and `--executor-memory` (GB)."""

    cores: int
    memory_gb: float

    @property
    def label(self) -> str:
        return f"{self.cores}c{self.memory_gb:g}g"

    def request(self) -> Request:
        """What Spark asks YARN for: heap plus overhead, rounded up to 128 MB."""
        return Request(float(self.cores), spark_container_mb(self.memory_gb * 1024))


def stretched(curve: CurveArray, slots: int) -> CurveArray:
    """A copy of the curve over `slots` slots (at least 1), same shape over progress."""
    out: CurveArray = np.array(resample(curve, max(1, int(slots))), dtype=np.float64)
    return out


def scaled_executor(role: LibraryRole, request: Request, count: int, stretch: float,
                    cpu_clip: float, name: str = "executor") -> RoleSpec:
    """The measured executor at another size (`request`) and `stretch` x its lifetime."""
    usage = stretched(role.usage, round(role.usage.shape[1] * stretch))
    cpu_factor = request.vcores / role.request.vcores
    usage[CPU] *= cpu_factor
    usage[MEMORY] *= request.memory_mb / role.request.memory_mb
    usage[DISK] *= cpu_factor
    usage[NETWORK] *= cpu_factor
    return RoleSpec(name, count, request, clipped(usage, request, cpu_clip))


def scaled_am(role: LibraryRole, executor_slots: int, new_executor_slots: int,
              cpu_clip: float) -> RoleSpec:
    """The measured AM: its slots before the executors' lifetime as measured, the rest
    stretched to the executors' new lifetime; levels and request unchanged."""
    usage = role.usage
    head = max(0, usage.shape[1] - executor_slots)
    tail = usage[:, head:] if head < usage.shape[1] else usage[:, -1:]
    body = np.concatenate([usage[:, :head], stretched(tail, new_executor_slots)], axis=1)
    return RoleSpec(AM_ROLE, 1, role.request, clipped(body, role.request, cpu_clip))


def clipped(usage: CurveArray, request: Request, cpu_clip: float) -> CurveArray:
    out: CurveArray = np.maximum(usage, 0.0)
    out[CPU] = np.minimum(out[CPU], request.vcores * cpu_clip)
    out[MEMORY] = np.minimum(out[MEMORY], request.memory_mb)
    return out


def offered_load(workload: Workload) -> dict[str, float]:
    """Total resource-seconds the apps ask for, unslowed, over the cluster's capacity times
    the arrival span (first to last arrival): per usage resource (USAGE_KEYS), and for the
    requests (`request_vcores`, `request_memory_mb`, each held for the role's lifetime).
    Above 1, the work cannot be done while apps still arrive: queues build up."""
    arrivals = [a.arrival_s for a in workload.apps]
    span = max(arrivals) - min(arrivals)
    if span <= 0:
        raise ValueError("offered load needs apps arriving at two or more times")
    used = np.zeros(4)
    asked = np.zeros(2)
    for app in workload.apps:
        for role in app.roles:
            used += role.count * role.usage.sum(axis=1) * workload.slot_seconds
            asked += role.count * role.usage.shape[1] * workload.slot_seconds * np.array(
                [role.request.vcores, role.request.memory_mb])
    capacity = workload.capacity()
    load = {key: float(used[i] / (capacity[i] * span)) for i, key in enumerate(USAGE_KEYS)}
    load["request_vcores"] = float(asked[0] / (capacity[CPU] * span))
    load["request_memory_mb"] = float(asked[1] / (capacity[MEMORY] * span))
    return load
