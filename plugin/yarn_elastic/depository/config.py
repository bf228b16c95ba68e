"""The usage depository's configuration keys (yarn-site.xml), documented in docs/depository.md."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from yarn_elastic.settings import Key, one_of, positive_float, positive_int
from yarn_elastic.token_file import read_token_file

DEPOSITORY_PATH = Key(
    "yarn.elastic.depository.path", "/tmp/yarn-elastic/yarn-elastic.db", str, "a file path",
    "SQLite database file of the core (usage_* tables; the estimator shares the file).",
)
RAW_RETENTION_DAYS = Key(
    "yarn.elastic.depository.raw-retention-days", 7.0, positive_float, "a number of days > 0",
    "Raw samples older than this are folded into 1-minute rows.",
)
RETENTION_CHECK_MS = Key(
    "yarn.elastic.depository.retention-check-interval-ms", 3_600_000, positive_int,
    "milliseconds > 0", "How often the depository folds old raw samples (checked on ingest).",
)
MAX_BATCH_SAMPLES = Key(
    "yarn.elastic.depository.max-batch-samples", 50_000, positive_int, "an integer > 0",
    "Reports with more samples are refused with 413.",
)
MAX_BATCH_BYTES = Key(
    "yarn.elastic.depository.max-batch-bytes", 64 * 1024 * 1024, positive_int, "bytes > 0",
    "Largest report after gzip decompression; larger ones are refused with 413.",
)
MAX_CLOCK_SKEW_MS = Key(
    "yarn.elastic.depository.max-clock-skew-ms", 300_000, positive_int, "milliseconds > 0",
    "Reports whose agent clock or sample times differ more from the core's are refused (422).",
)
SYNCHRONOUS = Key(
    "yarn.elastic.depository.synchronous", "FULL", one_of("FULL", "NORMAL"), "FULL or NORMAL",
    "SQLite synchronous mode: FULL keeps every acknowledged report through a power cut.",
)
TOKEN_FILE = Key(
    "yarn.elastic.depository.token-file", "", str, "a file path, not readable by other users",
    "File holding the shared token agents send; read by the core and by every agent. Not set:"
    " the core refuses to start, unless --insecure (agents then send no token).",
)


def read_token(conf: Mapping[str, str]) -> str | None:
    """The shared token, or None when no token file is configured (authentication off)."""
    path = TOKEN_FILE.read(conf)
    if not path:
        return None
    return read_token_file(Path(path), TOKEN_FILE.name)
