from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from yarn_elastic.depository.downsample import (
    CONTAINER_RULE,
    MINUTE_MS,
    downsample,
    merge,
    retention_cutoff,
)
from yarn_elastic.depository.report import SAMPLE_COLUMNS, ContainerInfo, Report
from yarn_elastic.depository.store import UsageStore

BASE = 1_700_000_040_000 - 1_700_000_040_000 % MINUTE_MS
CONTAINER = "container_1700000000000_0001_01_000002"


def raw(ts: int, cpu: float, rss: int, method: str = "ss") -> dict[str, object]:
    return {"ts_ms": ts, "cpu_cores": cpu, "rss_bytes": rss, "pss_bytes": None,
            "disk_read_bps": 0.0, "disk_write_bps": 10.0, "net_rx_bps": None,
            "net_tx_bps": 4.0, "net_method": method, "progress": None, "pids": 1}


def test_a_minute_keeps_mean_and_peak_and_counts_samples() -> None:
    rows = [raw(BASE, 1.0, 100), raw(BASE + 3000, 3.0, 300), raw(BASE + MINUTE_MS, 2.0, 50)]
    minutes = downsample(rows, CONTAINER_RULE)
    first = minutes[BASE]
    assert first["n"] == 2
    assert first["cpu_cores"] == 2.0 and first["cpu_cores_max"] == 3.0
    assert first["rss_bytes"] == 200 and first["rss_bytes_max"] == 300
    assert first["net_rx_bps"] is None
    assert minutes[BASE + MINUTE_MS]["n"] == 1


def test_mixed_network_methods_are_flagged() -> None:
    minutes = downsample([raw(BASE, 1, 1, "ss"), raw(BASE + 1, 1, 1, "node")], CONTAINER_RULE)
    assert minutes[BASE]["net_method"] == "mixed"


def test_late_samples_merge_weighted_by_count() -> None:
    old = downsample([raw(BASE, 1.0, 100), raw(BASE + 1, 1.0, 100)], CONTAINER_RULE)[BASE]
    new = downsample([raw(BASE + 2, 4.0, 400)], CONTAINER_RULE)[BASE]
    merged = merge(old, new, CONTAINER_RULE)
    assert merged["n"] == 3 and merged["cpu_cores"] == 2.0 and merged["rss_bytes_max"] == 400


def test_cutoff_is_a_minute_boundary() -> None:
    assert retention_cutoff(BASE + 12_345 + 86_400_000, 1.0) == BASE


def _store_rows(store: UsageStore, rows: list[dict[str, object]]) -> None:
    samples = [(CONTAINER, *(r[c] for c in SAMPLE_COLUMNS)) for r in rows]
    report = Report(
        batch_id=f"b{len(rows)}-{rows[0]['ts_ms']}", node="n1", apps=[],
        containers=[ContainerInfo(CONTAINER, "application_1700000000000_0001", None)],
        samples=samples, node_samples=[],  # type: ignore[arg-type]
    )
    store.ingest(report, BASE)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5 * MINUTE_MS), st.floats(0, 64), st.integers(0, 1 << 40)),
        min_size=1, max_size=40, unique_by=lambda t: t[0],
    ),
    st.integers(0, 4),
)
def test_sqlite_downsampling_equals_the_reference(
    tmp_path_factory: object, points: list[tuple[int, float, int]], split: int
) -> None:
    path = Path(tmp_path_factory.mktemp("ds")) / "u.db"  # type: ignore[attr-defined]
    store = UsageStore(path, synchronous="NORMAL")
    rows = [raw(BASE + ts, cpu, rss) for ts, cpu, rss in points]
    # Two passes with a late batch in between exercise the merge of an existing minute.
    first, late = rows[: len(rows) // 2 + 1], rows[len(rows) // 2 + 1:]
    far_future = BASE + 10 * MINUTE_MS + 86_400_000
    _store_rows(store, first)
    store.apply_retention(far_future, 1.0)
    if late:
        _store_rows(store, late)
        store.apply_retention(far_future, 1.0)
    curve = store.container_curve(CONTAINER)
    store.close()
    assert curve is not None
    expected = downsample(rows, CONTAINER_RULE)
    assert [p["ts_ms"] for p in curve] == sorted(expected)
    for point in curve:
        want = expected[point["ts_ms"]]
        assert point["resolution_ms"] == MINUTE_MS
        assert point["n"] == want["n"]
        for key in ("cpu_cores", "rss_bytes"):
            assert abs(point[key] - want[key]) <= 1e-6 * max(1.0, abs(want[key]))
        for key in ("cpu_cores_max", "rss_bytes_max"):
            assert point[key] == want[key]
