"""The prediction benchmark: `python -m benchmarks.prediction.run [--quick]`.

Synthetic recurring Spark-like runs (benchmarks/prediction/synthetic.py, fixed seed):
- recurring: for settings seen in training, the last 3 of 8 runs are held out and each is
  predicted from the runs before it;
- unseen: a quarter of the settings never appear in training; the feature model predicts them,
  the history predictors use the nearest seen setting of the same job.
Plus the Rumen TeraGen pair of Hadoop's SLS trace (run 2 predicted from run 1).
Writes benchmarks/results/prediction.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from yarn_elastic.prediction.bands import upper_band
from yarn_elastic.prediction.lp_skyline import LpSkylinePredictor
from yarn_elastic.prediction.predictors import (
    AverageLastKPredictor,
    LastRunPredictor,
    PeakPredictor,
    Predictor,
    Query,
    VpaPercentilePredictor,
)
from yarn_elastic.prediction.runs import Run
from yarn_elastic.prediction.selector import Selector, calibrate
from yarn_elastic.prediction.xgb_curves import TrainingParams, XgbCurvePredictor, train

from benchmarks.prediction import synthetic
from benchmarks.prediction.evaluate import Tally
from benchmarks.prediction.rumen import evaluate_rumen

ROOT = Path(__file__).resolve().parents[2]
RESULT = ROOT / "benchmarks" / "results" / "prediction.json"
HELD_OUT = 3


def history_predictors() -> list[Predictor]:
    return [
        PeakPredictor(), LastRunPredictor(), AverageLastKPredictor(), VpaPercentilePredictor(),
        LpSkylinePredictor(),
    ]


def queries(run_list: list[Run], start: int) -> list[tuple[Query, Any]]:
    """(query with the runs before i, actual curve) for runs i >= start, every role."""
    out = []
    for i in range(start, len(run_list)):
        run = run_list[i]
        for role, curve in run.roles.items():
            history = tuple(r.roles[role] for r in run_list[:i] if role in r.roles)
            out.append((Query(run.signature, role, history, run.input_bytes), curve))
    return out


def nearest(setting: synthetic.Setting, seen: list[synthetic.Setting]) -> synthetic.Setting:
    same_job = [s for s in seen if s.job == setting.job]

    def distance(other: synthetic.Setting) -> float:
        return abs(math.log2(other.input_gb / setting.input_gb)) + abs(
            math.log2(other.cores / setting.cores)
        )

    return min(same_job, key=distance)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer settings (smoke run)")
    parser.add_argument("--out", default=str(RESULT), help=f"result file (default {RESULT})")
    args = parser.parse_args(argv)

    runs_per_setting = 8
    data = synthetic.dataset(runs_per_setting)
    settings = list(data)
    if args.quick:
        settings = settings[::4]
    rng = np.random.default_rng(4)
    unseen_idx = set(rng.choice(len(settings), size=max(2, len(settings) // 4), replace=False))
    unseen = [s for i, s in enumerate(settings) if i in unseen_idx]
    seen = [s for i, s in enumerate(settings) if i not in unseen_idx]
    train_runs = [r for s in seen for r in data[s][: runs_per_setting - HELD_OUT]]

    started = time.perf_counter()
    params = TrainingParams(n_estimators=60 if args.quick else 150, n_jobs=2)
    model = train(train_runs, params)
    train_seconds = time.perf_counter() - started
    xgb_predictor = XgbCurvePredictor(model)

    started = time.perf_counter()
    predictors = history_predictors()
    calibration_queries = [
        q for s in seen for q, _ in queries(data[s][: runs_per_setting - HELD_OUT], 2)
    ]
    calibration = calibrate(predictors, calibration_queries, runs=4)
    calibration.margins[xgb_predictor.name] = model.margins
    calibrate_seconds = time.perf_counter() - started
    selector = Selector([*predictors, xgb_predictor], calibration)

    # Recurring: held-out runs of seen settings.
    recurring_queries = [
        pair for s in seen for pair in queries(data[s], runs_per_setting - HELD_OUT)
    ]
    chosen: dict[str, int] = {}
    selected = Tally()
    baselines = {p.name: Tally() for p in [*predictors, xgb_predictor]}
    for query, actual in recurring_queries:
        prediction, choice = selector.predict(query)
        chosen[choice.predictor] = chosen.get(choice.predictor, 0) + 1
        selected.add(
            None if prediction is None else prediction.point,
            None if prediction is None else prediction.upper, actual,
        )
        for predictor in [*predictors, xgb_predictor]:
            point = predictor.point(query)
            upper = None if point is None else upper_band(point, calibration.margin(predictor.name))
            baselines[predictor.name].add(point, upper, actual)

    # Unseen settings: the selector has no history and falls back to the feature model.
    unseen_selected = Tally()
    unseen_baselines = {f"nearest-setting {p.name}": Tally() for p in predictors}
    for setting in unseen:
        neighbour = data[nearest(setting, seen)][: runs_per_setting - HELD_OUT]
        for query, actual in queries(data[setting], runs_per_setting - HELD_OUT):
            empty = Query(query.signature, query.role, (), query.input_bytes)
            prediction, _ = selector.predict(empty)
            unseen_selected.add(
                None if prediction is None else prediction.point,
                None if prediction is None else prediction.upper, actual,
            )
            borrowed = Query(
                query.signature, query.role,
                tuple(r.roles[query.role] for r in neighbour), query.input_bytes,
            )
            for predictor in predictors:
                point = predictor.point(borrowed)
                upper = None if point is None else upper_band(
                    point, calibration.margin(predictor.name)
                )
                unseen_baselines[f"nearest-setting {predictor.name}"].add(point, upper, actual)

    latency = measure_latency(selector, recurring_queries)
    result = {
        "recurring": selected.summary() | {"chosen": chosen},
        "unseen": unseen_selected.summary(),
        "baselines": {
            "recurring": {name: t.summary() for name, t in baselines.items()},
            "unseen": {name: t.summary() for name, t in unseen_baselines.items()},
        },
        # Warm median for one application (all its roles); the detail shows the slow cases.
        "latency_ms": latency["warm_median"],
        "latency_detail_ms": latency,
        "rumen_sls_teragen": evaluate_rumen(ROOT / "tests" / "data" / "prediction"
                                            / "sls-2jobs2min-task-curves.json", calibration),
        "setup": {
            "dataset": "synthetic (benchmarks/prediction/synthetic.py, seed 2018) + Rumen SLS",
            "settings_seen": len(seen), "settings_unseen": len(unseen),
            "runs_per_setting": runs_per_setting, "held_out_runs": HELD_OUT,
            "slot_seconds": synthetic.SLOT_SECONDS, "train_seconds": round(train_seconds, 1),
            "calibrate_seconds": round(calibrate_seconds, 1),
            "xgboost": params.__dict__ | {"quantiles": list(params.quantiles)},
            "machine": f"{platform.machine()} {os.cpu_count()} cores, Python "
            f"{platform.python_version()}",
            "quick": args.quick,
        },
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("recurring", "unseen", "latency_ms")}, indent=2))
    return 0


def measure_latency(selector: Selector, pairs: list[tuple[Query, Any]]) -> dict[str, float]:
    """One application = every role of one run; warm = the choice is cached (it only changes
    when a run finishes), cold = validation replayed first."""
    apps: dict[tuple[str, int], list[Query]] = {}
    for query, _ in pairs:
        apps.setdefault((query.signature.key, len(query.history)), []).append(query)
    groups = list(apps.values())[:30]
    for group in groups:
        for query in group:
            selector.predict(query)
    warm = []
    for _ in range(5):
        for group in groups:
            started = time.perf_counter()
            for query in group:
                selector.predict(query)
            warm.append((time.perf_counter() - started) * 1000)
    cold = []
    for group in groups[:10]:
        selector._cache.clear()
        started = time.perf_counter()
        for query in group:
            selector.predict(query)
        cold.append((time.perf_counter() - started) * 1000)
    return {
        "warm_median": round(statistics.median(warm), 3),
        "warm_p95": round(sorted(warm)[int(0.95 * (len(warm) - 1))], 3),
        "cold_median": round(statistics.median(cold), 3),
    }


if __name__ == "__main__":
    sys.exit(main())
