"""`yarn-elastic predict`: predict an application's demand curves from stored history.

Reads the prediction history (`prediction_*` tables) in the core's database, picks a predictor
per container role with the selector, and prints the predicted curves' totals and peaks; with
`--explain`, which predictor was picked, why, and every candidate's validation error.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from yarn_elastic.hadoop_conf import ConfigurationError, read_configuration


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--app-name", required=True, help="YARN application name of the job")
    parser.add_argument("--app-type", default=None, help="application type (e.g. SPARK)")
    parser.add_argument("--queue", default=None, help="queue of the job")
    parser.add_argument("--user", default=None, help="user of the job")
    parser.add_argument("--executor-cores", type=int, default=None, help="vcores per executor")
    parser.add_argument("--executor-memory-mb", type=int, default=None,
                        help="MB per executor container, as YARN allocates it (for Spark: "
                        "executor memory plus overhead)")
    parser.add_argument("--input-bytes", type=float, default=None, help="input size in bytes")
    parser.add_argument("--tag", action="append", default=[], help="application tag (repeat)")
    parser.add_argument(
        "--db", default=None, metavar="PATH",
        help="SQLite database (default: yarn.elastic.depository.path from --conf)",
    )
    parser.add_argument(
        "--conf", action="append", default=[], metavar="FILE",
        help="Hadoop XML configuration file (yarn-site.xml); repeat to layer files",
    )
    parser.add_argument("--explain", action="store_true", help="say which predictor and why")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def _fail(message: str) -> int:
    print(f"yarn-elastic predict: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    # Imported here so `yarn-elastic --help` does not pay for numpy and xgboost.
    from yarn_elastic.depository.config import DEPOSITORY_PATH
    from yarn_elastic.depository.database import DatabaseError
    from yarn_elastic.prediction.config import VALIDATION_RUNS
    from yarn_elastic.prediction.model_store import ModelStoreError
    from yarn_elastic.prediction.recorder import model_store_from_conf
    from yarn_elastic.prediction.report import predict_report, render_text

    try:
        conf = read_configuration(args.conf)
        db_path = args.db or DEPOSITORY_PATH.read(conf)
        validation_runs = VALIDATION_RUNS.read(conf)
        # The core's slot length and model dir, so that what it shows is what the core uses.
        store = model_store_from_conf(conf, db_path)
    except (ConfigurationError, DatabaseError, ModelStoreError) as exc:
        return _fail(str(exc))
    try:
        fields: dict[str, Any] = {
            "app_type": args.app_type, "queue": args.queue, "user": args.user,
            "executor_cores": args.executor_cores, "executor_memory_mb": args.executor_memory_mb,
            "input_bytes": args.input_bytes, "tags": args.tag,
        }
        report = predict_report(store, args.app_name, fields, validation_runs)
    except LookupError as exc:
        return _fail(str(exc))
    finally:
        store.close()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(render_text(report, args.explain))
    return 0 if report["roles"] else 1
