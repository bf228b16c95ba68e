"""The resize planner: each running container's next size along its predicted band, and why.

A pure function over what the core knows of a running container: its band (the selector's
calibrated upper curve from the container's start, capped at its request), how far along it
is, what it is allocated now, what the agent last measured, and its request. YARN resizes
vcores and memory only, so a target is those two. The rules, in order:

1. **Ahead of need.** The target covers the band over the next `lead_slots` slots too, so an
   allocation reaches a rise before the container does: a DECREASE reaches the NodeManager
   in its next heartbeat, an INCREASE needs the RM to find room first. On a node that could
   not grant an increase (`can_grow` false: less than one minimum allocation unallocated in
   some resource, which CapacityScheduler 3.4.1 checks before it tries any request on a node,
   `allocateContainerOnSingleNode`, so even a memory-only increase never comes), a shrink
   goes only as far as the band over the rest of the container's life: never so far that it
   would need to grow back. An increase the band needs is still asked for there, not a jump
   to the life's peak: the RM grants it once the node has room again, and asking for the
   peak instead held back memory a container needed now behind vcores it did not (87
   containers killed in the simulator's elasecutor-mix under `oracle`). The placement keeps
   the step such an increase needs free where it foresees one (`headroom`), so that a node
   gets stuck only when its containers outrun their bands.
2. **Never below what it uses.** Memory never drops below the last measured RSS plus
   `memory_margin` of it: a band that under-predicts must not take memory away from a
   container that is using it (the OOM loops of downsized JVMs).
3. **Grow before a kill.** A container whose measured memory is above `grow_at` of its
   allocation is running above its plan; it is grown to its request at once, before the
   NodeManager's monitor would kill it.
4. **Never above the request.** Reprovisioning, a later step, may go above it.
5. **What YARN can give.** A target is rounded up to whole `vcores_step`s and
   `memory_step_mb`s (CapacityScheduler normalises every allocation to multiples of
   yarn.scheduler.minimum-allocation-vcores and -mb; 128 MB is the project's dev cluster's,
   Hadoop's default is 1024). `yarn_sized` rounds a whole band the same way, so that the
   placement plans with the sizes the RM will really hold.

Every increase is planned (an allocation a crumb below its need is a kill); a decrease only
when it frees more than `min_change` of the request, so a container is not resized every cycle
for crumbs.

`committed_curve` is what the placement then plans with for a running container: its band,
never below its current target, and a container grown off its band keeps that size for the
rest of its life (nothing says when it will need less again).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from yarn_elastic.resources import CurveArray, align

CPU, MEMORY = 0, 1


@dataclass(frozen=True)
class ResizeRules:
    lead_slots: int = 1
    memory_margin: float = 0.10
    grow_at: float = 0.95
    min_change: float = 0.05
    vcores_step: float = 1.0
    memory_step_mb: float = 128.0
    # New containers keep room on their node for their own predicted increases (`headroom`).
    room_for_new_containers: bool = False


@dataclass(frozen=True)
class RunningSize:
    """What the planner is told of one running container."""

    container: str
    band: CurveArray  # (4, S) from the container's start; its last value holds
    position: int  # slots of the band lived
    allocated: tuple[float, float]  # vcores, memory MB now
    request: tuple[float, float]  # vcores, memory MB asked for
    measured_memory_mb: float | None = None  # the agent's last RSS, None if not known yet
    can_grow: bool = True  # its node could grant an increase (see rule 1)


@dataclass(frozen=True)
class Resize:
    container: str
    vcores: float
    memory_mb: float
    reason: str

    @property
    def size(self) -> tuple[float, float]:
        return self.vcores, self.memory_mb


def steps_up(values: CurveArray, step: float) -> CurveArray:
    """Rounded up to whole steps, and at least one step: YARN gives no container less."""
    if step <= 0:
        return values
    rounded: CurveArray = np.maximum(np.ceil(values / step - 1e-9), 1.0) * step
    return rounded


def yarn_sized(curve: CurveArray, request: tuple[float, float], rules: ResizeRules
               ) -> CurveArray:
    """A band's vcores and memory rounded up to what YARN allocates, at most the request
    (at least one step: YARN gives no container less)."""
    out: CurveArray = curve.copy()
    for row, step in ((CPU, rules.vcores_step), (MEMORY, rules.memory_step_mb)):
        out[row] = np.minimum(steps_up(out[row], step), request[row])
    return out


def band_ahead(band: CurveArray, position: int, lead_slots: int) -> tuple[float, float]:
    """The most vcores and memory the band asks for from `position` to `lead_slots` ahead."""
    last = band.shape[1] - 1
    start, end = min(position, last), min(position + lead_slots, last)
    window = band[:2, start : end + 1]
    return float(window[CPU].max()), float(window[MEMORY].max())


def band_for_life(band: CurveArray, position: int) -> tuple[float, float]:
    """The most vcores and memory the band asks for from `position` to its end (held)."""
    return band_ahead(band, position, band.shape[1])


NO_GROWTH = ("shrunk only to its band over the rest of its life (its node has less than one"
             " minimum allocation unallocated, so it could not grow back)")


def shrunk_for_life(ahead: npt.NDArray[np.float64], life: npt.NDArray[np.float64],
                    allocated: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Rule 1 on a node that cannot grow: the band ahead where that is an increase, else
    the current size shrunk no further than the band's peak over the rest of its life."""
    result: npt.NDArray[np.float64] = np.maximum(ahead, np.minimum(allocated, life))
    return result


def target_size(running: RunningSize, rules: ResizeRules) -> tuple[float, float, str]:
    """(vcores, memory MB, why) the container should have from now on."""
    vcores, memory = band_ahead(running.band, running.position, rules.lead_slots)
    why = f"band over the next {rules.lead_slots} slot(s)"
    if not running.can_grow:
        ahead = np.array([vcores, memory])
        held = shrunk_for_life(ahead, np.array(band_for_life(running.band, running.position)),
                               np.array(running.allocated, dtype=float))
        if np.any(held != ahead):
            (vcores, memory), why = held.tolist(), NO_GROWTH
    measured = running.measured_memory_mb
    if measured is not None:
        floor = measured * (1.0 + rules.memory_margin)
        if floor > memory:
            memory, why = floor, f"measured RSS {measured:.0f} MB + {rules.memory_margin:.0%}"
        if measured > rules.grow_at * running.allocated[MEMORY]:
            memory = running.request[MEMORY]
            why = (f"measured RSS {measured:.0f} MB above {rules.grow_at:.0%} of its "
                   f"{running.allocated[MEMORY]:.0f} MB: grown to its request before a kill")
    vcores = float(steps_up(np.array(vcores), rules.vcores_step))
    memory = float(steps_up(np.array(memory), rules.memory_step_mb))
    # Never above the request, and never below one step however small a request looks (the
    # shim refuses a reply that asks for 0 vcores).
    return (max(min(vcores, running.request[CPU]), rules.vcores_step),
            max(min(memory, running.request[MEMORY]), rules.memory_step_mb), why)


def plan_resizes(containers: Sequence[RunningSize], rules: ResizeRules | None = None
                 ) -> list[Resize]:
    rules = rules or ResizeRules()
    out = []
    for running in containers:
        vcores, memory, why = target_size(running, rules)
        change = (np.array([vcores, memory]) - np.array(running.allocated)) / np.maximum(
            running.request, 1e-9)
        if np.any(change > 1e-9) or np.any(change < -rules.min_change):
            out.append(Resize(running.container, vcores, memory, why))
    return out


def committed_curve(band: CurveArray, position: int, size: tuple[float, float],
                    rules: ResizeRules) -> CurveArray:
    """The band from the container's start as the placement should count it, given the size
    it has (or is being resized to) now, `position` slots in."""
    curve: CurveArray = align(band, max(band.shape[1], position + 1)).copy()
    ahead = band_ahead(band, position, rules.lead_slots)
    for row in (CPU, MEMORY):
        # Off its band in this dimension: held for life; on it: over the lead window only.
        end = None if size[row] > ahead[row] + 1e-9 else position + rules.lead_slots + 1
        curve[row, position:end] = np.maximum(curve[row, position:end], size[row])
    return curve
