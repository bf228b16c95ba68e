from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from usage_reports import APP, CONTAINER, LIMITS, NOW_MS, report, sample
from yarn_elastic.depository.report import ReportError, parse_report
from yarn_elastic.depository.store import UsageStore

OTHER = "container_e01_1700000000000_0001_01_000003"


def ingest(store: UsageStore, payload: dict) -> int:
    result = store.ingest(parse_report(payload, NOW_MS, LIMITS.report, None), NOW_MS)
    assert not result.duplicate
    return result.samples_stored


def count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_the_database_is_one_wal_file_with_namespaced_tables(store: UsageStore) -> None:
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    assert tables and all(t.startswith("usage_") for t in tables)


def test_a_replayed_batch_is_accepted_but_not_counted_twice(store: UsageStore) -> None:
    payload = report(batch_id="node1-42")
    assert ingest(store, payload) == 2
    again = store.ingest(parse_report(payload, NOW_MS, LIMITS.report, None), NOW_MS)
    assert again.duplicate and again.samples_stored == 0
    assert count(store.path, "usage_samples") == 1


def test_unknown_containers_refuse_the_whole_report(store: UsageStore) -> None:
    payload = report(samples=[sample(), sample(OTHER)], containers=[CONTAINER])
    with pytest.raises(ReportError) as info:
        ingest(store, payload)
    assert info.value.status == 422 and OTHER in info.value.message
    for table in ("usage_samples", "usage_node_samples", "usage_containers", "usage_batches"):
        assert count(store.path, table) == 0, table


def test_a_container_declared_earlier_need_not_be_declared_again(store: UsageStore) -> None:
    ingest(store, report())
    # 1, not 2: the report's node sample has the same instant as the first one's, so is kept once.
    assert ingest(store, report(samples=[sample(ts_ms=NOW_MS + 3000)], containers=[])) == 1


def test_queries_cover_container_app_job_and_node(store: UsageStore) -> None:
    ingest(store, report(samples=[sample(ts_ms=NOW_MS - 3000 * i) for i in range(5)]
                         + [sample(OTHER, cpu_cores=2.0)]))
    curve = store.container_curve(CONTAINER, NOW_MS - 6000, NOW_MS)
    assert curve is not None and [p["ts_ms"] for p in curve] == [NOW_MS - 6000, NOW_MS - 3000,
                                                                  NOW_MS]
    app = store.app(APP)
    assert app is not None and app["containers"] == 2 and app["name"] == "nightly-etl"
    assert app["first_ms"] == NOW_MS - 12000 and app["last_ms"] == NOW_MS
    assert [c["container_id"] for c in store.app_containers(APP)] == [CONTAINER, OTHER]
    runs = store.job_runs("nightly-etl", user="alice")
    assert [r["app_id"] for r in runs] == [APP]
    assert store.job_runs("nightly-etl", user="bob") == []
    node = store.node_curve("node1:8041")
    assert node is not None and node[0]["cpu_cores_total"] == 2.0
    assert store.container_curve("container_1_1_1_1") is None


def test_runs_of_a_recurring_job_are_listed_oldest_first(store: UsageStore) -> None:
    second = "container_1700000000000_0007_01_000001"
    ingest(store, report())
    payload = report(samples=[sample(second, ts_ms=NOW_MS + 1000)])
    payload["apps"][0]["app_id"] = "application_1700000000000_0007"
    ingest(store, payload)
    runs = store.job_runs("nightly-etl")
    assert [r["app_id"] for r in runs] == [APP, "application_1700000000000_0007"]


def test_committed_reports_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "u.db"
    first = UsageStore(path)
    ingest(first, report(batch_id="keep-me"))
    first.close()
    reopened = UsageStore(path)
    assert reopened.container_curve(CONTAINER) is not None
    replay = reopened.ingest(
        parse_report(report(batch_id="keep-me"), NOW_MS, LIMITS.report, None), NOW_MS
    )
    assert replay.duplicate
    reopened.close()


def test_retention_folds_old_raw_samples_and_keeps_recent_ones(store: UsageStore) -> None:
    old = NOW_MS - 8 * 86_400_000
    ingest(store, report(samples=[sample(ts_ms=old + 3000 * i) for i in range(40)]
                         + [sample(ts_ms=NOW_MS)]))
    store.apply_retention(NOW_MS, raw_retention_days=7)
    curve = store.container_curve(CONTAINER)
    assert curve is not None
    minutes = [p for p in curve if p["resolution_ms"] == 60_000]
    assert sum(p["n"] for p in minutes) == 40
    assert [p["ts_ms"] for p in curve if p["resolution_ms"] == 0] == [NOW_MS]
