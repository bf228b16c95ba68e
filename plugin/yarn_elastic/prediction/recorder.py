"""Learning from every application that finishes (an edge: the depository in, the model store
out).

The core sees an application finish when the RM stops listing it (`FinishedApp`, from the
cluster picture). Its agents' last samples may still be on their way (an agent reports every few
seconds, and spools while the core is unreachable), so the run is read from the depository
`settle_seconds` later. It is stored as a run of its job signature, and the feature model
retrains (`ModelStore.on_run_finished`). That work, seconds of it, happens on the recorder's own
thread: a scheduling cycle only hands the finished applications over.

Applications that ended while the core was down (so no picture saw them go) come from the
catch-up instead (`catchup_runner.py`): measured applications with no stored run, once their
samples have settled and the RM's REST API says they ended. It hands them over with the RM's
finish time, and they go through the same `record` as the cycle's, at once (they have
settled). The catch-up skips what is stored, in the picture or here (`pending_ids`), so
neither path learns from an application twice, across restarts too.

Not learnt from: applications whose containers no agent measured; and, of those that ended
while the core was down, the ones the RM no longer reports (beyond its
max-completed-applications), or all of them with yarn.elastic.prediction.catch-up=false.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from yarn_elastic.depository.store import UsageStore
from yarn_elastic.picture import FinishedApp
from yarn_elastic.prediction import config
from yarn_elastic.prediction.catchup_runner import catch_up_from_conf
from yarn_elastic.prediction.history import run_of_app
from yarn_elastic.prediction.model_store import ModelStore
from yarn_elastic.prediction.runs import Run
from yarn_elastic.prediction.scoring import PredictionScorer
from yarn_elastic.prediction.signature import make_signature
from yarn_elastic.slots import slot_lengths

LOG = logging.getLogger("yarn_elastic.prediction")


@dataclass
class RecorderCounters:
    finished: int = 0  # applications handed over by the scheduling cycle
    learnt: int = 0  # stored as new runs
    caught_up: int = 0  # of those learnt, applications that ended while the core was away
    without_samples: int = 0  # nothing in the depository for them
    errors: int = 0


class RunRecorder:
    def __init__(
        self, usage: UsageStore, models: ModelStore, settle_seconds: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
        wall_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        self.usage, self.models = usage, models
        self.settle_seconds = settle_seconds
        self.counters = RecorderCounters()
        self.recent: deque[str] = deque(maxlen=20)  # application ids last learnt from
        self.scorer = PredictionScorer(models)  # the prediction error, judged before storing
        self._clock, self._wall_ms = clock, wall_ms
        # (due, order, application, finished ms, handed over by the catch-up)
        self._due: list[tuple[float, int, FinishedApp, int, bool]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.on_stop: list[Callable[[], None]] = []  # companions to stop first (the catch-up)
        self._in_flight: str | None = None  # the application being recorded

    def finished(self, apps: Sequence[FinishedApp]) -> None:
        """Called from the scheduling cycle: never blocks on storage or training."""
        due = self._clock() + self.settle_seconds
        finished_ms = self._wall_ms()
        with self._wake:
            for app in apps:
                heapq.heappush(self._due, (due, next(self._order), app, finished_ms, False))
            self.counters.finished += len(apps)
            self._wake.notify()

    def caught_up_with(self, apps: Sequence[tuple[FinishedApp, int]]) -> None:
        """From the catch-up: applications that ended while the core was away, each with its
        finish time. Due now: the catch-up waited for their samples to settle."""
        now = self._clock()
        with self._wake:
            for app, finished_ms in apps:
                heapq.heappush(self._due, (now, next(self._order), app, finished_ms, True))
            self._wake.notify()

    def pending(self) -> int:
        with self._wake:
            return len(self._due)

    def pending_ids(self) -> set[str]:
        """Applications told of and not yet stored (or found without samples): those waiting
        and the one being recorded."""
        with self._wake:
            waiting = {entry[2].app.id for entry in self._due}
            return waiting if self._in_flight is None else waiting | {self._in_flight}

    def status(self) -> dict[str, object]:
        return asdict(self.counters) | {
            "pending": self.pending(), "runs_stored": self.models.counters.runs_recorded,
            "model_trainings": self.models.counters.trainings, "recent": list(self.recent),
        }

    def record_due(self) -> int:
        """Store every application whose settle time has passed, then retrain once for the
        batch (a burst of finished applications costs one training, not one each); returns
        how many were looked at. The thread calls this; tests call it directly."""
        done = learnt = 0
        caught_up: list[str] = []
        while True:
            with self._wake:
                if self._stopping or not self._due or self._due[0][0] > self._clock():
                    break
                _, _, app, finished_ms, late = heapq.heappop(self._due)
                self._in_flight = app.app.id
            try:
                new = self.record(app, finished_ms) is not None
                learnt += new
                if new and late:
                    caught_up.append(app.app.id)
            except Exception:  # one bad application must not stop learning from the rest
                self.counters.errors += 1
                LOG.exception("could not learn from application %s", app.app.id)
            finally:
                with self._wake:
                    self._in_flight = None
            done += 1
        if caught_up:
            with self._wake:
                self.counters.caught_up += len(caught_up)
            LOG.info("caught up with %d application(s) that ended while the core was away: %s",
                     len(caught_up), ", ".join(caught_up))
        if learnt:
            try:
                self.models.retrain_if_due()
            except Exception:
                self.counters.errors += 1
                LOG.exception("retraining the feature model failed; the last model stays")
        return done

    def record(self, finished: FinishedApp, finished_ms: int) -> Run | None:
        """Store the application's run (no retraining); the run if it was new."""
        app = finished.app
        signature = make_signature(
            app.name, app.app_type, app.queue, app.user, finished.executor_vcores,
            finished.executor_memory_mb, None, app.tags,
        )
        # In the store's slots, so that what is stored is what it reads back.
        run = run_of_app(self.usage, app.id, signature, finished_ms, self.models.slot_ms)
        if run is None:
            self.counters.without_samples += 1
            LOG.info("application %s (%s) finished without usage samples in the depository "
                     "(no agent on its nodes?); nothing to learn from", app.id, app.name)
            return None
        judgement = self.scorer.judge(run)  # against the history without it; never raises
        if not self.models.record_run(run):
            return None  # told twice (a replayed delta): stored already
        self.scorer.keep(judgement)
        with self._wake:
            self.counters.learnt += 1
            self.recent.append(app.id)
        LOG.info("learnt from application %s: job %s, slots per role %s", app.id,
                 signature.describe(), {r: c.shape[1] for r, c in run.roles.items()})
        return run

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="run-recorder", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread (what is still settling is not learnt from) and close the store."""
        for stop in self.on_stop:
            stop()
        with self._wake:
            self._stopping = True
            self._wake.notify()
        if self._thread is not None:
            self._thread.join(timeout=30)  # a training in progress finishes first
            if self._thread.is_alive():
                LOG.warning("run recorder still busy after 30 s; leaving its store open")
                return
        self.models.close()

    def _loop(self) -> None:
        while True:
            with self._wake:
                if self._stopping:
                    return
                wait = (self._due[0][0] - self._clock()) if self._due else None
                if wait is None or wait > 0:
                    self._wake.wait(timeout=wait)
                    continue
            self.record_due()


def model_store_from_conf(conf: Mapping[str, str], db_path: str | Path) -> ModelStore:
    """The runs and models on the depository's database, as the configuration places them,
    in slots of yarn.elastic.slot-ms."""
    lengths = slot_lengths(conf)
    return ModelStore(db_path, config.MODEL_DIR.read(conf) or None,
                      retrain_every_runs=config.RETRAIN_EVERY_RUNS.read(conf),
                      slot_ms=lengths.slot_ms, legacy_slot_ms=lengths.legacy_ms)


def recorder_from_conf(
    conf: Mapping[str, str], usage: UsageStore,
    running: Callable[[], Collection[str]] | None = None,
) -> RunRecorder | None:
    """The core's recorder, on the depository's database, started, with its catch-up when
    `running` tells the applications in the picture; None when switched off."""
    if not config.LEARN_FROM_FINISHED.read(conf):
        LOG.info("prediction: %s is false; finished applications are not learnt from",
                 config.LEARN_FROM_FINISHED.name)
        return None
    models = model_store_from_conf(conf, usage.path)
    recorder = RunRecorder(usage, models, config.SETTLE_SECONDS.read(conf))
    recorder.start()
    LOG.info("prediction: learning from finished applications %.0f s after they end, in %d ms"
             " slots; %d runs stored, models in %s", recorder.settle_seconds, models.slot_ms,
             models.run_count(), models.model_dir)
    catch_up = None if running is None else catch_up_from_conf(conf, recorder, running)
    if catch_up is not None:
        recorder.on_stop.append(catch_up.stop)
        catch_up.start()
    return recorder
