"""The core's Prometheus metrics (`GET /metrics`), through the prometheus_client library.

Everything but the decide-time histogram is read at scrape time from what the components
already count (the service's status, the depository's counters, the learner's status), so a
scrape costs the cycle nothing and the figures cannot drift from /ws/v1/elastic/status.
docs/operations.md lists each metric with what it says about health and an example alert.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

Status = Callable[[], Mapping[str, Any]]

# A cycle's budget is 50 ms at 5,000 nodes (the scale issue) and the shim's deadline 200 ms.
DECIDE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0)


class CoreCollector(Collector):
    def __init__(self, service: Status, depository: Callable[[], Mapping[str, int]] | None,
                 learning: Callable[[], Mapping[str, Any] | None] | None,
                 clock_ms: Callable[[], int]) -> None:
        self._service, self._depository, self._learning = service, depository, learning
        self._clock_ms = clock_ms

    def collect(self) -> Iterator[Metric]:
        status = self._service()
        yield from _counters("yarn_elastic", {
            "cycles": ("Cycles the core answered.", status["cycles"]),
            "cycle_errors": ("Cycles answered with an error (the shim falls back).",
                             status["errors"]),
            "full_resyncs": ("Times the core asked the shim for the whole picture.",
                             status["need_full"]),
            "resizes": ("Resizes sent to the shim.", status["resizes"]),
            "memory_kills": ("Containers the NodeManagers killed for memory.",
                             status["memory_kills"]),
        })
        last = status.get("last_cycle_ms")
        age = GaugeMetricFamily("yarn_elastic_last_cycle_age_seconds",
                                "Seconds since the shim's last cycle; grows while the RM runs"
                                " without the core (fallback) or is down.")
        if last is not None:
            age.add_metric([], max(0.0, (self._clock_ms() - last) / 1000))
        yield age
        picture = GaugeMetricFamily("yarn_elastic_picture_objects",
                                    "What the core's cluster picture holds.", labels=["kind"])
        for kind, count in sorted(status["picture"].items()):
            picture.add_metric([kind], count)
        yield picture
        plan = GaugeMetricFamily("yarn_elastic_last_plan",
                                 "The last cycle's plan: placements (ask, node pairs), the"
                                 " containers they place, and resizes.", labels=["kind"])
        for kind, count in status["last_plan"].items():
            plan.add_metric([kind], count)
        yield plan
        unplaced = GaugeMetricFamily("yarn_elastic_unplaced_containers",
                                     "Containers the last cycle left without a node, by"
                                     " reason.", labels=["reason"])
        for reason, count in status["unplaced"]["by_reason"].items():
            unplaced.add_metric([reason], count)
        yield unplaced
        if self._depository is not None:
            yield from _counters("yarn_elastic_depository", {
                name: (f"Usage depository: {name.replace('_', ' ')}.", value)
                for name, value in self._depository().items()})
        learnt = self._learning() if self._learning is not None else None
        if learnt:
            yield from _counters("yarn_elastic_prediction", {
                name: (f"Learning from finished applications: {name.replace('_', ' ')}.",
                       learnt[name])
                for name in ("finished", "learnt", "caught_up", "without_samples", "errors",
                             "runs_stored", "model_trainings")
                if isinstance(learnt.get(name), int)})
            pending = GaugeMetricFamily("yarn_elastic_prediction_pending",
                                        "Finished applications waiting to be learnt from.")
            pending.add_metric([], learnt.get("pending", 0))
            yield pending


def _counters(prefix: str, values: Mapping[str, tuple[str, int]]) -> Iterator[Metric]:
    for name, (documentation, value) in values.items():
        counter = CounterMetricFamily(f"{prefix}_{name}", documentation)
        counter.add_metric([], value)
        yield counter


def core_registry(service: Status, depository: Callable[[], Mapping[str, int]] | None,
                  learning: Callable[[], Mapping[str, Any] | None] | None,
                  clock_ms: Callable[[], int]) -> tuple[CollectorRegistry, Histogram]:
    """A registry of the core's own (not the process-global one, so tests can make many),
    and the histogram the service observes each cycle's decide time in."""
    registry = CollectorRegistry()
    registry.register(CoreCollector(service, depository, learning, clock_ms))
    decide = Histogram("yarn_elastic_decide_seconds", "Time the core took to decide a cycle.",
                       buckets=DECIDE_BUCKETS, registry=registry)
    return registry, decide
