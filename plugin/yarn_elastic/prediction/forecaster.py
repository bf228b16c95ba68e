"""Predictions the way the core makes them, from a set of finished runs and a feature model.

One place assembles the live predictors, fits their bands on backtests over every stored job,
and answers (signature, role, input size) with the selector's calibrated prediction: what
`yarn-elastic predict` shows, what the simulator's `elastic` scheduler places by, and what the
live demand model will use.
"""

from __future__ import annotations

from collections.abc import Iterable

from yarn_elastic.prediction.anchored import AnchoredFeaturePredictor, relatives_from
from yarn_elastic.prediction.lp_skyline import LpSkylinePredictor
from yarn_elastic.prediction.predictors import (
    AlignedMedianPredictor,
    AverageLastKPredictor,
    LastRunPredictor,
    PeakPredictor,
    Predictor,
    Query,
    VpaPercentilePredictor,
)
from yarn_elastic.prediction.runs import Run, role_history
from yarn_elastic.prediction.selector import Choice, Prediction, Selector, calibrate
from yarn_elastic.prediction.signature import JobSignature
from yarn_elastic.prediction.xgb_curves import CurveModel, XgbCurvePredictor
from yarn_elastic.resources import CurveArray


class Remembered:
    """A history predictor that answers each history once: calibration backtests every job's
    history prefixes, and the selector's validation replays the same prefixes of the jobs it
    is asked about, so without this every point (an LP each, for `lp-skyline`) is computed
    twice. A history predictor looks only at the signature, role and curves, and the curves
    are the runs' own arrays, so their identities (kept alive in the entry) name them."""

    def __init__(self, predictor: Predictor) -> None:
        self.predictor = predictor
        self._points: dict[tuple[object, ...], tuple[tuple[CurveArray, ...],
                                                     CurveArray | None]] = {}

    @property
    def name(self) -> str:
        return self.predictor.name

    def point(self, query: Query) -> CurveArray | None:
        key = (query.signature.key, query.role, tuple(id(c) for c in query.history))
        kept = self._points.get(key)
        if kept is None:
            kept = self._points[key] = (query.history, self.predictor.point(query))
        return kept[1]


def history_predictors() -> list[Predictor]:
    return [
        PeakPredictor(), LastRunPredictor(), AverageLastKPredictor(), AlignedMedianPredictor(),
        VpaPercentilePredictor(), LpSkylinePredictor(),
    ]


class Forecaster:
    def __init__(
        self, runs: Iterable[Run], model: CurveModel | None, validation_runs: int = 3
    ) -> None:
        self.model = model
        self.by_signature: dict[JobSignature, list[Run]] = {}
        for run in runs:
            self.by_signature.setdefault(run.signature, []).append(run)
        predictors: list[Predictor] = [Remembered(p) for p in history_predictors()]
        feature, anchored = XgbCurvePredictor(model), AnchoredFeaturePredictor(model)
        queries = [
            Query(s, role, tuple(role_history(s_runs, role)))
            for s, s_runs in self.by_signature.items()
            for role in {role for r in s_runs for role in r.roles}
        ]
        calibration = calibrate(predictors, queries, runs=2)
        if model is not None:
            calibration.rules[feature.name] = model.band
            calibration.rules[anchored.name] = model.anchored_band or model.band
        self.selector = Selector([*predictors, feature, anchored], calibration, validation_runs)

    def runs_of(self, signature: JobSignature) -> list[Run]:
        return self.by_signature.get(signature, [])

    def roles_of(self, signature: JobSignature) -> list[str]:
        return sorted({role for r in self.runs_of(signature) for role in r.roles})

    def predict(
        self, signature: JobSignature, role: str, input_bytes: float | None = None
    ) -> tuple[Prediction | None, Choice]:
        siblings = [r for s, runs in self.by_signature.items() if s != signature for r in runs]
        query = Query(signature, role, tuple(role_history(self.runs_of(signature), role)),
                      input_bytes, relatives_from(signature, role, siblings))
        return self.selector.predict(query)
