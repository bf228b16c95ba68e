"""Elastic demand: one cycle's predicted curves for every ask and running container, and the
resizes that follow them.

This is the `CurveSource` the live core places with and the simulator's `elastic` scheduler
is judged by. It is pure: what it knows comes in as values (the snapshot, a `BandLookup`
that answers from memory, the agents' last measured memory per container), and what it
decides goes out as curves and `Resize` messages.

Per running container with a predicted band (the selector's calibrated upper curve for its
job and role, from its start):

- the band is sized the way YARN will hold it (`yarn_sized`: whole steps, never above the
  container's request for CPU and memory) and disk and network are capped at the largest
  node, as they are compressible;
- the resize planner (`resize.plan_resizes`) gives its next size: ahead of the band, never
  below its measured memory plus a margin, grown to its request when it runs above its
  allocation;
- the placement counts it along the band, never below that next size (`committed_curve`);
  an executor ends after its predicted life, an AM holds until its application ends.

A new container starts at its request (the RM allocates what was asked), so an ask is
counted at its request over the lead window and along its band after it.

Containers and asks with no band (an unknown job, or one the predictor cannot answer yet)
keep the RM's numbers, held for life, as the flat model does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from yarn_elastic.messages import App, Ask, Container, Resize, is_am_container
from yarn_elastic.picture import PictureSnapshot
from yarn_elastic.prediction.runs import hold
from yarn_elastic.resources import CurveArray, to_array
from yarn_elastic.scheduling.demand import CurveDemandModel
from yarn_elastic.scheduling.framework import Policy
from yarn_elastic.scheduling.plugins import AvoidNodes
from yarn_elastic.scheduling.resize import (
    CPU,
    MEMORY,
    ResizeRules,
    RunningSize,
    committed_curve,
    plan_resizes,
    yarn_sized,
)

AM_ROLE, EXECUTOR_ROLE = "am", "executor"


def role_of(container_id: str) -> str:
    return AM_ROLE if is_am_container(container_id) else EXECUTOR_ROLE


class BandLookup(Protocol):
    """A job role's predicted band, (4, slots of `band_slot_ms`) from the container's start,
    or None when there is none (yet). Called inside the cycle: it must answer from memory."""

    band_slot_ms: int

    def band(self, app: App, role: str, executor_size: tuple[float, float] | None
             ) -> CurveArray | None: ...

    def bump(self, app: App, role: str) -> None:
        """A container of the job role was killed for memory: from now on its memory band
        is its request."""
        ...


class NoBands:
    """No predictions: every container and ask keeps the RM's numbers."""

    band_slot_ms = 0

    def bump(self, app: App, role: str) -> None:
        pass

    def band(self, app: App, role: str, executor_size: tuple[float, float] | None
             ) -> CurveArray | None:
        return None


@dataclass(frozen=True)
class _Sized:
    band: CurveArray  # as YARN will hold it, from the container's start
    position: int  # slots lived
    size: tuple[float, float]  # vcores, memory it has (or is being resized to) now


@dataclass
class ElasticDemand:
    """The `CurveSource` of one cycle, with the resizes it decided."""

    snapshot: PictureSnapshot
    bands: BandLookup
    rules: ResizeRules = field(default_factory=ResizeRules)
    measured_memory_mb: Mapping[str, float] = field(default_factory=dict)
    largest_node: CurveArray | None = None  # (4,): disk and network are capped at it
    over_plan_margin: float = 0.10
    _running: dict[str, _Sized] = field(default_factory=dict, init=False, repr=False)
    _over_plan: frozenset[str] = field(default=frozenset(), init=False, repr=False)
    _resizes: tuple[Resize, ...] = field(default=(), init=False, repr=False)

    def __post_init__(self) -> None:
        if self.largest_node is None and self.snapshot.nodes:
            self.largest_node = np.max(
                [to_array(n.capacity)[:, 0] for n in self.snapshot.nodes], axis=0)
        self._plan()

    # -- the resize plan -----------------------------------------------------------------------

    def _plan(self) -> None:
        snapshot = self.snapshot
        slot_ms = max(snapshot.slot_ms, 1)
        executor_sizes = _executor_sizes(snapshot.containers)
        running: list[RunningSize] = []
        by_id: dict[str, Container] = {}
        for container in snapshot.containers:
            app = snapshot.apps.get(container.app)
            role = role_of(container.id)
            request = _vcores_memory(container.request or container.allocated)
            band = None if app is None else self.bands.band(
                app, role, executor_sizes.get(container.app))
            if band is None:
                continue
            sized = self._sized(band, request)
            position = max(0, (snapshot.now_ms - container.start_ms) // slot_ms)
            allocated = _vcores_memory(container.allocated)
            self._running[container.id] = _Sized(sized, position, allocated)
            by_id[container.id] = container
            running.append(RunningSize(container.id, sized, position, allocated, request,
                                       self.measured_memory_mb.get(container.id)))
        self._over_plan = self._nodes_over_plan(by_id)
        planned = plan_resizes(running, self.rules)
        for resize in planned:
            held = self._running[resize.container]
            self._running[resize.container] = _Sized(held.band, held.position, resize.size)
        self._resizes = tuple(
            Resize(r.container, by_id[r.container].version, round(r.vcores),
                   round(r.memory_mb), r.reason) for r in planned)

    def _sized(self, band: CurveArray, request: tuple[float, float]) -> CurveArray:
        band = rescaled(band, self.bands.band_slot_ms, self.snapshot.slot_ms)
        sized = yarn_sized(np.maximum(band, 0.0), request, self.rules)
        if self.largest_node is not None:
            sized[2:] = np.minimum(sized[2:], self.largest_node[2:, None])
        return sized

    def _nodes_over_plan(self, predicted: Mapping[str, Container]) -> frozenset[str]:
        """Nodes whose predicted containers the agents measured above their bands by more
        than the margin: a prediction went wrong there, so nothing new is placed on them
        until it is right again (their containers are grown meanwhile)."""
        measured: dict[str, float] = {}
        planned: dict[str, float] = {}
        for container_id, container in predicted.items():
            used = self.measured_memory_mb.get(container_id)
            if used is None:
                continue
            held = self._running[container_id]
            slot = min(held.position, held.band.shape[1] - 1)
            measured[container.node] = measured.get(container.node, 0.0) + used
            planned[container.node] = planned.get(container.node, 0.0) + float(
                held.band[MEMORY, slot])
        return frozenset(n for n, used in measured.items()
                         if used > planned[n] * (1.0 + self.over_plan_margin))

    def resizes(self) -> tuple[Resize, ...]:
        return self._resizes

    def nodes_over_plan(self) -> frozenset[str]:
        return self._over_plan

    # -- CurveSource ---------------------------------------------------------------------------

    def for_container(self, container: Container) -> CurveArray | None:
        held = self._running.get(container.id)
        if held is None:
            return None
        curve = committed_curve(held.band, held.position, held.size, self.rules)
        if is_am_container(container.id):
            return curve
        return _ends_after(curve, held.position)

    def for_ask(self, ask: Ask, app: App | None) -> CurveArray | None:
        if app is None:
            return None
        role = AM_ROLE if ask.am else EXECUTOR_ROLE
        demand = to_array(ask.demand)[:, 0]
        request = (float(demand[CPU]), float(demand[MEMORY]))
        band = self.bands.band(app, role, None if ask.am else request)
        if band is None:
            return None
        curve = self._sized(band, request)
        curve = hold(curve, max(curve.shape[1], self.rules.lead_slots + 1))
        # The RM allocates the request; the first resize comes after the core sees it run.
        window = slice(0, self.rules.lead_slots + 1)
        curve[CPU, window] = np.maximum(curve[CPU, window], request[0])
        curve[MEMORY, window] = np.maximum(curve[MEMORY, window], request[1])
        return curve if ask.am else _ends_after(curve, 0)


def elastic_policy(policy: Policy, demand: ElasticDemand) -> Policy:
    """`policy` placing over the demand's curves at its snapshot's time, and keeping off the
    nodes it found over plan: what the live core and the simulator's `elastic` both run."""
    snapshot = demand.snapshot
    placing = replace(policy, demand_model=CurveDemandModel(
        demand, snapshot.now_ms, snapshot.slot_ms))
    hot = demand.nodes_over_plan()
    if hot:
        placing = replace(placing, filters=(*placing.filters, AvoidNodes(hot)))
    return placing


def rescaled(curve: CurveArray, from_ms: int, to_ms: int) -> CurveArray:
    """A curve of `from_ms` slots as slots of `to_ms`, each the largest value of the slots
    it overlaps (a band is an upper bound, so it stays one)."""
    if from_ms <= 0 or to_ms <= 0 or from_ms == to_ms:
        return curve
    length = curve.shape[1]
    slots = max(1, -(-length * from_ms // to_ms))
    starts = np.arange(slots) * to_ms // from_ms
    ends = np.minimum(((np.arange(slots) + 1) * to_ms - 1) // from_ms, length - 1)
    out: CurveArray = np.stack(
        [curve[:, a : b + 1].max(axis=1) for a, b in zip(starts, ends, strict=True)], axis=1)
    return out


def _ends_after(curve: CurveArray, position: int) -> CurveArray:
    """An executor's curve ending (a zero column) after its predicted life, or after its
    current slot if it has outlived that."""
    held = hold(curve, max(curve.shape[1], position + 1))
    return np.concatenate([held, np.zeros((curve.shape[0], 1))], axis=1)


def _vcores_memory(curves: tuple[tuple[float, ...], ...]) -> tuple[float, float]:
    return float(curves[CPU][0]), float(curves[MEMORY][0])


def _executor_sizes(containers: Sequence[Container]) -> dict[str, tuple[float, float]]:
    """Each application's largest executor request: what its job signature is keyed by."""
    sizes: dict[str, tuple[float, float]] = {}
    for container in containers:
        if is_am_container(container.id):
            continue
        vcores, memory = _vcores_memory(container.request or container.allocated)
        seen = sizes.get(container.app, (vcores, memory))
        sizes[container.app] = (max(vcores, seen[0]), max(memory, seen[1]))
    return sizes
