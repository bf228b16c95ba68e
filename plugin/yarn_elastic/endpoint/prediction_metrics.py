"""Prometheus figures of the prediction error (prediction/scoring.py), read at scrape time.

Counts since the core started are counters and a summary, so that a window's mean error or
share of slots above the band is `increase(sum) / increase(count)` whatever the run rate; the
last predicted run's figures are gauges, for a dashboard.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    Metric,
    SummaryMetricFamily,
)
from prometheus_client.registry import Collector

from yarn_elastic.messages import RESOURCE_NAMES
from yarn_elastic.prediction.scoring import Scores

PREFIX = "yarn_elastic_prediction"


class PredictionErrorCollector(Collector):
    def __init__(self, scores: Callable[[], Scores]) -> None:
        self._scores = scores

    def collect(self) -> Iterator[Metric]:
        scores = self._scores()
        judged = CounterMetricFamily(
            f"{PREFIX}_evaluations", "Finished runs judged against what the live loop would"
            " have predicted, by outcome: predicted, unpredicted (a job with no stored run:"
            " it ran at its request), failed (judging raised; the run was learnt all the"
            " same).", labels=["outcome"])
        for outcome, count in scores.outcomes.items():
            judged.add_metric([outcome], count)
        yield judged
        predicted = scores.outcomes["predicted"]
        error = SummaryMetricFamily(
            f"{PREFIX}_run_error_ratio", "Error of a predicted run's total use per resource,"
            " each actual total floored at the bands' noise floor per slot (the selector's"
            " measure).", labels=["resource"])
        above = CounterMetricFamily(
            f"{PREFIX}_above_band_slots", "Measured slots of predicted runs above the band the"
            " live loop would have used (under-prediction: memory kills).", labels=["resource"])
        slots = CounterMetricFamily(
            f"{PREFIX}_judged_slots", "Measured slots of predicted runs (the same for every"
            " resource; labelled so that above_band / judged divides label by label).",
            labels=["resource"])
        for r, resource in enumerate(RESOURCE_NAMES):
            error.add_metric([resource], predicted, float(scores.error_sum[r]))
            above.add_metric([resource], float(scores.above_slots[r]))
            slots.add_metric([resource], scores.slots)
        yield from (error, above, slots)
        yield from _last_run(scores)


def _last_run(scores: Scores) -> Iterator[Metric]:
    last_error = GaugeMetricFamily(
        f"{PREFIX}_error_ratio", "The last predicted run's error of total use, per resource.",
        labels=["resource"])
    last_above = GaugeMetricFamily(
        f"{PREFIX}_above_band_slots_ratio", "Share of the last predicted run's measured slots"
        " above its band, per resource.", labels=["resource"])
    last = scores.last
    if last is not None and last.errors is not None and last.above is not None:
        for r, resource in enumerate(RESOURCE_NAMES):
            last_error.add_metric([resource], float(last.errors[r]))
            last_above.add_metric([resource], float(last.above[r]) / max(last.slots, 1))
    yield from (last_error, last_above)
