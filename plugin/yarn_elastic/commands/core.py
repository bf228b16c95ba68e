"""`yarn-elastic core`: run the scheduling core (Py4J endpoint for the shim, HTTP status API).

The shim either launches this as a child process (`yarn.elastic.core.command`, with
`--exit-on-stdin-eof` so the core dies with the RM) or connects to one an operator started.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from yarn_elastic.hadoop_conf import ConfigurationError, read_configuration
from yarn_elastic.prediction import config as prediction_config
from yarn_elastic.scheduling import config as scheduling_config
from yarn_elastic.settings import Key, port_number, positive_int
from yarn_elastic.slots import SLOT_MS
from yarn_elastic.token_file import read_token_file
from yarn_elastic.web.auth import INSECURE_FLAG, TokenGuard
from yarn_elastic.web.router import Request, Response, Router, error_response, json_response

if TYPE_CHECKING:
    from yarn_elastic.prediction.live import LiveBands

LOG = logging.getLogger("yarn_elastic.core")


PORT = Key(
    "yarn.elastic.core.port", 25334, port_number, "a TCP port 1-65535 (0 = any free port)",
    "Loopback port the core's Py4J Python server listens on; the shim connects to it.",
)
AUTH_TOKEN_FILE = Key(
    "yarn.elastic.core.auth-token-file", "", str, "path of a non-empty file readable by the RM",
    "File holding the Py4J auth token shared by the shim and the core.",
)
HTTP_PORT = Key(
    "yarn.elastic.core.http-port", 8089, port_number, "a TCP port 0-65535 (0 = any free port)",
    "Port of the core's HTTP API (/ws/v1/elastic/status, /ws/v1/elastic/decisions).",
)
HTTP_ADDRESS = Key(
    "yarn.elastic.core.http-address", "127.0.0.1", str, "a host name or IP address to bind",
    "Address the core's HTTP API binds to. Loopback by default: set the host's address (or"
    " 0.0.0.0) for agents on other hosts, with the depository's token on.",
)
DECISION_LOG_SIZE = Key(
    "yarn.elastic.core.decision-log-size", 100_000, positive_int, "an integer > 0",
    "How many recent placements /ws/v1/elastic/decisions keeps in memory.",
)
SUMMARY_EVERY = Key(
    "yarn.elastic.core.log-summary-cycles", 100, positive_int, "an integer > 0",
    "Log one INFO summary line every this many cycles (each cycle is logged at DEBUG).",
)
# Agents' gzip reports and estimator uploads; the depository applies its own, finer limits.
MAX_HTTP_BODY_BYTES = 64 << 20

KEYS = (PORT, AUTH_TOKEN_FILE, HTTP_PORT, HTTP_ADDRESS, DECISION_LOG_SIZE, SUMMARY_EVERY)

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--conf-dir", type=Path, default=None,
                        help="Hadoop configuration directory; reads DIR/yarn-site.xml "
                             "(default: $HADOOP_CONF_DIR if set)")
    parser.add_argument("--port", type=port_number, default=None,
                        help=f"Py4J Python server port (default: {PORT.name}, {PORT.default})")
    parser.add_argument("--auth-token-file", type=Path, default=None,
                        help=f"file with the Py4J auth token (default: {AUTH_TOKEN_FILE.name})")
    parser.add_argument("--http-port", type=port_number, default=None,
                        help=f"HTTP API port, 0 = ephemeral (default: {HTTP_PORT.name}, "
                             f"{HTTP_PORT.default})")
    parser.add_argument("--exit-on-stdin-eof", action="store_true",
                        help="exit when stdin closes (the shim launches the core this way)")
    parser.add_argument(INSECURE_FLAG, action="store_true",
                        help="start even when yarn.elastic.depository.token-file or "
                             "yarn.elastic.estimator.token-file is not set, accepting "
                             "unauthenticated writes on those routes (a warning is logged)")
    parser.add_argument("--log-level", default="INFO",
                        choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="log level")


def read_token(path: Path) -> str:
    """The Py4J auth token, or a ConfigurationError saying what is wrong with the file."""
    return read_token_file(path, AUTH_TOKEN_FILE.name)


def load_conf(conf_dir: Path | None) -> dict[str, str]:
    directory = conf_dir or (Path(os.environ["HADOOP_CONF_DIR"])
                             if os.environ.get("HADOOP_CONF_DIR") else None)
    if directory is None:
        return {}
    site = directory / "yarn-site.xml"
    if not site.is_file():
        raise ConfigurationError(f"--conf-dir {directory}: no yarn-site.xml in it")
    return read_configuration([site])


@dataclass(frozen=True)
class HttpGuards:
    """One secret for the agents' reports, another for the estimator's writes: an agent on
    every NodeManager holds the first, and needs no power to delete skyline history."""

    depository: TokenGuard
    estimator: TokenGuard

    @classmethod
    def from_conf(cls, conf: Mapping[str, str], *, insecure: bool) -> HttpGuards:
        from yarn_elastic.depository.http import token_guard as depository_guard
        from yarn_elastic.estimator.http import token_guard as estimator_guard

        return cls(depository_guard(conf, insecure=insecure),
                   estimator_guard(conf, insecure=insecure))


def build_router(
    service: object, conf: Mapping[str, str], guards: HttpGuards
) -> tuple[Router, list[Callable[[], None]]]:
    """The core's HTTP API: its own status and decisions, the usage depository and the
    estimator. Returns the router and what to close on shutdown."""
    from yarn_elastic.depository.http import add_routes as add_depository_routes
    from yarn_elastic.endpoint.metrics_route import add_metrics_route
    from yarn_elastic.endpoint.service import CoreService
    from yarn_elastic.estimator.http import add_routes as add_estimator_routes
    from yarn_elastic.prediction.recorder import model_store_from_conf, recorder_from_conf

    assert isinstance(service, CoreService)
    router = Router()
    depository = add_depository_routes(router, conf, guards.depository)
    recorder = recorder_from_conf(conf, depository.store, running=service.app_ids)
    if recorder is not None:
        service.on_finished = recorder.finished
    # Placing by what was learnt does not need learning to go on: the stored runs serve.
    models = recorder.models if recorder is not None else model_store_from_conf(
        conf, depository.store.path)
    bands = elastic_inputs(service, conf, models, depository.store)

    def status(_request: Request) -> Response:
        learning = None if recorder is None else recorder.status()
        live = None if bands is None else bands.status()
        return json_response(200, service.status() | {"prediction": learning,
                                                      "live_bands": live})

    router.add("GET", "/ws/v1/elastic/status", status)
    add_metrics_route(router, service, depository, recorder)

    def decisions(request: Request) -> Response:
        raw = request.query.get("since", ["-1"])[0]
        try:
            since = int(raw)
        except ValueError:
            return error_response(400, f"since={raw!r} is not an integer sequence number")
        return json_response(200, {"decisions": [
            {"seq": d.seq, "time_ms": d.time_ms, "ask": d.placement.ask,
             "node": d.placement.node, "count": d.placement.count,
             "score": round(d.placement.score, 6)}
            for d in service.decisions_since(since)
        ], "resizes": [
            {"seq": r.seq, "time_ms": r.time_ms, "container": r.resize.container,
             "version": r.resize.version, "vcores": r.resize.vcores,
             "memory_mb": r.resize.memory_mb, "reason": r.resize.reason}
            for r in service.resizes_since(since)
        ], "unplaced": service.unplaced()})

    router.add("GET", "/ws/v1/elastic/decisions", decisions)

    def container(request: Request) -> Response:
        found = service.explain(request.params["container_id"])
        if found is None:
            return error_response(404, f"container {request.params['container_id']} is not"
                                       " running in the core's picture")
        return json_response(200, found)

    router.add("GET", "/ws/v1/elastic/containers/{container_id}", container)
    # One database file for usage history, runs and models, and skylines (docs/depository.md,
    # prediction.md, estimator.md).
    estimator = add_estimator_routes(router, conf, guards.estimator,
                                     db_path=depository.store.path)
    closers = [estimator.store.close, depository.store.close]
    # The recorder closes the model store it owns; a store opened only for bands is ours.
    closers.insert(0, recorder.stop if recorder is not None else models.close)
    if bands is not None:
        closers.insert(0, bands.stop)
    return router, closers


def elastic_inputs(service: object, conf: Mapping[str, str], models: object,
                   usage: object) -> LiveBands | None:
    """Give the service predicted bands, the resize rules and the agents' measured memory,
    unless yarn.elastic.demand.curves=requested; returns the started band book."""
    from yarn_elastic.depository.store import UsageStore
    from yarn_elastic.endpoint.service import CoreService, ElasticInputs
    from yarn_elastic.prediction.live import LiveBands
    from yarn_elastic.prediction.model_store import ModelStore
    from yarn_elastic.scheduling import config as scheduling_config

    assert isinstance(service, CoreService) and isinstance(models, ModelStore)
    assert isinstance(usage, UsageStore)
    if scheduling_config.DEMAND.read(conf) != "predicted":
        LOG.info("%s=requested: the core places by the RM's requests and resizes nothing",
                 scheduling_config.DEMAND.name)
        return None
    bands = LiveBands(models)
    bands.start()
    service.elastic = ElasticInputs(bands, scheduling_config.resize_rules(conf),
                                    usage.latest_memory_mb,
                                    scheduling_config.OVER_PLAN_MARGIN.read(conf))
    return bands


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=args.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        conf = load_conf(args.conf_dir)
        for key in (*KEYS, SLOT_MS, *prediction_config.KEYS, *scheduling_config.KEYS):
            key.read(conf)  # every bad value is reported before anything starts
        port = args.port if args.port is not None else PORT.read(conf)
        token_path = args.auth_token_file or (
            Path(AUTH_TOKEN_FILE.read(conf)) if AUTH_TOKEN_FILE.read(conf) else None
        )
        if token_path is None:
            raise ConfigurationError(
                f"no auth token file: set {AUTH_TOKEN_FILE.name} in yarn-site.xml "
                "or pass --auth-token-file"
            )
        token = read_token(token_path)
        guards = HttpGuards.from_conf(conf, insecure=args.insecure)
        http_port = args.http_port if args.http_port is not None else HTTP_PORT.read(conf)
    except ConfigurationError as exc:
        print(f"yarn-elastic core: {exc}", file=sys.stderr)
        return 2

    from yarn_elastic.endpoint.py4j_server import Py4JEndpoint, exit_when_stdin_closes
    from yarn_elastic.endpoint.service import CoreService
    from yarn_elastic.scheduling import minfrag_policy
    from yarn_elastic.web.router import HttpServer

    service = CoreService(minfrag_policy(), DECISION_LOG_SIZE.read(conf),
                          SUMMARY_EVERY.read(conf))
    stop = threading.Event()
    try:
        router, closers = build_router(service, conf, guards)
        http = HttpServer(router, HTTP_ADDRESS.read(conf), http_port, MAX_HTTP_BODY_BYTES)
        endpoint = Py4JEndpoint(service, port, token)
        py4j_port = endpoint.start()
    except OSError as exc:
        print(f"yarn-elastic core: cannot listen ({exc}); is another core running?",
              file=sys.stderr)
        return 1
    http.start()
    LOG.info("core %s ready: py4j 127.0.0.1:%d, http port %d, policy %s",
             service.status()["version"], py4j_port, http.port, service.policy.describe())
    # One parseable line for launchers and tests that pass port 0.
    print(f"YARN_ELASTIC_CORE_READY py4j_port={py4j_port} http_port={http.port}", flush=True)

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        LOG.info("signal %d: stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if args.exit_on_stdin_eof:
        exit_when_stdin_closes(stop)
    stop.wait()
    endpoint.stop()
    http.stop()
    for close in closers:
        close()
    LOG.info("core stopped after %d cycles", service.stats.cycles)
    return 0
