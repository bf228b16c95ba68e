"""Calibrated upper bands: the point curve, widened in time, plus a margin learnt from past
mistakes.

What gets allocated is the band over the container's life: a YARN allocation holds its last
size until the container exits (the interface's "last value holds"), and ends with it. So a
band is read over the actual run's slots, extended by its last value (`hold`).

Two knobs per predictor and resource, both fitted split-conformally on backtests (predictions
of runs the predictor had not seen):
- a width w: the band at slot t covers the point's maximum over t-w..t+w. Repeats of a job drift
  in time by a few slots (a busy node, a slow disk), and a peak a little late is otherwise
  under-predicted however high the margin. w is the width (0..MAX_WIDTH) that needs the least
  allocation once its margin is added;
- a margin: a high quantile of the residuals (actual - widened point) / scale, 0.95 by default
  and 0.99 for memory (running out of memory kills a container, running out of CPU only slows
  it). The scale is the point's peak, floored per resource so that a point that is all but zero
  (a job that hardly touches the network) gets an absolute margin instead of a ratio of nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from yarn_elastic.prediction.runs import hold
from yarn_elastic.resources import RESOURCES, CurveArray

DEFAULT_QUANTILES = (0.95, 0.99, 0.95, 0.95)
# Used until a predictor has enough residuals: generous, like VPA's short-history multiplier.
FALLBACK_MARGIN = np.array([0.25, 0.25, 0.5, 0.5])
MIN_RESIDUALS = 30
MAX_WIDTH = 4
# The smallest scale a margin is relative to, per resource: 0.05 vcore, 16 MB, 0.5 MB/s, 0.5
# MB/s; below these a container's use is noise for the scheduler anyway.
SCALE_FLOOR = np.array([0.05, 16.0, 0.5, 0.5])


@dataclass(frozen=True)
class BandRule:
    margins: np.ndarray
    widths: tuple[int, ...] = (0, 0, 0, 0)


FALLBACK_RULE = BandRule(FALLBACK_MARGIN)


def scale(point: CurveArray) -> np.ndarray:
    return np.asarray(np.maximum(point.max(axis=1), SCALE_FLOOR), dtype=np.float64)


def widen(curve: CurveArray, width: int) -> np.ndarray:
    """(slots,) running maximum over width slots either side of one resource's row."""
    out = np.array(curve, dtype=np.float64)
    for shift in range(1, min(width, curve.shape[0] - 1) + 1):
        np.maximum(out[shift:], curve[:-shift], out=out[shift:])
        np.maximum(out[:-shift], curve[shift:], out=out[:-shift])
    return out


def widened(point: CurveArray, widths: Sequence[int]) -> CurveArray:
    return np.asarray(np.stack([widen(point[r], widths[r]) for r in range(RESOURCES)]),
                      dtype=np.float64)


def upper_band(point: CurveArray, rule: BandRule) -> CurveArray:
    margins = np.maximum(rule.margins, 0.0) * scale(point)
    return np.asarray(widened(point, rule.widths) + margins[:, None], dtype=np.float64)


@dataclass
class Calibration:
    """Band rules per predictor name; a predictor with too few residuals gets the fallback."""

    quantiles: Sequence[float] = DEFAULT_QUANTILES
    rules: dict[str, BandRule] = field(default_factory=dict)
    # Mean relative error of total use over all the backtests a rule was fitted on: what the
    # selector expects of a predictor before a job's own history says otherwise.
    errors: dict[str, float] = field(default_factory=dict)

    def rule(self, predictor: str) -> BandRule:
        return self.rules.get(predictor, FALLBACK_RULE)

    def upper(self, predictor: str, point: CurveArray) -> CurveArray:
        return upper_band(point, self.rule(predictor))

    def fit(self, predictor: str, pairs: Sequence[tuple[CurveArray, CurveArray]]) -> None:
        """Set a predictor's rule from backtests: (point, actual) pairs of unseen runs."""
        rule = fit_rule(pairs, self.quantiles)
        if rule is not None:
            self.rules[predictor] = rule


def fit_rule(
    pairs: Sequence[tuple[CurveArray, CurveArray]], quantiles: Sequence[float] = DEFAULT_QUANTILES
) -> BandRule | None:
    """The rule that covers `quantiles` of the pairs' slots with the least allocation, or None
    when the pairs hold too few slots to estimate a quantile."""
    if sum(actual.shape[1] for _, actual in pairs) < MIN_RESIDUALS:
        return None
    margins = np.zeros(RESOURCES)
    widths = [0] * RESOURCES
    pair_scales = [scale(p) for p, _ in pairs]
    for r in range(RESOURCES):
        best: tuple[float, int, float] | None = None
        scales = [s[r] for s in pair_scales]
        for width in range(MAX_WIDTH + 1):
            # The widened point, held over the actual run's life; residuals relative to scale.
            bands = [hold(widen(p[r], width)[None, :], a.shape[1])[0] for p, a in pairs]
            pooled = np.concatenate(
                [(a[r] - band) / s for (_, a), band, s in zip(pairs, bands, scales, strict=True)])
            margin = max(0.0, float(np.quantile(pooled, quantiles[r])))
            allocated = sum(float(band.sum()) + margin * s * band.size
                            for band, s in zip(bands, scales, strict=True))
            if best is None or allocated < best[0] - 1e-9:
                best = (allocated, width, margin)
        assert best is not None
        _, widths[r], margins[r] = best
    return BandRule(margins, tuple(widths))
