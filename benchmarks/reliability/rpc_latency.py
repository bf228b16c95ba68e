"""The ResourceManager's own view of how long its RPC calls take, from its RPC metrics.

With `rpc.metrics.quantile.enable` and `rpc.metrics.percentiles.intervals`, Hadoop's RPC
server keeps, per port, the 50th to 99th percentile of each call's response time (queue,
processing and reply) over rolling windows (hadoop-common 3.4.1 RpcMetrics). The scheduler
port serves only ApplicationMasters (allocate, and register/finish once per attempt), the
resource-tracker port only NodeManagers (nodeHeartbeat), so each port's figures are the AM
allocate call's and the node heartbeat's. The RM publishes no maximum: the largest 99th
percentile of any window is the closest figure it has to a worst stall.
"""

from __future__ import annotations

import contextlib
import statistics
import threading
from dataclasses import dataclass
from typing import Any

import requests
from yarn_elastic.devcluster.polling import BackgroundPoller

WINDOW_SECONDS = 10
RPC_PROPERTIES = {
    "rpc.metrics.quantile.enable": "true",
    "rpc.metrics.percentiles.intervals": str(WINDOW_SECONDS),
}
PREFIX = f"RpcResponseTime{WINDOW_SECONDS}s"


@dataclass(frozen=True)
class Window:
    calls: int
    p50_ms: float
    p99_ms: float


class RpcLatencySampler(BackgroundPoller):
    """Reads each port's latest window from the RM's /jmx, and keeps each window once (the
    metrics cache is read more often than a window turns over)."""

    def __init__(self, rm_web_url: str, ports: dict[str, int]) -> None:
        super().__init__("rpc-latency", WINDOW_SECONDS / 3)
        self._url = f"{rm_web_url}/jmx"
        self._ports = ports
        self._last: dict[str, tuple[float, ...]] = {}
        self._windows: dict[str, list[Window]] = {name: [] for name in ports}
        self._lock = threading.Lock()

    def poll_once(self) -> None:
        for name, port in self._ports.items():
            bean = self._bean(port)
            if bean is None or not bean.get(f"{PREFIX}NumOps"):
                continue
            key = tuple(float(bean.get(f"{PREFIX}{k}", 0)) for k in
                        ("NumOps", "50thPercentileLatency", "99thPercentileLatency"))
            with self._lock:
                if self._last.get(name) != key:
                    self._last[name] = key
                    self._windows[name].append(Window(int(key[0]), key[1], key[2]))

    def poll_quietly(self) -> None:
        # The RM is restarting, or busy: the next poll reads the window this one missed.
        with contextlib.suppress(requests.RequestException, ValueError):
            self.poll_once()

    def _bean(self, port: int) -> dict[str, Any] | None:
        query = f"Hadoop:service=ResourceManager,name=RpcActivityForPort{port}"
        response = requests.get(self._url, params={"qry": query}, timeout=5)
        beans = response.json().get("beans", []) if response.status_code == 200 else []
        return beans[0] if beans else None

    def summary(self) -> dict[str, dict[str, float | int]]:
        with self._lock:
            windows = {name: list(found) for name, found in self._windows.items()}
        return {name: summarize(found) for name, found in windows.items()}


def summarize(windows: list[Window]) -> dict[str, float | int]:
    if not windows:
        return {"windows": 0, "calls": 0}
    return {
        "windows": len(windows),
        "calls": sum(w.calls for w in windows),
        "p50_ms_median": round(statistics.median(w.p50_ms for w in windows), 2),
        "p99_ms_median": round(statistics.median(w.p99_ms for w in windows), 2),
        "p99_ms_max": round(max(w.p99_ms for w in windows), 2),
    }
