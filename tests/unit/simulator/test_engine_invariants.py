"""Regressions a second reader found, and the engine's invariants over random small loads."""

from __future__ import annotations

import logging
import random

import pytest
from sim_builders import app, curve, role, workload
from yarn_elastic.simulator.bound import lower_bound_s
from yarn_elastic.simulator.engine import Engine
from yarn_elastic.simulator.model import Workload
from yarn_elastic.simulator.schedulers import make_scheduler
from yarn_elastic.simulator.schedulers.elastic import ElasticScheduler
from yarn_elastic.simulator.schedulers.requests import CapacityScheduler


class LedgerWatch:
    """Runs an engine and records every node's vcores and memory ledger before each slot."""

    def __init__(self, w: Workload, scheduler: object, am_share: float | None = None) -> None:
        self.engine = Engine(w, scheduler, am_share=am_share)  # type: ignore[arg-type]
        self.peaks: list[list[float]] = []
        lived = self.engine._live

        def live(slot: int) -> None:
            self.peaks.append(self.engine._ledger_now()[:, :2].max(axis=0).tolist())
            lived(slot)

        self.engine._live = live  # type: ignore[method-assign]

    def over(self) -> bool:
        capacity = self.engine.capacity[:, :2].max(axis=0)
        return any(p[0] > capacity[0] + 1e-6 or p[1] > capacity[1] + 1e-6 for p in self.peaks)


def test_a_container_is_booked_at_the_size_it_was_checked_at() -> None:
    # A uses 3 vcores; B starts at 1 vcore but needs 3 in its second slot, and the planner
    # starts it a slot ahead, at 3: on a 4-vcore node it must wait for A, not squeeze in.
    a = app("A", 0.0, role("executor", curve([3.0, 3.0]), vcores=3.0))
    b = app("B", 3.0, role("executor", curve([1.0, 3.0]), vcores=3.0))
    watch = LedgerWatch(workload(a, b, vcores=4.0, memory_mb=8192.0), ElasticScheduler(truth=True))
    result = watch.engine.run()
    assert not watch.over()
    assert all(o.finish_s is not None for o in result.apps)


@pytest.mark.parametrize("first", ["a", "b"])
def test_an_app_finishes_with_the_latest_of_its_executors(first: str) -> None:
    # Both executors share a 100 MB/s disk in slot 0 (60 + 60: 50 each, rate 5/6), so both
    # reach slot 2 part-way through slot 2. b ends there (it wants no disk in slot 1); a
    # wants 200 MB/s alone, rate 1/2, and ends a little later: the app ends with a,
    # whatever the order of its roles.
    roles = {"a": role("a", curve([0.0, 0.0], disk=[60.0, 200.0])),
             "b": role("b", curve([0.0, 0.0], disk=[60.0, 0.0]))}
    order = [roles[first], roles["b" if first == "a" else "a"]]
    result = Engine(workload(app("X", 0.0, *order), disk=100.0), CapacityScheduler()).run()
    assert result.apps[0].finish_s == pytest.approx(8.0)


def test_a_finished_app_does_not_keep_its_re_asked_am() -> None:
    # P's AM outgrows its 512 MB in slot 4, after P's executors were asked: killed and asked
    # again, but P's executor ends first; the new AM ask must go with P.
    am = role("am", curve([0.1] * 5, memory=[100.0] * 4 + [600.0]), vcores=1.0, memory_mb=512.0)
    p = app("P", 0.0, am, role("executor", curve([1.0] * 4), vcores=1.0, memory_mb=3584.0))
    q = app("Q", 27.0, role("executor", curve([1.0] * 8), vcores=1.0, memory_mb=1024.0))
    result = Engine(workload(p, q, memory_mb=4096.0), CapacityScheduler()).run()
    outcome = result.apps[0]
    assert outcome.kills <= 1 and outcome.containers <= 3


def test_a_disk_want_above_every_node_is_placed_and_only_slowed() -> None:
    # 120 MB/s wanted of a 100 MB/s disk: rate 5/6, done in 1.2 slots, 3.6 s, under both.
    w = workload(app("A", 0.0, role("executor", curve([1.0], disk=[120.0]))), disk=100.0)
    for name in ("capacity", "oracle"):
        (outcome,) = Engine(w, make_scheduler(name)).run().apps
        assert outcome.finish_s == pytest.approx(3.6)


def random_workload(rng: random.Random) -> Workload:
    apps = []
    for i in range(rng.randint(1, 3)):
        roles = []
        if rng.random() < 0.6:
            roles.append(role("am", curve([0.1], memory=200.0), vcores=1.0, memory_mb=512.0))
        for k in range(rng.randint(1, 2)):
            slots = rng.randint(1, 4)
            usage = curve([rng.choice([0.0, 0.5, 1, 2, 3, 4]) for _ in range(slots)],
                          memory=[rng.choice([100.0, 500, 1000]) for _ in range(slots)],
                          disk=[rng.choice([0.0, 30, 60, 120]) for _ in range(slots)])
            roles.append(role(f"e{k}", usage, count=rng.randint(1, 3),
                              vcores=float(rng.choice([1, 2, 3])), memory_mb=1024.0))
        apps.append(app(f"a{i}", rng.choice([0.0, 1.0, 3.0, 5.0, 9.0]), *roles))
    return workload(*apps, nodes=rng.randint(1, 2), vcores=4.0, memory_mb=4096.0, disk=100.0)


@pytest.mark.parametrize("name", ["static", "capacity", "tetris", "drf", "elastic", "oracle"])
def test_invariants_over_random_small_workloads(name: str) -> None:
    logging.disable(logging.WARNING)
    try:
        rng = random.Random(7)
        for _ in range(40):
            w = random_workload(rng)
            watch = LedgerWatch(w, make_scheduler(name))  # the AM share keeps AMs from deadlocking
            result = watch.engine.run()
            assert all(o.finish_s is not None for o in result.apps), w
            assert not watch.over(), w
            assert result.makespan_s >= lower_bound_s(w) - 1e-6, w
    finally:
        logging.disable(logging.NOTSET)
