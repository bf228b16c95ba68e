"""Hadoop's skyline store semantics on SQLite, persistence, and the staleness fix."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from yarn_elastic.estimator.skyline import RecurrenceId, Resource, ResourceSkyline, RleSkyline
from yarn_elastic.estimator.store import (
    DuplicateRecurrenceIdError,
    EmptyResourceSkylineError,
    NullPipelineIdError,
    NullRecurrenceIdError,
    NullResourceSkylineError,
    NullRleError,
    RecurrenceIdNotFoundError,
    SkylineStoreError,
    SqliteSkylineStore,
    StoredDataError,
)

ONE = Resource(1024, 1)


def job(job_id: str, count: int = 1) -> ResourceSkyline:
    skyline = RleSkyline.from_intervals([(0, 5, ONE), (5, 10, ONE.times(count))])
    return ResourceSkyline(job_id, 0.0, 0, 10, ONE, skyline)


@pytest.fixture
def store(tmp_path: Path) -> SqliteSkylineStore:
    return SqliteSkylineStore(tmp_path / "depository.db")


def test_add_and_get_with_wildcards(store: SqliteSkylineStore) -> None:
    store.add_history(RecurrenceId("fraud", "1"), [job("a")])
    store.add_history(RecurrenceId("fraud", "2"), [job("b"), None, job("c")])
    store.add_history(RecurrenceId("etl", "1"), [job("d")])
    one = store.get_history(RecurrenceId("fraud", "2"))
    assert one is not None and [j.job_id for j in one[RecurrenceId("fraud", "2")]] == ["b", "c"]
    runs = store.get_history(RecurrenceId("fraud", "*"))
    assert runs is not None
    assert list(runs) == [RecurrenceId("fraud", "1"), RecurrenceId("fraud", "2")]
    everything = store.get_history(RecurrenceId("*", "some random runId"))
    assert everything is not None and len(everything) == 3
    assert store.get_history(RecurrenceId("nope", "*")) is None
    assert store.get_history(RecurrenceId("fraud", "9")) is None


def test_round_trip_keeps_skyline_and_terminator(store: SqliteSkylineStore) -> None:
    lone = ResourceSkyline("x", 1.5, 7, 9, Resource(1800, 2), RleSkyline().add_interval(0, 5, ONE))
    store.add_history(RecurrenceId("p", "r"), [lone, job("y", 3)])
    got = store.get_history(RecurrenceId("p", "r"))
    assert got is not None and got[RecurrenceId("p", "r")] == [lone, job("y", 3)]


def test_all_null_list_is_a_silent_no_op(store: SqliteSkylineStore) -> None:
    store.add_history(RecurrenceId("p", "r"), [None])
    assert store.get_history(RecurrenceId("p", "r")) is None


def test_duplicate_job_rejects_the_whole_add(store: SqliteSkylineStore) -> None:
    rid = RecurrenceId("p", "r")
    store.add_history(rid, [job("a")])
    with pytest.raises(DuplicateRecurrenceIdError, match="already holds job"):
        store.add_history(rid, [job("b"), job("a")])
    got = store.get_history(rid)
    assert got is not None and [j.job_id for j in got[rid]] == ["a"]
    store.add_history(rid, [job("b")])  # a new job of the same run is appended
    got = store.get_history(rid)
    assert got is not None and [j.job_id for j in got[rid]] == ["a", "b"]


def test_add_histories_is_all_or_nothing(store: SqliteSkylineStore) -> None:
    store.add_history(RecurrenceId("p", "2"), [job("b")])
    with pytest.raises(DuplicateRecurrenceIdError):
        store.add_histories(
            {RecurrenceId("p", "1"): [job("a")], RecurrenceId("p", "2"): [job("b")]}
        )
    assert store.get_history(RecurrenceId("p", "1")) is None


def test_null_arguments(store: SqliteSkylineStore) -> None:
    with pytest.raises(NullRecurrenceIdError):
        store.add_history(None, [job("a")])
    with pytest.raises(NullResourceSkylineError):
        store.add_history(RecurrenceId("p", "r"), None)
    with pytest.raises(NullRecurrenceIdError):
        store.get_history(None)
    with pytest.raises(NullRecurrenceIdError):
        store.delete_history(None)
    with pytest.raises(NullPipelineIdError):
        store.add_estimation(None, RleSkyline())
    with pytest.raises(NullRleError):
        store.add_estimation("p", None)
    with pytest.raises(NullPipelineIdError):
        store.get_estimation(None)


def test_update_history(store: SqliteSkylineStore) -> None:
    rid = RecurrenceId("p", "r")
    with pytest.raises(RecurrenceIdNotFoundError):
        store.update_history(rid, [job("a")])
    with pytest.raises(RecurrenceIdNotFoundError):  # existence is checked before emptiness
        store.update_history(rid, [None])
    store.add_history(rid, [job("a")])
    with pytest.raises(EmptyResourceSkylineError):
        store.update_history(rid, [None])
    with pytest.raises(NullResourceSkylineError):
        store.update_history(rid, None)
    store.update_history(rid, [job("z", 4)])
    got = store.get_history(rid)
    assert got is not None and got[rid] == [job("z", 4)]


def test_delete_is_exact_and_star_is_literal(store: SqliteSkylineStore) -> None:
    store.add_history(RecurrenceId("p", "r"), [job("a")])
    with pytest.raises(RecurrenceIdNotFoundError):
        store.delete_history(RecurrenceId("p", "*"))
    store.delete_history(RecurrenceId("p", "r"))
    assert store.get_history(RecurrenceId("p", "*")) is None
    with pytest.raises(RecurrenceIdNotFoundError, match="not in the skyline store"):
        store.delete_history(RecurrenceId("p", "r"))


def test_estimation_overwrites_and_persists(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    store = SqliteSkylineStore(path)
    assert store.get_estimation("p") is None
    store.add_estimation("p", RleSkyline().add_interval(0, 5, ONE), {"alpha": 0.1})
    store.add_estimation("p", RleSkyline().add_interval(0, 5, ONE.times(2)))
    store.add_history(RecurrenceId("q", "1"), [job("a")])
    store.close()
    reopened = SqliteSkylineStore(path)
    assert reopened.get_estimation("p") == RleSkyline().add_interval(0, 5, ONE.times(2))
    assert reopened.get_history(RecurrenceId("q", "1")) is not None


@pytest.mark.parametrize("change", ["add", "update", "delete"])
def test_history_change_invalidates_estimation(store: SqliteSkylineStore, change: str) -> None:
    store.add_history(RecurrenceId("p", "1"), [job("a")])
    store.add_estimation("p", RleSkyline().add_interval(0, 5, ONE))
    store.add_estimation("other", RleSkyline().add_interval(0, 5, ONE))
    if change == "add":
        store.add_history(RecurrenceId("p", "2"), [job("b")])
    elif change == "update":
        store.update_history(RecurrenceId("p", "1"), [job("b")])
    else:
        store.delete_history(RecurrenceId("p", "1"))
    assert store.get_estimation("p") is None
    assert store.get_estimation("other") is not None


def test_estimation_from_an_outdated_history_is_not_stored(store: SqliteSkylineStore) -> None:
    store.add_history(RecurrenceId("p", "1"), [job("a")])
    version = store.history_version("p")
    store.add_history(RecurrenceId("p", "2"), [job("b")])
    assert not store.add_estimation("p", RleSkyline(), history_version=version)
    assert store.get_estimation("p") is None
    assert store.add_estimation("p", RleSkyline(), history_version=store.history_version("p"))


def test_corrupt_row_is_reported_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    store = SqliteSkylineStore(path)
    store.add_history(RecurrenceId("p", "1"), [job("a")])
    store.close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE estimator_history SET skyline = '{not json'")
    store = SqliteSkylineStore(path)
    with pytest.raises(StoredDataError, match="estimator_history row seq=1"):
        store.get_history(RecurrenceId("p", "*"))
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM estimator_history").fetchone()[0] == 1


def test_tables_share_a_database_with_others(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE usage_samples (x INTEGER)")
        db.execute("INSERT INTO usage_samples VALUES (1)")
    SqliteSkylineStore(path).add_history(RecurrenceId("p", "1"), [job("a")])
    with sqlite3.connect(path) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert db.execute("SELECT x FROM usage_samples").fetchone() == (1,)
    assert {t for t in tables if not t.startswith("sqlite_")} == {
        "usage_samples", "estimator_schema", "estimator_history", "estimator_estimation"
    }


def test_unknown_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    SqliteSkylineStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE estimator_schema SET version = 99")
    with pytest.raises(StoredDataError, match="schema version 99"):
        SqliteSkylineStore(path)


def test_shares_the_file_with_the_usage_depository(tmp_path: Path) -> None:
    from yarn_elastic.depository.database import open_database

    path = tmp_path / "yarn-elastic.db"
    store = SqliteSkylineStore(path)
    other = open_database(path)  # the depository's own connection to the same file
    other.execute("CREATE TABLE usage_probe (x INTEGER)")
    store.add_history(RecurrenceId("p", "1"), [job("a")])
    assert other.execute("SELECT COUNT(*) FROM estimator_history").fetchone() == (1,)
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_unusable_path_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(SkylineStoreError, match="cannot open database"):
        SqliteSkylineStore(blocker / "sub" / "db.sqlite")
