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

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from yarn_elastic.messages import App, Ask, Container, Resize, is_am_container
from yarn_elastic.picture import PictureSnapshot
from yarn_elastic.prediction.runs import AM_ROLE, EXECUTOR_ROLE, hold, rescaled
from yarn_elastic.resources import CurveArray, to_array
from yarn_elastic.scheduling import band_arrays as ba
from yarn_elastic.scheduling import headroom
from yarn_elastic.scheduling import running_table as rt
from yarn_elastic.scheduling.bands import BandLookup
from yarn_elastic.scheduling.demand import CurveDemandModel, NodeCommitments
from yarn_elastic.scheduling.framework import Policy
from yarn_elastic.scheduling.plugins import AvoidNodes
from yarn_elastic.scheduling.resize import (
    CPU,
    MEMORY,
    NO_GROWTH,
    ResizeRules,
    committed_curve,
    shrunk_for_life,
    yarn_sized,
)


@dataclass
class ElasticDemand:
    """The `CurveSource` of one cycle, with the resizes it decided."""

    snapshot: PictureSnapshot
    bands: BandLookup
    rules: ResizeRules = field(default_factory=ResizeRules)
    measured_memory_mb: Mapping[str, float] = field(default_factory=dict)
    largest_node: CurveArray | None = None  # (4,): disk and network are capped at it
    over_plan_margin: float = 0.10
    cache: rt.ElasticCache = field(default_factory=rt.ElasticCache)
    _table: rt.RunningTable | None = field(default=None, init=False, repr=False)
    _bands: ba.Bands | None = field(default=None, init=False, repr=False)
    _size: np.ndarray | None = field(default=None, init=False, repr=False)
    _ahead: np.ndarray | None = field(default=None, init=False, repr=False)
    _row: dict[str, int] | None = field(default=None, init=False, repr=False)
    _over_plan: frozenset[str] = field(default=frozenset(), init=False, repr=False)
    _resizes: tuple[Resize, ...] = field(default=(), init=False, repr=False)
    _commitments: NodeCommitments | None = field(default=None, init=False, repr=False)
    _memo_key: tuple[object, ...] = field(default=(), init=False, repr=False)

    def __post_init__(self) -> None:
        if self.largest_node is None and self.snapshot.nodes:
            self.largest_node = np.max(
                [to_array(n.capacity)[:, 0] for n in self.snapshot.nodes], axis=0)
        # What a sized band depends on besides the band and the request.
        largest = None if self.largest_node is None else tuple(self.largest_node.tolist())
        self._memo_key = (self.bands.band_slot_ms, self.snapshot.slot_ms, largest, self.rules)
        self._plan()

    # -- the resize plan -----------------------------------------------------------------------

    def _plan(self) -> None:
        snapshot = self.snapshot
        table = rt.running_table(snapshot, self.cache.running)
        bands = self._bands_of(table)
        measured = rt.measured_column(table.containers, self.measured_memory_mb)
        # A container on no node of the snapshot reads the appended True (row -1).
        can_grow = np.append(self._nodes_can_grow(), True)[table.node_row]
        ahead = ba.band_ahead_all(bands, self.rules.lead_slots)
        wanted = ahead.copy()
        stuck = np.flatnonzero(~can_grow)
        wanted[stuck] = shrunk_for_life(ahead[stuck], ba.band_for_life_all(bands, stuck),
                                        table.allocated[stuck])
        target, why = ba.target_sizes(wanted, table.allocated, table.request, measured,
                                      self.rules)
        why[(why == 0) & np.any(wanted != ahead, axis=1)] = 3
        changing = ba.resizing(target, table.allocated, table.request, self.rules)
        changing &= bands.predicted
        self._table, self._bands, self._ahead = table, bands, ahead
        self._size = np.where(changing[:, None], target, table.allocated)
        self._over_plan = self._nodes_over_plan(table, bands, measured)
        rows = np.flatnonzero(changing).tolist()
        if rows:
            # In the snapshot's order, as the resizes are applied (the table is by node).
            place = {id(c): i for i, c in enumerate(snapshot.containers)}
            rows.sort(key=lambda r: place.get(id(table.containers[r]), len(place)))
        self._resizes = tuple(self._resize(r, target[r], int(why[r]), measured[r])
                              for r in rows)

    def _bands_of(self, table: rt.RunningTable) -> ba.Bands:
        """Each container's curve: its job role's band sized for its request, or its RM
        allocation where there is no band; one lookup per (application, role, request)."""
        snapshot, running = self.snapshot, self.cache.running
        sizes = rt.executor_sizes(table, len(running.app_ids))
        keys, key_of_row = np.unique(table.sized_key, return_inverse=True)
        curves: list[CurveArray] = []
        band_of_key = np.full(len(keys), -1, dtype=np.int64)
        for index, key in enumerate(keys.tolist()):
            app_id, role, vcores, memory = running.sized_keys[key]
            app = snapshot.apps.get(app_id)
            if app is None:
                continue
            size = sizes[running.apps[app_id]]
            executor = None if np.isnan(size[0]) else (float(size[0]), float(size[1]))
            band = self.bands.band(app, role, executor)
            if band is not None:
                band_of_key[index] = len(curves)
                curves.append(self._sized(band, (vcores, memory)))
        row = band_of_key[key_of_row.reshape(-1)]
        predicted = row >= 0
        flats, flat_of_row = np.unique(table.flat_key[~predicted], return_inverse=True)
        row[~predicted] = len(curves) + flat_of_row.reshape(-1)
        curves.extend(running.flat_curves[k] for k in flats.tolist())
        stacked, slots = ba.stacked(curves)
        slot_ms = max(snapshot.slot_ms, 1)
        position = np.maximum(0, (snapshot.now_ms - table.start_ms) // slot_ms)
        return ba.Bands(stacked, slots, row, predicted, position)

    def _resize(self, row: int, target: np.ndarray, why: int, measured: float) -> Resize:
        assert self._table is not None
        container, allocated = self._table.containers[row], self._table.allocated[row]
        rules = self.rules
        reason = (f"band over the next {rules.lead_slots} slot(s)",
                  f"measured RSS {measured:.0f} MB + {rules.memory_margin:.0%}",
                  f"measured RSS {measured:.0f} MB above {rules.grow_at:.0%} of its "
                  f"{allocated[MEMORY]:.0f} MB: grown to its request before a kill",
                  NO_GROWTH)[why]
        return Resize(container.id, container.version, round(float(target[CPU])),
                      round(float(target[MEMORY])), reason)

    def _nodes_can_grow(self) -> np.ndarray:
        """(N,) whether each node has at least one minimum allocation (a step of each)
        unallocated, as CapacityScheduler requires before it tries any request there."""
        return np.array([
            n.capacity[CPU][0] - n.allocated[CPU][0] >= self.rules.vcores_step - 1e-9
            and n.capacity[MEMORY][0] - n.allocated[MEMORY][0] >= self.rules.memory_step_mb - 1e-9
            for n in self.snapshot.nodes], dtype=bool)

    def _sized(self, band: CurveArray, request: tuple[float, float]) -> CurveArray:
        key = (request, self._memo_key)
        kept = self.cache.remembered(self.cache.sized, band, key)
        if kept is not None:
            return kept
        curve = rescaled(band, self.bands.band_slot_ms, self.snapshot.slot_ms)
        sized = yarn_sized(np.maximum(curve, 0.0), request, self.rules)
        if self.largest_node is not None:
            sized[2:] = np.minimum(sized[2:], self.largest_node[2:, None])
        sized.setflags(write=False)  # shared by every container and ask of this band and size
        return self.cache.remember(self.cache.sized, band, key, sized)

    def _nodes_over_plan(self, table: rt.RunningTable, bands: ba.Bands,
                         measured: np.ndarray) -> frozenset[str]:
        """Nodes whose predicted containers the agents measured above their bands by more
        than the margin: a prediction went wrong there, so nothing new is placed on them
        until it is right again (their containers are grown meanwhile)."""
        counted = bands.predicted & ~np.isnan(measured) & (table.node_row >= 0)
        if not counted.any():
            return frozenset()
        slot = np.minimum(bands.position, bands.slots[bands.row] - 1)
        planned = bands.curves[bands.row, MEMORY, slot]
        nodes = len(table.counts)
        used = np.bincount(table.node_row[counted], measured[counted], minlength=nodes)
        plan = np.bincount(table.node_row[counted], planned[counted], minlength=nodes)
        seen = np.bincount(table.node_row[counted], minlength=nodes) > 0
        hot = np.flatnonzero(seen & (used > plan * (1.0 + self.over_plan_margin)))
        return frozenset(self.snapshot.nodes[r].id for r in hot.tolist())

    def node_commitments(self, snapshot: PictureSnapshot, now_ms: int, slot_ms: int
                         ) -> NodeCommitments | None:
        """Every node's committed curve from now, from the arrays (see `running_table`)."""
        if snapshot is not self.snapshot or now_ms != snapshot.now_ms \
                or slot_ms != max(snapshot.slot_ms, 1):
            return None
        if self._commitments is None:
            table, bands = self._table, self._bands
            assert table is not None and bands is not None
            assert self._size is not None and self._ahead is not None
            ends = bands.predicted & ~table.am
            values = ba.remaining_curves(bands, ends, self._size, self._ahead,
                                         self.rules.lead_slots)
            finish = ba.node_finishes(values, ends, bands, table.start_ms, table.node_row,
                                      ba.curve_finishes_of(bands), now_ms, slot_ms)
            needed = headroom.room_needed(headroom.rises(values, table.allocated))
            room = headroom.kept_free(ba.node_sums(needed.astype(float), table.counts) > 0,
                                      self.rules)
            committed = headroom.with_headroom(ba.node_sums(values, table.counts), room)
            self._commitments = NodeCommitments(committed, finish, room)
        return self._commitments

    def room_kept(self, remaining: CurveArray, allocated: CurveArray) -> CurveArray:
        """The room one node keeps free for its containers' increases (`headroom`), from
        their (k, 4, T) curves from now and (k, 2) allocations."""
        return headroom.node_headroom(remaining, allocated, self.rules)

    def room_of_ask(self, curve: CurveArray) -> CurveArray | None:
        """The room a new container of this (4, T) curve needs on its node (`headroom`), or
        None unless `yarn.elastic.resize.room-for-new-containers` asks for it."""
        if not self.rules.room_for_new_containers:
            return None
        return headroom.ask_room(curve, self.rules)

    def resizes(self) -> tuple[Resize, ...]:
        return self._resizes

    def nodes_over_plan(self) -> frozenset[str]:
        return self._over_plan

    # -- CurveSource ---------------------------------------------------------------------------

    def for_container(self, container: Container) -> CurveArray | None:
        table, bands, size = self._table, self._bands, self._size
        assert table is not None and bands is not None and size is not None
        if self._row is None:
            self._row = {c.id: row for row, c in enumerate(table.containers)}
        row = self._row.get(container.id)
        if row is None or not bands.predicted[row]:
            return None
        band = bands.curves[bands.row[row], :, : bands.slots[bands.row[row]]]
        position = int(bands.position[row])
        curve = committed_curve(band, position, (float(size[row, CPU]),
                                                 float(size[row, MEMORY])), self.rules)
        if is_am_container(container.id):
            return curve
        return _ends_after(curve, position)

    def for_ask(self, ask: Ask, app: App | None) -> CurveArray | None:
        if app is None:
            return None
        role = AM_ROLE if ask.am else EXECUTOR_ROLE
        demand = to_array(ask.demand)[:, 0]
        request = (float(demand[CPU]), float(demand[MEMORY]))
        band = self.bands.band(app, role, None if ask.am else request)
        if band is None:
            return None
        # The same array while the band is: the table cache then keeps the ask's entry.
        key = (request, ask.am, self._memo_key)
        kept = self.cache.remembered(self.cache.asks, band, key)
        if kept is not None:
            return kept
        sized = self._sized(band, request)
        # A copy: the sized band is shared (remembered, read only) and `hold` may return a view.
        curve = hold(sized, max(sized.shape[1], self.rules.lead_slots + 1)).copy()
        # The RM allocates the request; the first resize comes after the core sees it run.
        window = slice(0, self.rules.lead_slots + 1)
        curve[CPU, window] = np.maximum(curve[CPU, window], request[0])
        curve[MEMORY, window] = np.maximum(curve[MEMORY, window], request[1])
        curve = curve if ask.am else _ends_after(curve, 0)
        curve.setflags(write=False)
        return self.cache.remember(self.cache.asks, band, key, curve)


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


def _ends_after(curve: CurveArray, position: int) -> CurveArray:
    """An executor's curve ending (a zero column) after its predicted life, or after its
    current slot if it has outlived that."""
    held = hold(curve, max(curve.shape[1], position + 1))
    return np.concatenate([held, np.zeros((curve.shape[0], 1))], axis=1)


def _vcores_memory(curves: tuple[tuple[float, ...], ...]) -> tuple[float, float]:
    return float(curves[CPU][0]), float(curves[MEMORY][0])
