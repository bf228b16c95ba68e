"""Predicted bands for the live cycle, computed off it.

A prediction takes from milliseconds (a stored run's curve) to seconds (an LP skyline, the
feature model), and the scheduling cycle must answer within its deadline. So the cycle only
reads `LiveBands.band`, which answers from memory; a miss queues the job role and answers
None (the RM's numbers, this cycle). One daemon thread computes what is queued with the
same `Forecaster` that `yarn-elastic predict` shows, and starts afresh (a new forecaster, an
empty book) whenever the store holds more runs than the forecaster was built from.

Only recurring jobs get a band: a signature with at least one stored run. A job role is
found by its signature: the application's name, type, queue, user and tags,
and its executors' size. An AM ask comes before any executor, so its size is not known yet;
it then takes the one stored signature that matches on everything else, if there is exactly
one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import numpy as np

from yarn_elastic.messages import App
from yarn_elastic.prediction.forecaster import Forecaster
from yarn_elastic.prediction.model_store import ModelStore
from yarn_elastic.prediction.selector import Prediction
from yarn_elastic.prediction.signature import JobSignature, make_signature
from yarn_elastic.resources import CurveArray

LOG = logging.getLogger(__name__)

BandKey = tuple[str, str, str, str, tuple[str, ...], tuple[float, float] | None, str]


def band_key(app: App, role: str, executor_size: tuple[float, float] | None) -> BandKey:
    return (app.name, app.app_type, app.queue, app.user, tuple(sorted(app.tags)),
            executor_size, role)


class LiveBands:
    """The cycle's `BandLookup`, filled by a background thread from the model store."""

    def __init__(self, models: ModelStore,
                 forecaster: Callable[[ModelStore], Forecaster] | None = None) -> None:
        self.models = models
        # Bands are predicted from the store's runs, so they come in its slots.
        self.band_slot_ms = models.slot_ms
        self._make_forecaster = forecaster or _forecaster_of
        self._book: dict[BandKey, CurveArray | None] = {}
        self._queued: dict[BandKey, tuple[App, str, tuple[float, float] | None]] = {}
        self._wake = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._runs_seen = -1
        # Job roles a container of which was killed for memory: their memory band is the
        # request from then on (Kubernetes VPA's rule after an OOM), across refreshes.
        self._bumped: set[tuple[str, str, str, str, tuple[str, ...], str]] = set()
        self._forecaster: Forecaster | None = None
        self.predicted = 0  # job roles given a band
        self.unpredictable = 0  # job roles the forecaster had nothing for

    # -- the cycle's side ----------------------------------------------------------------------

    def band(self, app: App, role: str, executor_size: tuple[float, float] | None
             ) -> CurveArray | None:
        key = band_key(app, role, executor_size)
        with self._wake:
            if key in self._book:
                band = self._book[key]
                if band is not None and _job_role(key) in self._bumped:
                    band = band.copy()
                    band[1] = np.inf  # sized down to the request by the demand
                return band
            if key not in self._queued:
                self._queued[key] = (app, role, executor_size)
                self._wake.notify()
        return None

    def bump(self, app: App, role: str) -> None:
        """A container of this job role was killed for memory: its next ones get their
        request for memory."""
        with self._wake:
            self._bumped.add(_job_role(band_key(app, role, None)))

    def status(self) -> dict[str, object]:
        with self._wake:
            return {"bands": sum(b is not None for b in self._book.values()),
                    "bumped": len(self._bumped),
                    "unpredictable": sum(b is None for b in self._book.values()),
                    "queued": len(self._queued), "runs": self._runs_seen}

    # -- the thread's side ---------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="live-bands", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def fill(self) -> int:
        """Compute every queued job role; returns how many. The thread calls this; tests
        call it directly."""
        self._refresh_if_learnt()
        done = 0
        while True:
            with self._wake:
                if self._stopping or not self._queued:
                    return done
                key, (app, role, size) = next(iter(self._queued.items()))
            band = self._predict(app, role, size)
            with self._wake:
                self._queued.pop(key, None)
                self._book[key] = band
            done += 1

    def _refresh_if_learnt(self) -> None:
        runs = self.models.run_count()
        if runs == self._runs_seen:
            return
        forecaster = self._make_forecaster(self.models) if runs else None
        with self._wake:
            self._forecaster, self._runs_seen = forecaster, runs
            # Every job role is asked again of the new forecaster, on its next sighting.
            self._book.clear()
        LOG.info("live prediction: %d stored runs; bands are computed afresh", runs)

    def _predict(self, app: App, role: str, size: tuple[float, float] | None
                 ) -> CurveArray | None:
        forecaster = self._forecaster
        signature = None if forecaster is None else self._signature(app, size)
        if forecaster is None or signature is None or not forecaster.runs_of(signature):
            # Only a recurring job is predicted; a new one runs at its request until a run
            # of it has been learnt.
            self.unpredictable += 1
            return None
        try:
            prediction, choice = forecaster.predict(signature, role)
        except Exception:  # one job's bad history must not stop the others' predictions
            LOG.exception("prediction failed for %s %s", signature.describe(), role)
            return None
        if prediction is None:
            self.unpredictable += 1
            return None
        self.predicted += 1
        LOG.info("live band for %s, %s: %s (%s), %d slots", signature.describe(), role,
                 prediction.predictor, choice.reason, prediction.upper.shape[1])
        return live_band(prediction)

    def _signature(self, app: App, size: tuple[float, float] | None) -> JobSignature | None:
        if size is not None:
            return make_signature(app.name, app.app_type, app.queue, app.user, round(size[0]),
                                  round(size[1]), None, app.tags)
        probe = make_signature(app.name, app.app_type, app.queue, app.user, None, None, None,
                               app.tags)
        matching = [s for s in self.models.signatures_named(app.name)
                    if (s.app_type, s.queue, s.user, s.tags)
                    == (probe.app_type, probe.queue, probe.user, probe.tags)]
        return matching[0] if len(matching) == 1 else None

    def _loop(self) -> None:
        while True:
            with self._wake:
                while not self._queued and not self._stopping:
                    self._wake.wait(timeout=5.0)
                    if not self._queued:
                        break
                if self._stopping:
                    return
            try:
                self.fill()
            except Exception:
                LOG.exception("live prediction failed; retrying at the next ask")


def live_band(prediction: Prediction) -> CurveArray:
    """The band the cycle places by: the prediction's upper curve, never below zero."""
    band: CurveArray = np.maximum(prediction.upper, 0.0)
    return band


def _job_role(key: BandKey) -> tuple[str, str, str, str, tuple[str, ...], str]:
    name, app_type, queue, user, tags, _size, role = key
    return name, app_type, queue, user, tags, role


def _forecaster_of(models: ModelStore) -> Forecaster:
    return Forecaster(models.runs(), models.feature_model())
