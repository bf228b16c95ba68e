"""Build the simulator's shipped curve library from the real Spark-on-YARN runs.

    .venv/bin/python -m benchmarks.simulator.build_curve_library [--dataset D] [--out O]

Reads tests/data/prediction/spark-runs.json.gz through `benchmarks.prediction.spark_runs.load`
at 3-second slots (the mean container curve of each role, as the core builds it) and writes
plugin/yarn_elastic/simulator/data/spark-role-curves.json.gz: per run its setting, the AM and
executor curves rounded to 4 significant digits, and the YARN request the job really made.

The requests are not in the dataset; they follow from what the collector submitted
(benchmarks/prediction/collect_spark_runs.py: `--executor-memory` 1024 or 2048 MB,
`--driver-memory` 512 MB, cluster deploy mode, so the driver is the AM) and Spark's YARN sizing:
container memory = heap + max(384 MB, 10 % of heap) (spark.{executor,driver}.memoryOverhead
defaults), rounded up to the cluster's yarn.scheduler.minimum-allocation-mb (128 MB in
yarn_elastic.devcluster.spec.ClusterSpec). So executors asked for 1408 or 2432 MB and
`--executor-cores` vcores, the AM for 896 MB and 1 vcore (spark.driver.cores). The integration
test test_cluster_harness.py checks the same rule on a real cluster (512 MB -> 896 MB).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from yarn_elastic.devcluster.spec import DEFAULT_NODES, ClusterSpec  # noqa: E402
from yarn_elastic.simulator.library import FORMAT, spark_container_mb  # noqa: E402
from yarn_elastic.simulator.model import USAGE_KEYS  # noqa: E402

from benchmarks.prediction.collect_spark_runs import DRIVER_MEMORY_MB  # noqa: E402
from benchmarks.prediction.spark_runs import load  # noqa: E402

DEFAULT_DATASET = ROOT / "tests" / "data" / "prediction" / "spark-runs.json.gz"
DEFAULT_OUT = ROOT / "plugin" / "yarn_elastic" / "simulator" / "data" / "spark-role-curves.json.gz"
SLOT_SECONDS = 3
DRIVER_VCORES = 1  # spark.driver.cores default, the AM's vcores in cluster mode


def significant(value: float, digits: int = 4) -> float:
    return 0.0 if value == 0 else float(f"{value:.{digits}g}")


def curve_rows(curve: Any) -> list[list[float]]:
    return [[significant(float(v)) for v in row] for row in curve]


def build(dataset_path: Path) -> dict[str, Any]:
    dataset = load(dataset_path, SLOT_SECONDS)
    with gzip.open(dataset_path, "rt", encoding="utf-8") as stream:
        records = {r["app_id"]: r for r in json.load(stream)["runs"]}
    increment = ClusterSpec().min_allocation_mb
    runs: list[dict[str, Any]] = []
    for setting, repeats in sorted(dataset.settings.items()):
        for run in repeats:
            record = records[run.run_id]
            requests = {
                "am": {"vcores": DRIVER_VCORES,
                       "memory_mb": spark_container_mb(DRIVER_MEMORY_MB, increment)},
                "executor": {"vcores": setting.cores,
                             "memory_mb": spark_container_mb(setting.memory_mb, increment)},
            }
            runs.append({
                "app_id": run.run_id, "job": setting.job, "size": setting.size,
                "input_bytes": setting.input_bytes, "executor_cores": setting.cores,
                "executor_memory_mb": setting.memory_mb,
                "run_index": int(record["run_index"]),
                "roles": {
                    role: {"count": run.containers.get(role, 1), "request": requests[role],
                           "usage": curve_rows(curve)}
                    for role, curve in sorted(run.roles.items())
                },
            })
    collected = dataset.collected
    return {
        "format": FORMAT,
        "source": "tests/data/prediction/spark-runs.json.gz (see its spark-runs-README.md)",
        "built_by": "python -m benchmarks.simulator.build_curve_library",
        "slot_seconds": SLOT_SECONDS,
        "usage_keys": list(USAGE_KEYS),
        "collected": {k: collected.get(k) for k in ("started", "finished", "machine", "spark",
                                                    "hadoop", "agent_interval_ms")},
        "nodes": [{"name": n.name, "vcores": n.vcores, "memory_mb": n.memory_mb}
                  for n in DEFAULT_NODES],
        "requests": ("container memory = heap + max(384 MB, 10% of heap), rounded up to "
                     f"{increment} MB; executor vcores = --executor-cores, AM = driver "
                     f"({DRIVER_MEMORY_MB} MB heap, {DRIVER_VCORES} vcore)"),
        "runs": runs,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.simulator.build_curve_library",
        description="Build the simulator's curve library (per-run AM and executor curves and "
                    "the real YARN requests) from the measured Spark-on-YARN dataset.")
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET,
                        help=f"spark-runs dataset (default {DEFAULT_DATASET.relative_to(ROOT)})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"library file (default {DEFAULT_OUT.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    body = build(args.dataset)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(args.out, "wb", compresslevel=9, mtime=0) as raw:
        raw.write(json.dumps(body, separators=(",", ":")).encode("utf-8"))
    size_kb = args.out.stat().st_size / 1024
    print(f"{args.out}: {len(body['runs'])} runs, {size_kb:.0f} KiB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
