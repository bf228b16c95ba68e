"""History read from a real usage depository (SQLite store, reports parsed as the core does)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from yarn_elastic.depository.report import Limits, parse_report
from yarn_elastic.depository.store import UsageStore
from yarn_elastic.prediction.history import role_of, runs_from_depository
from yarn_elastic.prediction.signature import JobSignature

NOW = 1_700_000_000_000
APP = "application_1700000000000_0007"
AM = "container_e01_1700000000000_0007_01_000001"
EXEC = ["container_e01_1700000000000_0007_01_000002", "container_e01_1700000000000_0007_01_000003"]


def sample(container: str, ts: int, cpu: float, rss_mb: float) -> dict[str, object]:
    return {
        "container_id": container, "ts_ms": ts, "cpu_cores": cpu, "rss_bytes": int(rss_mb) << 20,
        "pss_bytes": None, "disk_read_bps": 1 << 20, "disk_write_bps": 1 << 20,
        "net_rx_bps": 0.0, "net_tx_bps": float(1 << 20), "net_method": "ss", "progress": None,
        "pids": 1,
    }


def test_runs_from_depository_groups_roles_and_slots(tmp_path: Path) -> None:
    samples = [sample(AM, NOW - 20_000 + t * 1000, 0.1, 300) for t in range(10)]
    for i, container in enumerate(EXEC):
        samples += [sample(container, NOW - 20_000 + t * 1000, 1.0 + i, 1000) for t in range(10)]
    payload = {
        "schema": 1, "type": "usage_report", "batch_id": "b1", "node": "nm1:8041",
        "apps": [{"app_id": APP, "name": "etl", "type": "SPARK", "user": "alice",
                  "queue": "default"}],
        "containers": [{"container_id": c, "user": "alice"} for c in [AM, *EXEC]],
        "samples": samples, "node_samples": [],
    }
    store = UsageStore(tmp_path / "core.db")
    store.ingest(parse_report(payload, NOW, Limits(10_000, 60_000), None), NOW)
    runs = runs_from_depository(store, JobSignature("etl", "SPARK", "default", "alice"),
                                5000)
    store.close()
    assert len(runs) == 1
    run = runs[0]
    assert run.run_id == APP and run.containers == {"am": 1, "executor": 2}
    executor = run.roles["executor"]
    assert executor.shape == (4, 2)
    np.testing.assert_allclose(executor[:, 0], [1.5, 1000, 2, 1])
    np.testing.assert_allclose(run.roles["am"][0], [0.1, 0.1])


def test_role_of() -> None:
    assert role_of(AM) == "am" and role_of(EXEC[0]) == "executor"
