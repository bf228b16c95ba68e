"""Calibrated upper bands: the point curve plus a margin learnt from past mistakes.

A residual is (actual - point) / peak(point) per resource and slot, so one margin fits jobs of
any size. The margin is a high quantile of a predictor's residuals (split-conformal: the
residuals come from predictions of runs the predictor had not seen), 0.95 by default and 0.99
for memory, because running out of memory kills a container while running out of CPU only
slows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from yarn_elastic.prediction.runs import pad
from yarn_elastic.resources import RESOURCES, CurveArray

DEFAULT_QUANTILES = (0.95, 0.99, 0.95, 0.95)
# Used until a predictor has enough residuals: generous, like VPA's short-history multiplier.
FALLBACK_MARGIN = np.array([0.25, 0.25, 0.5, 0.5])
MIN_RESIDUALS = 30


def peak(curve: CurveArray) -> np.ndarray:
    return np.asarray(np.maximum(curve.max(axis=1), 1e-9), dtype=np.float64)


def relative_residuals(point: CurveArray, actual: CurveArray) -> np.ndarray:
    """(4, slots of the actual run) residuals relative to the point's peak per resource."""
    slots = max(point.shape[1], actual.shape[1])
    p, a = pad(point, slots), pad(actual, slots)
    return np.asarray(((a - p) / peak(point)[:, None])[:, : actual.shape[1]], dtype=np.float64)


def upper_band(point: CurveArray, margins: np.ndarray) -> CurveArray:
    return np.asarray(point + (np.maximum(margins, 0.0) * peak(point))[:, None], dtype=np.float64)


@dataclass
class Calibration:
    """Margins per predictor name; a predictor with too few residuals gets the fallback."""

    quantiles: Sequence[float] = DEFAULT_QUANTILES
    margins: dict[str, np.ndarray] = field(default_factory=dict)

    def margin(self, predictor: str) -> np.ndarray:
        return self.margins.get(predictor, FALLBACK_MARGIN)

    def fit(self, predictor: str, residuals: Sequence[np.ndarray]) -> None:
        """Set a predictor's margins from its residual blocks ((4, slots) each)."""
        if not residuals:
            return
        pooled = np.concatenate(residuals, axis=1)
        if pooled.shape[1] < MIN_RESIDUALS:
            return
        self.margins[predictor] = np.array([
            max(0.0, float(np.quantile(pooled[r], self.quantiles[r]))) for r in range(RESOURCES)
        ])
