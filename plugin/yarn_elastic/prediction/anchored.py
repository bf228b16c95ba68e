"""Ours, for settings never seen: a seen sibling's measured curve, rescaled by the feature model.

A new setting of a known job (twice the input, bigger executors) is rarely new work: it is the
same program. The feature model alone must learn a job's whole curve from a few settings; here
it is only asked how the new setting differs from the nearest one that ran. The answer keeps
the sibling's measured phases and levels (its aligned median) and takes from the model two
ratios between the settings: of lifetime, and of total use per resource.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from yarn_elastic.prediction.predictors import AlignedMedianPredictor, Query, Relative
from yarn_elastic.prediction.runs import Run, resample, role_history
from yarn_elastic.prediction.signature import JobSignature
from yarn_elastic.resources import CurveArray

if TYPE_CHECKING:  # the feature model's module builds its anchored band with this one
    from yarn_elastic.prediction.xgb_curves import CurveModel

# A model ratio beyond these is extrapolation the sibling cannot vouch for.
MIN_RATIO, MAX_RATIO = 0.25, 4.0


def setting_distance(
    a: JobSignature, a_input: float | None, b: JobSignature, b_input: float | None
) -> float:
    """How far apart two settings of a job are: log2 steps of input size, executor cores and
    executor memory (a missing value on either side counts as one step)."""
    total = 0.0
    for x, y in ((a_input, b_input), (a.executor_cores, b.executor_cores),
                 (a.executor_memory_mb, b.executor_memory_mb)):
        if x and y and x > 0 and y > 0:
            total += abs(math.log2(float(x) / float(y)))
        elif x != y:
            total += 1.0
    return total


def same_job(a: JobSignature, b: JobSignature) -> bool:
    """Two settings of one job: the same name and type, and queue, user and tags alike where
    both sides know them (an operator asking `predict` may give only a name)."""
    def agree(x: object, y: object) -> bool:
        return not x or not y or x == y

    return (a.app_name, a.app_type) == (b.app_name, b.app_type) and agree(a.queue, b.queue) \
        and agree(a.user, b.user) and agree(a.tags, b.tags)


def relatives_from(signature: JobSignature, role: str, runs: Iterable[Run]) -> tuple[Relative, ...]:
    """The role's history at every other setting of the signature's job, from stored runs."""
    by_setting: dict[JobSignature, list[Run]] = {}
    for run in runs:
        if run.signature != signature and same_job(run.signature, signature):
            by_setting.setdefault(run.signature, []).append(run)
    return tuple(
        Relative(setting, max(setting_runs, key=lambda r: r.finished_ms).input_bytes,
                 tuple(role_history(setting_runs, role)))
        for setting, setting_runs in sorted(by_setting.items(), key=lambda kv: kv[0].key)
    )


def nearest_relative(query: Query) -> Relative | None:
    candidates = [r for r in query.relatives if r.history]
    if not candidates:
        return None
    return min(candidates, key=lambda r: (
        setting_distance(query.signature, query.input_bytes, r.signature, r.input_bytes),
        r.signature.key))


@dataclass(frozen=True)
class AnchoredFeaturePredictor:
    model: CurveModel | None
    base: AlignedMedianPredictor = field(default_factory=AlignedMedianPredictor)
    name: str = "xgboost-anchored"

    def point(self, query: Query) -> CurveArray | None:
        relative = nearest_relative(query)
        if self.model is None or relative is None:
            return None
        anchor = self.base.point(Query(relative.signature, query.role, relative.history))
        if anchor is None:
            return None
        here = self.model.predict(query.signature, query.role, query.input_bytes)
        there = self.model.predict(relative.signature, query.role, relative.input_bytes)
        length_ratio = float(np.clip(here.shape[1] / there.shape[1], MIN_RATIO, MAX_RATIO))
        with np.errstate(divide="ignore", invalid="ignore"):
            total_ratio = np.where(there.sum(axis=1) > 0,
                                   here.sum(axis=1) / there.sum(axis=1), 1.0)
        total_ratio = np.clip(np.nan_to_num(total_ratio, nan=1.0), MIN_RATIO, MAX_RATIO)
        slots = max(1, round(anchor.shape[1] * length_ratio))
        # Stretching keeps levels, so totals grow by the length ratio; the level takes the rest.
        levels = total_ratio * anchor.shape[1] / slots
        return np.asarray(resample(anchor, slots) * levels[:, None], dtype=np.float64)
