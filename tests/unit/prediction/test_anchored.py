"""The anchored predictor: a seen sibling setting's curve, rescaled by the feature model."""

from __future__ import annotations

import numpy as np
import pytest
from prediction_helpers import make_runs, signature
from yarn_elastic.prediction.anchored import AnchoredFeaturePredictor, same_job, setting_distance
from yarn_elastic.prediction.predictors import Query, Relative
from yarn_elastic.prediction.selector import Selector
from yarn_elastic.prediction.signature import JobSignature, make_signature
from yarn_elastic.prediction.xgb_curves import TrainingParams, XgbCurvePredictor, train


def test_distance_counts_log2_steps_of_input_cores_and_memory() -> None:
    small, big = signature(cores=2, memory_mb=4096), signature(cores=4, memory_mb=4096)
    # Input 8 GB vs 16 GB is one step, 2 vs 4 cores another: 2.
    assert setting_distance(small, 8e9, big, 16e9) == pytest.approx(2.0)
    assert setting_distance(small, None, small, 8e9) == 1.0  # unknown on one side


class _Scaled:
    """A stand-in feature model: twice the cores, half the lifetime and 1.5x the CPU total."""

    def predict(self, sig, role, input_bytes):  # type: ignore[no-untyped-def]
        curve = np.ones((4, 10 if sig.executor_cores == 2 else 5))
        if sig.executor_cores != 2:
            curve[0] *= 3.0  # CPU total: 5 x 3 = 15 against 10 x 1 = 10
        return curve


def test_a_sibling_curve_takes_the_models_ratios_between_settings() -> None:
    sibling = signature(cores=2)
    measured = np.vstack([np.full(8, 2.0), np.full(8, 500.0), np.zeros(8), np.ones(8)])
    query = Query(signature(cores=4), "executor", (), 8e9,
                  (Relative(sibling, 8e9, (measured, measured)),))
    point = AnchoredFeaturePredictor(_Scaled()).point(query)  # type: ignore[arg-type]
    assert point is not None
    # Lifetime x 5/10 -> 4 slots. CPU total x 1.5 -> 2 x 8 x 1.5 = 24 over 4 slots = 6 each;
    # memory total x 0.5 (ratio 5/10) keeps its level: 500.
    assert point.shape == (4, 4)
    np.testing.assert_allclose(point[0], 6.0)
    np.testing.assert_allclose(point[1], 500.0)


def test_without_relatives_it_declines_and_the_selector_uses_the_feature_model() -> None:
    runs = make_runs(6, signature(cores=2)) + make_runs(6, signature(cores=4), seed=2)
    model = train(runs, TrainingParams(n_estimators=10))
    anchored = AnchoredFeaturePredictor(model)
    alone = Query(signature(cores=8), "executor", (), 8e9)
    assert anchored.point(alone) is None
    selector = Selector([XgbCurvePredictor(model), anchored])
    assert selector.choose(alone).predictor == "xgboost"
    history = tuple(r.roles["executor"] for r in runs[:6])
    related = Query(signature(cores=8), "executor", (), 8e9,
                    (Relative(signature(cores=2), 8e9, history),))
    choice = selector.choose(related)
    assert choice.predictor == "xgboost-anchored" and "nearest setting" in choice.reason


@pytest.mark.parametrize(("other", "same"), [
    (make_signature("etl", "SPARK", "default", "alice", 8, 16384), True),  # other sizes only
    (make_signature("etl", "SPARK", None, None, 8), True),  # queue and user not known
    (make_signature("etl", "SPARK", "prod", "alice", 2, 4096), False),  # another queue
    (make_signature("etl", "MAPREDUCE", "default", "alice", 2, 4096), False),
    (make_signature("load", "SPARK", "default", "alice", 2, 4096), False),
])
def test_settings_of_one_job(other: JobSignature, same: bool) -> None:
    assert same_job(make_signature("etl", "SPARK", "default", "alice", 2, 4096), other) is same
