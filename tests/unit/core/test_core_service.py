"""CoreService: every failure becomes a cycle_reply with a reason, never an exception."""

from __future__ import annotations

import dataclasses
import gc
import json
from collections import deque
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from yarn_elastic.endpoint.service import CoreService, DecisionLog, LoggedPlacement
from yarn_elastic.messages import Placement
from yarn_elastic.scheduling import minfrag_policy
from yarn_elastic.scheduling.framework import CycleInput, NodeScore

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "interface"


class ExplodingScore:
    name = "exploding"

    def prepare(self, cycle: CycleInput) -> NodeScore:
        raise RuntimeError("plugin bug")


def test_a_plugin_bug_becomes_an_error_reply() -> None:
    service = CoreService(dataclasses.replace(minfrag_policy(), score=ExplodingScore()))
    reply = json.loads(service.exchange((EXAMPLES / "cycle_request_full.json").read_bytes()))
    assert reply["status"] == "error" and "plugin bug" in reply["message"]
    assert reply["seq"] == 1 and service.stats.errors == 1


def test_wrong_schema_cycle_request_is_an_error_naming_schema() -> None:
    raw = json.loads((EXAMPLES / "cycle_request_full.json").read_bytes())
    raw["schema"] = 3
    reply = json.loads(CoreService(minfrag_policy()).exchange(json.dumps(raw).encode()))
    assert reply["status"] == "error" and "schema" in reply["message"]


def test_decision_log_is_bounded() -> None:
    service = CoreService(minfrag_policy(), decision_log_size=1)
    service.exchange((EXAMPLES / "cycle_request_full.json").read_bytes())
    service.exchange((EXAMPLES / "cycle_request_delta.json").read_bytes())
    assert [d.seq for d in service.decisions_since(-1)] == [2]
    assert service.status()["cycles"] == 2


def test_every_cycle_reply_carries_handle_ms() -> None:
    service = CoreService(minfrag_policy())
    ok = json.loads(service.exchange((EXAMPLES / "cycle_request_full.json").read_bytes()))
    bad = json.loads(service.exchange(b"{not json"))
    assert ok["status"] == "ok" and ok["handle_ms"] >= ok["decide_ms"] >= 0
    assert bad["status"] == "error" and bad["handle_ms"] >= 0


def test_kept_node_arrays_never_change_the_plan() -> None:
    # The service keeps node arrays between cycles; a fresh schedule of the same picture
    # must give the same plan after every delta of a moving synthetic cluster.
    import random
    import sys

    from yarn_elastic.scheduling import schedule

    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
    from benchmarks.cycle.core_only import SyntheticCluster

    cluster = SyntheticCluster(60, random.Random(3))
    service = CoreService(minfrag_policy())
    for message in [cluster.full()] + [cluster.delta() for _ in range(8)]:
        reply = json.loads(service.exchange(message))
        fresh = schedule(service.picture.snapshot(), minfrag_policy())
        assert [(p["ask"], p["node"], p["count"]) for p in reply["placements"]] == [
            (p.ask, p.node, p.count) for p in fresh.placements
        ]


def test_a_full_picture_is_frozen_out_of_the_garbage_collectors_sight() -> None:
    gc.unfreeze()
    try:
        service = CoreService(minfrag_policy())
        reply = json.loads(service.exchange((EXAMPLES / "cycle_request_full.json").read_bytes()))
        assert reply["status"] == "ok"
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 7), st.lists(st.integers(0, 5), max_size=10), st.integers(-1, 10))
def test_decision_log_keeps_the_newest_placements_like_a_bounded_deque(
    size: int, per_cycle: list[int], since: int
) -> None:
    log, reference = DecisionLog(size), deque(maxlen=size)
    for seq, count in enumerate(per_cycle):
        placements = tuple(Placement(f"a{seq}.{i}", "n:1", 1, 0.5) for i in range(count))
        log.add(seq, 1000 + seq, placements)
        reference.extend(LoggedPlacement(seq, 1000 + seq, p) for p in placements)
    assert len(log) == len(reference)
    assert log.since(since) == [e for e in reference if e.seq > since]


def test_finished_apps_are_handed_to_the_learner() -> None:
    service = CoreService(minfrag_policy())
    told: list[str] = []
    service.on_finished = lambda apps: told.extend(a.app.id for a in apps)
    service.exchange((EXAMPLES / "cycle_request_full.json").read_bytes())
    delta = json.loads((EXAMPLES / "cycle_request_delta.json").read_bytes())
    delta["removed_apps"] = ["application_1700000000000_0001"]
    reply = json.loads(service.exchange(json.dumps(delta).encode()))
    assert reply["status"] == "ok" and told == ["application_1700000000000_0001"]


def test_an_ask_that_can_never_be_placed_is_counted_listed_and_logged_once(
        caplog: pytest.LogCaptureFixture) -> None:
    # 32768 MB > 16384 MB, the largest node of the fixture: larger than any node.
    raw = json.loads((EXAMPLES / "cycle_request_full.json").read_bytes())
    raw["asks"][0]["demand"] = [[1], [32768], [0], [0]]
    service = CoreService(minfrag_policy())
    with caplog.at_level("WARNING"):
        for seq in (1, 2):
            raw["seq"] = seq
            if seq == 2:
                raw.update(kind="delta", base_seq=1)
            assert json.loads(service.exchange(json.dumps(raw).encode()))["status"] == "ok"
    warned = [r for r in caplog.records if "can never be placed" in r.getMessage()]
    assert len(warned) == 1 and "larger-than-any-node" in warned[0].getMessage()
    assert service.status()["unplaced"] == {
        "seq": 2, "asks": 1, "containers": 3, "by_reason": {"larger-than-any-node": 3}}
    assert service.unplaced() == [{"seq": 2, "ask": "application_1700000000000_0001#1#0",
                                   "app": "application_1700000000000_0001", "count": 3,
                                   "reason": "larger-than-any-node"}]
