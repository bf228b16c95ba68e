"""A tiny HTTP router over the standard library's threading server.

Why not a framework: the core serves a handful of JSON endpoints to agents and estimator
clients; the standard library does that in a few lines, and keeps the dependency list short.
Handlers are plain functions `Request -> Response`, so they are unit-tested without a socket.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, payload: Any) -> Response:
    return Response(status, json.dumps(payload, separators=(",", ":")).encode())


def error_response(status: int, message: str) -> Response:
    """Every error the core returns has the same shape: `{"error": <status>, "message": ...}`."""
    return json_response(status, {"error": status, "message": message})


Handler = Callable[[Request], Response]
# A guard answers a request with its refusal, or None to let it through (web/auth.py).
Guard = Callable[[Request], Response | None]
_READ_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str
    writes: bool  # changes stored state: always guarded
    guard: Guard | None
    regex: re.Pattern[str]
    handler: Handler


class UnguardedWriteError(ValueError):
    """A route that changes stored state was mounted without a guard: a bug, found at start."""


class Router:
    """Maps `METHOD /path/{param}` patterns to handlers."""

    def __init__(self) -> None:
        self._routes: list[Route] = []

    @property
    def routes(self) -> tuple[Route, ...]:
        return tuple(self._routes)

    def add(self, method: str, pattern: str, handler: Handler, *, guard: Guard | None = None,
            stores: bool = False) -> None:
        """Mount `handler`. A route writes when its method is not GET or HEAD, or when it
        `stores` what it computes; such a route needs a `guard`."""
        method = method.upper()
        writes = stores or method not in _READ_METHODS
        if writes and guard is None:
            raise UnguardedWriteError(f"{method} {pattern} changes stored state and needs a "
                                      "guard (web/auth.py TokenGuard)")
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern.rstrip("/") or "/")
        self._routes.append(
            Route(method, pattern, writes, guard, re.compile(f"^{regex}/?$"), handler))

    def dispatch(self, request: Request) -> Response:
        path_matched = False
        for route in self._routes:
            match = route.regex.match(request.path)
            if match is None:
                continue
            path_matched = True
            if route.method != request.method:
                continue
            params = {k: unquote(v) for k, v in match.groupdict().items()}
            bound = Request(
                request.method, request.path, params, request.query, request.headers, request.body
            )
            try:
                refusal = route.guard(bound) if route.guard is not None else None
                return refusal if refusal is not None else route.handler(bound)
            except Exception:  # a handler bug must not kill the server thread
                LOG.exception("handler for %s %s failed", request.method, request.path)
                return error_response(500, "internal error; see the core's log")
        if path_matched:
            return error_response(405, f"{request.method} is not allowed on {request.path}")
        return error_response(404, f"no such endpoint: {request.path}")


class HttpServer:
    """Runs a Router on a ThreadingHTTPServer in a daemon thread."""

    def __init__(self, router: Router, host: str, port: int, max_body_bytes: int) -> None:
        self._router = router
        self._max_body = max_body_bytes
        handler_class = self._make_handler_class()
        self._server = ThreadingHTTPServer((host, port), handler_class)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="yarn-elastic-http", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _make_handler_class(self) -> type[BaseHTTPRequestHandler]:
        router, max_body = self._router, self._max_body

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                given = self.headers.get("Content-Length") or "0"
                length = int(given) if given.strip().isdigit() else -1
                if length < 0:
                    # int() of "abc" raised here and dropped the connection unanswered, and
                    # rfile.read(-1) of "-1" held the thread until the client hung up.
                    response = error_response(
                        400, f"Content-Length {given!r} is not a number of bytes")
                    self.close_connection = True
                elif length > max_body:
                    response = error_response(
                        413, f"request body of {length} bytes is over the {max_body}-byte limit"
                    )
                    self.close_connection = True
                else:
                    body = self.rfile.read(length) if length else b""
                    request = Request(
                        self.command,
                        parts.path,
                        {},
                        parse_qs(parts.query),
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                    )
                    response = router.dispatch(request)
                self.send_response(response.status)
                self.send_header("Content-Type", response.content_type)
                self.send_header("Content-Length", str(len(response.body)))
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(response.body)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                LOG.debug("http: " + format, *args)

        return _Handler
