"""The catch-up's edge and thread: looks in the depository for measured applications with no
stored run, asks the RM about those whose samples have settled, and hands the ended ones to the
run recorder, which learns from them as from any other (`RunRecorder.caught_up_with`). The
rules are in `catchup.py`; docs/prediction.md says when it looks and what it skips.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Protocol

from yarn_elastic.depository.database import open_database
from yarn_elastic.picture import FinishedApp
from yarn_elastic.prediction import config
from yarn_elastic.prediction.catchup import (
    Fingerprint,
    Measured,
    RmReport,
    finish_time,
    finished_app,
    to_ask,
)
from yarn_elastic.prediction.rm_apps import Miss, RmApps, rm_web_addresses

if TYPE_CHECKING:
    from yarn_elastic.prediction.recorder import RunRecorder

LOG = logging.getLogger("yarn_elastic.prediction")

# Apps whose newest sample is in the window and that have no stored run. A container's
# last_ms is its newest sample's time, so it is set only for containers with samples.
_MEASURED = """
SELECT app_id, max(last_ms), count(*), sum(last_ms) FROM usage_containers
WHERE last_ms >= ? AND app_id NOT IN (SELECT run_id FROM prediction_runs)
GROUP BY app_id ORDER BY app_id
"""


class Reports(Protocol):
    last_problem: str
    timeout_s: float

    def report(self, app_id: str) -> RmReport | Miss: ...


class CatchUp:
    """Looks at start, `first_interval_s` later, then every `interval_s`; `look()` is one."""

    def __init__(
        self, recorder: RunRecorder, rm: Reports, running: Callable[[], Collection[str]],
        window_s: float, interval_s: float, first_interval_s: float,
        wall_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        self.recorder, self.rm, self.running = recorder, rm, running
        self.window_ms = int(window_s * 1000)
        self.interval_s, self.first_interval_s = interval_s, first_interval_s
        self._wall_ms = wall_ms
        # Its own connection: the depository's and the model store's serve their own threads.
        self._db = open_database(recorder.usage.path)
        self._looks: dict[str, Fingerprint] = {}  # the previous look, to tell settled samples
        self._done: set[str] = set()  # handed over or given up in this process
        self._warned: set[str] = set()  # apps whose malformed report was logged already
        self._rm_down = self._failing = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def look(self) -> int:
        """Compare the depository with the previous look and hand over the applications the
        RM says have ended; returns how many were handed over."""
        # In this order: an application leaves the picture as the recorder is told of it, and
        # leaves the recorder once its run is stored, so none slips between the three.
        skip = set(self.running())
        skip |= self.recorder.pending_ids() | self._done
        measured = [Measured(app_id, int(last), (int(n), int(total))) for app_id, last, n, total
                    in self._db.execute(_MEASURED, (self._wall_ms() - self.window_ms,))]
        ask = to_ask(measured, self._looks, skip)
        self._looks = {m.app_id: m.fingerprint for m in measured}
        # Learnt or out of the window: no longer measured, so nothing to remember.
        self._done &= self._looks.keys()
        self._warned &= self._looks.keys()
        handed = self._ask({m.app_id: m for m in measured if m.app_id in ask})
        if handed:
            self.recorder.caught_up_with(handed)
        return len(handed)

    def _ask(self, measured: Mapping[str, Measured]) -> list[tuple[FinishedApp, int]]:
        handed, unknown = [], []
        for app_id, app in sorted(measured.items()):
            if self._stop.is_set():
                break
            answer = self.rm.report(app_id)
            if answer is Miss.UNREACHABLE:
                if not self._rm_down:
                    LOG.warning("catch-up: the RM's REST API does not answer (%s); applications "
                                "that ended while the core was away are learnt from once it "
                                "does (next look in %.0f s)", self.rm.last_problem,
                                self.interval_s)
                self._rm_down = True
                break  # the others would only wait for the same timeout
            if self._rm_down:
                LOG.info("catch-up: the RM's REST API answers again")
                self._rm_down = False
            if answer is Miss.MALFORMED:
                if app_id not in self._warned:
                    LOG.warning("catch-up: no usable report of %s (%s); asking again later",
                                app_id, self.rm.last_problem)
                    self._warned.add(app_id)
                continue
            if answer is Miss.UNKNOWN:
                unknown.append(app_id)
                self._done.add(app_id)
                continue
            found = finished_app(answer, self.recorder.models.signatures_named(answer.name))
            if found is not None:
                self._done.add(app_id)
                handed.append((found, finish_time(answer, app)))
        if unknown:
            LOG.info("catch-up: the RM no longer knows %d application(s) with usage samples "
                     "and no stored run (finished before its last "
                     "yarn.resourcemanager.max-completed-applications, or under another RM); "
                     "not learnt from: %s", len(unknown), ", ".join(unknown[:10]))
        return handed

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="catch-up", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop looking; an RM request under way is waited for (its timeout), no longer."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.rm.timeout_s + 5)
            if self._thread.is_alive():
                return  # it still reads: its connection goes with the process
        self._db.close()

    def _loop(self) -> None:
        delays = itertools.chain([self.first_interval_s], itertools.repeat(self.interval_s))
        delay = 0.0
        while not self._stop.wait(delay):
            try:
                self.look()
                self._failing = False
            except Exception:  # the next look tries again; the core goes on meanwhile
                if not self._failing:
                    LOG.exception("catch-up: a look failed; trying again in %.0f s",
                                  self.interval_s)
                self._failing = True
            delay = next(delays)


def catch_up_from_conf(conf: Mapping[str, str], recorder: RunRecorder,
                       running: Callable[[], Collection[str]]) -> CatchUp | None:
    """The core's catch-up on the RM's own yarn-site.xml, not started; None when off."""
    if not config.CATCH_UP.read(conf):
        LOG.info("prediction: %s is false; applications that ended while the core was away "
                 "are not learnt from", config.CATCH_UP.name)
        return None
    rm = RmApps(rm_web_addresses(conf))
    LOG.info("prediction: catching up with applications that ended while the core was away "
             "(samples in the last %.0f h), every %.0f s, asking the RM at %s",
             config.CATCH_UP_WINDOW_HOURS.read(conf), config.CATCH_UP_INTERVAL.read(conf),
             ", ".join(rm.addresses))
    return CatchUp(recorder, rm, running, config.CATCH_UP_WINDOW_HOURS.read(conf) * 3600,
                   config.CATCH_UP_INTERVAL.read(conf), recorder.settle_seconds)
