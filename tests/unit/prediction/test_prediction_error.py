"""The prediction error: each finished run is judged, before it joins the history, against what
the live loop would have predicted for it; judging never stops the learning."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from prediction_helpers import signature
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from yarn_elastic.endpoint.prediction_metrics import PredictionErrorCollector
from yarn_elastic.prediction.forecaster import Forecaster
from yarn_elastic.prediction.model_store import ModelStore
from yarn_elastic.prediction.runs import EXECUTOR_ROLE, Run
from yarn_elastic.prediction.scoring import PredictionScorer

SLOTS = 20


def curve(scale: float = 1.0) -> np.ndarray:
    """A steady executor: 1.5 cores, memory growing to 2 GB, some disk and network."""
    out = np.zeros((4, SLOTS))
    out[0], out[1] = 1.5, np.linspace(500.0, 2000.0, SLOTS)
    out[2], out[3] = 20.0, 5.0
    return out * scale


def run(run_id: str, scale: float = 1.0, name: str = "etl") -> Run:
    return Run(signature(name), run_id, 1_000, {EXECUTOR_ROLE: curve(scale)})


@pytest.fixture
def models(tmp_path: Path) -> ModelStore:
    # Four single-role runs: too few for the feature model, so only history predictors answer.
    store = ModelStore(tmp_path / "core.db", tmp_path / "models")
    for i in range(4):
        store.record_run(run(f"r{i}"))
    yield store
    store.close()


def test_a_run_like_its_history_has_a_small_error_and_no_slot_above_its_band(
    models: ModelStore,
) -> None:
    scorer = PredictionScorer(models)
    judgement = scorer.judge(run("r4"))
    assert judgement.outcome == "predicted" and judgement.slots == SLOTS
    assert judgement.errors is not None and judgement.above is not None
    assert np.all(judgement.errors < 0.01) and not judgement.above.any()


def test_a_run_above_its_band_is_counted(models: ModelStore) -> None:
    scorer = PredictionScorer(models)
    judgement = scorer.judge(run("r4", scale=2.0))  # twice what every earlier run used
    assert judgement.errors is not None and judgement.above is not None
    # |predicted total - actual total| / actual total = |1 - 2| / 2 on every resource.
    np.testing.assert_allclose(judgement.errors, 0.5, atol=0.01)
    assert list(judgement.above) == [SLOTS] * 4
    scorer.keep(judgement)
    scores = scorer.snapshot()
    assert scores.outcomes == {"predicted": 1, "unpredicted": 0, "failed": 0}
    assert scores.slots == SLOTS and scores.above_slots[1] == SLOTS


def test_a_job_with_no_stored_run_is_unpredicted_not_an_error(models: ModelStore) -> None:
    scorer = PredictionScorer(models)
    judgement = scorer.judge(run("first", name="brand-new-job"))
    assert judgement.outcome == "unpredicted" and judgement.errors is None
    scorer.keep(judgement)
    assert scorer.snapshot().outcomes["unpredicted"] == 1
    assert scorer.snapshot().last is None


def test_a_failure_to_judge_is_counted_as_failed(models: ModelStore) -> None:
    def broken(_: ModelStore) -> Forecaster:
        raise RuntimeError("no forecaster today")

    scorer = PredictionScorer(models, forecaster=broken)
    judgement = scorer.judge(run("r4"))
    assert judgement.outcome == "failed"


def test_the_collector_exports_the_error_per_resource(models: ModelStore) -> None:
    scorer = PredictionScorer(models)
    scorer.keep(scorer.judge(run("r4", scale=2.0)))
    scorer.keep(scorer.judge(run("first", name="brand-new-job")))
    registry = CollectorRegistry()
    registry.register(PredictionErrorCollector(scorer.snapshot))
    scraped = {
        sample.name + "".join(f"{{{k}={v}}}" for k, v in sorted(sample.labels.items())):
            sample.value
        for family in text_string_to_metric_families(generate_latest(registry).decode())
        for sample in family.samples
    }
    assert scraped["yarn_elastic_prediction_evaluations_total{outcome=predicted}"] == 1
    assert scraped["yarn_elastic_prediction_evaluations_total{outcome=unpredicted}"] == 1
    assert scraped["yarn_elastic_prediction_error_ratio{resource=memory_mb}"] == \
        pytest.approx(0.5, abs=0.01)
    assert scraped["yarn_elastic_prediction_run_error_ratio_count{resource=cpu_vcores}"] == 1
    assert scraped["yarn_elastic_prediction_above_band_slots_ratio{resource=memory_mb}"] == 1
    assert scraped["yarn_elastic_prediction_above_band_slots_total{resource=memory_mb}"] == SLOTS
    assert scraped["yarn_elastic_prediction_judged_slots_total{resource=memory_mb}"] == SLOTS
