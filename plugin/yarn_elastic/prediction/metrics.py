"""How good a predicted curve was, once the run happened (issue 4's measures).

- total error: |predicted total - actual total| / actual total, per resource;
- under-predicted slots: the share of the actual run's slots whose use exceeds the upper band;
- slack: (allocated - used) / allocated, where the upper band is what gets allocated.
A demand curve ends, so curves of different lengths are compared after zero-padding.
"""

from __future__ import annotations

import numpy as np

from yarn_elastic.prediction.runs import pad
from yarn_elastic.resources import CurveArray

FloatArray = np.ndarray


def _same_length(a: CurveArray, b: CurveArray) -> tuple[CurveArray, CurveArray]:
    slots = max(a.shape[1], b.shape[1])
    return pad(a, slots), pad(b, slots)


def total_error(predicted: CurveArray, actual: CurveArray) -> FloatArray:
    """Per resource; NaN where the actual run used none of it (no relative error exists)."""
    used = actual.sum(axis=1)
    error = np.abs(predicted.sum(axis=1) - used)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(used > 0, error / np.where(used > 0, used, 1.0), np.nan)


def underpredicted_slots(upper: CurveArray, actual: CurveArray) -> tuple[FloatArray, int]:
    """Per resource, how many of the actual run's slots exceed the band; and that slot count.

    A tolerance of 1e-9 relative keeps float noise from counting as a miss."""
    band, used = _same_length(upper, actual)
    over = used > band * (1 + 1e-9) + 1e-12
    return over[:, : actual.shape[1]].sum(axis=1).astype(np.float64), actual.shape[1]


def allocated_and_used(upper: CurveArray, actual: CurveArray) -> tuple[FloatArray, FloatArray]:
    """Per resource totals to aggregate slack over many runs: allocated = the band, and used
    only up to what was allocated plus what had to be found beyond it."""
    band, used = _same_length(upper, actual)
    return band.sum(axis=1), used.sum(axis=1)


def slack(allocated: FloatArray, used: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        safe = np.where(allocated > 0, allocated, 1.0)
        return np.where(allocated > 0, (allocated - used) / safe, 0.0)
