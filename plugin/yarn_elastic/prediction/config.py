"""Prediction's configuration keys (yarn-site.xml), documented in docs/prediction.md.

Its slot length is no key of its own: curves are in slots of `yarn.elastic.slot-ms` (slots.py),
which also says what became of `yarn.elastic.prediction.slot-seconds`.
"""

from __future__ import annotations

from yarn_elastic.settings import Key, boolean, positive_float, positive_int

MODEL_DIR = Key(
    "yarn.elastic.prediction.model-dir", "", str, "a directory, or empty for the default",
    "Where model files (UBJSON) live; default: prediction-models/ beside the database file.",
)
RETRAIN_EVERY_RUNS = Key(
    "yarn.elastic.prediction.retrain-every-runs", 1, positive_int, "an integer > 0",
    "Retrain the feature model after this many newly finished runs.",
)
LEARN_FROM_FINISHED = Key(
    "yarn.elastic.prediction.learn-from-finished-apps", True, boolean, "true or false",
    "Store every finished application's measured curves as a run of its job and retrain.",
)
SETTLE_SECONDS = Key(
    "yarn.elastic.prediction.settle-seconds", 15.0, positive_float, "seconds > 0",
    "How long after an application finishes its usage is read (agents' last reports).",
)
VALIDATION_RUNS = Key(
    "yarn.elastic.prediction.validation-runs", 3, positive_int, "an integer > 0",
    "How many of a job's latest runs the selector replays to compare predictors.",
)

CATCH_UP = Key(
    "yarn.elastic.prediction.catch-up", True, boolean, "true or false",
    "Also learn from applications that ended while the core was down: measured ones with no"
    " stored run, once the RM's REST API says they ended.",
)
CATCH_UP_WINDOW_HOURS = Key(
    "yarn.elastic.prediction.catch-up-window-hours", 24.0, positive_float, "hours > 0",
    "How far back (by its newest usage sample) an application is caught up with.",
)
CATCH_UP_INTERVAL = Key(
    "yarn.elastic.prediction.catch-up-interval-seconds", 300.0, positive_float, "seconds > 0",
    "How often the core looks for such applications (also at start, and settle-seconds later).",
)

KEYS = (MODEL_DIR, RETRAIN_EVERY_RUNS, LEARN_FROM_FINISHED, SETTLE_SECONDS, VALIDATION_RUNS,
        CATCH_UP, CATCH_UP_WINDOW_HOURS, CATCH_UP_INTERVAL)
