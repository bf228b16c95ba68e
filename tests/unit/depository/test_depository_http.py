from __future__ import annotations

import gzip
import json
import time
from pathlib import Path

import pytest
import requests
from usage_reports import APP, CONTAINER, NOW_MS, node_sample, report, sample
from yarn_elastic.depository.http import add_depository_routes, add_routes, token_guard
from yarn_elastic.depository.service import Depository
from yarn_elastic.hadoop_conf import ConfigurationError
from yarn_elastic.web.auth import TokenGuard
from yarn_elastic.web.router import HttpServer, Request, Response, Router

TOKEN = "s3cret"


def routed(depository: Depository) -> Router:
    router = Router()
    add_depository_routes(router, depository,
                          TokenGuard("yarn.elastic.depository.token-file", TOKEN))
    return router


def post(router: Router, body: bytes, token: str | None = TOKEN,
         encoding: str | None = "gzip", sent_at: int | None = NOW_MS) -> Response:
    headers = {}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    if encoding:
        headers["content-encoding"] = encoding
    if sent_at is not None:
        headers["x-sent-at"] = str(sent_at)
    return router.dispatch(Request("POST", "/ws/v1/usage/reports", {}, {}, headers, body))


def get(router: Router, path: str, query: dict[str, list[str]] | None = None) -> Response:
    headers = {"authorization": f"Bearer {TOKEN}"}
    return router.dispatch(Request("GET", path, {}, query or {}, headers, b""))


def gz(payload: object) -> bytes:
    return gzip.compress(json.dumps(payload).encode())


def message(response: Response) -> str:
    return str(json.loads(response.body)["message"])


def test_a_report_is_stored_and_read_back(depository: Depository) -> None:
    router = routed(depository)
    response = post(router, gz(report()))
    assert response.status == 200, response.body
    assert json.loads(response.body) == {"duplicate": False, "samples_stored": 2}
    app = json.loads(get(router, f"/ws/v1/usage/apps/{APP}").body)
    assert app["container_curves"][0]["container_id"] == CONTAINER
    assert len(app["container_curves"][0]["curve"]) == 1
    assert get(router, f"/ws/v1/usage/containers/{CONTAINER}").status == 200
    assert get(router, "/ws/v1/usage/nodes/node1:8041").status == 200
    jobs = json.loads(get(router, "/ws/v1/usage/jobs", {"name": ["nightly-etl"]}).body)
    assert jobs["runs"][0]["app_id"] == APP
    assert json.loads(get(router, "/ws/v1/usage/metrics").body)["samples"] == 2


def test_duplicates_are_accepted_and_not_counted(depository: Depository) -> None:
    router = routed(depository)
    body = gz(report(batch_id="dup-1"))
    assert post(router, body).status == 200
    again = post(router, body)
    assert again.status == 200 and json.loads(again.body)["duplicate"] is True
    metrics = json.loads(get(router, "/ws/v1/usage/metrics").body)
    assert metrics["samples"] == 2 and metrics["duplicate_batches"] == 1


@pytest.mark.parametrize(
    ("body", "kwargs", "status", "words"),
    [
        (b"{not json", {"encoding": None}, 400, "not valid UTF-8 JSON"),
        (b"\x1f\x8b garbage", {}, 400, "gzip"),
        (gzip.compress(b"{}")[:-6], {}, 400, "truncated"),
        (gz(report()), {"token": None}, 401, "Authorization"),
        (gz(report()), {"token": "wrong"}, 403, "bad token"),
        (gz(report()), {"encoding": "br"}, 415, "gzip"),
        (gz(report()), {"sent_at": NOW_MS + 3_600_000}, 422, "clock skew"),
        (gz(report(containers=[])), {}, 422, "unknown containers"),
        (gzip.compress(b" " * (2 << 20)), {}, 413, "max-batch-bytes"),
        # Found by benchmarks/reliability/fuzz.py; each was a 500 (an exception escaped).
        (gzip.compress(b"[" * 100_000), {}, 400, "not a usage report"),
        (gzip.compress(b'{"schema":' + b"9" * 5000 + b"}"), {}, 400, "not a usage report"),
        (gz(report(node="n\ud800")), {}, 400, "report.node is not valid Unicode"),
        (gz(report(apps=[{"app_id": APP, "name": "\udfff"}])), {}, 400,
         "apps[0].name is not valid Unicode"),
    ],
)
def test_bad_input_gets_a_clear_4xx_and_nothing_is_written(
    depository: Depository, body: bytes, kwargs: dict, status: int, words: str
) -> None:
    router = routed(depository)
    response = post(router, body, **kwargs)
    assert response.status == status
    assert words in message(response)
    assert depository.store.app(APP) is None


def test_bad_query_parameters_and_unknown_ids(depository: Depository) -> None:
    router = routed(depository)
    assert get(router, f"/ws/v1/usage/containers/{CONTAINER}").status == 404
    bad = get(router, f"/ws/v1/usage/containers/{CONTAINER}", {"from_ms": ["yesterday"]})
    assert bad.status == 400 and "from_ms" in message(bad)
    assert get(router, "/ws/v1/usage/jobs").status == 400


def test_add_routes_builds_the_depository_from_config_over_real_http(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    token_file.chmod(0o600)
    conf = {"yarn.elastic.depository.path": str(tmp_path / "db" / "core.db"),
            "yarn.elastic.depository.token-file": str(token_file)}
    router = Router()
    depository = add_routes(router, conf, token_guard(conf, insecure=False))
    server = HttpServer(router, "127.0.0.1", 0, max_body_bytes=1 << 20)
    server.start()
    try:
        url = f"http://127.0.0.1:{server.port}/ws/v1/usage"
        now = int(time.time() * 1000)
        payload = report(samples=[sample(ts_ms=now)])
        payload["node_samples"] = [node_sample(now)]
        answer = requests.post(
            f"{url}/reports", data=gz(payload), timeout=10,
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Encoding": "gzip"},
        )
        assert answer.status_code == 200, answer.text
        curve = requests.get(f"{url}/containers/{CONTAINER}", timeout=10,
                             headers={"Authorization": f"Bearer {TOKEN}"})
        assert curve.json()["curve"][0]["ts_ms"] == now
        assert requests.get(f"{url}/metrics", timeout=10).status_code == 401
    finally:
        server.stop()
        depository.store.close()


def test_an_unreadable_token_file_is_a_configuration_error(tmp_path: Path) -> None:
    conf = {"yarn.elastic.depository.path": str(tmp_path / "core.db"),
            "yarn.elastic.depository.token-file": str(tmp_path / "missing")}
    with pytest.raises(ConfigurationError, match="token-file"):
        token_guard(conf, insecure=False)


def test_a_token_file_every_user_can_read_is_refused(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    token_file.chmod(0o644)
    conf = {"yarn.elastic.depository.path": str(tmp_path / "core.db"),
            "yarn.elastic.depository.token-file": str(token_file)}
    with pytest.raises(ConfigurationError, match="readable by every user; run: chmod o-rwx"):
        token_guard(conf, insecure=False)
