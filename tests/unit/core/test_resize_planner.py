"""The resize planner's rules, table by table (lead 1 slot, margin 10 %, grow at 95 %,
decreases of at least 5 % of the request, sizes rounded up to 1 vcore and 128 MB)."""

from __future__ import annotations

import numpy as np
import pytest
from yarn_elastic.scheduling.resize import (
    ResizeRules,
    RunningSize,
    committed_curve,
    plan_resizes,
    target_size,
    yarn_sized,
)

# A band over 4 slots: vcores 1, 1, 2, 0.5; memory 1000, 1000, 3000, 500 MB.
BAND = np.array([[1.0, 1.0, 2.0, 0.5], [1000.0, 1000.0, 3000.0, 500.0],
                 [0.0] * 4, [0.0] * 4])
REQUEST = (2.0, 4096.0)


def running(position: int, allocated: tuple[float, float],
            measured: float | None = None) -> RunningSize:
    return RunningSize("c1", BAND, position, allocated, REQUEST, measured)


@pytest.mark.parametrize(
    ("position", "allocated", "measured", "target"),
    [
        # Slot 0: the band over slots 0-1 is 1 vcore, 1000 MB, which YARN holds as 1024 MB.
        (0, (1.0, 1024.0), None, (1.0, 1024.0)),
        # Slot 1: slot 2 rises to 2 vcores and 3000 MB (3072); grown a slot ahead.
        (1, (1.0, 1024.0), None, (2.0, 3072.0)),
        # Slot 3, the last: 0.5 vcore (1, no less) and 500 MB (512); the last value holds.
        (3, (2.0, 3072.0), None, (1.0, 512.0)),
        (9, (2.0, 3072.0), None, (1.0, 512.0)),
        # Measured 800 MB at slot 3: never below 800 + 10 % = 880 MB, so 896.
        (3, (2.0, 3072.0), 800.0, (1.0, 896.0)),
        # Measured 1000 MB of 1024 allocated (> 95 %): grown to the request, 4096 MB.
        (0, (1.0, 1024.0), 1000.0, (1.0, 4096.0)),
        # The floor is capped at the request: 4000 MB measured -> 4096, not 4400.
        (2, (2.0, 4096.0), 4000.0, (2.0, 4096.0)),
    ],
)
def test_target_size(position: int, allocated: tuple[float, float], measured: float | None,
                     target: tuple[float, float]) -> None:
    vcores, memory, why = target_size(running(position, allocated, measured), ResizeRules())
    assert (vcores, memory) == pytest.approx(target)
    assert why


@pytest.mark.parametrize(
    ("position", "allocated", "target", "held"),
    [
        # Slot 0, at 2 vcores and 4096 MB: the band ahead is 1 vcore and 1000 MB, but its life
        # peaks at 2 vcores and 3000 MB (3072): shrunk only to that.
        (0, (2.0, 4096.0), (2.0, 3072.0), True),
        # Slot 0, at 1 vcore and 2048 MB: already under the life's peak, so no shrink at all
        # (1024 MB would need growing back), and no jump to the peak either.
        (0, (1.0, 2048.0), (1.0, 2048.0), True),
        # Slot 1, at 1 vcore and 1024 MB: slot 2 needs 2 vcores and 3072 MB, asked for as on
        # any node (the RM grants it once the node has room).
        (1, (1.0, 1024.0), (2.0, 3072.0), False),
        # Slot 3, the last: the life's peak is the band ahead, 1 vcore and 512 MB.
        (3, (2.0, 3072.0), (1.0, 512.0), False),
    ],
)
def test_on_a_node_that_cannot_grow_a_shrink_stops_at_the_lifes_peak(
        position: int, allocated: tuple[float, float], target: tuple[float, float],
        held: bool) -> None:
    stuck = RunningSize("c1", BAND, position, allocated, REQUEST, can_grow=False)
    vcores, memory, why = target_size(stuck, ResizeRules())
    assert (vcores, memory) == pytest.approx(target)
    assert ("could not grow back" in why) == held, why


@pytest.mark.parametrize(
    ("allocated", "position", "planned"),
    [
        # Already at the band (1 vcore, 1024 MB): nothing to do.
        ((1.0, 1024.0), 0, False),
        # A rise of any size is planned: an allocation a step short is a kill.
        ((1.0, 896.0), 0, True),
        # A fall of 128 MB is 3.1 % of the 4096 MB request: not worth a resize.
        ((1.0, 1152.0), 0, False),
        # A fall of 2560 MB (slot 3: 3072 -> 512) is 62 %: planned.
        ((2.0, 3072.0), 3, True),
    ],
)
def test_what_is_worth_a_resize(allocated: tuple[float, float], position: int,
                                planned: bool) -> None:
    assert bool(plan_resizes([running(position, allocated)])) is planned


def test_the_placement_counts_the_size_being_given() -> None:
    rules = ResizeRules()
    # On the band: slot 1 and the one ahead raised to the target (2, 3000), the rest as is.
    on_band = committed_curve(BAND, 1, (2.0, 3000.0), rules)
    assert on_band[1].tolist() == [1000.0, 3000.0, 3000.0, 500.0]
    # Grown off the band (4096 MB > 3000): kept for the rest of its life.
    grown = committed_curve(BAND, 1, (2.0, 4096.0), rules)
    assert grown[1].tolist() == [1000.0, 4096.0, 4096.0, 4096.0]
    # Past the band's end: extended to the position first.
    late = committed_curve(BAND, 6, (1.0, 896.0), rules)
    assert late.shape[1] == 7 and late[1, 6] == 896.0


def test_a_band_is_sized_as_yarn_allocates() -> None:
    # 0.5 -> 1 vcore (no less), 2 -> 2; 1000 -> 1024 MB, 3000 -> 3072, 500 -> 512.
    sized = yarn_sized(BAND, REQUEST, ResizeRules())
    assert sized[0].tolist() == [1.0, 1.0, 2.0, 1.0]
    assert sized[1].tolist() == [1024.0, 1024.0, 3072.0, 512.0]
    # Never above the request: at most 2 vcores.
    assert yarn_sized(BAND * 3, REQUEST, ResizeRules())[0].max() == 2.0


def test_a_target_is_never_below_one_step_whatever_the_request_says() -> None:
    # A request of (0 vcores, 100 MB), as an update's temporary container once showed: the
    # target is one vcore and one 128 MB step, never the 0 vcores the shim would refuse.
    tiny = RunningSize("c1", BAND, 0, (1.0, 1024.0), (0.0, 100.0))
    vcores, memory, _ = target_size(tiny, ResizeRules(memory_step_mb=128.0))
    assert (vcores, memory) == (1.0, 128.0)
