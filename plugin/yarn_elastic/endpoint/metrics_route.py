"""`GET /metrics` on the core's HTTP port: the registry of `prometheus.py`'s core collector,
with the agents' health and the prediction error beside it (docs/operations.md lists every
metric). Out of commands/core.py so that wiring in a collector does not grow that module."""

from __future__ import annotations

import time

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from yarn_elastic.depository.service import Depository
from yarn_elastic.endpoint.agent_metrics import AgentCollector
from yarn_elastic.endpoint.prediction_metrics import PredictionErrorCollector
from yarn_elastic.endpoint.prometheus import core_registry
from yarn_elastic.endpoint.service import CoreService
from yarn_elastic.prediction.recorder import RunRecorder
from yarn_elastic.web.router import Request, Response, Router


def add_metrics_route(router: Router, service: object, depository: Depository,
                      recorder: RunRecorder | None) -> None:
    assert isinstance(service, CoreService)
    registry, decide = core_registry(service.status, depository.metrics,
                                     None if recorder is None else recorder.status, _now_ms)
    service.observe_decide = decide.observe
    registry.register(AgentCollector(depository.agents.snapshot, _now_ms))
    if recorder is not None:  # learning is off: no run is judged either
        registry.register(PredictionErrorCollector(recorder.scorer.snapshot))

    def metrics(_request: Request) -> Response:
        return Response(200, generate_latest(registry), CONTENT_TYPE_LATEST)

    router.add("GET", "/metrics", metrics)


def _now_ms() -> int:
    return int(time.time() * 1000)
