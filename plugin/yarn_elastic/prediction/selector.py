"""Pick, per signature and role, the predictor whose recent predictions were best.

Validation replays the signature's own history: each of its last `validation_runs` runs is
predicted from the runs before it, by every predictor, and scored by the mean (over resources)
relative error of total use, each total floored at the bands' noise floor per slot
(`bands.SCALE_FLOOR`): otherwise a job that touches the network for 0.004 MB/s is judged by
that resource alone, and a flat predictor beats one that follows its memory exactly. Two or
three replayed runs are a noisy judge, so that score is weighed with the predictor's error over
every job's backtests (`Calibration.errors`) as if the latter were `prior_runs` more runs; a
job's own history takes over as it grows. The lowest score
wins; ties go to the earlier predictor in the list, so put the cheap ones first. Without two
runs nothing can be validated, and the rules below say what is used instead. Every choice
carries a sentence saying why.

A signature's choice and prediction change only when one of its runs finishes, so both are kept
per (signature, role, history): the scheduler asks for a running job's curve often, and pays for
validation and the LP once per finished run.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from yarn_elastic.prediction.bands import SCALE_FLOOR, Calibration
from yarn_elastic.prediction.metrics import floored_total_error
from yarn_elastic.prediction.predictors import Predictor, Query
from yarn_elastic.resources import CurveArray

UNSEEN_HOW = {
    "xgboost-anchored": "the nearest setting of this job that ran, rescaled by the feature model",
    "xgboost": "predicted from the job's features",
}


@dataclass(frozen=True)
class Prediction:
    predictor: str
    point: CurveArray
    upper: CurveArray


@dataclass(frozen=True)
class Choice:
    predictor: str
    reason: str
    scores: dict[str, float]
    validated_runs: int


def backtest(
    predictor: Predictor, query: Query, runs: int
) -> list[tuple[CurveArray, CurveArray]]:
    """(point, actual) for each of the last `runs` runs of the query's history that has at
    least one run before it and that the predictor could answer."""
    out = []
    history = query.history
    for i in range(max(1, len(history) - runs), len(history)):
        earlier = Query(query.signature, query.role, history[:i], query.input_bytes)
        point = predictor.point(earlier)
        if point is not None:
            out.append((point, history[i]))
    return out


def score(pairs: Sequence[tuple[CurveArray, CurveArray]]) -> float:
    """Mean relative error of floored totals over pairs and resources (NaN if nothing to
    score)."""
    errors = [floored_total_error(p, a, SCALE_FLOOR) for p, a in pairs]
    if not errors:
        return math.nan
    values = np.concatenate(errors)
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else math.nan


@dataclass
class Selector:
    predictors: Sequence[Predictor]
    calibration: Calibration = field(default_factory=Calibration)
    validation_runs: int = 3
    prior_runs: float = 2.0
    # For a signature with fewer than two runs: the first of these that can answer (a sibling
    # setting rescaled by the feature model, then the feature model alone). They are left out
    # of validation: the model was trained on the very runs validation replays, so its scores
    # there would be in-sample and flatter it.
    unseen_predictors: tuple[str, ...] = ("xgboost-anchored", "xgboost")
    _choices: dict[tuple[object, ...], Choice] = field(default_factory=dict)
    _predictions: dict[tuple[object, ...], Prediction | None] = field(default_factory=dict)

    def forget(self) -> None:
        """Drop every kept choice and prediction (new calibration or model)."""
        self._choices.clear()
        self._predictions.clear()

    def _named(self, name: str) -> Predictor | None:
        return next((p for p in self.predictors if p.name == name), None)

    def choose(self, query: Query) -> Choice:
        key = _history_key(query)
        cached = self._choices.get(key)
        if cached is None:
            cached = self._choices[key] = self._choose(query)
        return cached

    def _choose(self, query: Query) -> Choice:
        runs = len(query.history)
        if runs < 2:
            why = "no earlier run" if runs == 0 else "one earlier run, nothing to validate"
            for name in self.unseen_predictors:
                unseen = self._named(name)
                point = None if unseen is None else unseen.point(query)
                if point is not None:
                    # Computed to see that it answers: kept, so predict() does not ask again.
                    self._predictions[_history_key(query)] = self._prediction(name, point)
                    how = UNSEEN_HOW.get(name, "predicted by " + name)
                    return Choice(name, f"{why}; {how}", {}, 0)
            if runs == 1:
                return Choice(
                    self.predictors[0].name if self._named("last-run") is None else "last-run",
                    "one earlier run and no feature model; repeating it", {}, 0,
                )
            return Choice("", "no earlier run and no feature model: cannot predict", {}, 0)
        scores = {
            p.name: self._weighed(p.name, backtest(p, query, self.validation_runs))
            for p in self.predictors
            if p.name not in self.unseen_predictors
        }
        ranked = [(s, i, n) for i, (n, s) in enumerate(scores.items()) if math.isfinite(s)]
        if not ranked:
            return Choice("", "no predictor could answer for the validation runs", scores, 0)
        best_score, _, best = min(ranked)
        validated = min(self.validation_runs, runs - 1)
        runner_up = sorted(ranked)[1] if len(ranked) > 1 else None
        reason = (
            f"lowest mean error of total use ({best_score:.1%}) over the last {validated} "
            f"run(s), each predicted from the runs before it"
        )
        if self.calibration.errors:
            reason += f", weighed with its error over all jobs as {self.prior_runs:g} runs"
        if runner_up is not None:
            reason += f"; next best {runner_up[2]} ({runner_up[0]:.1%})"
        return Choice(best, reason, scores, validated)

    def _weighed(self, name: str, pairs: Sequence[tuple[CurveArray, CurveArray]]) -> float:
        own = score(pairs)
        prior = self.calibration.errors.get(name, math.nan)
        if not math.isfinite(own) or not math.isfinite(prior):
            return own  # a predictor that answered none of this job's replays does not compete
        return (own * len(pairs) + prior * self.prior_runs) / (len(pairs) + self.prior_runs)

    def predict(self, query: Query) -> tuple[Prediction | None, Choice]:
        choice = self.choose(query)
        key = _history_key(query)
        if key not in self._predictions:
            self._predictions[key] = self._predict(query, choice)
        return self._predictions[key], choice

    def _predict(self, query: Query, choice: Choice) -> Prediction | None:
        predictor = self._named(choice.predictor) if choice.predictor else None
        point = predictor.point(query) if predictor is not None else None
        return None if point is None else self._prediction(choice.predictor, point)

    def _prediction(self, name: str, point: CurveArray) -> Prediction:
        return Prediction(name, point, self.calibration.upper(name, point))


def _history_key(query: Query) -> tuple[object, ...]:
    """What a choice depends on: the job, the role, the input size (for the feature model),
    the history, known by its length and its newest run's size and total, and how many runs
    each relative setting has."""
    newest = query.history[-1] if query.history else None
    return (
        query.signature.key, query.role, query.input_bytes, len(query.history),
        None if newest is None else (newest.shape[1], float(newest.sum())),
        tuple((r.signature.key, len(r.history)) for r in query.relatives),
    )


def calibrate(
    predictors: Iterable[Predictor], queries: Iterable[Query], runs: int = 5,
    calibration: Calibration | None = None,
) -> Calibration:
    """Fit every predictor's band rule from backtests over many signatures' histories."""
    calibration = calibration or Calibration()
    query_list = list(queries)
    for predictor in predictors:
        pairs = [pair for query in query_list for pair in backtest(predictor, query, runs)]
        calibration.fit(predictor.name, pairs)
        error = score(pairs)
        if math.isfinite(error):
            calibration.errors[predictor.name] = error
    return calibration
