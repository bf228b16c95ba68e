"""The engine's model, table by table; slots are 3 s (sim_builders.SLOT)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest
from sim_builders import SLOT, app, curve, role, simple_app, workload
from yarn_elastic.simulator.engine import Engine, SimulationError
from yarn_elastic.simulator.model import AppSpec, RoleSpec, Workload
from yarn_elastic.simulator.results import SchedulerRun
from yarn_elastic.simulator.schedulers.base import (
    Allocation,
    ClusterView,
    Launch,
    flat_allocation,
    request_allocation,
)
from yarn_elastic.simulator.schedulers.requests import CapacityScheduler


def replay(w: Workload, scheduler: object | None = None) -> SchedulerRun:
    return Engine(w, scheduler or CapacityScheduler()).run()  # type: ignore[arg-type]


class Scripted(CapacityScheduler):
    """First fit by the ledger of the allocation a test chooses per (app, role, how many of
    them were given before)."""

    name = "scripted"

    def __init__(self, allocate: Callable[[AppSpec, RoleSpec, int], Allocation]) -> None:
        super().__init__()
        self.allocate = allocate
        self.given: dict[tuple[str, str], int] = {}

    def _next(self, app: AppSpec, role: RoleSpec, ahead: int = 0) -> Allocation:
        return self.allocate(app, role, self.given.get((app.id, role.role), 0) + ahead)

    def allocation(self, app: AppSpec, role: RoleSpec) -> Allocation:
        chosen = self._next(app, role)
        key = (app.id, role.role)
        self.given[key] = self.given.get(key, 0) + 1
        return chosen

    def place(self, view: ClusterView) -> Sequence[Launch]:
        free = view.capacity - view.ledger
        launches = []
        for ask in view.pending:
            for ahead in range(ask.count):  # one at a time: each one's allocation may differ
                need = self._next(ask.app, ask.role, ahead).at(0)[0]
                fits = np.flatnonzero(np.all(need <= free + 1e-9, axis=1))
                if not fits.size:
                    break
                free[fits[0]] -= need
                launches.append(Launch(ask.key, int(fits[0])))
        return launches


def unlimited_cpu(a: AppSpec, r: RoleSpec, before: int) -> Allocation:
    """Memory as requested; CPU neither counted nor capped, so it can be oversubscribed."""
    return flat_allocation(np.array([0.0, r.request.memory_mb, 0.0, 0.0]),
                           np.array([np.inf, r.request.memory_mb, np.inf, np.inf]))


@pytest.mark.parametrize(
    ("executor", "vcores", "executors", "allocate", "finish_s"),
    [
        # AM placed at slot 0, executors asked at slot 1 and start there; 3 slots unslowed:
        # done at the end of slot 3, (1 + 3) x 3 s = 12 s.
        (curve([1.0, 1.0, 1.0]), 1.0, 1, None, 12.0),
        # The request caps CPU (cgroups): 2 wanted, 1 given, half speed, 6 slots: 21 s.
        (curve([2.0, 2.0, 2.0]), 1.0, 1, None, (1 + 6) * SLOT),
        # CPU not capped: two executors want 2 vcores each on the 4-vcore node, with the AM's
        # 0.1: 4.1 > 4, max-min gives the AM 0.1 and each executor 1.95, rate 0.975;
        # 3 / 0.975 = 3.077 slots from slot 1: (1 + 3.077) x 3 = 12.23 s.
        (curve([2.0, 2.0, 2.0]), 2.0, 2, unlimited_cpu, (1 + 3 / 0.975) * SLOT),
    ],
)
def test_an_app_finishes_with_its_last_executor(
    executor: np.ndarray, vcores: float, executors: int,
    allocate: Callable[[AppSpec, RoleSpec, int], Allocation] | None, finish_s: float
) -> None:
    w = workload(simple_app("a", 0.0, executor, executors, vcores), vcores=4.0,
                 memory_mb=8192.0)
    result = replay(w, None if allocate is None else Scripted(allocate))
    (outcome,) = result.apps
    assert outcome.start_s == 0.0
    assert outcome.finish_s == pytest.approx(finish_s)
    assert result.makespan_s == pytest.approx(finish_s)
    # The AM ended with the app: nothing is used in the last slot after it.
    assert result.used[:, -1].tolist() == [0.0, 0.0, 0.0, 0.0] or result.slots == int(
        np.ceil(finish_s / SLOT))


def test_arrival_is_seen_at_the_next_slot_boundary() -> None:
    # Arrives at 4 s: seen at slot 2 (6 s), AM there, executors at slot 3, done after slot 5:
    # 6 x 3 = 18 s; its completion time is 18 - 4 = 14 s.
    (outcome,) = replay(workload(simple_app("a", 4.0))).apps
    assert (outcome.start_s, outcome.finish_s, outcome.completion_s) == (6.0, 18.0, 14.0)


def test_disk_is_not_requested_so_it_is_oversubscribed_and_slows() -> None:
    # Two executors each want 80 MB/s of a 100 MB/s disk: 50 each, rate 0.625, 3 slots take
    # 4.8: done at (1 + 4.8) x 3 = 17.4 s; disk over capacity in those slots.
    executor = curve([0.5, 0.5, 0.5], disk=80.0)
    result = replay(workload(simple_app("a", 0.0, executor, executors=2), disk=100.0))
    assert result.apps[0].finish_s == pytest.approx((1 + 3 / 0.625) * SLOT)
    assert result.over_capacity[2].sum() == 5  # slots 1..5 are contended
    assert not result.over_capacity[[0, 1, 3]].any()


def test_memory_over_the_allocation_is_killed_and_asked_again() -> None:
    # The first executor may use 300 MB but uses 500 in its second slot: killed in slot 2,
    # asked again, restarted at slot 3 from its curve's start with its request (1024 MB).
    def allocate(a: AppSpec, r: RoleSpec, before: int) -> Allocation:
        if r.is_am or before:
            return request_allocation(r)
        return flat_allocation(np.array([1.0, 300.0, 0.0, 0.0]),
                               np.array([1.0, 300.0, np.inf, np.inf]))

    executor = curve([1.0, 1.0, 1.0], memory=[200.0, 500.0, 200.0])
    result = replay(workload(simple_app("a", 0.0, executor)), Scripted(allocate))
    (outcome,) = result.apps
    assert (outcome.kills, outcome.containers) == (1, 3)  # AM + executor + its restart
    assert (result.killed_containers, result.containers) == (1, 3)
    # Restarted at slot 3, three slots: done at (3 + 3) x 3 = 18 s.
    assert outcome.finish_s == pytest.approx(18.0)


def test_a_node_over_memory_capacity_kills_its_youngest_container() -> None:
    # The first two executors are counted at 400 MB but use 700: with the AM's 100 MB,
    # 1500 MB on a 1000 MB node in slot 1. The youngest, the second executor, is killed;
    # 800 MB then fit. Its replacement is counted at its use (700 MB): it waits for the
    # first executor to end (slot 2), then runs in slot 2 and the app is done at 9 s.
    def allocate(a: AppSpec, r: RoleSpec, before: int) -> Allocation:
        memory = 100.0 if r.is_am else 400.0 if before < 2 else 700.0
        return flat_allocation(np.array([0.1, memory, 0.0, 0.0]),
                               np.array([np.inf, 1024.0, np.inf, np.inf]))

    executor = curve([1.0], memory=700.0)
    result = replay(workload(simple_app("a", 0.0, executor, executors=2), memory_mb=1000.0,
                             vcores=8.0), Scripted(allocate))
    (outcome,) = result.apps
    assert (outcome.kills, outcome.containers) == (1, 4)
    assert result.over_capacity[1].tolist()[:3] == [False, True, False]
    assert outcome.finish_s == pytest.approx(9.0)
    # What was used never stays above capacity: the kill happens before the slot is lived.
    assert result.used[1].max() <= 1000.0


def test_a_launch_that_over_commits_the_ledger_is_refused() -> None:
    class Greedy(CapacityScheduler):
        name = "greedy"

        def place(self, view: ClusterView) -> Sequence[Launch]:
            return [Launch(a.key, 0, a.count) for a in view.pending]

    big = simple_app("a", 0.0, executors=8, memory_mb=1024.0)
    with pytest.raises(SimulationError, match="over-commit node n-0"):
        replay(workload(big, memory_mb=4096.0), Greedy())


def test_an_app_without_an_am_asks_for_its_executors_at_arrival() -> None:
    # No AM slot first: the executor starts at slot 0 and is done at 3 x 3 = 9 s.
    lone = app("m", 0.0, role("map", curve([1.0, 1.0, 1.0]), count=2))
    (outcome,) = replay(workload(lone)).apps
    assert outcome.finish_s == pytest.approx(9.0)


@pytest.mark.parametrize(
    ("am_share", "finishes"),
    [
        # One 4-vcore node; each app: an AM (1 vcore) and 3 executors (1 each, 3 slots).
        # AMs may take all: slot 0, both AMs start (2 vcores). Slot 1: FIFO, a gets 2
        # executors (4 used), done at the end of slot 3. Slot 4: a's third and b's first,
        # done at the end of slot 6: a finishes at 21 s and its AM ends. Slot 7: b's last
        # two, done at 30 s.
        (1.0, [21.0, 30.0]),
        # CapacityScheduler's default 0.1 (0.4 vcore): one AM at a time, so b's AM waits for
        # a to finish (12 s), starts at slot 4, and b is done at the end of slot 7, 24 s.
        (0.1, [12.0, 24.0]),
    ],
)
def test_waiting_apps_queue_until_room_frees(am_share: float, finishes: list[float]) -> None:
    w = workload(simple_app("a", 0.0, executors=3), simple_app("b", 0.0, executors=3),
                 memory_mb=16384.0)
    result = Engine(w, CapacityScheduler(), am_share=am_share).run()
    assert [a.finish_s for a in result.apps] == pytest.approx(finishes)


class ResizesOnce(CapacityScheduler):
    """Places as CapacityScheduler does; once both containers run, resizes the executor to
    `target` and records what it then holds."""

    name = "resizes-once"
    resizes = True

    def __init__(self, target: tuple[float, float]) -> None:
        super().__init__()
        self.target, self.issued, self.held = target, False, None

    def decide(self, view: ClusterView):  # type: ignore[no-untyped-def]
        from yarn_elastic.scheduling.resize import Resize
        from yarn_elastic.simulator.schedulers.base import SimDecision

        executors = [c for c in view.running if c.role.role == "executor"]
        if self.issued and executors and self.held is None:
            self.held = executors[0].allocated
        resizes = ()
        if len(view.running) == 2 and not self.issued:
            self.issued = True
            resizes = (Resize(executors[0].id, *self.target, "test"),)
        return SimDecision(self.place(view), resizes)


@pytest.mark.parametrize(("target", "held", "counts"), [
    # Node 3 vcores, 4096 MB; the AM holds 1 vcore and 512 MB, the executor 2 vcores and
    # 1024 MB: no vcore is left. A memory-only increase to 2048 MB is refused: CapacityScheduler
    # tries no request on a node with less than one minimum allocation (1 vcore) unallocated.
    ((2.0, 2048.0), (2.0, 1024.0), {"applied": 0, "refused": 1}),
    # Mixed, 1 vcore and 2048 MB: the decrease frees a vcore first, so the increase is then
    # granted (2560 MB free).
    ((1.0, 2048.0), (1.0, 2048.0), {"applied": 1, "refused": 0}),
    # Mixed, 1 vcore and 4000 MB: the decrease is applied, the increase does not fit (2976 MB
    # more wanted, 2560 free) and is refused.
    ((1.0, 4000.0), (1.0, 1024.0), {"applied": 0, "refused": 1}),
])
def test_an_increase_needs_room_and_a_minimum_allocation_unallocated(
        target: tuple[float, float], held: tuple[float, float], counts: dict[str, int]) -> None:
    executor = role("executor", curve([1.0] * 6, memory=500.0), vcores=2.0, memory_mb=1024.0)
    am = role("am", curve([0.1]), vcores=1.0, memory_mb=512.0)
    scheduler = ResizesOnce(target)
    result = replay(workload(app("a", 0.0, am, executor), vcores=3.0, memory_mb=4096.0),
                    scheduler)
    assert scheduler.held == held
    assert {k: result.resizes[k] for k in counts} == counts
