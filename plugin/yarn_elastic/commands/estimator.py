"""`yarn-elastic estimator`: the Hadoop-Resource-Estimator-compatible REST service on its own.

The core serves the same routes; this command is for operators who want only the estimator,
e.g. in place of Hadoop's start-estimator.sh.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from yarn_elastic.hadoop_conf import ConfigurationError, read_configuration
from yarn_elastic.web.auth import INSECURE_FLAG

LOG = logging.getLogger("yarn_elastic.estimator")

_MAX_BODY_BYTES = 1 << 20


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port", type=int, default=None,
        help="TCP port (default: resourceestimator.service-port, else 9998; 0 picks a free one)",
    )
    parser.add_argument(
        "--host", default="127.0.0.1",
        help="address to listen on (default 127.0.0.1, loopback; Hadoop's estimator listens"
             " on 0.0.0.0, which exposes its unauthenticated writes)",
    )
    parser.add_argument(
        "--conf", action="append", default=[], metavar="FILE",
        help="Hadoop XML configuration file (resourceestimator-config.xml or yarn-site.xml); "
        "repeat to layer files, later ones win",
    )
    parser.add_argument(
        "--db", default=None, metavar="PATH",
        help="SQLite database of the skyline store "
        "(default: yarn.elastic.estimator.db-path, else the depository's "
        "yarn.elastic.depository.path)",
    )
    parser.add_argument(
        INSECURE_FLAG, action="store_true",
        help="start even when yarn.elastic.estimator.token-file is not set, accepting "
             "unauthenticated translate, estimate and delete calls, as Hadoop's estimator "
             "does (a warning is logged)",
    )
    parser.add_argument("--log-level", default="INFO", help="logging level (default INFO)")


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Imported here so `yarn-elastic --help` does not pay for scipy.
    from yarn_elastic.estimator.config import read_estimator_config
    from yarn_elastic.estimator.http import add_routes, token_guard
    from yarn_elastic.estimator.store import SkylineStoreError
    from yarn_elastic.web.router import HttpServer, Router

    try:
        conf = read_configuration(args.conf)
        config = read_estimator_config(conf)
        guard = token_guard(conf, insecure=args.insecure)
        router = Router()
        # Handed over, so that a warning about the keys is logged once, not per reading.
        service = add_routes(router, conf, guard, db_path=args.db, config=config)
        port = args.port if args.port is not None else config.port
        server = HttpServer(router, args.host, port, _MAX_BODY_BYTES)
    except (ConfigurationError, SkylineStoreError) as exc:
        print(f"yarn-elastic estimator: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"yarn-elastic estimator: cannot start: {exc}", file=sys.stderr)
        return 1

    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        LOG.info("received signal %d, stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server.start()
    LOG.info(
        "resource estimator listening on http://%s:%d/resourceestimator (skyline store %s)",
        args.host, server.port, service.store.path,
    )
    stop.wait()
    server.stop()
    service.store.close()
    LOG.info("resource estimator stopped")
    return 0
