"""The RLE step function must reproduce YARN's RLESparseResourceAllocation, terminator included."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from yarn_elastic.estimator.skyline import END_OF_TIME, ZERO, Resource, RleSkyline

ONE = Resource(1024, 1)


def test_first_interval_has_no_terminator() -> None:
    skyline = RleSkyline().add_interval(0, 5, ONE)
    assert skyline.steps == ((0, ONE), (5, ZERO))
    assert not skyline.terminated
    assert skyline.change_points() == [0, 5]


def test_second_interval_adds_terminator_and_merges_equal_neighbours() -> None:
    skyline = RleSkyline().add_interval(0, 5, ONE).add_interval(5, 10, ONE)
    assert skyline.steps == ((0, ONE), (10, ZERO))
    assert skyline.terminated
    assert skyline.change_points() == [0, 10, END_OF_TIME]


def test_overlaps_add_up_and_zero_resource_is_ignored() -> None:
    skyline = RleSkyline.from_intervals([(0, 10, ONE), (5, 15, ONE), (3, 4, ZERO)])
    assert skyline.steps == ((0, ONE), (5, ONE.times(2)), (10, ONE), (15, ZERO))
    assert skyline.capacity_at(-1) == ZERO
    assert skyline.capacity_at(7) == ONE.times(2)
    assert skyline.capacity_at(100) == ZERO
    assert skyline.earliest_start() == 0
    assert skyline.latest_non_null() == 15


def test_empty_skyline_queries() -> None:
    assert RleSkyline().earliest_start() == -1
    assert RleSkyline().latest_non_null() == -1
    assert RleSkyline().is_empty()


def test_unsorted_steps_are_rejected() -> None:
    with pytest.raises(ValueError, match="strictly increasing"):
        RleSkyline(((5, ONE), (1, ZERO)))


intervals = st.lists(
    st.tuples(st.integers(0, 50), st.integers(1, 20), st.integers(1, 4)), min_size=1, max_size=8
)


@given(intervals)
def test_sum_of_intervals_matches_pointwise_sum(raw: list[tuple[int, int, int]]) -> None:
    skyline = RleSkyline.from_intervals((s, s + d, ONE.times(n)) for s, d, n in raw)
    for t in range(-1, 75):
        expected = sum(n for s, d, n in raw if s <= t < s + d)
        assert skyline.capacity_at(t) == ONE.times(expected)
    values = [r for _, r in skyline.steps]
    assert all(a != b for a, b in zip(values, values[1:], strict=False))
