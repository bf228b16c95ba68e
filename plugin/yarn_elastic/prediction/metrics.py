"""How good a predicted curve was, once the run happened (issue 4's measures).

- total error: |predicted total - actual total| / actual total, per resource;
- under-predicted slots: the share of the actual run's slots whose use exceeds the upper band;
- slack: (allocated - used) / allocated, where the upper band is what gets allocated.
Totals compare curves of different lengths after zero-padding (a demand curve ends). The band is
read as YARN would allocate it: over the actual run's life, holding its last value, and no
longer (the allocation ends when the container exits).
"""

from __future__ import annotations

import numpy as np

from yarn_elastic.prediction.runs import hold
from yarn_elastic.resources import CurveArray

FloatArray = np.ndarray


def total_ratio(predicted: CurveArray, actual: CurveArray) -> FloatArray:
    """Predicted total / actual total per resource; NaN where the actual run used none of it."""
    used = actual.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(used > 0, predicted.sum(axis=1) / np.where(used > 0, used, 1.0), np.nan)


def total_error(predicted: CurveArray, actual: CurveArray) -> FloatArray:
    """|predicted total - actual total| / actual total per resource (NaN as `total_ratio`)."""
    return np.abs(total_ratio(predicted, actual) - 1.0)


def floored_total_error(predicted: CurveArray, actual: CurveArray, floor: FloatArray
                        ) -> FloatArray:
    """`total_error` with each actual total floored at `floor` (4,) per slot of the actual run:
    a resource the run all but left alone (0.004 MB/s of network) is not judged by ratios of
    noise, which would swamp the resources the run really used."""
    slots = max(actual.shape[1], 1)
    used = np.maximum(actual.sum(axis=1), floor * slots)
    return np.asarray(np.abs(predicted.sum(axis=1) - actual.sum(axis=1)) / used,
                      dtype=np.float64)


def effectiveness(predicted: CurveArray, actual: CurveArray) -> float:
    """Elasecutor's measure (Fig. 10a): the total ratio averaged over the resources used, so
    one resource over-predicted and another under-predicted partly cancel; NaN if none used."""
    ratios = total_ratio(predicted, actual)
    ratios = ratios[np.isfinite(ratios)]
    return float(ratios.mean()) if ratios.size else float("nan")


def underpredicted_slots(upper: CurveArray, actual: CurveArray) -> tuple[FloatArray, int]:
    """Per resource, how many of the actual run's slots exceed the band; and that slot count.

    A tolerance of 1e-9 relative keeps float noise from counting as a miss."""
    band = hold(upper, actual.shape[1])
    over = actual > band * (1 + 1e-9) + 1e-12
    return over.sum(axis=1).astype(np.float64), actual.shape[1]


def allocated_and_used(upper: CurveArray, actual: CurveArray) -> tuple[FloatArray, FloatArray]:
    """Per resource totals to aggregate slack over many runs: allocated = the band over the
    actual run's life, used = what the run used (beyond the band too: it had to be found)."""
    return hold(upper, actual.shape[1]).sum(axis=1), actual.sum(axis=1)


def slack(allocated: FloatArray, used: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        safe = np.where(allocated > 0, allocated, 1.0)
        return np.where(allocated > 0, (allocated - used) / safe, 0.0)
