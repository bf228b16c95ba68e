"""How good the live prediction of each finished run was: the core's prediction error.

Before a finished run joins the history, the run recorder asks what the live loop would have
predicted for it from the history as it stood (`LiveBands`' rule: only a job with a stored run
of its signature gets a band; the same `Forecaster`), and compares that with what was measured:

- the error of total use per resource, `metrics.floored_total_error` with the bands' noise
  floor: the measure the selector chooses predictors by (docs/prediction.md), so the figure a
  scrape shows is the one `yarn-elastic predict --explain` calls validation error;
- the share of the measured slots above the band (`metrics.underpredicted_slots`): the
  dangerous side, where a container is short of memory and is killed.

A run with several roles is judged on each role that got a band: errors are averaged over
them, slots above the band summed. A run of a job the live loop could not predict counts as
`unpredicted`, not as an error. Judging must never stop the learning: whatever it raises is
logged and counted as `failed`, and the run is stored all the same.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from yarn_elastic.prediction.bands import SCALE_FLOOR
from yarn_elastic.prediction.forecaster import Forecaster
from yarn_elastic.prediction.live import live_band
from yarn_elastic.prediction.metrics import floored_total_error, underpredicted_slots
from yarn_elastic.prediction.model_store import ModelStore
from yarn_elastic.prediction.runs import Run, stored
from yarn_elastic.resources import RESOURCES

LOG = logging.getLogger("yarn_elastic.prediction")
OUTCOMES = ("predicted", "unpredicted", "failed")


@dataclass(frozen=True)
class Judgement:
    outcome: str  # one of OUTCOMES
    errors: np.ndarray | None = None  # (4,) floored total error per resource
    above: np.ndarray | None = None  # (4,) measured slots above the band
    slots: int = 0  # measured slots judged


@dataclass
class Scores:
    """What a scrape reads: counts since the core started, and the last predicted run."""

    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    error_sum: np.ndarray = field(default_factory=lambda: np.zeros(RESOURCES))
    above_slots: np.ndarray = field(default_factory=lambda: np.zeros(RESOURCES))
    slots: int = 0
    last: Judgement | None = None


def judge(forecaster: Forecaster, run: Run) -> Judgement:
    """The run against what `forecaster` (built without it) would have given the live loop."""
    if not forecaster.runs_of(run.signature):  # LiveBands' gate: only recurring jobs
        return Judgement("unpredicted")
    errors, above, slots = [], np.zeros(RESOURCES), 0
    for role, measured in sorted(run.roles.items()):
        # As the store will keep it: the history the band came from was rounded so, and a
        # job that repeats exactly must not show slots above its band by a rounding.
        actual = stored(measured)
        prediction, _ = forecaster.predict(run.signature, role)
        if prediction is None:
            continue
        errors.append(floored_total_error(prediction.point, actual, SCALE_FLOOR))
        over, count = underpredicted_slots(live_band(prediction), actual)
        above += over
        slots += count
    if not errors:
        return Judgement("unpredicted")
    return Judgement("predicted", np.mean(errors, axis=0), above, slots)


class PredictionScorer:
    """Judges runs on the recorder's thread; `snapshot` may be called from any other."""

    def __init__(self, models: ModelStore,
                 forecaster: Callable[[ModelStore], Forecaster] | None = None) -> None:
        self.models = models
        self._make_forecaster = forecaster or _forecaster_of
        self._forecaster: tuple[tuple[int, int], Forecaster] | None = None
        self._lock = threading.Lock()
        self._scores = Scores()

    def judge(self, run: Run) -> Judgement:
        """Never raises: a failure is logged and judged `failed`."""
        try:
            return judge(self._current_forecaster(), run)
        except Exception:
            LOG.exception("could not judge the prediction of run %s (%s); it is learnt from"
                          " all the same", run.run_id, run.signature.describe())
            return Judgement("failed")

    def keep(self, judgement: Judgement) -> None:
        with self._lock:
            scores = self._scores
            scores.outcomes[judgement.outcome] += 1
            if judgement.errors is None or judgement.above is None:
                return
            scores.error_sum = scores.error_sum + judgement.errors
            scores.above_slots = scores.above_slots + judgement.above
            scores.slots += judgement.slots
            scores.last = judgement

    def snapshot(self) -> Scores:
        with self._lock:
            s = self._scores
            return Scores(dict(s.outcomes), s.error_sum.copy(), s.above_slots.copy(), s.slots,
                          s.last)

    def _current_forecaster(self) -> Forecaster:
        # Rebuilt when a run was stored or the model retrained since, as LiveBands does:
        # the judgement is of the prediction the history up to this run would give.
        key = (self.models.run_count(), self.models.counters.trainings)
        if self._forecaster is None or self._forecaster[0] != key:
            self._forecaster = (key, self._make_forecaster(self.models))
        return self._forecaster[1]


def _forecaster_of(models: ModelStore) -> Forecaster:
    return Forecaster(models.runs(), models.feature_model())
