"""Building the usage report batches the agent sends (schema 1, see docs/depository.md)."""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from yarn_elastic.depository.report import REPORT_TYPE, SCHEMA, app_id_of


def new_batch_id(node_id: str) -> str:
    """Unique per batch and stable across retries: the depository's idempotency key."""
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in node_id)[:60]
    return f"{safe}-{uuid.uuid4().hex}"


def build_reports(
    node_id: str,
    samples: Sequence[dict[str, Any]],
    node_samples: Sequence[dict[str, Any]],
    users: Mapping[str, str | None],
    apps: Mapping[str, Mapping[str, Any]],
    max_samples: int,
) -> list[dict[str, Any]]:
    """Split samples into reports of at most `max_samples`, each declaring its containers."""
    reports = []
    chunk_size = max(1, max_samples - len(node_samples))
    chunks = [samples[i: i + chunk_size] for i in range(0, len(samples), chunk_size)] or [[]]
    for index, chunk in enumerate(chunks):
        container_ids = sorted({s["container_id"] for s in chunk})
        app_ids = sorted({app_id_of(c) for c in container_ids})
        reports.append({
            "schema": SCHEMA, "type": REPORT_TYPE, "batch_id": new_batch_id(node_id),
            "node": node_id,
            "apps": [
                {"app_id": a, **{k: apps[a].get(k) for k in ("name", "type", "user", "queue")}}
                for a in app_ids if a in apps
            ],
            "containers": [{"container_id": c, "user": users.get(c)} for c in container_ids],
            "samples": list(chunk),
            "node_samples": list(node_samples) if index == 0 else [],
        })
    return reports


def encode(report: Mapping[str, Any]) -> bytes:
    return gzip.compress(json.dumps(report, separators=(",", ":")).encode(), compresslevel=6)
