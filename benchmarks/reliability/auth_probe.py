"""Every write route of a live `yarn-elastic core` and `yarn-elastic estimator`, called without
the right token, over HTTP -> the auth figures of results/reliability.json (issue 10).

Run: .venv/bin/python -m benchmarks.reliability.auth_probe
Both commands are started as real processes with their tokens on. The routes are read from the
routers the two commands build, so none is left out; each write is sent with no token, a wrong
one, the other service's token and a Basic header. A write "accepted" is any answer other than
401 or 403. Only this run's keys of the file are replaced (results.py).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
from yarn_elastic.commands.core import HttpGuards, build_router
from yarn_elastic.endpoint.service import CoreService
from yarn_elastic.estimator.http import add_routes, token_guard
from yarn_elastic.scheduling import minfrag_policy
from yarn_elastic.web.router import Route, Router

from benchmarks.reliability.results import merge

SECRETS = {"yarn.elastic.depository.token-file": "usage-secret",
           "yarn.elastic.estimator.token-file": "estimator-secret",
           "yarn.elastic.core.auth-token-file": "py4j-secret"}
BAD = ({}, {"Authorization": "Bearer guess"}, {"Authorization": "Bearer py4j-secret"},
       {"Authorization": "Basic dXNhZ2Utc2VjcmV0"})


def write_conf(work: Path) -> Path:
    properties = {"yarn.elastic.depository.path": str(work / "core.db"),
                  "yarn.elastic.estimator.translator.log-dirs": str(work)}
    for key, secret in SECRETS.items():
        path = work / key
        path.write_text(secret)
        path.chmod(0o600)
        properties[key] = str(path)
    (work / "job.log").write_text("tpch_q12 1 1 1 0 100 1024 1\n")
    (work / "yarn-site.xml").write_text("<configuration>" + "".join(
        f"<property><name>{k}</name><value>{v}</value></property>"
        for k, v in properties.items()) + "</configuration>")
    return work / "yarn-site.xml"


def write_routes(conf: dict[str, str], which: str) -> list[Route]:
    """The write routes of the router `which` command builds, read from the code itself."""
    if which == "core":
        router, closers = build_router(CoreService(minfrag_policy()), conf,
                                       HttpGuards.from_conf(conf, insecure=False))
    else:
        router = Router()
        service = add_routes(router, conf, token_guard(conf, insecure=False),
                             db_path=conf["yarn.elastic.depository.path"] + ".probe")
        closers = [service.store.close]
    for close in closers:
        close()
    return [route for route in router.routes if route.writes]


def example_path(route: Route) -> str:
    path = re.sub(r"\{(\w+)\}", "x1", route.pattern)
    return re.sub(r"\(\?P<logFile>[^)]*\)", "job.log", path)


def start(command: list[str], ready: str) -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    deadline = time.monotonic() + 120
    for line in process.stdout:
        found = re.search(ready, line)
        if found:
            return process, int(found.group(1))
        if time.monotonic() > deadline:
            break
    process.kill()
    raise RuntimeError(f"{command[3]} never said it was ready")


def probe(base: str, routes: list[Route]) -> tuple[int, int]:
    sent = accepted = 0
    for route in routes:
        for headers in BAD:
            answer = requests.request(route.method, base + example_path(route), data=b"{}",
                                      headers=headers, timeout=30)
            sent += 1
            accepted += answer.status_code not in (401, 403)
    return sent, accepted


def main() -> int:
    from yarn_elastic.hadoop_conf import read_configuration

    cli = [sys.executable, "-m", "yarn_elastic.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        site = write_conf(work)
        conf = read_configuration([site])
        routes = {"core": write_routes(conf, "core"),
                  "estimator": write_routes(conf, "estimator")}
        core, core_port = start([*cli, "core", "--conf-dir", str(work), "--port", "0",
                                 "--http-port", "0", "--exit-on-stdin-eof"],
                                r"YARN_ELASTIC_CORE_READY .*http_port=(\d+)")
        estimator, estimator_port = start(
            [*cli, "estimator", "--conf", str(site), "--port", "0", "--db",
             str(work / "estimator.db")], r"listening on http://127\.0\.0\.1:(\d+)/")
        try:
            figures: dict[str, Any] = {}
            for name, port in (("core", core_port), ("estimator", estimator_port)):
                sent, accepted = probe(f"http://127.0.0.1:{port}", routes[name])
                figures[name] = {"write_routes": len(routes[name]), "requests": sent,
                                 "accepted": accepted}
        finally:
            assert core.stdin is not None
            core.stdin.close()
            estimator.terminate()
            core.wait(timeout=60)
            estimator.wait(timeout=60)
    result = merge({
        "unauthenticated_writes_accepted": sum(f["accepted"] for f in figures.values()),
        "auth_probe": figures | {"command": "python -m benchmarks.reliability.auth_probe",
                                 "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())},
    })
    print(json.dumps(figures))
    return 0 if result["unauthenticated_writes_accepted"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
