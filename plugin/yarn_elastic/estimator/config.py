"""The estimator's configuration keys: Hadoop's own `resourceestimator.*` keys, same meaning and
code defaults, plus yarn-elastic's `yarn.elastic.estimator.*` keys for what Hadoop lacks.

One default differs from Hadoop's: `resourceestimator.timeInterval` follows `yarn.elastic.slot-ms`
(in whole seconds) unless it is set, so the estimator steps as the core's curves do. Set, it
wins, as it would in Hadoop's estimator, and a value that differs from the slot is warned of.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from yarn_elastic.depository.config import DEPOSITORY_PATH
from yarn_elastic.estimator.solver import SolverParams
from yarn_elastic.settings import Key, fraction, port_number, positive_int
from yarn_elastic.slots import SLOT_MS, whole_seconds

LOG = logging.getLogger("yarn_elastic.estimator")

# Hadoop's class names keep working, so an existing resourceestimator-config.xml can be reused.
_LINE_PARSERS = {
    "native": "native",
    "rm": "rm",
    "org.apache.hadoop.resourceestimator.translator.impl.NativeSingleLineParser": "native",
    "org.apache.hadoop.resourceestimator.translator.impl.RmSingleLineParser": "rm",
}


def line_parser(text: str) -> str:
    try:
        return _LINE_PARSERS[text]
    except KeyError:
        raise ValueError("unknown line parser") from None


def directory_list(text: str) -> tuple[Path, ...]:
    return tuple(Path(part.strip()) for part in text.split(",") if part.strip())


ALPHA = Key(
    "resourceestimator.solver.lp.alpha", 0.1, fraction, "a number in [0, 1]",
    "Weight of over-allocation against under-allocation in the LP; larger avoids over-allocation.",
)
BETA = Key(
    "resourceestimator.solver.lp.beta", 0.1, fraction, "a number in [0, 1]",
    "Weight of the LP's generalisation term (mean instantaneous under-allocation).",
)
MIN_JOB_RUNS = Key(
    "resourceestimator.solver.lp.minJobRuns", 1, positive_int, "a positive integer",
    "Runs of a pipeline needed before it is estimated (Hadoop's shipped config sets 2).",
)
TIME_INTERVAL = Key(
    "resourceestimator.timeInterval", whole_seconds(SLOT_MS.default), positive_int,
    "a positive integer (seconds)",
    "Seconds per discretisation step, for native-log skylines and for the LP. Unset: "
    "yarn.elastic.slot-ms in whole seconds (Hadoop's own default is 5).",
)
LINE_PARSER = Key(
    "resourceestimator.translator.line-parser", "native", line_parser,
    "native, rm, or Hadoop's NativeSingleLineParser / RmSingleLineParser class name",
    "Format of the logs that POST /resourceestimator/translator/{file} reads.",
)
SERVICE_PORT = Key(
    "resourceestimator.service-port", 9998, port_number, "a TCP port, 0..65535",
    "Port of `yarn-elastic estimator` when it runs on its own.",
)
DB_PATH = Key(
    "yarn.elastic.estimator.db-path", "", str, "a file path",
    "SQLite database of the skyline store. Default: the usage depository's file "
    "(yarn.elastic.depository.path), so both share one database.",
)
NO_DIRS: tuple[Path, ...] = ()
LOG_DIRS = Key(
    "yarn.elastic.estimator.translator.log-dirs", NO_DIRS, directory_list,
    "comma-separated directories",
    "The translator reads logs only under these directories (403 otherwise). Empty: it "
    "reads nothing (Hadoop's reads any path the service can, which lets any caller read the "
    "core user's files).",
)
TOKEN_FILE = Key(
    "yarn.elastic.estimator.token-file", "", str, "a file path, not readable by other users",
    "File holding the secret that the estimator's writes need (translate, estimate, delete)."
    " Not set: the core and `yarn-elastic estimator` refuse to start, unless --insecure.",
)

ALL_KEYS = (ALPHA, BETA, MIN_JOB_RUNS, TIME_INTERVAL, LINE_PARSER, SERVICE_PORT, DB_PATH, LOG_DIRS,
            TOKEN_FILE)


@dataclass(frozen=True)
class EstimatorConfig:
    solver: SolverParams
    line_parser: str
    port: int
    db_path: Path
    log_dirs: tuple[Path, ...]


def read_estimator_config(conf: Mapping[str, str]) -> EstimatorConfig:
    """Read every key now, so a bad value stops startup with a message naming it."""
    db_path = DB_PATH.read(conf)
    return EstimatorConfig(
        solver=SolverParams(
            alpha=ALPHA.read(conf),
            beta=BETA.read(conf),
            min_job_runs=MIN_JOB_RUNS.read(conf),
            time_interval=time_interval(conf),
        ),
        line_parser=LINE_PARSER.read(conf),
        port=SERVICE_PORT.read(conf),
        db_path=Path(db_path or DEPOSITORY_PATH.read(conf)).expanduser(),
        log_dirs=LOG_DIRS.read(conf),
    )


def time_interval(conf: Mapping[str, str]) -> int:
    """The estimator's step in seconds: Hadoop's key where set, else the slot length."""
    slot_ms = SLOT_MS.read(conf)
    if not (conf.get(TIME_INTERVAL.name) or "").strip():
        seconds = whole_seconds(slot_ms)
        if seconds * 1000 != slot_ms:
            LOG.warning("estimator: %s=%d ms is not a whole number of seconds; the estimator's"
                        " steps (%s) are whole seconds: %d s", SLOT_MS.name, slot_ms,
                        TIME_INTERVAL.name, seconds)
        return seconds
    seconds = TIME_INTERVAL.read(conf)
    if seconds * 1000 != slot_ms:
        # Kept, not overridden: a Hadoop estimator configuration must mean what it meant there.
        LOG.warning("estimator: %s=%d s differs from %s=%d ms: skylines and LP estimates step"
                    " %d s, the core's curves %d ms. Remove %s to follow %s.",
                    TIME_INTERVAL.name, seconds, SLOT_MS.name, slot_ms, seconds, slot_ms,
                    TIME_INTERVAL.name, SLOT_MS.name)
    return seconds
