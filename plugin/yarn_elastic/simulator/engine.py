"""The engine: one workload replayed under one scheduler, slot by slot.

Each slot boundary: arrivals ask for their AM (or, with no AM role, their executors), apps
whose AM has run for a slot ask for their executors, the scheduler runs one cycle and its
launches start. Then the slot is lived: memory is checked (a container over its memory limit,
then the youngest on a node over capacity, is killed and asked for again), the compressible
resources are shared (`contention`), every container advances by its progress rate, and
executors that reach the end of their curve finish. An app finishes with its last executor,
and its AM ends with it. docs/simulator.md gives the semantics with examples.

AM asks wait within the AM share, as CapacityScheduler's do (`asks.AskQueue`). An increase
is granted only on a node with at least one minimum allocation unallocated in each resource,
as CapacityScheduler 3.4.1 tries no request on any other node (`allocateContainerOnSingleNode`).

Between boundaries nothing changes, so one cycle per slot decides what the live core's
250 ms cycles would: they would only see the same picture again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from yarn_elastic.scheduling.resize import Resize, ResizeRules
from yarn_elastic.scheduling.tables import FloatArray
from yarn_elastic.simulator.asks import AskQueue
from yarn_elastic.simulator.fleet import CurveTable, Fleet
from yarn_elastic.simulator.model import AppSpec, RoleSpec, Workload, first_slot
from yarn_elastic.simulator.nodemanager import TOLERANCE, memory_victims, share
from yarn_elastic.simulator.results import AppOutcome, SchedulerRun
from yarn_elastic.simulator.schedulers.base import (
    Allocation,
    ClusterView,
    Launch,
    PendingAsk,
    RunningContainer,
    SimScheduler,
    booked,
)

LOG = logging.getLogger("yarn_elastic.simulator")
MEMORY, COMPRESSIBLE = 1, (0, 2, 3)
# The modelled RM's yarn.scheduler.minimum-allocation-{vcores,mb}: the steps the simulated
# schedulers round sizes to.
MINIMUM_ALLOCATION = np.array([ResizeRules.vcores_step, ResizeRules.memory_step_mb])


class SimulationError(RuntimeError):
    """A scheduler broke the engine's rules (placed on a full node, an unknown ask)."""


@dataclass
class _AppState:
    spec: AppSpec
    ask_slot: int
    am_start_slot: int | None = None
    first_start_slot: int | None = None
    executors_asked: bool = False
    left: int = 0  # executor containers still to finish
    finish_s: float | None = None
    last_done_s: float = 0.0  # the latest executor finish so far
    containers: int = 0
    kills: int = 0


@dataclass
class _Record:
    used: list[FloatArray] = field(default_factory=list)
    allocated: list[FloatArray] = field(default_factory=list)
    over: list[np.ndarray] = field(default_factory=list)

    def idle(self, slots: int) -> None:
        for _ in range(slots):
            self.used.append(np.zeros(4))
            self.allocated.append(np.zeros(4))
            self.over.append(np.zeros(4, dtype=bool))


class Engine:
    def __init__(self, workload: Workload, scheduler: SimScheduler,
                 max_slots: int | None = None,
                 on_slot: Callable[[int, int], None] | None = None,
                 am_share: float | None = None) -> None:
        self.workload, self.scheduler = workload, scheduler
        self.slot_s = workload.slot_seconds
        self.names = tuple(f"{g.name}-{i}" for g in workload.nodes for i in range(g.count))
        self.capacity = np.array([g.capacity for g in workload.nodes for _ in range(g.count)])
        self.apps = [_AppState(a, first_slot(a.arrival_s, self.slot_s)) for a in workload.apps]
        self.running: list[RunningContainer] = []
        self.last_used = np.zeros_like(self.capacity)
        self.record = _Record()
        self.started = self.killed = 0
        self.cycle_ms: list[float] = []
        self.launches: list[tuple[int, str, str, int]] = []
        self.on_slot = on_slot
        self.max_slots = max_slots or _slot_limit(workload)
        self.automatic_limit = max_slots is None  # a safety stop, not the caller's choice
        share = workload.am_share if am_share is None else am_share
        self.pending = AskQueue(share * self.capacity.sum(axis=0)[:2])
        self.prepare_s = 0.0
        self.resize_counts = {"issued": 0, "applied": 0, "refused": 0}
        self.table = CurveTable()
        self._arrays: Fleet | None = None

    def run(self) -> SchedulerRun:
        began = time.perf_counter()
        self.scheduler.prepare(self.workload)
        self.prepare_s = time.perf_counter() - began
        slot = 0
        while slot < self.max_slots and any(a.finish_s is None for a in self.apps):
            if not self.running and not self.pending:
                slot = self._skip_idle(slot)
            self._ask(slot)
            view = self._view(slot)
            # A scheduler that resizes decides every slot, asks pending or not.
            if view.pending or self.scheduler.resizes:
                decision = self.scheduler.decide(view)
                self.cycle_ms.append(self.scheduler.cycle_ms())
                self._resize(decision.resizes)
                self._launch(slot, decision.launches)
            self._live(slot)
            slot += 1
            if self.on_slot is not None:
                self.on_slot(slot, self.max_slots)
        if slot >= self.max_slots and self.automatic_limit:
            LOG.warning("%s: stopped at the slot limit (%d) with apps unfinished",
                        self.scheduler.name, self.max_slots)
        return self._result(time.perf_counter() - began)

    def _skip_idle(self, slot: int) -> int:
        waiting = [a.ask_slot for a in self.apps if a.ask_slot >= slot and a.finish_s is None]
        target = min(waiting, default=slot)
        self.record.idle(target - slot)
        return target

    # -- asks --------------------------------------------------------------------------------

    def _ask(self, slot: int) -> None:
        for index, app in enumerate(self.apps):
            if app.ask_slot == slot and app.am_start_slot is None and not app.executors_asked:
                am = app.spec.am
                if am is not None:
                    self._new_ask(index, am, 1, slot)
                else:
                    self._ask_executors(index, slot)
            elif (app.am_start_slot is not None and app.am_start_slot < slot
                  and not app.executors_asked):
                self._ask_executors(index, slot)

    def _ask_executors(self, index: int, slot: int) -> None:
        app = self.apps[index]
        app.executors_asked = True
        for role in app.spec.executors:
            app.left += role.count
            self._new_ask(index, role, role.count, slot)

    def _new_ask(self, index: int, role: RoleSpec, count: int, slot: int) -> None:
        self.pending.add(index, self.apps[index].spec, role, count, slot)

    # -- a cycle -----------------------------------------------------------------------------

    def _view(self, slot: int) -> ClusterView:
        return ClusterView(slot, self.slot_s, self.names, self.capacity, self._ledger_now(),
                           self.last_used.copy(), self.pending.shown(self.running),
                           tuple(self.running))

    def _ledger_now(self) -> FloatArray:
        if not self.running:
            return np.zeros_like(self.capacity)
        fleet = self._fleet()
        return fleet.per_node(fleet.now()[1], len(self.names))

    def _launch(self, slot: int, launches: Sequence[Launch]) -> None:
        ledger = self._ledger_now()
        for launch in launches:
            ask = self.pending.get(launch.ask)
            if ask is None or launch.count < 1 or launch.count > ask.count:
                raise SimulationError(f"{self.scheduler.name}: launch {launch} does not match "
                                      f"a pending ask")
            allocation = self.scheduler.allocation(ask.app, ask.role)
            need = booked(allocation) * launch.count
            # What YARN holds, vcores and memory: disk and network are a scheduler's own
            # accounting, which it may take over capacity (they are only slowed).
            if np.any(ledger[launch.node, :2] + need[:2] > self.capacity[launch.node, :2]
                      + TOLERANCE):
                raise SimulationError(
                    f"{self.scheduler.name}: {launch.count} x {ask.key} would over-commit node "
                    f"{self.names[launch.node]} (ledger {ledger[launch.node].tolist()} + "
                    f"{need.tolist()} > {self.capacity[launch.node].tolist()})")
            ledger[launch.node] += need
            self.launches.append((slot, ask.key, self.names[launch.node], launch.count))
            for _ in range(launch.count):
                self._start(ask, launch.node, slot, allocation)
            self.pending.took(ask, launch.count)

    def _resize(self, resizes: Sequence[Resize]) -> None:
        """Apply resizes: a decrease always; an increase only where the node's ledger has
        room and the node, after the decrease, a minimum allocation unallocated in each
        resource (CapacityScheduler tries no request on any other node). A mixed target is
        applied as its decrease and, if allowed, its increase: YARN takes them as two updates.
        Unknown containers are refused."""
        if not resizes:
            return
        fleet = self._fleet()
        by_id = {c.id: c for c in self.running}
        ledger = self._ledger_now()
        for resize in resizes:
            self.resize_counts["issued"] += 1
            container = by_id.get(resize.container)
            if container is None:
                self.resize_counts["refused"] += 1
                continue
            node, before = container.node, np.array(container.allocated, dtype=float)
            delta = np.array(resize.size) - before
            ledger[node, :2] += np.minimum(delta, 0.0)
            size = before + np.minimum(delta, 0.0)
            grow = np.maximum(delta, 0.0)
            free = self.capacity[node, :2] - ledger[node, :2]
            refused = bool(np.any(grow > TOLERANCE)) and bool(
                np.any(grow > free + TOLERANCE) or np.any(free < MINIMUM_ALLOCATION - TOLERANCE))
            if not refused:
                ledger[node, :2] += grow
                size += grow
            if np.any(size != before):
                fleet.resize(container, (float(size[0]), float(size[1])))
            self.resize_counts["refused" if refused else "applied"] += 1

    def _start(self, ask: PendingAsk, node: int, slot: int, allocation: Allocation) -> None:
        app = self.apps[ask.app_index]
        self.started += 1
        app.containers += 1
        if app.first_start_slot is None:
            app.first_start_slot = slot
        if ask.role.is_am:
            app.am_start_slot = slot
        cid = f"container_{ask.app_index:05d}_{app.containers:06d}"
        self.running.append(RunningContainer(cid, ask.app_index, ask.app, ask.role, node, slot,
                                             self.started, allocation, size=allocation.size))

    # -- a slot lived ------------------------------------------------------------------------

    def _fleet(self) -> Fleet:
        if self._arrays is None or self._arrays.containers != self.running:
            self._arrays = Fleet(self.table, self.running)
        return self._arrays

    def _live(self, slot: int) -> None:
        over = np.zeros(4, dtype=bool)
        over[MEMORY] = self._memory_kills(slot)
        used = np.zeros_like(self.capacity)
        allocated = np.zeros(4)
        if self.running:
            fleet = self._fleet()
            usage, ledger, limit = fleet.now()
            columns = list(COMPRESSIBLE)
            got, rates, over[columns] = share(usage[:, columns], limit[:, columns], fleet.node,
                                              self.capacity[:, columns])
            used[:, list(COMPRESSIBLE)] = fleet.per_node(got, len(self.names))
            used[:, MEMORY] = fleet.per_node(usage[:, [MEMORY]], len(self.names))[:, 0]
            allocated = ledger.sum(axis=0)
            self._advance(slot, fleet, rates, usage[:, MEMORY])
        self.last_used = used
        self.record.used.append(used.sum(axis=0))
        self.record.allocated.append(allocated)
        self.record.over.append(over)

    def _memory_kills(self, slot: int) -> bool:
        """Kill what the NodeManagers would; True if some node's memory was over capacity."""
        if not self.running:
            return False
        fleet = self._fleet()
        usage, _, limit = fleet.now()
        order = np.array([c.order for c in fleet.containers], dtype=np.int64)
        doomed, crowded = memory_victims(usage[:, MEMORY], limit[:, MEMORY], fleet.node,
                                         order, self.capacity[:, MEMORY])
        for row in np.flatnonzero(doomed).tolist():
            self._kill(fleet.containers[row], slot)
        return crowded

    def _kill(self, container: RunningContainer, slot: int) -> None:
        self.running.remove(container)
        self.scheduler.killed(container.app, container.role)
        self.killed += 1
        app = self.apps[container.app_index]
        app.kills += 1
        if container.role.is_am and not app.executors_asked:
            app.am_start_slot = None  # its executors are asked once a new AM has run a slot
        self._new_ask(container.app_index, container.role, 1, slot)

    def _advance(self, slot: int, fleet: Fleet, rates: FloatArray, memory: FloatArray) -> None:
        before = fleet.advance(rates)
        done = ~fleet.is_am & (fleet.progress >= fleet.length - TOLERANCE)
        finished_apps = []
        for row in np.flatnonzero(done).tolist():
            app = self.apps[fleet.containers[row].app_index]
            done_s = float((slot + (fleet.length[row] - before[row])
                            / max(rates[row], TOLERANCE)) * self.slot_s)
            app.left -= 1
            app.last_done_s = max(app.last_done_s, done_s)  # the latest, whatever the row order
            if app.left == 0:
                app.finish_s = app.last_done_s
                finished_apps.append(fleet.containers[row].app_index)
        fleet.write_back(memory)
        for index in finished_apps:  # a re-asked AM of a finished app is not wanted any more
            self.pending.drop_app(index)
        if done.any():
            finished = {id(c) for c, gone in zip(fleet.containers, done.tolist(), strict=True)
                        if gone or self.apps[c.app_index].finish_s is not None}
            self.running = [c for c in self.running if id(c) not in finished]

    def _result(self, wall_s: float) -> SchedulerRun:
        outcomes = [
            AppOutcome(a.spec.id, a.spec.name, a.spec.arrival_s,
                       None if a.first_start_slot is None else a.first_start_slot * self.slot_s,
                       a.finish_s, a.containers, a.kills)
            for a in self.apps
        ]
        record = self.record
        return SchedulerRun(
            self.scheduler.name, self.slot_s, outcomes, self.workload.capacity(),
            np.array(record.used).T.reshape(4, -1), np.array(record.allocated).T.reshape(4, -1),
            np.array(record.over).T.reshape(4, -1), self.started, self.killed,
            self.cycle_ms, self.launches, wall_s, self.prepare_s, dict(self.resize_counts))


def _slot_limit(workload: Workload) -> int:
    """A generous stop: every app run one after another, unslowed, ten times over."""
    slots = sum(max(r.usage.shape[1] for r in a.roles) + 2 for a in workload.apps)
    last = max(a.arrival_s for a in workload.apps) / workload.slot_seconds
    return int(last + 10 * slots + 100)
