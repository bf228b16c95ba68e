"""Scoring many predictions at once: the issue's measures, aggregated per resource."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from yarn_elastic.messages import RESOURCE_NAMES
from yarn_elastic.prediction.metrics import (
    allocated_and_used,
    effectiveness,
    slack,
    total_error,
    underpredicted_slots,
)
from yarn_elastic.resources import CurveArray

THRESHOLDS = (0.10, 0.15, 0.20)


@dataclass
class Tally:
    errors: list[np.ndarray] = field(default_factory=list)
    effectiveness: list[float] = field(default_factory=list)
    under: np.ndarray = field(default_factory=lambda: np.zeros(4))
    slots: int = 0
    allocated: np.ndarray = field(default_factory=lambda: np.zeros(4))
    used: np.ndarray = field(default_factory=lambda: np.zeros(4))
    missing: int = 0

    def add(self, point: CurveArray | None, upper: CurveArray | None, actual: CurveArray) -> None:
        if point is None or upper is None:
            self.missing += 1
            return
        self.errors.append(total_error(point, actual))
        self.effectiveness.append(effectiveness(point, actual))
        under, slots = underpredicted_slots(upper, actual)
        self.under += under
        self.slots += slots
        allocated, used = allocated_and_used(upper, actual)
        self.allocated += allocated
        self.used += used

    def summary(self) -> dict[str, object]:
        if not self.errors:
            return {"predictions": 0, "unanswered": self.missing}
        errors = np.stack(self.errors)
        out: dict[str, object] = {"predictions": len(self.errors), "unanswered": self.missing}
        for threshold in THRESHOLDS:
            shares = {}
            for r, name in enumerate(RESOURCE_NAMES):
                column = errors[:, r][np.isfinite(errors[:, r])]
                within = float((column <= threshold).mean()) if column.size else None
                shares[name] = None if within is None else round(within, 4)
            out[f"within{int(threshold * 100)}"] = shares
        out["underpredicted_slots"] = {
            name: round(float(self.under[r] / max(self.slots, 1)), 4)
            for r, name in enumerate(RESOURCE_NAMES)
        }
        out["slack"] = {
            name: round(float(v), 4)
            for name, v in zip(RESOURCE_NAMES, slack(self.allocated, self.used), strict=True)
        }
        ratios = np.asarray(self.effectiveness)
        ratios = ratios[np.isfinite(ratios)]
        # Comparable with Elasecutor's published "90 % within 15 % after 30 runs" (Fig. 10a).
        out["elasecutor_effectiveness_within15"] = (
            round(float((np.abs(ratios - 1) <= 0.15).mean()), 4) if ratios.size else None
        )
        out["mean_total_error"] = {
            name: round(float(np.nanmean(errors[:, r])), 4) for r, name in enumerate(RESOURCE_NAMES)
        }
        return out
