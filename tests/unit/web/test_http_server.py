"""The HTTP layer under the router: what a client sends before any handler runs."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
from yarn_elastic.web.router import HttpServer, Router, json_response


@pytest.fixture()
def port() -> Iterator[int]:
    router = Router()
    router.add("GET", "/x", lambda _request: json_response(200, {}))
    server = HttpServer(router, "127.0.0.1", 0, 1000)
    server.start()
    try:
        yield server.port
    finally:
        server.stop()


# Found with the fuzz runner's inputs over a real socket: "abc" got no answer at all (an
# exception in the handler thread) and "-1" held the thread reading until the client left.
@pytest.mark.parametrize("length", ["abc", "-1", "1.5", " "])
def test_a_content_length_that_is_no_byte_count_is_a_400(port: int, length: str) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
        client.sendall(f"GET /x HTTP/1.1\r\nHost: h\r\nContent-Length: {length}\r\n\r\n".encode())
        answer = client.recv(4096).decode()
        if length == " ":  # empty after stripping: no body, as without the header
            assert answer.startswith("HTTP/1.1 200"), answer
            return
        while chunk := client.recv(4096):  # the server closes after a refused length
            answer += chunk.decode()
    head, _, body = answer.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 400"), answer
    assert "Content-Length" in json.loads(body)["message"]
