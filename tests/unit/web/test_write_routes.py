"""Every route that changes stored state refuses a missing or a wrong token, and stores nothing.

The routes are not listed here: they are read from the routers the core and `yarn-elastic
estimator` build, so a write route added later is tested without anyone remembering to.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from yarn_elastic.commands.core import HttpGuards, build_router
from yarn_elastic.endpoint.service import CoreService
from yarn_elastic.estimator.http import add_routes as add_estimator_routes
from yarn_elastic.estimator.http import token_guard as estimator_guard
from yarn_elastic.hadoop_conf import read_configuration
from yarn_elastic.scheduling import minfrag_policy
from yarn_elastic.web.auth import TokenGuard
from yarn_elastic.web.router import Request, Router, UnguardedWriteError

from benchmarks.reliability.auth_probe import SECRETS, example_path, write_conf

HTTP_SECRETS = ("yarn.elastic.depository.token-file", "yarn.elastic.estimator.token-file")


def secured_conf(tmp_path: Path) -> dict[str, str]:
    return read_configuration([write_conf(tmp_path)])


def dump(db: Path) -> list[str]:
    with sqlite3.connect(db) as connection:
        return list(connection.iterdump())


@pytest.fixture()
def core_router(tmp_path: Path) -> Iterator[tuple[Router, Path]]:
    conf = secured_conf(tmp_path)
    router, closers = build_router(CoreService(minfrag_policy()), conf,
                                   HttpGuards.from_conf(conf, insecure=False))
    try:
        yield router, tmp_path / "core.db"
    finally:
        for close in closers:
            close()


@pytest.fixture()
def estimator_router(tmp_path: Path) -> Iterator[tuple[Router, Path]]:
    conf = secured_conf(tmp_path)
    router = Router()
    db = tmp_path / "estimator.db"
    service = add_estimator_routes(router, conf, estimator_guard(conf, insecure=False),
                                   db_path=db)
    try:
        yield router, db
    finally:
        service.store.close()


@pytest.mark.parametrize("which", ["core_router", "estimator_router"])
def test_every_write_route_refuses_a_missing_or_wrong_token(
        which: str, request: pytest.FixtureRequest) -> None:
    router, db = request.getfixturevalue(which)
    writes = [route for route in router.routes if route.writes]
    # The core: the agents' reports, translate, estimate and delete. The estimator: the last 3.
    assert len(writes) == (4 if which == "core_router" else 3)
    before = dump(db)
    for route in writes:
        path = example_path(route)
        for headers, status in (({}, 401), ({"authorization": "Bearer guess"}, 403),
                                ({"authorization": "Basic dXNhZ2Utc2VjcmV0"}, 403)):
            answer = router.dispatch(Request(route.method, path, {}, {}, headers, b"{}"))
            assert answer.status == status, (route.method, path, headers, answer.body)
    assert dump(db) == before


@pytest.mark.parametrize("which", ["core_router", "estimator_router"])
def test_each_write_route_takes_its_own_secret_and_not_the_other(
        which: str, request: pytest.FixtureRequest) -> None:
    router, _db = request.getfixturevalue(which)
    for route in (r for r in router.routes if r.writes):
        assert isinstance(route.guard, TokenGuard)
        own = route.guard.token
        assert own in SECRETS.values()
        other = next(SECRETS[key] for key in HTTP_SECRETS if SECRETS[key] != own)
        answer = router.dispatch(Request(route.method, example_path(route), {}, {},
                                         {"authorization": f"Bearer {other}"}, b"{}"))
        assert answer.status == 403, (route.method, route.pattern)


def test_the_agents_secret_posts_a_report_past_the_guard(
        core_router: tuple[Router, Path]) -> None:
    router, _db = core_router
    answer = router.dispatch(Request("POST", "/ws/v1/usage/reports", {}, {},
                                     {"authorization": "Bearer usage-secret"}, b"not gzip"))
    assert answer.status not in (401, 403)  # refused for its body, past the guard


def test_a_write_route_without_a_guard_is_refused_when_mounted() -> None:
    router = Router()
    with pytest.raises(UnguardedWriteError, match="DELETE /things/{id}"):
        router.add("DELETE", "/things/{id}", lambda request: NotImplemented)
    with pytest.raises(UnguardedWriteError, match="GET /computed"):
        router.add("GET", "/computed", lambda request: NotImplemented, stores=True)
    router.add("GET", "/things/{id}", lambda request: NotImplemented)  # a read needs none
    assert [route.writes for route in router.routes] == [False]
