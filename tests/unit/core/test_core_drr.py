"""DRR / MinFrag against the paper's worked example and hand-computed tables."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from core_builders import NOW_MS, SLOT_MS, ask, node, snapshot
from yarn_elastic.messages import Container, flat
from yarn_elastic.resources import prefix_integral, to_array
from yarn_elastic.scheduling import minfrag_policy, schedule
from yarn_elastic.scheduling.drr import drr_after_placement

# ---------------------------------------------------------------------------------- Fig. 6
# Elasecutor (SoCC'18) Fig. 6, on a grid of T = 8 slots. The notes
# (research/elasecutor.md §1) give the CPU curve and both executors' per-resource DRR values;
# the memory, disk and network curves below are reconstructed to reproduce those values.
# Resources are in our order: cpu, memory, disk, network (the paper lists net before disk).
CAPACITY = ((16,), (64,), (10,), (10,))
AVAILABLE = (  # slots 0-3, slots 4-7, then from slot 8 (the running executor has ended)
    [12] * 4 + [4] * 4 + [16],
    [34] * 4 + [19] * 4 + [64],
    [4] * 4 + [1] * 4 + [10],
    [1] * 4 + [2] * 4 + [10],
)
ALLOCATED = tuple(
    tuple(float(c[0] - a) for a in avail) for c, avail in zip(CAPACITY, AVAILABLE, strict=True)
)
# Executor 1 runs 7 slots (0.875 T); executor 2 runs 10 slots, past T.
EXECUTOR_1 = ([1] * 7 + [0], [4] * 7 + [0], [1] * 7 + [0], [1] * 7 + [0])
EXECUTOR_2 = ([1.5] * 10 + [0], [5] * 10 + [0], [3] * 4 + [1] * 6 + [0], [0.5] * 10 + [0])
# The running executor ends at T = 8 slots.
RUNNING = ([1] * 8 + [0], [1] * 8 + [0], [0], [0])


def _curves(rows: tuple[list[float], ...]) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(float(v) for v in row) for row in rows)


def _per_resource(executor: tuple[list[float], ...], t_star: int) -> list[Fraction]:
    # integral_0^t* (AR - RD) / (C * t*), exactly, per resource
    out = []
    for cap, avail, demand in zip(CAPACITY, AVAILABLE, executor, strict=True):
        pairs = zip(avail[:t_star], demand[:t_star], strict=True)
        free = sum(Fraction(a) - Fraction(d) for a, d in pairs)
        out.append(free / (cap[0] * t_star))
    return out


def test_fig6_per_resource_ratios_match_the_paper() -> None:
    # Executor 1, t* = 7 (0.875 T): cpu (11*4 + 3*3)/(16*7) = 53/112
    assert _per_resource(EXECUTOR_1, 7) == [
        Fraction(53, 112), Fraction(165, 448), Fraction(6, 35), Fraction(3, 70)
    ]
    # Executor 2, t* = 8 (T, the running executor ends first): cpu (64 - 12)/(16*8) = 13/32
    assert _per_resource(EXECUTOR_2, 8) == [
        Fraction(13, 32), Fraction(43, 128), Fraction(1, 20), Fraction(1, 10)
    ]


def _fig6_snapshot() -> object:
    machine = node("machine:1", CAPACITY, _curves(ALLOCATED))
    running = Container("container_0", "application_0", "machine:1", _curves(RUNNING), NOW_MS)
    return snapshot(
        [machine],
        [ask("application_1", _curves(EXECUTOR_1)), ask("application_2", _curves(EXECUTOR_2))],
        containers=[running],
    )


def test_fig6_drr_values() -> None:
    available = to_array(tuple(tuple(float(v) for v in row) for row in AVAILABLE))
    capacity = to_array(CAPACITY, available.shape[-1])
    demands = np.stack([to_array(_curves(e), 11) for e in (EXECUTOR_1, EXECUTOR_2)])
    horizon = 11
    theta = drr_after_placement(
        prefix_integral(np.concatenate([available, np.repeat(available[:, -1:], 2, 1)], 1)),
        prefix_integral(np.repeat(capacity[:, -1:], horizon, 1)),
        8,
        prefix_integral(demands),
        np.array([7, 10]),
        np.ones(4, dtype=bool),
    )
    assert theta == pytest.approx([53 / 112, 13 / 32])


def test_fig6_minfrag_picks_executor_2_first() -> None:
    decision = schedule(_fig6_snapshot(), minfrag_policy())  # type: ignore[arg-type]
    first = decision.placements[0]
    assert first.ask == "application_2#1#0"
    assert first.score == pytest.approx(13 / 32)


# --------------------------------------------------------------------------- flat tables
# With flat curves theta = max_r (free_r - d_r) / cap_r over the resources in use.
@pytest.mark.parametrize(
    ("case", "capacity", "allocated", "asks", "expected"),
    [
        (
            # free (8, 8192): a (2, 6144) -> max(6/8, 2048/8192) = 0.75
            #                 b (4, 2048) -> max(4/8, 6144/8192) = 0.75  tie -> queue order (a)
            # then free (6, 2048): b fits? 2048 <= 2048 yes -> max(2/8, 0) = 0.25
            "tie falls to queue order, then the other fits",
            flat(8, 8192), flat(0, 0),
            [("app_a", flat(2, 6144), 1), ("app_b", flat(4, 2048), 1)],
            [("app_a#1#0", 1, 0.75), ("app_b#1#0", 1, 0.25)],
        ),
        (
            # free (4, 4096): small (1, 1024) -> max(3/4, 3072/4096) = 0.75
            #                 big (3, 3072)   -> max(1/4, 1024/4096) = 0.25  -> big first
            # then free (1, 1024): small fits exactly -> 0.0; the second small no longer fits
            "largest ball first (best fit decreasing)",
            flat(4, 4096), flat(0, 0),
            [("app_small", flat(1, 1024), 2), ("app_big", flat(3, 3072), 1)],
            [("app_big#1#0", 1, 0.25), ("app_small#1#0", 1, 0.0)],
        ),
        (
            # allocated (6, 1024) of (8, 8192): free (2, 7168); ask (3, 1024) never fits
            "nothing fits a busy node",
            flat(8, 8192), flat(6, 1024),
            [("app_a", flat(3, 1024), 5)],
            [],
        ),
        (
            # free (4, 8192): (1, 1024) x4 -> after k: max((4-k)/4, (8-k)/8)
            # k=1: 0.875, k=2: 0.75, k=3: 0.625, k=4: 0.5 (cpu full at 0, memory 4/8)
            "repeat until the node is full; count capped by cpu",
            flat(4, 8192), flat(0, 0),
            [("app_a", flat(1, 1024), 9)],
            [("app_a#1#0", 4, 0.5)],
        ),
    ],
)
def test_minfrag_on_one_node(
    case: str,
    capacity: tuple[tuple[float, ...], ...],
    allocated: tuple[tuple[float, ...], ...],
    asks: list[tuple[str, tuple[tuple[float, ...], ...], int]],
    expected: list[tuple[str, int, float]],
) -> None:
    picture = snapshot(
        [node("n:1", capacity, allocated)], [ask(a, d, count) for a, d, count in asks]
    )
    decision = schedule(picture, minfrag_policy())
    got = [(p.ask, p.count, round(p.score, 6)) for p in decision.placements]
    assert got == expected, case


def test_node_order_fills_the_fullest_node_first() -> None:
    # n:a free (8, 8192) of (8, 8192): DRR 1.0; n:b free (2, 2048) of (8, 8192): DRR 0.25
    picture = snapshot(
        [node("n:a", flat(8, 8192)), node("n:b", flat(8, 8192), flat(6, 6144))],
        [ask("app", flat(1, 1024), 3)],
    )
    placements = schedule(picture, minfrag_policy()).placements
    # n:b first: takes 2 (then (0, 0)); n:a takes the third: max(7/8, 7168/8192) = 0.875
    assert [(p.node, p.count, p.score) for p in placements] == [("n:b", 2, 0.0), ("n:a", 1, 0.875)]


def test_time_varying_demand_must_fit_every_slot() -> None:
    # Node free (4, 4096) now, but only (1, 4096) from slot 2 on (a predicted peak elsewhere).
    capacity = flat(4, 4096)
    allocated = ((0.0, 0.0, 3.0), (0.0,), (0.0,), (0.0,))
    peaky = ((1.0, 1.0, 2.0), (1024.0,), (0.0,), (0.0,))  # needs 2 cores from slot 2: no
    steady = flat(1, 1024)
    picture = snapshot(
        [node("n:1", capacity, allocated)], [ask("app_p", peaky), ask("app_s", steady)]
    )
    assert [p.ask for p in schedule(picture, minfrag_policy()).placements] == ["app_s#1#0"]


def test_container_started_in_the_past_finishes_relative_to_now() -> None:
    # A container started 3 slots ago with a 5-slot curve ends 2 slots from now.
    from yarn_elastic.scheduling.tables import build_tables

    running = Container(
        "c1", "app_r", "n:1", ((1, 1, 1, 1, 1, 0), (1,) * 5 + (0,), (0,), (0,)),
        NOW_MS - 3 * SLOT_MS,
    )
    picture = snapshot([node("n:1", flat(4, 4096))], [], containers=[running])
    policy = minfrag_policy()
    tables = build_tables(picture, policy.demand_model, policy.queue_sort.key)
    assert tables.nodes.finish.tolist() == [2]
