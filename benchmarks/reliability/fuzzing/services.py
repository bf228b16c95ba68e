"""Each fuzzed input with the real service behind it, built in a scratch directory: the
depository and the estimator on SQLite files seeded with records that must survive, and the
core's whole router as `yarn-elastic core` builds it."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

from yarn_elastic.commands.core import HttpGuards, build_router
from yarn_elastic.depository.config import TOKEN_FILE as DEPOSITORY_TOKEN
from yarn_elastic.depository.http import add_depository_routes
from yarn_elastic.endpoint.service import CoreService
from yarn_elastic.hadoop_conf import read_configuration
from yarn_elastic.scheduling import minfrag_policy
from yarn_elastic.web.auth import TokenGuard
from yarn_elastic.web.router import Request, Router

from benchmarks.reliability.auth_probe import SECRETS, write_conf
from benchmarks.reliability.fuzzing import configuration, logs, messages, reports, rest, workloads
from benchmarks.reliability.fuzzing.engine import Family

USAGE_TOKEN = "fuzz-usage-secret"
_KEPT_IDS = [c["container_id"] for r in reports.KEPT for c in r["containers"]] + [
    r["apps"][0]["app_id"] for r in reports.KEPT] + [r["node"] for r in reports.KEPT]
_KNOWN = ["application_1700000000000_0001", "container_e01_1700000000000_0001_01_000001",
          "nm-1:8041", "nightly-etl", "tpch", "etl", "run1", "*"]


def _messages(_work: Path) -> Family:
    return Family(messages.CASES, messages.handle)


def _agent_reports(work: Path) -> Family:
    kept = reports.KeptStore(work)
    return Family(reports.cases(), reports.handler(kept), kept.changed, kept.close)


def _logs(kind: str) -> Callable[[Path], Family]:
    def build(work: Path) -> Family:
        kept = logs.KeptEstimator(work, kind)
        return Family(logs.log_files(kind), logs.handler(kept), kept.changed, kept.close)

    return build


def _rest_depository(work: Path) -> Family:
    kept = reports.KeptStore(work)
    router = Router()
    add_depository_routes(router, kept.depository, TokenGuard(DEPOSITORY_TOKEN.name, USAGE_TOKEN))
    cases = rest.requests(router.routes, {"/ws/v1/usage": USAGE_TOKEN}, _KNOWN, _KEPT_IDS)
    return Family(cases, rest.handler(router), kept.changed, kept.close)


def _rest_estimator(work: Path) -> Family:
    kept = logs.KeptEstimator(work, "native")
    pipeline, run = logs.KEPT["native"]
    (work / "kept-again.txt").write_text("\n".join(logs.native_job(pipeline, run, [(1, 0)])))
    for i in range(3):
        (work / f"fresh-{i}.txt").write_text("\n".join(logs.native_job("etl", f"r{i}", [(1, 0)])))
    known = [*_KNOWN, str(work), str(work / "kept-again.txt"), str(work / "fresh-0.txt"),
             str(work / "fresh-1.txt"), "/etc/passwd", "../../etc"]
    cases = rest.requests(kept.router.routes, {"/resourceestimator": logs.TOKEN}, known,
                          [pipeline, run])
    return Family(cases, rest.handler(kept.router), kept.changed, kept.close)


def _rest_core(work: Path) -> Family:
    site = write_conf(work)
    conf = read_configuration([site]) | {"yarn.elastic.depository.synchronous": "NORMAL"}
    router, closers = build_router(CoreService(minfrag_policy()), conf,
                                   HttpGuards.from_conf(conf, insecure=False))
    usage, estimator = (SECRETS[k] for k in ("yarn.elastic.depository.token-file",
                                             "yarn.elastic.estimator.token-file"))
    for body in reports.KEPT:
        _dispatch(router, "POST", "/ws/v1/usage/reports", usage,
                  gzip.compress(json.dumps(body).encode()), {"content-encoding": "gzip"})
    pipeline, run = logs.KEPT["native"]
    (work / "kept.txt").write_text("\n".join(logs.native_job(pipeline, run, [(2, 0)])))
    _dispatch(router, "POST", f"/resourceestimator/translator/{work / 'kept.txt'}", estimator)
    _dispatch(router, "GET", f"/resourceestimator/estimator/{pipeline}", estimator)
    db = Path(conf["yarn.elastic.depository.path"])
    before = rest.kept_rows(db)
    tokens = {"/ws/v1/usage": usage, "/resourceestimator": estimator}
    cases = rest.requests(router.routes, tokens, [*_KNOWN, str(work / "kept.txt"), str(work)],
                          [*_KEPT_IDS, pipeline, run])

    def close() -> None:
        for closer in closers:
            closer()

    return Family(cases, rest.handler(router), lambda: rest.changed(before, db), close)


def _dispatch(router: Router, method: str, path: str, token: str, body: bytes = b"",
              headers: dict[str, str] | None = None) -> None:
    answer = router.dispatch(Request(method, path, {}, {}, {
        "authorization": f"Bearer {token}", **(headers or {})}, body))
    if answer.status >= 300:
        raise RuntimeError(f"seeding {method} {path} failed: {answer.status} {answer.body!r}")


FAMILIES: dict[str, Callable[[Path], Family]] = {
    "messages": _messages,
    "agent_reports": _agent_reports,
    "rest_depository": _rest_depository,
    "rest_estimator": _rest_estimator,
    "rest_core": _rest_core,
    "rm_logs": _logs("rm"),
    "native_logs": _logs("native"),
    "config_values": lambda _work: Family(configuration.CASES, configuration.handle),
    "workload_files": workloads.family,
}
