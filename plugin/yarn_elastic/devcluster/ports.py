"""Free loopback ports, so that two clusters (the demo and a test) never collide."""

from __future__ import annotations

import socket
from contextlib import ExitStack


def free_loopback_ports(count: int) -> list[int]:
    """Return `count` distinct ports that were free on 127.0.0.1 a moment ago.

    All sockets are held open until every port is chosen, so the kernel cannot hand the same
    port out twice; the window between closing them and the JVMs binding is small.
    """
    with ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind(("127.0.0.1", 0))
            ports.append(sock.getsockname()[1])
        return ports
