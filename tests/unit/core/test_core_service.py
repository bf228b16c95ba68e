"""CoreService: every failure becomes a cycle_reply with a reason, never an exception."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from yarn_elastic.endpoint.service import CoreService
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
    raw["schema"] = 2
    reply = json.loads(CoreService(minfrag_policy()).exchange(json.dumps(raw).encode()))
    assert reply["status"] == "error" and "schema" in reply["message"]


def test_decision_log_is_bounded() -> None:
    service = CoreService(minfrag_policy(), decision_log_size=1)
    service.exchange((EXAMPLES / "cycle_request_full.json").read_bytes())
    service.exchange((EXAMPLES / "cycle_request_delta.json").read_bytes())
    assert [d.seq for d in service.decisions_since(-1)] == [2]
    assert service.status()["cycles"] == 2
