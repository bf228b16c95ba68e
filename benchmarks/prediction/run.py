"""The prediction benchmark: `python -m benchmarks.prediction.run [--quick]`.

Three data sources, each evaluated the same way (`evaluate_split`):
- real Spark-on-YARN runs measured by the agent on the local cluster
  (tests/data/prediction/spark-runs.json.gz, see collect_spark_runs.py): recurring = the last
  run of every setting, predicted from the runs before it; unseen = one whole setting per job
  (rotating over the job's settings) left out of training; the same for an earlier collection
  on a busy machine (spark-runs-contended.json.gz), under "contended";
- synthetic recurring Spark-like runs (benchmarks/prediction/synthetic.py, fixed seed):
  recurring = the last 3 of 8 runs of seen settings, each predicted from the runs before it;
  unseen = a quarter of the settings never appear in training;
- the Rumen TeraGen pair of Hadoop's SLS trace (run 2 predicted from run 1).
For unseen settings the feature model predicts them; the history predictors use the nearest
seen setting of the same job. Writes benchmarks/results/prediction.json with the real-data
figures at the top level (the synthetic ones under "synthetic") when the dataset exists.
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np
from yarn_elastic.prediction.anchored import AnchoredFeaturePredictor, relatives_from
from yarn_elastic.prediction.bands import Calibration
from yarn_elastic.prediction.forecaster import history_predictors
from yarn_elastic.prediction.predictors import Query
from yarn_elastic.prediction.runs import AM_ROLE, EXECUTOR_ROLE, Run
from yarn_elastic.prediction.selector import Selector, calibrate
from yarn_elastic.prediction.xgb_curves import TrainingParams, XgbCurvePredictor, train

from benchmarks.prediction import spark_runs, synthetic
from benchmarks.prediction.evaluate import Tally
from benchmarks.prediction.rumen import evaluate_rumen
from benchmarks.prediction.spark_runs import SparkSetting

ROOT = Path(__file__).resolve().parents[2]
RESULT = ROOT / "benchmarks" / "results" / "prediction.json"
SPARK_RUNS = ROOT / "tests" / "data" / "prediction" / "spark-runs.json.gz"
# The first collection, on the same machine while three other test suites ran (load 4-6 on 2
# cores): kept to show how the predictors fare when repeats are slowed unevenly.
CONTENDED_RUNS = ROOT / "tests" / "data" / "prediction" / "spark-runs-contended.json.gz"
HELD_OUT = 3
# The agent samples every second; 3-second slots keep a 30-60 s container's curve detailed.
SPARK_SLOT_SECONDS = 3
S = TypeVar("S", synthetic.Setting, SparkSetting)


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


@dataclass
class Split(Generic[S]):
    """One data source cut into what the predictors may learn from and what they must predict.

    Recurring: the last `held_out` runs of each seen setting. Unseen: every run from
    `unseen_from` on of each unseen setting, no history of its own."""

    data: dict[S, list[Run]]
    seen: list[S]
    unseen: list[S]
    held_out: int
    unseen_from: int
    nearest: Callable[[S], S]
    calibration_queries: list[Query]

    def training(self, setting: S) -> list[Run]:
        return self.data[setting][: len(self.data[setting]) - self.held_out]


def evaluate_split(
    split: Split[S], params: TrainingParams
) -> tuple[dict[str, Any], Calibration]:
    """The figures of one data source, and the band calibration fitted on its training runs."""
    started = time.perf_counter()
    model = train([r for s in split.seen for r in split.training(s)], params)
    train_seconds = time.perf_counter() - started
    xgb_predictor = XgbCurvePredictor(model)
    anchored = AnchoredFeaturePredictor(model)

    started = time.perf_counter()
    predictors = history_predictors()
    calibration = calibrate(predictors, split.calibration_queries, runs=4)
    calibration.rules[xgb_predictor.name] = model.band
    calibration.rules[anchored.name] = model.anchored_band or model.band
    calibrate_seconds = time.perf_counter() - started
    selector = Selector([*predictors, xgb_predictor, anchored], calibration)

    recurring_queries = [
        pair for s in split.seen
        for pair in queries(split.data[s], len(split.data[s]) - split.held_out)
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
            upper = None if point is None else calibration.upper(predictor.name, point)
            baselines[predictor.name].add(point, upper, actual)

    # Unseen settings: no history of their own; the selector borrows from the job's seen
    # settings (their training runs) through the feature model.
    unseen_selected = Tally()
    unseen_chosen: dict[str, int] = {}
    unseen_baselines = {f"nearest-setting {p.name}": Tally() for p in predictors}
    unseen_baselines[xgb_predictor.name] = Tally()
    for setting in split.unseen:
        neighbour = split.training(split.nearest(setting))
        sibling_runs = [r for s in split.seen if s.job == setting.job for r in split.training(s)]
        for query, actual in queries(split.data[setting], split.unseen_from):
            relatives = relatives_from(query.signature, query.role, sibling_runs)
            empty = Query(query.signature, query.role, (), query.input_bytes, relatives)
            prediction, choice = selector.predict(empty)
            unseen_chosen[choice.predictor] = unseen_chosen.get(choice.predictor, 0) + 1
            unseen_selected.add(
                None if prediction is None else prediction.point,
                None if prediction is None else prediction.upper, actual,
            )
            alone = xgb_predictor.point(empty)
            unseen_baselines[xgb_predictor.name].add(
                alone, None if alone is None else calibration.upper(xgb_predictor.name, alone),
                actual)
            borrowed = Query(
                query.signature, query.role,
                tuple(r.roles[query.role] for r in neighbour if query.role in r.roles),
                query.input_bytes,
            )
            for predictor in predictors:
                point = predictor.point(borrowed)
                upper = None if point is None else calibration.upper(predictor.name, point)
                unseen_baselines[f"nearest-setting {predictor.name}"].add(point, upper, actual)

    latency = measure_latency(selector, recurring_queries)
    figures = {
        "recurring": selected.summary() | {"chosen": chosen},
        "unseen": unseen_selected.summary() | {"chosen": unseen_chosen},
        "baselines": {
            "recurring": {name: t.summary() for name, t in baselines.items()},
            "unseen": {name: t.summary() for name, t in unseen_baselines.items()},
        },
        # Warm median for one application (all its roles); the detail shows the slow cases.
        "latency_ms": latency["warm_median"],
        "latency_detail_ms": latency,
        "train_seconds": round(train_seconds, 1),
        "calibrate_seconds": round(calibrate_seconds, 1),
    }
    return figures, calibration


def synthetic_split(quick: bool) -> tuple[Split[synthetic.Setting], dict[str, Any]]:
    runs_per_setting = 8
    data = synthetic.dataset(runs_per_setting)
    settings = list(data)
    if quick:
        settings = settings[::4]
    rng = np.random.default_rng(4)
    unseen_idx = set(rng.choice(len(settings), size=max(2, len(settings) // 4), replace=False))
    unseen = [s for i, s in enumerate(settings) if i in unseen_idx]
    seen = [s for i, s in enumerate(settings) if i not in unseen_idx]
    calibration_queries = [
        q for s in seen for q, _ in queries(data[s][: runs_per_setting - HELD_OUT], 2)
    ]
    split = Split(data, seen, unseen, HELD_OUT, runs_per_setting - HELD_OUT,
                  lambda s: nearest(s, seen), calibration_queries)
    setup = {
        "dataset": "synthetic (benchmarks/prediction/synthetic.py, seed 2018)",
        "settings_seen": len(seen), "settings_unseen": len(unseen),
        "runs_per_setting": runs_per_setting, "held_out_runs": HELD_OUT,
        "slot_seconds": synthetic.SLOT_SECONDS,
    }
    return split, setup


def spark_splits(
    path: Path,
) -> tuple[Split[SparkSetting], Split[SparkSetting], dict[str, Any]]:
    """Two cuts of the real runs: recurring (the last run of every setting held out) and unseen
    (one whole setting per job held out). Each trains its own feature model: with one model,
    either the recurring question would lose the held-out settings or the unseen one would see
    them."""
    dataset = spark_runs.load(path, SPARK_SLOT_SECONDS)
    data = {s: runs for s, runs in dataset.settings.items() if len(runs) >= 2}
    by_job: dict[str, list[SparkSetting]] = {}
    for setting in sorted(data):
        by_job.setdefault(setting.job, []).append(setting)
    # Rotate which setting a job loses, so every kind of setting is predicted unseen somewhere.
    unseen = [settings[i % len(settings)]
              for i, (_, settings) in enumerate(sorted(by_job.items())) if len(settings) >= 2]
    seen = [s for s in sorted(data) if s not in unseen]

    def calibration_queries(settings: list[SparkSetting]) -> list[Query]:
        """Each setting's training runs, backtested (every run from the second on)."""
        return [
            Query(s.signature, role,
                  tuple(r.roles[role] for r in data[s][:-1] if role in r.roles),
                  data[s][-2].input_bytes)
            for s in settings for role in (AM_ROLE, EXECUTOR_ROLE)
        ]

    every = sorted(data)
    recurring = Split(data, every, [], 1, 0, lambda s: s, calibration_queries(every))
    unseen_split = Split(data, seen, unseen, 1, 0, lambda s: dataset.nearest(s, seen),
                         calibration_queries(seen))
    setup = {
        "dataset": f"real Spark-on-YARN runs ({display(path)})",
        "collected": dataset.collected,
        "settings": len(every), "settings_unseen": len(unseen),
        "unseen_settings": [s.describe() for s in unseen],
        "runs_per_setting": sorted({len(r) for r in data.values()}), "held_out_runs": 1,
        "runs_skipped": dataset.skipped,
        "settings_with_one_run_dropped": sorted(
            s.describe() for s, r in dataset.settings.items() if len(r) < 2),
        "slot_seconds": SPARK_SLOT_SECONDS,
    }
    return recurring, unseen_split, setup


def evaluate_spark(path: Path, params: TrainingParams) -> tuple[dict[str, Any], Calibration]:
    recurring_split, unseen_split, setup = spark_splits(path)
    figures, calibration = evaluate_split(recurring_split, params)
    unseen_figures, _ = evaluate_split(unseen_split, params)
    figures["unseen"] = unseen_figures["unseen"]
    figures["baselines"]["unseen"] = unseen_figures["baselines"]["unseen"]
    figures["setup"] = setup | {
        "train_seconds": [figures.pop("train_seconds"), unseen_figures["train_seconds"]],
        "calibrate_seconds": [figures.pop("calibrate_seconds"),
                              unseen_figures["calibrate_seconds"]],
        "calibration_margins": {
            name: [round(float(v), 3) for v in rule.margins]
            for name, rule in calibration.rules.items()
        },
        "calibration_widths_slots": {
            name: list(rule.widths) for name, rule in calibration.rules.items()
        },
    }
    return figures, calibration


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer settings (smoke run)")
    parser.add_argument("--out", default=str(RESULT), help=f"result file (default {RESULT})")
    parser.add_argument("--spark-runs", type=Path, default=SPARK_RUNS,
                        help=f"real dataset (default {SPARK_RUNS.relative_to(ROOT)})")
    parser.add_argument("--contended-runs", type=Path, default=CONTENDED_RUNS,
                        help="real runs collected on a busy machine, reported under "
                        f"'contended' (default {CONTENDED_RUNS.relative_to(ROOT)})")
    parser.add_argument("--skip-synthetic", action="store_true",
                        help="evaluate the real dataset (and Rumen) only")
    args = parser.parse_args(argv)
    params = TrainingParams(n_estimators=60 if args.quick else 150, n_jobs=2)
    common_setup = {
        "xgboost": params.__dict__ | {"quantiles": list(params.quantiles)},
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "quick": args.quick,
    }

    result: dict[str, Any] = {}
    calibration: Calibration | None = None
    spark_figures: dict[str, Any] | None = None
    if args.spark_runs.exists():
        spark_figures, calibration = evaluate_spark(args.spark_runs, params)
        print(f"real Spark runs: {json.dumps(summary(spark_figures), indent=2)}", flush=True)
    else:
        print(f"{args.spark_runs} not found: synthetic data only", flush=True)
    contended: dict[str, Any] | None = None
    if args.contended_runs.exists():
        contended, _ = evaluate_spark(args.contended_runs, params)
        print(f"contended Spark runs: {json.dumps(summary(contended), indent=2)}", flush=True)
    synthetic_figures: dict[str, Any] | None = None
    if not args.skip_synthetic:
        split_s, setup_s = synthetic_split(args.quick)
        # Rumen is scored with the synthetic bands when they exist, as before the real data.
        synthetic_figures, calibration = evaluate_split(split_s, params)
        synthetic_figures["setup"] = setup_s | {
            k: synthetic_figures.pop(k) for k in ("train_seconds", "calibrate_seconds")}
        print(f"synthetic: {json.dumps(summary(synthetic_figures), indent=2)}", flush=True)

    if spark_figures is not None:
        result = {k: v for k, v in spark_figures.items() if k != "setup"}
        result["data_source"] = "real Spark-on-YARN runs (top level); synthetic under 'synthetic'"
        if contended is not None:
            result["contended"] = {k: v for k, v in contended.items() if k != "setup"}
        if synthetic_figures is not None:
            result["synthetic"] = {k: v for k, v in synthetic_figures.items() if k != "setup"}
    elif synthetic_figures is not None:
        result = {k: v for k, v in synthetic_figures.items() if k != "setup"}
        result["data_source"] = "synthetic only (no real dataset found)"
    else:
        parser.error("nothing to evaluate: no real dataset and --skip-synthetic")
    assert calibration is not None
    result["rumen_sls_teragen"] = evaluate_rumen(
        ROOT / "tests" / "data" / "prediction" / "sls-2jobs2min-task-curves.json", calibration
    )
    result["setup"] = {
        "spark_runs": None if spark_figures is None else spark_figures["setup"],
        "contended": None if contended is None else contended["setup"],
        "synthetic": None if synthetic_figures is None else synthetic_figures["setup"],
        **common_setup,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


def display(path: Path) -> str:
    """The path relative to the checkout when it is inside it (results stay machine-neutral)."""
    resolved = path.resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(path)


def summary(figures: dict[str, Any]) -> dict[str, Any]:
    return {k: figures[k] for k in ("recurring", "unseen", "latency_ms")}


def measure_latency(selector: Selector, pairs: list[tuple[Query, Any]]) -> dict[str, float]:
    """One application = every role of one run; warm = the choice and prediction are kept (they
    change only when a run finishes), cold = validation replayed and the prediction made."""
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
        selector.forget()
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
