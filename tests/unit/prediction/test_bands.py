"""Upper bands: widened in time, held over the container's life, margins fitted on backtests.
Each case's comment shows the arithmetic."""

from __future__ import annotations

import numpy as np
import pytest
from yarn_elastic.prediction.bands import BandRule, fit_rule, upper_band, widen
from yarn_elastic.prediction.metrics import (
    allocated_and_used,
    effectiveness,
    slack,
    total_error,
    underpredicted_slots,
)


def rows(cpu: list[float], memory: list[float] | None = None) -> np.ndarray:
    """A curve with the given CPU row; memory as given or 1024 MB, no disk or network."""
    memory = memory if memory is not None else [1024.0] * len(cpu)
    zeros = [0.0] * len(cpu)
    return np.asarray([cpu, memory, zeros, zeros], dtype=float)


def test_widening_covers_the_peak_a_slot_either_side() -> None:
    row = np.array([0.0, 5.0, 0.0, 0.0, 1.0])
    np.testing.assert_array_equal(widen(row, 0), row)
    np.testing.assert_array_equal(widen(row, 1), [5, 5, 5, 1, 1])
    np.testing.assert_array_equal(widen(row, 9), [5, 5, 5, 5, 5])  # wider than the curve


def test_a_band_is_read_over_the_actual_life_holding_its_last_value() -> None:
    band = rows([2.0, 1.0])
    # The run lived 4 slots: the allocation holds 1.0 for slots 3-4, which the run exceeds once.
    longer = rows([1.5, 1.0, 1.0, 1.2])
    under, slots = underpredicted_slots(band, longer)
    assert slots == 4 and under[0] == 1
    allocated, used = allocated_and_used(band, longer)
    assert allocated[0] == 2 + 1 + 1 + 1 and used[0] == 4.7
    # The run lived 1 slot: the band's second slot was never allocated (the container exited).
    allocated, used = allocated_and_used(band, rows([1.5]))
    np.testing.assert_allclose(slack(allocated, used)[0], (2 - 1.5) / 2)


def test_the_margin_scale_is_floored_for_resources_a_point_hardly_uses() -> None:
    point = rows([1.0, 1.0])  # network all zero
    rule = BandRule(np.array([0.0, 0.0, 0.0, 0.4]))
    # Scale = max(peak 0, floor 0.5 MB/s): the band is 0.4 x 0.5 = 0.2 MB/s, not 0.4 x 1e-9.
    np.testing.assert_allclose(upper_band(point, rule)[3], [0.2, 0.2])


def test_fitting_prefers_widening_when_repeats_drift_by_a_slot() -> None:
    # Point: a 4-vcore burst in slot 3 of 8 on a 1-vcore floor. Actual runs have the burst one
    # slot early or late. Width 0 needs a margin of 3 vcores (the burst falls where the point
    # says 1): 8 slots x (1..4 + 3) per run. Width 1 covers the burst at margin 0 and allocates
    # 3 slots x 4 + 5 x 1 = 17 per run, so width 1 wins.
    point = rows([1, 1, 4, 1, 1, 1, 1, 1])
    early = rows([1, 4, 1, 1, 1, 1, 1, 1])
    late = rows([1, 1, 1, 4, 1, 1, 1, 1])
    rule = fit_rule([(point, early), (point, late)] * 4)
    assert rule is not None
    assert rule.widths[0] == 1 and rule.margins[0] == 0
    band = upper_band(point, rule)
    np.testing.assert_array_equal(band[0], [1, 4, 4, 4, 1, 1, 1, 1])
    for actual in (early, late):
        assert underpredicted_slots(band, actual)[0][0] == 0


def test_fitting_needs_enough_slots_for_a_quantile() -> None:
    assert fit_rule([(rows([1.0]), rows([2.0]))]) is None


def test_effectiveness_averages_total_ratios_over_the_resources_used() -> None:
    actual = rows([1.0, 1.0], [100.0, 100.0])  # disk and network unused: left out
    predicted = rows([1.3, 1.3], [80.0, 80.0])
    # CPU 2.6 / 2 = 1.3, memory 160 / 200 = 0.8: effectiveness (1.3 + 0.8) / 2 = 1.05, while
    # the per-resource errors are 30 % and 20 %.
    assert effectiveness(predicted, actual) == pytest.approx(1.05)
    np.testing.assert_allclose(total_error(predicted, actual)[:2], [0.3, 0.2])
