"""The Py4J edge: a ClientServer (pinned-thread mode) whose Python side serves `exchange`.

The shim fetches the entry point with `clientServer.getPythonServerEntryPoint(...)`, so the
core never connects to the JVM on its own; it only listens on loopback with the shared token.
Accepted sockets get TCP_NODELAY: Py4J writes in 8 KiB pieces and Nagle plus delayed ACK
would add ~40 ms to every plan bigger than that (ecosystem notes, py4j#516).
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
from typing import Any

from py4j.clientserver import ClientServer, JavaParameters, PythonParameters
from py4j.java_gateway import server_connection_started

from yarn_elastic.endpoint.service import CoreService

LOG = logging.getLogger(__name__)


class CoreEndpoint:
    """What Java sees as `org.yarnelastic.shim.CoreEndpoint`."""

    def __init__(self, service: CoreService) -> None:
        self._service = service

    def exchange(self, message: bytes | bytearray) -> bytearray:
        # bytearray is what Py4J passes back to Java as byte[] in all versions.
        return bytearray(self._service.exchange(message))

    class Java:
        implements = ["org.yarnelastic.shim.CoreEndpoint"]


def _set_nodelay(sender: Any, connection: Any = None, **_: Any) -> None:
    sock = getattr(connection, "socket", None)
    if sock is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as exc:  # a closed socket is the connection's problem, not ours
            LOG.debug("could not set TCP_NODELAY: %s", exc)


class Py4JEndpoint:
    def __init__(
        self,
        service: CoreService,
        python_port: int,
        auth_token: str,
        address: str = "127.0.0.1",
    ) -> None:
        self._service = service
        self._python_port = python_port
        self._token = auth_token
        self._address = address
        self._server: ClientServer | None = None

    def start(self) -> int:
        server_connection_started.connect(_set_nodelay)
        self._server = ClientServer(
            # The core never calls into Java and the shim runs no Java server, so these
            # parameters are never dialled; Py4J still wants them.
            java_parameters=JavaParameters(
                address=self._address, auth_token=self._token,
                auto_convert=False, eager_load=False,
            ),
            python_parameters=PythonParameters(
                address=self._address, port=self._python_port, auth_token=self._token,
                daemonize=True, daemonize_connections=True,
            ),
            python_server_entry_point=CoreEndpoint(self._service),
        )
        port = self.port
        LOG.info("Py4J endpoint listening on %s:%d", self._address, port)
        return port

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("endpoint not started")
        python_server = self._server.get_callback_server()
        return int(python_server.get_listening_port())

    def stop(self) -> None:
        if self._server is not None:
            # Only the Python server: ClientServer.shutdown() would first dial the Java side to
            # say goodbye, and the shim deliberately runs no Java server to dial.
            self._server.shutdown_callback_server()
            self._server = None


def exit_when_stdin_closes(on_eof: threading.Event) -> threading.Thread:
    """Set `on_eof` when stdin reaches end of file: the launching shim has gone away."""

    def watch() -> None:
        try:
            while os.read(sys.stdin.fileno(), 4096):
                pass
        except (OSError, ValueError):
            pass
        LOG.info("stdin closed: the process that started the core is gone; stopping")
        on_eof.set()

    thread = threading.Thread(target=watch, name="stdin-eof-watch", daemon=True)
    thread.start()
    return thread
