"""The catch-up's pure rules: which measured applications to ask the RM about, what its report
makes of them, and where the RM's REST API is."""

from __future__ import annotations

from typing import Any

import pytest
from yarn_elastic.messages import App
from yarn_elastic.prediction.catchup import (
    Measured,
    RmReport,
    adopted_executor_size,
    finish_time,
    finished_app,
    leaf_queue,
    to_ask,
)
from yarn_elastic.prediction.rm_apps import parse_report, rm_web_addresses
from yarn_elastic.prediction.signature import make_signature

A, B, C = (f"application_1700000000000_000{i}" for i in (1, 2, 3))


def report(state: str = "FINISHED", **fields: Any) -> RmReport:
    values: dict[str, Any] = {
        "app_id": A, "state": state, "final_status": "SUCCEEDED", "name": "etl",
        "app_type": "SPARK", "queue": "default", "user": "alice", "tags": (), "priority": 0,
        "started_ms": 1000, "finished_ms": 5000}
    return RmReport(**(values | fields))


def test_only_apps_whose_samples_did_not_change_and_that_nothing_else_handles_are_asked() -> None:
    measured = [Measured(A, 10, (2, 20)), Measured(B, 10, (2, 21)), Measured(C, 10, (1, 10))]
    previous = {A: (2, 20), B: (2, 20), C: (1, 10)}
    assert to_ask(measured, previous, skip=()) == [A, C]  # B's agent delivered meanwhile
    assert to_ask(measured, previous, skip={C}) == [A]  # running, settling or dealt with
    assert to_ask(measured, {}, skip=()) == []  # a first look only takes note


@pytest.mark.parametrize("state", ["FINISHED", "FAILED", "KILLED"])
def test_every_final_state_is_learnt_from(state: str) -> None:
    found = finished_app(report(state, tags=("Team:A",)), known=[])
    assert found is not None
    assert found.app == App(A, "default", "alice", "etl", "SPARK", 0, 1000, ("Team:A",))
    assert (found.executor_vcores, found.executor_memory_mb) == (None, None)


@pytest.mark.parametrize("state", ["NEW", "NEW_SAVING", "SUBMITTED", "ACCEPTED", "RUNNING"])
def test_an_app_that_has_not_ended_is_left_for_later(state: str) -> None:
    assert finished_app(report(state), known=[]) is None


def test_a_nameless_app_makes_no_run() -> None:
    assert finished_app(report(name=""), known=[]) is None


def test_the_executor_size_is_adopted_only_when_the_job_has_one() -> None:
    app = App(A, "default", "alice", "etl", "SPARK", 0, 0, ("x",))
    same = make_signature("etl", "SPARK", "default", "alice", 2, 4096, 1e9, ("X",))
    other_user = make_signature("etl", "SPARK", "default", "bob", 4, 8192, None, ("x",))
    assert adopted_executor_size(app, [same, other_user]) == (2, 4096)
    resized = make_signature("etl", "SPARK", "default", "alice", 4, 8192, None, ("x",))
    assert adopted_executor_size(app, [same, resized]) == (None, None)  # which one? neither
    unsized = make_signature("etl", "SPARK", "default", "alice", tags=("x",))
    assert adopted_executor_size(app, [unsized]) == (None, None)
    assert adopted_executor_size(app, [unsized, same]) == (2, 4096)


def test_queue_paths_are_cut_to_the_leaf_the_shim_names() -> None:
    assert [leaf_queue(q) for q in ("root.a.b", "default", "root")] == ["b", "default", "root"]


def test_the_finish_time_is_the_rms_or_else_the_newest_sample() -> None:
    measured = Measured(A, 4321, (1, 4321))
    assert finish_time(report(), measured) == 5000
    assert finish_time(report(finished_ms=0), measured) == 4321


def test_the_rms_report_is_parsed() -> None:
    payload = {"app": {"id": A, "user": "alice", "name": "etl", "queue": "root.default",
                       "state": "KILLED", "finalStatus": "KILLED", "applicationType": "MAPREDUCE",
                       "applicationTags": "a,b", "priority": 3, "startedTime": 7,
                       "finishedTime": 9, "progress": 100.0}}
    assert parse_report(A, payload) == RmReport(A, "KILLED", "KILLED", "etl", "MAPREDUCE",
                                                "root.default", "alice", ("a", "b"), 3, 7, 9)
    bare = {"app": {k: v for k, v in payload["app"].items()
                    if k not in ("applicationTags", "priority", "finalStatus")}}
    parsed = parse_report(A, bare)
    assert parsed is not None and parsed.tags == () and parsed.priority == 0


@pytest.mark.parametrize("payload", [
    None, [], {"app": None}, {"app": {"id": A}},
    {"app": {"id": B, "user": "u", "name": "n", "queue": "q", "state": "FINISHED",
             "applicationType": "T"}},  # another application's report
    {"app": {"id": A, "user": "u", "name": "n", "queue": "q", "state": "FINISHED",
             "applicationType": "T", "finishedTime": "soon"}},
    {"app": {"id": A, "user": "u", "name": 5, "queue": "q", "state": "FINISHED",
             "applicationType": "T"}},
])
def test_a_report_missing_or_mistyping_a_field_is_refused(payload: object) -> None:
    assert parse_report(A, payload) is None


def test_the_rm_address_comes_from_its_yarn_site() -> None:
    assert rm_web_addresses({}) == ["http://0.0.0.0:8088"]
    assert rm_web_addresses({"yarn.resourcemanager.hostname": "rm1.example"}) == [
        "http://rm1.example:8088"]
    assert rm_web_addresses({"yarn.resourcemanager.webapp.address": "10.0.0.1:18088"}) == [
        "http://10.0.0.1:18088"]


def test_with_ha_each_rm_id_has_its_address() -> None:
    conf = {"yarn.resourcemanager.ha.enabled": "true", "yarn.resourcemanager.ha.rm-ids": "rm1, rm2",
            "yarn.resourcemanager.webapp.address.rm1": "a:8088",
            "yarn.resourcemanager.hostname.rm2": "b",
            "yarn.resourcemanager.webapp.address": "ignored:1"}
    assert rm_web_addresses(conf) == ["http://a:8088", "http://b:8088"]
    # rm-ids without HA switched on are not used, as in YARN.
    assert rm_web_addresses(conf | {"yarn.resourcemanager.ha.enabled": "false"}) == [
        "http://ignored:1"]
