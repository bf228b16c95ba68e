"""The REST inputs of the core, the depository and the estimator: requests built from the
routes the real routers mount (so a route added later is fuzzed too), with path segments,
query strings, headers and bodies generated, sent to `Router.dispatch` in-process.

A 5xx is a crash. A 4xx must carry the one error shape (`{"error": status, "message": ...}`)
and a message naming what was wrong: a path segment, a query parameter, a field, the token.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from hypothesis import strategies as st
from yarn_elastic.web.router import Request, Response, Route, Router

from benchmarks.reliability.fuzzing import reports
from benchmarks.reliability.fuzzing.engine import ACCEPTED, Outcome, crash, refused
from benchmarks.reliability.fuzzing.mutation import EDGE_TEXT, VALUES, json_cases

# Tables whose rows may gain metadata from a later write: only their ids are kept.
_BY_ID = {"usage_apps": "app_id", "usage_containers": "container_id"}
_METHODS = ("GET", "POST", "PUT", "DELETE", "HEAD", "PATCH")
_PARAMS = ("since", "from_ms", "to_ms", "name", "user", "queue", "type")
VOCABULARY = re.compile(r"Authorization|token|endpoint|not allowed|report|pipeline|run|log|"
                        r"container|application|node|skyline|estimat|history")


def kept_rows(db: Path) -> dict[str, set[tuple[Any, ...]]]:
    """Every row of every table (ids only for _BY_ID), to tell afterwards what was lost."""
    with sqlite3.connect(db) as connection:
        tables = [t for (t,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        rows = {t: set(connection.execute(
            f"SELECT {_BY_ID.get(t, '*')} FROM {t}")) for t in tables}
    connection.close()
    return rows


def changed(before: dict[str, set[tuple[Any, ...]]], db: Path) -> list[str]:
    """Rows of `before` lost or altered, but for a stored estimation whose pipeline has since
    gained a run: the store deletes it then by design, so the next request solves again."""
    after = kept_rows(db)
    grown = {row[1] for row in after.get("estimator_history", set())
             - before.get("estimator_history", set())}
    lost = {table: rows - after.get(table, set()) for table, rows in before.items()}
    lost["estimator_estimation"] = {row for row in lost.get("estimator_estimation", set())
                                    if row[0] not in grown}
    return [f"{table} lost {str(row)[:200]}" for table, rows in lost.items() for row in rows]


def answer(response: Response, names: Sequence[str]) -> Outcome:
    """The outcome of a non-5xx answer: accepted, or a refusal in the one error shape."""
    if response.status >= 500:
        return crash(f"{response.status}: {response.body[:300]!r}")
    if response.status < 400:
        return ACCEPTED
    try:
        body = json.loads(response.body)
        message = body["message"]
        shaped = body["error"] == response.status and isinstance(message, str)
    except (ValueError, KeyError, TypeError):
        shaped, message = False, response.body.decode("utf-8", "replace")
    if not shaped:
        return refused(f"not the error shape: {message}", lambda _: False)
    return refused(message, lambda m: bool(VOCABULARY.search(m) or reports.NAMED.search(m))
                   or any(n and n in m for n in names))


_raw = st.one_of(st.text(max_size=12), EDGE_TEXT, st.from_regex(r"[a-z0-9_]{1,20}",
                                                                fullmatch=True))
# As a client would send a segment (percent-encoded UTF-8), or bytes the server took as latin-1.
SEGMENTS = st.one_of(
    _raw.map(lambda s: quote(s.encode("utf-8", "surrogatepass"), safe="")),
    st.binary(min_size=1, max_size=8).map(lambda b: b.decode("latin-1")),
    st.sampled_from(["%", "%zz", "%ff%fe", "%00", "..", "*", "%2F", "~"]))


@st.composite
def requests(draw: st.DrawFn, routes: Sequence[Route], tokens: dict[str, str],
             known: Sequence[str], kept: Sequence[str]) -> Request:
    """A request on one of `routes` (or a path no route has); `tokens` maps a route pattern's
    start to the secret its guard wants, `known` holds ids and paths worth hitting, and
    `kept` the ids of stored records, used in reads only: deleting one would be a right."""
    route = draw(st.sampled_from(routes))
    method = route.method if draw(st.integers(0, 4)) else draw(st.sampled_from(_METHODS))
    worth = [*known, *kept] if method in ("GET", "HEAD") else list(known)
    segment = st.one_of(SEGMENTS, st.sampled_from(worth).map(lambda s: quote(s, safe="/")))
    path = re.sub(r"\{\w+\}", lambda _: draw(segment), route.pattern)
    path = re.sub(r"\(\?P<\w+>[^)]*\)", lambda _: draw(segment), path)
    if draw(st.integers(0, 9)) == 0:
        path = draw(st.sampled_from(["/", "/ws/v1/", path + "/x", path.upper()]))
    token = next((t for prefix, t in tokens.items() if route.pattern.startswith(prefix)), "")
    headers = {"authorization": draw(st.sampled_from(
        [f"Bearer {token}"] * 6 + ["", "Bearer wrong", f"bearer  {token} ", "Basic eA=="]))}
    # Parsed as HttpServer parses it, so values are what a socket can deliver (no surrogates).
    pairs = draw(st.lists(st.tuples(st.one_of(st.sampled_from(_PARAMS), _raw),
                                    _raw | st.integers().map(str)), max_size=4))
    query = parse_qs("&".join(f"{_wire(k)}={_wire(v)}" for k, v in pairs))
    if route.pattern.endswith("/reports"):
        body, encoding, sent_at = draw(reports.cases())
        headers |= {k: _latin1(v) for k, v in (("content-encoding", encoding),
                                               ("x-sent-at", sent_at)) if v is not None}
    else:
        body = draw(st.one_of(st.just(b""), st.binary(max_size=32), json_cases(VALUES)))
    return Request(method, path, {}, query, {k: v for k, v in headers.items() if v}, body)


def _wire(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def _latin1(text: str) -> str:
    """A header as http.server hands it over: its bytes read as ISO-8859-1."""
    return text.encode("utf-8", "surrogatepass").decode("latin-1")


def handler(router: Router) -> Callable[[Request], Outcome]:
    def handle(request: Request) -> Outcome:
        names = [*request.query, request.method, *request.path.split("/")]
        return answer(router.dispatch(request), names)

    return handle
