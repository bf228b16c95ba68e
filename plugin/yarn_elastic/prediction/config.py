"""Prediction's configuration keys (yarn-site.xml), documented in docs/prediction.md."""

from __future__ import annotations

from yarn_elastic.settings import Key, positive_int

MODEL_DIR = Key(
    "yarn.elastic.prediction.model-dir", "", str, "a directory, or empty for the default",
    "Where model files (UBJSON) live; default: prediction-models/ beside the database file.",
)
SLOT_SECONDS = Key(
    "yarn.elastic.prediction.slot-seconds", 5, positive_int, "seconds > 0",
    "Length of one time slot of a predicted demand curve.",
)
RETRAIN_EVERY_RUNS = Key(
    "yarn.elastic.prediction.retrain-every-runs", 1, positive_int, "an integer > 0",
    "Retrain the feature model after this many newly finished runs.",
)
VALIDATION_RUNS = Key(
    "yarn.elastic.prediction.validation-runs", 3, positive_int, "an integer > 0",
    "How many of a job's latest runs the selector replays to compare predictors.",
)
