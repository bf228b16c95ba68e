"""Shared builders of usage reports for the depository tests (imported by name)."""
from __future__ import annotations

import itertools
from typing import Any

from yarn_elastic.depository.report import Limits
from yarn_elastic.depository.service import DepositoryLimits

NOW_MS = 1_700_000_000_000
APP = "application_1700000000000_0001"
CONTAINER = "container_e01_1700000000000_0001_01_000002"
_batches = itertools.count()


def sample(container_id: str = CONTAINER, ts_ms: int = NOW_MS, **overrides: Any) -> dict[str, Any]:
    record = {
        "container_id": container_id, "ts_ms": ts_ms, "cpu_cores": 1.0, "rss_bytes": 100 << 20,
        "pss_bytes": None, "disk_read_bps": 0.0, "disk_write_bps": 1000.0, "net_rx_bps": 10.0,
        "net_tx_bps": 20.0, "net_method": "ss", "progress": None, "pids": 2,
    }
    record.update(overrides)
    return record


def node_sample(ts_ms: int = NOW_MS) -> dict[str, Any]:
    return {
        "ts_ms": ts_ms, "cpu_cores_used": 1.5, "cpu_cores_total": 2.0,
        "mem_used_bytes": 1 << 30, "mem_total_bytes": 4 << 30, "mem_available_bytes": 3 << 30,
        "disk_read_bps": 0.0, "disk_write_bps": 5.0, "net_rx_bps": 1.0, "net_tx_bps": 2.0,
    }


def report(
    samples: list[dict[str, Any]] | None = None, containers: list[str] | None = None,
    batch_id: str | None = None, node: str = "node1:8041", **extra: Any,
) -> dict[str, Any]:
    samples = [sample()] if samples is None else samples
    if containers is None:
        containers = sorted({s["container_id"] for s in samples})
    body = {
        "schema": 1, "type": "usage_report",
        "batch_id": batch_id or f"b-{next(_batches)}", "node": node,
        "apps": [{"app_id": APP, "name": "nightly-etl", "type": "SPARK", "user": "alice",
                  "queue": "default"}],
        "containers": [{"container_id": c, "user": "alice"} for c in containers],
        "samples": samples, "node_samples": [node_sample()],
    }
    body.update(extra)
    return body


LIMITS = DepositoryLimits(
    report=Limits(max_samples=1000, max_clock_skew_ms=60_000), max_body_bytes=1 << 20,
    raw_retention_days=7.0, retention_check_ms=3_600_000,
)
