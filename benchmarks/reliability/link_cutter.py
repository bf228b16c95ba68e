"""A TCP forwarder on loopback whose link can be cut: the agents reach the core through it, so
an outage of their network alone (the core stays up) is one call.

While cut, it does not listen (a connect is refused, as from a host whose core is away) and
every open connection is closed; restored, it listens on the same port again.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class LinkCutter:
    def __init__(self, target_port: int, host: str = "127.0.0.1") -> None:
        self.host, self.target_port = host, target_port
        probe = socket.create_server((host, 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._server: socket.socket | None = None
        self.restore()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def cut(self) -> None:
        with self._lock:
            server, self._server = self._server, None
            doomed, self._open = self._open, set()
        if server is not None:
            server.close()
        for conn in doomed:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    def restore(self) -> None:
        server = socket.create_server((self.host, self.port), reuse_port=False)
        with self._lock:
            self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def close(self) -> None:
        self.cut()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection((self.host, self.target_port), timeout=5)
            except OSError:
                client.close()  # the core itself is down: the agent sees its link fail
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        for conn in (source, sink):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            with self._lock:
                self._open.discard(conn)
            conn.close()
