"""Agent reports (`POST /ws/v1/usage/reports`, docs/depository.md) into a real depository on
SQLite, which holds records stored before the fuzz: none of them may be lost or changed.

The reports are built as the agent builds them, then mutated, damaged, gzipped or not, with
a right, wrong or missing Content-Encoding and X-Sent-At. Some are replays of the stored
batches with their numbers changed: a replay must be recognised and store nothing.
"""

from __future__ import annotations

import gzip
import json
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from yarn_elastic.depository import config
from yarn_elastic.depository.report import Limits, ReportError
from yarn_elastic.depository.service import Depository, DepositoryLimits
from yarn_elastic.depository.store import UsageStore

from benchmarks.reliability.fuzzing.engine import ACCEPTED, Outcome, refused
from benchmarks.reliability.fuzzing.mutation import EDGE_TEXT, json_cases

NOW_MS = 1_700_000_000_000
# Refusals name a field (`samples[3].ts_ms`), a header, or the report as a whole.
NAMED = re.compile(r"report|batch|X-Sent-At|Content-Encoding|gzip|samples|apps|containers|"
                   r"\w\.\w")
# Measurements are never overwritten (first write wins); app and container rows may gain
# metadata from a later report, so of those only their existence is checked.
KEPT_WHOLE = ("usage_samples", "usage_samples_1m", "usage_node_samples",
              "usage_node_samples_1m", "usage_batches", "usage_nodes")
KEPT_BY_ID = {"usage_apps": "app_id", "usage_containers": "container_id"}


def _sample(container: str, ts_ms: int, cpu: float, rss: int) -> dict[str, Any]:
    return {"container_id": container, "ts_ms": ts_ms, "cpu_cores": cpu, "rss_bytes": rss,
            "pss_bytes": None, "disk_read_bps": 0.0, "disk_write_bps": 1000.0,
            "net_rx_bps": 10.0, "net_tx_bps": 20.0, "net_method": "ss", "progress": None,
            "pids": 2}


def _node_sample(ts_ms: int) -> dict[str, Any]:
    return {"ts_ms": ts_ms, "cpu_cores_used": 1.5, "cpu_cores_total": 2.0,
            "mem_used_bytes": 1 << 30, "mem_total_bytes": 4 << 30,
            "mem_available_bytes": 3 << 30, "disk_read_bps": 0.0, "disk_write_bps": 5.0,
            "net_rx_bps": 1.0, "net_tx_bps": 2.0}


def report(batch: str, node: str, cluster: int, app: int, samples: list[tuple[int, float, int]],
           ) -> dict[str, Any]:
    """A report of one app's containers; `samples` are (container number, cpu, rss)."""
    app_id = f"application_{cluster}_{app:04d}"
    containers = sorted({n for n, _, _ in samples})
    cid = {n: f"container_e01_{cluster}_{app:04d}_01_{n:06d}" for n in containers}
    return {
        "schema": 1, "type": "usage_report", "batch_id": batch, "node": node,
        "apps": [{"app_id": app_id, "name": "nightly-etl", "type": "SPARK", "user": "alice",
                  "queue": "default"}],
        "containers": [{"container_id": cid[n], "user": "alice"} for n in containers],
        "samples": [_sample(cid[n], NOW_MS - 1000 * i, cpu, rss)
                    for i, (n, cpu, rss) in enumerate(samples)],
        "node_samples": [_node_sample(NOW_MS - 3000 * i) for i in range(2)],
    }


# What the store holds before the fuzz: its own cluster timestamp, which generated reports
# never use, so only the replays below touch these records.
KEPT = [report(f"kept-{i}", f"kept-node-{i}:8041", 1111111111111, i + 1,
               [(1, 0.5, 100 << 20), (2, 1.0, 200 << 20)]) for i in range(3)]

_sample_spec = st.tuples(st.integers(1, 6), st.floats(0, 64), st.integers(0, 1 << 40))
generated = st.builds(
    report, st.from_regex(r"[A-Za-z0-9._:-]{1,20}", fullmatch=True),
    st.one_of(st.sampled_from(["nm-1:8041", "nm-2:8041"]), st.text(min_size=1, max_size=10)),
    st.just(1700000000000), st.integers(1, 50), st.lists(_sample_spec, max_size=6))
VALID = st.one_of(generated, generated, st.sampled_from(KEPT))


@st.composite
def cases(draw: st.DrawFn) -> tuple[bytes, str | None, str | None]:
    body = draw(json_cases(VALID))
    encoding = draw(st.sampled_from([None, "gzip", "gzip", "identity", "br", " GZIP "]))
    if encoding is not None and "gzip" in encoding.lower() and draw(st.integers(0, 9)):
        body = gzip.compress(body, compresslevel=1)
    sent_at = draw(st.one_of(st.none(), st.just(str(NOW_MS)), st.integers().map(str),
                             EDGE_TEXT))
    return body, encoding, sent_at


class KeptStore:
    """A depository on a store seeded with KEPT; `changed()` counts kept rows lost or altered."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "usage.db"
        self.store = UsageStore(self.path, "NORMAL")  # FULL would fsync every fuzz case
        limits = DepositoryLimits(
            report=Limits(config.MAX_BATCH_SAMPLES.default, config.MAX_CLOCK_SKEW_MS.default),
            max_body_bytes=config.MAX_BATCH_BYTES.default,
            raw_retention_days=config.RAW_RETENTION_DAYS.default,
            retention_check_ms=config.RETENTION_CHECK_MS.default)
        self.depository = Depository(self.store, limits, clock=lambda: NOW_MS)
        for body in KEPT:
            self.depository.ingest(gzip.compress(_dumps(body)), "gzip", None)
        self.before = self._rows()

    def _rows(self) -> dict[str, set[tuple[Any, ...]]]:
        with sqlite3.connect(self.path) as db:
            rows = {t: set(db.execute(f"SELECT * FROM {t}")) for t in KEPT_WHOLE}
            rows |= {t: set(db.execute(f"SELECT {c} FROM {t}")) for t, c in KEPT_BY_ID.items()}
        db.close()
        return rows

    def changed(self) -> list[str]:
        after = self._rows()
        return [f"{table} lost {str(row)[:200]}" for table, rows in self.before.items()
                for row in rows - after[table]]

    def close(self) -> None:
        self.store.close()


def _dumps(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()


Case = tuple[bytes, str | None, str | None]


def handler(kept: KeptStore) -> Callable[[Case], Outcome]:
    def handle(case: Case) -> Outcome:
        try:
            kept.depository.ingest(*case)
        except ReportError as exc:
            if not 400 <= exc.status < 500:
                return refused(f"status {exc.status}: {exc.message}", lambda _: False)
            return refused(exc.message, lambda m: bool(NAMED.search(m)))
        return ACCEPTED

    return handle
