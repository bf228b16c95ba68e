"""Per-node Prometheus gauges of the NodeManager agents, from what their posts said
(depository/agents.py), read at scrape time like the rest of `/metrics` (prometheus.py).

A collector of its own, beside `CoreCollector`, because its families are labelled by node and
its source is the depository's agent book, not a status dict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from yarn_elastic.depository.agents import AgentReport


class AgentCollector(Collector):
    def __init__(self, agents: Callable[[], Mapping[str, AgentReport]],
                 clock_ms: Callable[[], int]) -> None:
        self._agents, self._clock_ms = agents, clock_ms

    def collect(self) -> Iterator[Metric]:
        agents = sorted(self._agents().items())
        now = self._clock_ms()
        age = GaugeMetricFamily(
            "yarn_elastic_agent_last_report_age_seconds",
            "Seconds since the node's agent last had a batch accepted; grows while the agent is"
            " down or cannot reach the core.", labels=["node"])
        batches = GaugeMetricFamily(
            "yarn_elastic_agent_spool_batches",
            "Batches waiting in the node agent's spool when it last posted, that one included.",
            labels=["node"])
        size = GaugeMetricFamily(
            "yarn_elastic_agent_spool_bytes",
            "Bytes of the batches waiting in the node agent's spool when it last posted.",
            labels=["node"])
        # A gauge, not a counter: it restarts at 0 with the agent, which increase() reads as a
        # counter reset, so alerts on it work; the name has no _total for that reason.
        dropped = GaugeMetricFamily(
            "yarn_elastic_agent_spool_dropped",
            "Batches (samples) the node agent dropped from its full spool since it started"
            " (yarn.elastic.agent.spool-max-mb).", labels=["node"])
        for node, seen in agents:
            age.add_metric([node], max(0.0, (now - seen.last_report_ms) / 1000))
            for family, value in ((batches, seen.spool.batches), (size, seen.spool.bytes),
                                  (dropped, seen.spool.dropped)):
                if value is not None:  # an agent from before the headers says nothing
                    family.add_metric([node], value)
        yield from (age, batches, size, dropped)
