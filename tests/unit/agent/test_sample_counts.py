"""The agent's own count of samples per container, which operators compare with the core's."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from yarn_elastic_agent.agent import Agent
from yarn_elastic_agent.config import settings_from

C1 = "container_1700000000000_0001_01_000001"
C2 = "container_1700000000000_0001_01_000002"


class ScriptedSampler:
    """Answers each tick with the next list of live containers."""

    def __init__(self, ticks: list[list[str]]) -> None:
        self.ticks = ticks
        self.users: dict[str, str | None] = {}

    def sample(self) -> tuple[int, list[dict[str, Any]], dict[str, Any] | None]:
        live = self.ticks.pop(0)
        self.users = {c: "alice" for c in live}
        return 0, [{"container_id": c, "progress": None} for c in live], None


def test_each_container_logs_how_many_samples_were_taken_when_it_goes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_from({"yarn.elastic.agent.spool-dir": str(tmp_path / "spool"),
                              "yarn.elastic.agent.progress-source": "none"})
    sampler = ScriptedSampler([[C1], [C1, C2], [C2], [C2], [], [C1]])
    agent = Agent(settings, sampler)  # type: ignore[arg-type]
    with caplog.at_level(logging.INFO, logger="yarn_elastic_agent.agent"):
        for _ in range(6):
            agent.tick()
    lines = [r.getMessage() for r in caplog.records]
    assert f"container {C1} gone after 2 samples" in lines
    assert f"container {C2} gone after 3 samples" in lines
    assert agent.samples_taken == {C1: 1}  # came back: counted afresh
    assert len(agent._samples) == 6  # every counted sample is queued for the core
