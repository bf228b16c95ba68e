"""Hadoop Resource Estimator REST paths on the core's shared router.

Same paths and JSON bodies as Hadoop's ResourceEstimatorService. Status codes differ where
Hadoop answers every store or solver failure with one 5xx: here an unknown pipeline or run is
404, a run already stored is 409, too little history is 422 (docs/estimator.md has the table).
The three routes that change the skyline store (translate, estimate, which stores what it
computes, and delete) need the token of yarn.elastic.estimator.token-file; Hadoop's need none.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path

from yarn_elastic.estimator.config import TOKEN_FILE, EstimatorConfig, read_estimator_config
from yarn_elastic.estimator.serde import history_to_json, rle_to_json
from yarn_elastic.estimator.service import (
    BadPipelineId,
    EstimatorService,
    LogFileForbidden,
    LogFileNotFound,
    UnknownPipeline,
)
from yarn_elastic.estimator.solver import InvalidInputError, SolverError
from yarn_elastic.estimator.store import (
    DuplicateRecurrenceIdError,
    RecurrenceIdNotFoundError,
    SkylineStoreError,
    SqliteSkylineStore,
    StoredDataError,
)
from yarn_elastic.web.auth import TokenGuard
from yarn_elastic.web.router import Request, Response, Router, error_response, json_response

LOG = logging.getLogger(__name__)

PREFIX = "/resourceestimator"

# Most specific first: the first matching class decides the status.
_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (LogFileNotFound, 404),
    (UnknownPipeline, 404),
    (RecurrenceIdNotFoundError, 404),
    (LogFileForbidden, 403),
    (BadPipelineId, 400),
    (DuplicateRecurrenceIdError, 409),
    (InvalidInputError, 422),
    (StoredDataError, 500),
    (SolverError, 500),
    (SkylineStoreError, 500),
)


def _with_statuses(handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
    def run(request: Request) -> Response:
        try:
            return handler(request)
        except tuple(cls for cls, _ in _STATUS) as exc:
            status = next(code for cls, code in _STATUS if isinstance(exc, cls))
            log = LOG.error if status >= 500 else LOG.info
            log("%s %s -> %d: %s", request.method, request.path, status, exc)
            return error_response(status, str(exc))

    return run


def token_guard(conf: Mapping[str, str], *, insecure: bool) -> TokenGuard:
    return TokenGuard.from_conf(conf, TOKEN_FILE, insecure=insecure,
                                serves="the resource estimator")


def add_routes(
    router: Router,
    conf: Mapping[str, str],
    guard: TokenGuard,
    store: SqliteSkylineStore | None = None,
    db_path: str | Path | None = None,
    config: EstimatorConfig | None = None,
) -> EstimatorService:
    """Mount the estimator on `router`, its writes behind `guard`. The core passes its
    depository's store (or database path) so both share one SQLite file; otherwise the
    configured path is opened."""
    config = config or read_estimator_config(conf)
    if store is None:
        store = SqliteSkylineStore(db_path if db_path is not None else config.db_path)
    service = EstimatorService(config, store)

    def translate(request: Request) -> Response:
        report = service.translate_file(request.params["logFile"])
        # Hadoop answers 204; the counts ride in headers so its clients see no difference.
        return Response(
            204,
            headers={
                "X-Skylines-Added": str(report.skylines_added),
                "X-Runs-Added": str(report.runs_added),
                "X-Lines-Skipped": str(report.lines_skipped),
            },
        )

    def estimate(request: Request) -> Response:
        return json_response(200, rle_to_json(service.estimate(request.params["pipelineId"])))

    def get_history(request: Request) -> Response:
        found = service.history(request.params["pipelineId"], request.params["runId"])
        return json_response(200, history_to_json(found))

    def delete_history(request: Request) -> Response:
        service.delete_history(request.params["pipelineId"], request.params["runId"])
        return Response(204)

    def get_estimation(request: Request) -> Response:
        return json_response(200, rle_to_json(service.estimation(request.params["pipelineId"])))

    # The log path may contain slashes (Hadoop's `{logFile : .+}`); the router passes raw
    # regular expressions through, so a named group gives the same match.
    router.add("POST", PREFIX + "/translator/(?P<logFile>.+)", _with_statuses(translate),
               guard=guard)
    router.add("GET", PREFIX + "/estimator/{pipelineId}", _with_statuses(estimate), guard=guard,
               stores=True)
    history_path = PREFIX + "/skylinestore/history/{pipelineId}/{runId}"
    router.add("GET", history_path, _with_statuses(get_history))
    router.add("DELETE", history_path, _with_statuses(delete_history), guard=guard)
    router.add("GET", PREFIX + "/skylinestore/estimation/{pipelineId}",
               _with_statuses(get_estimation))
    LOG.info("resource estimator routes mounted under %s (skyline store %s)", PREFIX, store.path)
    return service
