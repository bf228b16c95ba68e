"""GET /metrics: the core's figures in Prometheus' text format, read back by its parser."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from yarn_elastic.commands.core import HttpGuards, build_router
from yarn_elastic.endpoint.service import CoreService
from yarn_elastic.scheduling import minfrag_policy
from yarn_elastic.web.router import Request

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "interface"


def scrape(router: object) -> dict[str, float]:
    from yarn_elastic.web.router import Router

    assert isinstance(router, Router)
    response = router.dispatch(Request("GET", "/metrics", {}, {}, {}, b""))
    assert response.status == 200 and response.content_type.startswith("text/plain")
    return {
        sample.name + "".join(f"{{{k}={v}}}" for k, v in sorted(sample.labels.items())):
            sample.value
        for family in text_string_to_metric_families(response.body.decode())
        for sample in family.samples
    }


def test_metrics_follow_the_cycles_and_the_unplaced_asks(tmp_path: Path) -> None:
    service = CoreService(minfrag_policy())
    conf = {"yarn.elastic.depository.path": str(tmp_path / "core.db"),
            "yarn.elastic.demand.curves": "requested"}
    router, closers = build_router(service, conf, HttpGuards.from_conf(conf, insecure=True))
    try:
        before = scrape(router)
        assert before["yarn_elastic_cycles_total"] == 0
        assert before["yarn_elastic_decide_seconds_count"] == 0
        raw = json.loads((EXAMPLES / "cycle_request_full.json").read_bytes())
        raw["asks"][0]["demand"] = [[1], [32768], [0], [0]]  # larger than any node
        assert json.loads(service.exchange(json.dumps(raw).encode()))["status"] == "ok"
        service.exchange(b"{not json")
        after = scrape(router)
        assert after["yarn_elastic_cycles_total"] == 1
        assert after["yarn_elastic_cycle_errors_total"] == 1
        assert after["yarn_elastic_decide_seconds_count"] == 1
        assert after["yarn_elastic_unplaced_containers{reason=larger-than-any-node}"] == 3
        assert after["yarn_elastic_picture_objects{kind=nodes}"] == 2
        plan = service.status()["last_plan"]  # nothing placed: the one ask fits no node
        assert plan == {"placements": 0, "containers": 0, "resizes": 0}
        assert {kind: after[f"yarn_elastic_last_plan{{kind={kind}}}"] for kind in plan} == plan
        assert after["yarn_elastic_last_cycle_age_seconds"] >= 0
        assert "yarn_elastic_prediction_pending" in after  # learning is on by default
        assert after["yarn_elastic_prediction_caught_up_total"] == 0
    finally:
        for close in closers:
            close()


def test_metrics_show_each_agents_spool_and_last_report(tmp_path: Path) -> None:
    service = CoreService(minfrag_policy())
    conf = {"yarn.elastic.depository.path": str(tmp_path / "core.db"),
            "yarn.elastic.demand.curves": "requested"}
    router, closers = build_router(service, conf, HttpGuards.from_conf(conf, insecure=True))
    container = "container_e01_1700000000000_0001_01_000002"
    report = {"schema": 1, "type": "usage_report", "batch_id": "nm7-1", "node": "nm7:8041",
              "apps": [], "containers": [{"container_id": container, "user": "alice"}],
              "samples": [], "node_samples": []}
    headers = {"content-encoding": "gzip", "x-spool-batches": "12",
               "x-spool-bytes": "65536", "x-spool-dropped": "3"}
    try:
        before = scrape(router)
        assert not any(name.startswith("yarn_elastic_agent_") for name in before)
        body = gzip.compress(json.dumps(report).encode())
        posted = router.dispatch(Request("POST", "/ws/v1/usage/reports", {}, {}, headers, body))
        assert posted.status == 200, posted.body
        after = scrape(router)
        assert after["yarn_elastic_agent_spool_batches{node=nm7:8041}"] == 12
        assert after["yarn_elastic_agent_spool_bytes{node=nm7:8041}"] == 65536
        assert after["yarn_elastic_agent_spool_dropped{node=nm7:8041}"] == 3
        age = after["yarn_elastic_agent_last_report_age_seconds{node=nm7:8041}"]
        assert 0 <= age < 60
        assert after["yarn_elastic_prediction_evaluations_total{outcome=unpredicted}"] == 0
    finally:
        for close in closers:
            close()
