"""HTTP routes of the usage depository, mounted on the core's shared router.

    POST /ws/v1/usage/reports                 an agent's report (gzip JSON, see docs/depository.md)
    GET  /ws/v1/usage/containers/{id}         one container's curve    (?from_ms=&to_ms=)
    GET  /ws/v1/usage/apps/{id}               an application with all its containers' curves
    GET  /ws/v1/usage/jobs?name=N[&user=&queue=&type=]   the runs of a recurring job
    GET  /ws/v1/usage/nodes/{node}            a node's usage over time
    GET  /ws/v1/usage/metrics                 counters: batches, samples, duplicates, refusals
    GET  /ws/v1/usage/agents                  each node's last report and spool depth

Every route, reads too, needs `Authorization: Bearer <token>` with the secret in
yarn.elastic.depository.token-file (the core refuses to start without one unless --insecure).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from yarn_elastic.depository import config
from yarn_elastic.depository.report import Limits, ReportError
from yarn_elastic.depository.service import Depository, DepositoryLimits
from yarn_elastic.depository.store import UsageStore
from yarn_elastic.web.auth import TokenGuard
from yarn_elastic.web.router import (
    Request,
    Response,
    Router,
    error_response,
    json_response,
)

LOG = logging.getLogger(__name__)
PREFIX = "/ws/v1/usage"


def token_guard(conf: Mapping[str, str], *, insecure: bool) -> TokenGuard:
    return TokenGuard.from_conf(conf, config.TOKEN_FILE, insecure=insecure,
                                serves="the usage depository")


def add_routes(router: Router, conf: Mapping[str, str], guard: TokenGuard) -> Depository:
    """Build the depository from yarn-site.xml keys and mount its routes behind `guard`;
    returns it so the core can close its store on shutdown."""
    store = UsageStore(config.DEPOSITORY_PATH.read(conf), config.SYNCHRONOUS.read(conf))
    limits = DepositoryLimits(
        report=Limits(
            config.MAX_BATCH_SAMPLES.read(conf), config.MAX_CLOCK_SKEW_MS.read(conf)
        ),
        max_body_bytes=config.MAX_BATCH_BYTES.read(conf),
        raw_retention_days=config.RAW_RETENTION_DAYS.read(conf),
        retention_check_ms=config.RETENTION_CHECK_MS.read(conf),
    )
    depository = Depository(store, limits)
    add_depository_routes(router, depository, guard)
    LOG.info("usage depository: database %s, raw samples kept %.1f days",
             store.path, limits.raw_retention_days)
    return depository


def add_depository_routes(router: Router, depository: Depository, guard: TokenGuard) -> None:
    def post_report(request: Request) -> Response:
        try:
            result = depository.ingest(
                request.body, request.headers.get("content-encoding"),
                request.headers.get("x-sent-at"), request.headers,
            )
        except ReportError as exc:
            return error_response(exc.status, exc.message)
        return json_response(
            200, {"duplicate": result.duplicate, "samples_stored": result.samples_stored}
        )

    def get_container(request: Request) -> Response:
        span = _span(request)
        if isinstance(span, Response):
            return span
        container_id = request.params["container_id"]
        curve = depository.store.container_curve(container_id, *span)
        if curve is None:
            return error_response(404, f"no usage recorded for container {container_id}")
        return json_response(200, {"container_id": container_id, "curve": curve})

    def get_app(request: Request) -> Response:
        span = _span(request)
        if isinstance(span, Response):
            return span
        app_id = request.params["app_id"]
        app = depository.store.app(app_id)
        if app is None:
            return error_response(404, f"no usage recorded for application {app_id}")
        containers = depository.store.app_containers(app_id)
        for container in containers:
            container["curve"] = depository.store.container_curve(container["container_id"], *span)
        return json_response(200, {**app, "container_curves": containers})

    def get_jobs(request: Request) -> Response:
        name = _param(request, "name")
        if not name:
            return error_response(400, "give the job's application name: ?name=NAME")
        runs = depository.store.job_runs(
            name, _param(request, "user"), _param(request, "queue"), _param(request, "type")
        )
        return json_response(200, {"name": name, "runs": runs})

    def get_node(request: Request) -> Response:
        span = _span(request)
        if isinstance(span, Response):
            return span
        node = request.params["node"]
        curve = depository.store.node_curve(node, *span)
        if curve is None:
            return error_response(404, f"no usage recorded for node {node}")
        return json_response(200, {"node": node, "curve": curve})

    def get_metrics(request: Request) -> Response:
        return json_response(200, depository.metrics())

    def get_agents(request: Request) -> Response:
        return json_response(200, {"agents": [
            {"node": node, "last_report_ms": seen.last_report_ms, "spool_batches":
             seen.spool.batches, "spool_bytes": seen.spool.bytes,
             "spool_dropped": seen.spool.dropped}
            for node, seen in sorted(depository.agents.snapshot().items())]})

    router.add("POST", f"{PREFIX}/reports", post_report, guard=guard)
    router.add("GET", f"{PREFIX}/containers/{{container_id}}", get_container, guard=guard)
    router.add("GET", f"{PREFIX}/apps/{{app_id}}", get_app, guard=guard)
    router.add("GET", f"{PREFIX}/jobs", get_jobs, guard=guard)
    router.add("GET", f"{PREFIX}/nodes/{{node}}", get_node, guard=guard)
    router.add("GET", f"{PREFIX}/metrics", get_metrics, guard=guard)
    router.add("GET", f"{PREFIX}/agents", get_agents, guard=guard)


def _param(request: Request, name: str) -> str | None:
    values = request.query.get(name)
    return values[0] if values else None


def _span(request: Request) -> tuple[int | None, int | None] | Response:
    bounds: list[int | None] = []
    for name in ("from_ms", "to_ms"):
        text = _param(request, name)
        try:
            bounds.append(int(text) if text else None)
        except ValueError:
            return error_response(400, f"{name} must be epoch milliseconds, got {text!r}")
    return bounds[0], bounds[1]
