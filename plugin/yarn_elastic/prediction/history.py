"""Turning the usage depository's measurements into runs the predictors learn from (an edge).

A run is one YARN application; its containers are grouped by role: the container whose id ends
in `_000001` is the ApplicationMaster (YARN allocates it first), every other one an executor.
Each container's samples are averaged into slots of `slot_ms` from the container's own start,
then a role's containers are averaged (`mean_container_curve`).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from yarn_elastic.depository.store import UsageStore
from yarn_elastic.messages import is_am_container
from yarn_elastic.prediction.runs import AM_ROLE, EXECUTOR_ROLE, Run, mean_container_curve
from yarn_elastic.prediction.signature import JobSignature
from yarn_elastic.resources import CurveArray

LOG = logging.getLogger("yarn_elastic.prediction")
MB = float(1 << 20)


def role_of(container_id: str) -> str:
    return AM_ROLE if is_am_container(container_id) else EXECUTOR_ROLE


def samples_to_curve(points: list[dict[str, Any]], slot_ms: int) -> CurveArray | None:
    """Slot means of the depository's samples (raw or 1-minute rows alike), or None if empty."""
    if not points:
        return None
    start = min(int(p["ts_ms"]) for p in points)
    slots = (max(int(p["ts_ms"]) for p in points) - start) // slot_ms + 1
    sums = np.zeros((4, slots))
    counts = np.zeros(slots)
    for p in points:
        slot = (int(p["ts_ms"]) - start) // slot_ms
        sums[:, slot] += (
            float(p.get("cpu_cores") or 0.0),
            float(p.get("rss_bytes") or 0.0) / MB,
            (float(p.get("disk_read_bps") or 0.0) + float(p.get("disk_write_bps") or 0.0)) / MB,
            (float(p.get("net_rx_bps") or 0.0) + float(p.get("net_tx_bps") or 0.0)) / MB,
        )
        counts[slot] += 1
    filled = counts > 0
    # Slots without a sample (agent restart) take the previous slot's value.
    curve = np.zeros_like(sums)
    last = np.zeros(4)
    for slot in range(slots):
        if filled[slot]:
            last = sums[:, slot] / counts[slot]
        curve[:, slot] = last
    return curve


def run_of_app(
    store: UsageStore, app_id: str, signature: JobSignature, finished_ms: int,
    slot_ms: int, input_bytes: float | None = None,
) -> Run | None:
    """One application's run from its stored samples, or None if none were stored."""
    by_role: dict[str, list[CurveArray]] = {}
    for container in store.app_containers(app_id):
        points = store.container_curve(container["container_id"]) or []
        curve = samples_to_curve(points, slot_ms)
        if curve is not None:
            by_role.setdefault(role_of(container["container_id"]), []).append(curve)
    if not by_role:
        return None
    return Run(
        signature, app_id, finished_ms,
        {role: mean_container_curve(curves) for role, curves in by_role.items()},
        input_bytes, {role: len(curves) for role, curves in by_role.items()},
    )


def runs_from_depository(
    store: UsageStore, signature: JobSignature, slot_ms: int,
) -> list[Run]:
    """Every finished application named like the signature (same user/queue/type if known)."""
    runs = []
    for app in store.job_runs(signature.app_name, signature.user, signature.queue,
                              signature.app_type):
        run = run_of_app(store, app["app_id"], signature, int(app["last_ms"] or 0), slot_ms)
        if run is None:
            LOG.info("application %s has no usage samples; skipped", app["app_id"])
            continue
        runs.append(run)
    return runs
