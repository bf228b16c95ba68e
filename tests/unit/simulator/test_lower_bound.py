"""The fluid lower bound on makespan, table by table (3 s slots, one node unless said)."""

from __future__ import annotations

import pytest
from sim_builders import app, curve, role, simple_app, workload
from yarn_elastic.simulator.bound import lower_bound_s, resource_seconds
from yarn_elastic.simulator.engine import Engine
from yarn_elastic.simulator.schedulers import make_scheduler


@pytest.mark.parametrize(
    ("apps", "vcores", "bound_s"),
    [
        # One app: AM slot, then a 3-slot executor: (1 + 3) x 3 = 12 s; the fluid term,
        # cpu 0.1 x 4 slots + 1 x 3 slots = 3.4 slots = 10.2 vcore-s over 4 vcores = 2.55 s,
        # is smaller.
        ([simple_app("a", 0.0)], 4.0, 12.0),
        # Arrives at 7 s, seen at slot 3 (9 s): 9 + 12 = 21 s.
        ([simple_app("a", 7.0)], 4.0, 21.0),
        # Ten apps at 0 on a 1-vcore node: each 3.4 vcore-slots, 34 slots = 102 s of CPU.
        ([simple_app(f"a{i}", 0.0) for i in range(10)], 1.0, 102.0),
        # The late arrival decides: at 30 s, W = 10.2 vcore-s / 1 vcore: 30 + 10.2 = 40.2 s
        # against 0 + 20.4 for both; its own chain, 30 + 12 = 42 s, is longer still.
        ([simple_app("a", 0.0), simple_app("b", 30.0)], 1.0, 42.0),
        # No AM: the map's 3 slots alone, and 2 x 3 vcore-slots = 18 vcore-s / 1 vcore.
        ([app("m", 0.0, role("map", curve([1.0, 1.0, 1.0]), count=2))], 1.0, 18.0),
    ],
)
def test_lower_bound(apps: list, vcores: float, bound_s: float) -> None:
    assert lower_bound_s(workload(*apps, vcores=vcores, memory_mb=1e6)) == pytest.approx(bound_s)


def test_an_am_counts_for_its_shortest_life() -> None:
    # AM curve of 1 slot (0.1 vcore, 100 MB) held over 4 slots; executor 3 slots of 1 vcore.
    seconds = resource_seconds(simple_app("a", 0.0), 3.0)
    assert seconds[0] == pytest.approx((0.1 * 4 + 1.0 * 3) * 3.0)
    assert seconds[1] == pytest.approx((100.0 * 4 + 100.0 * 3) * 3.0)


@pytest.mark.parametrize("name", ["static", "capacity", "tetris", "drf", "oracle"])
def test_no_scheduler_beats_the_bound(name: str) -> None:
    apps = [simple_app(f"a{i}", 3.0 * i, executors=2) for i in range(8)]
    w = workload(*apps, nodes=2, vcores=3.0)
    result = Engine(w, make_scheduler(name)).run()
    assert result.makespan_s >= lower_bound_s(w) - 1e-9
