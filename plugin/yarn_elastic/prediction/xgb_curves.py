"""XGBoost multi-output curves for settings never seen before (ecosystem.md §3).

Each run's role curve is resampled to `POINTS` points over its lifetime; one vector-leaf model
(`multi_strategy="multi_output_tree"`, `tree_method="hist"`) maps the run's features to all
4 x POINTS points plus the log of its length in slots. Targets are divided by per-column scales
so that memory (thousands of MB) does not drown vcores. The upper band is split-conformal, fitted
by `bands.fit_rule` like every other predictor's, on a calibration split the model never
trained on, with the predicted curve at its predicted length (so a wrong length costs band).

No files here: a model is turned into bytes (UBJSON) and back; `model_store` does the I/O.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import xgboost as xgb

from yarn_elastic.prediction.anchored import AnchoredFeaturePredictor, relatives_from
from yarn_elastic.prediction.bands import FALLBACK_RULE, BandRule, fit_rule
from yarn_elastic.prediction.predictors import Query, Relative
from yarn_elastic.prediction.runs import AM_ROLE, Run, resample
from yarn_elastic.prediction.signature import JobSignature
from yarn_elastic.resources import RESOURCES, CurveArray

POINTS = 32
FEATURES = ("name_code", "type_code", "queue_code", "role_code", "log2_input", "cores", "memory_mb")
FloatArray = npt.NDArray[np.float64]


def _code(text: str | None) -> float:
    """A stable number for a string; trees split on it like on a category."""
    if text is None:
        return -1.0
    return float(int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:6], 16))


def features(signature: JobSignature, role: str, input_bytes: float | None) -> FloatArray:
    log_input = math.log2(input_bytes) if input_bytes and input_bytes > 0 else math.nan
    return np.array([
        _code(signature.app_name), _code(signature.app_type), _code(signature.queue),
        0.0 if role == AM_ROLE else 1.0, log_input,
        math.nan if signature.executor_cores is None else float(signature.executor_cores),
        math.nan if signature.executor_memory_mb is None else float(signature.executor_memory_mb),
    ], dtype=np.float64)


@dataclass(frozen=True)
class TrainingParams:
    n_estimators: int = 120
    max_depth: int = 6
    learning_rate: float = 0.1
    n_jobs: int = 1
    calibration_share: float = 0.2
    quantiles: tuple[float, float, float, float] = (0.95, 0.99, 0.95, 0.95)
    seed: int = 7


@dataclass
class CurveModel:
    booster: xgb.Booster
    scales: FloatArray
    band: BandRule
    trained_runs: int
    params: TrainingParams
    # The band of `anchored.AnchoredFeaturePredictor` on this model, when settings could be
    # held out to fit it.
    anchored_band: BandRule | None = None

    def predict(self, signature: JobSignature, role: str, input_bytes: float | None) -> CurveArray:
        row = features(signature, role, input_bytes).reshape(1, -1)
        return _curves(self.booster, row, self.scales)[0]

    def to_bytes(self) -> tuple[bytes, dict[str, Any]]:
        metadata = {
            "scales": self.scales.tolist(), "margins": self.band.margins.tolist(),
            "widths": list(self.band.widths),
            "anchored": None if self.anchored_band is None else {
                "margins": self.anchored_band.margins.tolist(),
                "widths": list(self.anchored_band.widths)},
            "trained_runs": self.trained_runs, "points": POINTS, "features": list(FEATURES),
            "params": {k: v for k, v in self.params.__dict__.items()},
        }
        return bytes(self.booster.save_raw(raw_format="ubj")), metadata

    @classmethod
    def from_bytes(cls, model: bytes, metadata: dict[str, Any]) -> CurveModel:
        if metadata.get("points") != POINTS or metadata.get("features") != list(FEATURES):
            raise ValueError("model was trained with other points/features; retrain it")
        booster = xgb.Booster()
        booster.load_model(bytearray(model))
        booster.set_param({"nthread": 1})
        params = metadata["params"]
        params["quantiles"] = tuple(params["quantiles"])
        return cls(
            booster, np.asarray(metadata["scales"], dtype=np.float64),
            BandRule(np.asarray(metadata["margins"], dtype=np.float64),
                     tuple(int(w) for w in metadata.get("widths", (0,) * RESOURCES))),
            int(metadata["trained_runs"]), TrainingParams(**params),
            _band_of(metadata.get("anchored")),
        )


def _band_of(stored: dict[str, Any] | None) -> BandRule | None:
    if not stored:
        return None
    return BandRule(np.asarray(stored["margins"], dtype=np.float64),
                    tuple(int(w) for w in stored["widths"]))


def _curves(booster: xgb.Booster, rows: FloatArray, scales: FloatArray) -> list[CurveArray]:
    """The predicted curve of each feature row, at its predicted length."""
    raw = np.asarray(booster.inplace_predict(rows), dtype=np.float64).reshape(len(rows), -1)
    curves = []
    for out in raw * scales:
        slots = max(1, int(round(math.exp(out[-1]))))
        points = np.maximum(out[:-1].reshape(RESOURCES, POINTS), 0.0)
        curves.append(resample(points, slots))
    return curves


def examples(runs: Sequence[Run]) -> tuple[FloatArray, FloatArray, list[CurveArray]]:
    """Feature rows, their targets, and the role curves they came from."""
    rows, targets, curves = [], [], []
    for run in runs:
        for role, curve in run.roles.items():
            rows.append(features(run.signature, role, run.input_bytes))
            targets.append(np.append(resample(curve, POINTS).reshape(-1), math.log(curve.shape[1])))
            curves.append(curve)
    return np.asarray(rows, dtype=np.float64), np.asarray(targets, dtype=np.float64), curves


def train(runs: Sequence[Run], params: TrainingParams | None = None) -> CurveModel:
    """Fit the model, and its bands on whole settings it did not see (the model is for new
    settings, so its mistakes are measured on new settings); then refit on everything."""
    params = params or TrainingParams()
    x, y, _ = examples(runs)
    if len(x) < 5:
        raise ValueError(f"need at least 5 role curves to train, got {len(x)}")
    scales = np.maximum(np.abs(y).mean(axis=0), 1e-6)
    fit_runs, cal_runs = _split_by_setting(runs, params)
    x_fit, y_fit, _ = examples(fit_runs)
    x_cal, _, actual = examples(cal_runs)
    booster = _fit(x_fit, y_fit / scales, params)
    band = fit_rule(list(zip(_curves(booster, x_cal, scales), actual, strict=True)),
                    params.quantiles) or FALLBACK_RULE
    held_out = CurveModel(booster, scales, band, len(fit_runs), params)
    anchored = AnchoredFeaturePredictor(held_out)
    anchored_pairs = []
    relatives: dict[tuple[JobSignature, str], tuple[Relative, ...]] = {}
    for run in cal_runs:
        for role, curve in run.roles.items():
            key = (run.signature, role)
            if key not in relatives:  # once per held-out setting and role, not per run
                relatives[key] = relatives_from(run.signature, role, fit_runs)
            query = Query(run.signature, role, (), run.input_bytes, relatives[key])
            point = anchored.point(query)
            if point is not None:
                anchored_pairs.append((point, curve))
    anchored_band = fit_rule(anchored_pairs, params.quantiles)
    # The calibration runs carry information too: refit on everything, keep the bands.
    booster = _fit(x, y / scales, params)
    return CurveModel(booster, scales, band, len(runs), params, anchored_band)


def _split_by_setting(runs: Sequence[Run], params: TrainingParams) -> tuple[list[Run], list[Run]]:
    """(fit, calibration) runs: a share of the settings (signatures) held out whole, or, with
    too few settings for that, a share of the runs."""
    rng = np.random.default_rng(params.seed)
    settings = sorted({r.signature.key for r in runs})
    if len(settings) >= 3:
        count = max(1, round(len(settings) * params.calibration_share))
        held = set(rng.choice(settings, size=count, replace=False).tolist())
        fit = [r for r in runs if r.signature.key not in held]
        if sum(len(r.roles) for r in fit) >= 5:
            return fit, [r for r in runs if r.signature.key in held]
    order = rng.permutation(len(runs))
    count = max(1, int(len(runs) * params.calibration_share))
    if count >= len(runs):  # a single run: nothing to hold out, the band is in-sample
        return list(runs), list(runs)
    return [runs[i] for i in order[count:]], [runs[i] for i in order[:count]]


def _fit(x: FloatArray, y: FloatArray, params: TrainingParams) -> xgb.Booster:
    booster = xgb.train(
        {
            "tree_method": "hist", "multi_strategy": "multi_output_tree",
            "max_depth": params.max_depth, "learning_rate": params.learning_rate,
            "nthread": params.n_jobs, "seed": params.seed, "objective": "reg:squarederror",
        },
        xgb.DMatrix(x, label=y, nthread=params.n_jobs),
        num_boost_round=params.n_estimators,
    )
    booster.set_param({"nthread": 1})
    return booster


def metadata_json(metadata: dict[str, Any]) -> str:
    return json.dumps(metadata, sort_keys=True)


@dataclass(frozen=True)
class XgbCurvePredictor:
    """Predicts from features alone, so it answers for settings never seen before."""

    model: CurveModel | None
    name: str = "xgboost"

    def point(self, query: Query) -> CurveArray | None:
        if self.model is None:
            return None
        return self.model.predict(query.signature, query.role, query.input_bytes)
