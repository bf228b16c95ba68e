"""Max-min fair sharing and progress rates, table by table."""

from __future__ import annotations

import numpy as np
import pytest
from yarn_elastic.simulator.contention import max_min_share, progress_rate, share_node


@pytest.mark.parametrize(
    ("wants", "capacity", "expected"),
    [
        # Room for all: each gets what it wants.
        ([2.0, 2.0], 4.0, [2.0, 2.0]),
        # 1 + 3 + 4 = 8 > 6: the 1 is met, the other two split 5 evenly.
        ([1.0, 3.0, 4.0], 6.0, [1.0, 2.5, 2.5]),
        # One alone gets the whole node.
        ([5.0], 2.0, [2.0]),
        # A zero want takes nothing; the other gets all of 1.
        ([0.0, 3.0], 1.0, [0.0, 1.0]),
        # Equal wants over capacity: an even split, 9 / 3 = 3 each.
        ([4.0, 4.0, 4.0], 9.0, [3.0, 3.0, 3.0]),
    ],
)
def test_max_min_share(wants: list[float], capacity: float, expected: list[float]) -> None:
    got = max_min_share(np.array(wants), capacity)
    assert got == pytest.approx(expected)
    assert got.sum() <= capacity + 1e-9


@pytest.mark.parametrize(
    ("got", "wanted", "rate"),
    [
        ([[1.0, 1.0, 1.0]], [[2.0, 1.0, 1.0]], 0.5),  # half the CPU it wants: half speed
        ([[2.0, 0.5, 0.0]], [[2.0, 2.0, 0.0]], 0.25),  # disk 0.5 of 2 is the bottleneck
        ([[0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0]], 1.0),  # wants nothing compressible: full speed
        ([[3.0, 0.0, 0.0]], [[2.0, 0.0, 0.0]], 1.0),  # never faster than unslowed
    ],
)
def test_progress_rate(got: list[list[float]], wanted: list[list[float]], rate: float) -> None:
    assert progress_rate(np.array(got), np.array(wanted))[0] == pytest.approx(rate)


def test_each_resource_is_shared_on_its_own() -> None:
    # CPU 3 + 3 > 4: 2 each. Disk 1 + 1 <= 10: untouched.
    got = share_node(np.array([[3.0, 1.0], [3.0, 1.0]]), np.array([4.0, 10.0]))
    assert got.tolist() == [[2.0, 1.0], [2.0, 1.0]]
