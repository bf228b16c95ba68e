"""The agents' spool depth rides on their posts as optional headers; the depository keeps the
last of each node, and refuses a bad value with a 400 that names the header."""

from __future__ import annotations

import gzip
import json

import pytest
from usage_reports import NOW_MS, report
from yarn_elastic.depository.agents import SpoolDepth
from yarn_elastic.depository.http import add_depository_routes
from yarn_elastic.depository.service import Depository
from yarn_elastic.web.auth import TokenGuard
from yarn_elastic.web.router import Request, Response, Router

TOKEN = "s3cret"
NODE = "node1:8041"


def post(depository: Depository, payload: object, **spool: str) -> Response:
    router = Router()
    add_depository_routes(router, depository,
                          TokenGuard("yarn.elastic.depository.token-file", TOKEN))
    headers = {"authorization": f"Bearer {TOKEN}", "content-encoding": "gzip",
               **{f"x-spool-{name}": value for name, value in spool.items()}}
    body = gzip.compress(json.dumps(payload).encode())
    return router.dispatch(Request("POST", "/ws/v1/usage/reports", {}, {}, headers, body))


def test_the_depth_an_agent_reports_is_kept_per_node(depository: Depository) -> None:
    response = post(depository, report(), batches="3", bytes="4096", dropped="0")
    assert response.status == 200, response.body
    seen = depository.agents.snapshot()[NODE]
    assert seen.last_report_ms == NOW_MS and seen.spool == SpoolDepth(3, 4096, 0)


def test_an_agent_without_the_headers_is_accepted_and_only_its_age_is_known(
    depository: Depository,
) -> None:
    assert post(depository, report()).status == 200
    assert depository.agents.snapshot()[NODE].spool == SpoolDepth(None, None, None)


def test_a_duplicate_still_says_the_agent_is_alive_and_how_deep_its_spool_is(
    depository: Depository,
) -> None:
    batch = report(batch_id="node1-again")
    assert post(depository, batch, batches="5").status == 200
    assert json.loads(post(depository, batch, batches="1").body)["duplicate"] is True
    assert depository.agents.snapshot()[NODE].spool.batches == 1


@pytest.mark.parametrize("value", ["-1", "many", "1.5", "+2", "1_000", "", "9" * 20])
def test_a_bad_value_is_a_400_naming_the_header_and_stores_nothing(
    depository: Depository, value: str,
) -> None:
    response = post(depository, report(), bytes=value)
    assert response.status == 400
    message = json.loads(response.body)["message"]
    assert "X-Spool-Bytes must be a whole number >= 0" in message
    assert depository.store.app("application_1700000000000_0001") is None
    assert depository.agents.snapshot() == {}
    assert depository.metrics()["rejected_400"] == 1


def test_the_agents_route_lists_each_nodes_last_report(depository: Depository) -> None:
    post(depository, report(), batches="2", bytes="10", dropped="7")
    router = Router()
    add_depository_routes(router, depository,
                          TokenGuard("yarn.elastic.depository.token-file", TOKEN))
    response = router.dispatch(Request("GET", "/ws/v1/usage/agents", {}, {},
                                       {"authorization": f"Bearer {TOKEN}"}, b""))
    assert json.loads(response.body) == {"agents": [
        {"node": NODE, "last_report_ms": NOW_MS, "spool_batches": 2, "spool_bytes": 10,
         "spool_dropped": 7}]}
