"""A stand-in for the ResourceManager's REST API (`GET /ws/v1/cluster/apps/{id}`), on a
loopback port in a thread, for the catch-up tests (imported by name)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PREFIX = "/ws/v1/cluster/apps/"


def app_report(app_id: str, state: str = "FINISHED", **fields: Any) -> dict[str, Any]:
    app = {
        "id": app_id, "user": "alice", "name": "nightly-etl", "queue": "default",
        "state": state, "finalStatus": "SUCCEEDED" if state == "FINISHED" else state,
        "applicationType": "SPARK", "applicationTags": "", "priority": 0,
        "startedTime": 1_699_999_900_000, "finishedTime": 1_699_999_990_000,
    }
    return {"app": app | fields}


class FakeRm:
    """Answers what `answers` holds per application id: a JSON-able body (200), an int (that
    status, empty body) or bytes (200, sent as they are); unknown ids get 404."""

    def __init__(self) -> None:
        self.answers: dict[str, object] = {}
        self.asked: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                app_id = self.path.removeprefix(PREFIX)
                fake.asked.append(app_id)
                answer = fake.answers.get(app_id, 404) if self.path.startswith(PREFIX) else 404
                status, body = (answer, b"") if isinstance(answer, int) else (
                    200, answer if isinstance(answer, bytes) else json.dumps(answer).encode())
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
