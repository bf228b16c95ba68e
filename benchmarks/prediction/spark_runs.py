"""The shipped Spark-on-YARN dataset (collect_spark_runs.py) as runs the predictors learn from.

A setting is one job at one input size and executor size; its runs are the repeats, oldest
first. Container samples become curves the way the core builds them from the depository
(`history.samples_to_curve`, then the mean container of each role), so the benchmark sees what
the scheduler would. Runs that did not succeed are left out and counted.
"""

from __future__ import annotations

import gzip
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yarn_elastic.prediction.history import role_of, samples_to_curve
from yarn_elastic.prediction.runs import Run, mean_container_curve
from yarn_elastic.prediction.signature import JobSignature, make_signature
from yarn_elastic.resources import CurveArray

from benchmarks.prediction.collect_spark_runs import COLUMNS, FORMAT

MB = float(1 << 20)


class DatasetError(ValueError):
    pass


@dataclass(frozen=True, order=True)
class SparkSetting:
    job: str
    size: str
    input_bytes: int
    cores: int
    memory_mb: int

    @property
    def signature(self) -> JobSignature:
        return make_signature(f"hibench-{self.job}", "SPARK", "default", None, self.cores,
                              self.memory_mb, self.input_bytes, ["hibench"])

    def describe(self) -> str:
        return f"{self.job}/{self.size}/{self.cores}c{self.memory_mb}m"


@dataclass
class SparkDataset:
    settings: dict[SparkSetting, list[Run]]
    skipped: list[str] = field(default_factory=list)
    collected: dict[str, Any] = field(default_factory=dict)

    def nearest(self, setting: SparkSetting, seen: list[SparkSetting]) -> SparkSetting:
        """The seen setting of the same job closest in log input size and log cores."""
        same_job = [s for s in seen if s.job == setting.job]
        if not same_job:
            raise DatasetError(f"no seen setting of job {setting.job} to borrow history from")

        def distance(other: SparkSetting) -> float:
            return abs(math.log2(other.input_bytes / setting.input_bytes)) + abs(
                math.log2(other.cores / setting.cores))

        return min(same_job, key=lambda s: (distance(s), s))


def load(path: Path, slot_seconds: int = 3) -> SparkDataset:
    """Read the gzip JSON; a file that is not the dataset gets an error naming it and the fix."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as stream:
            body = json.load(stream)
    except FileNotFoundError:
        raise DatasetError(
            f"{path} does not exist; collect it with "
            "`python -m benchmarks.prediction.collect_spark_runs`") from None
    except (OSError, EOFError, ValueError) as exc:
        raise DatasetError(f"{path} is not a gzip JSON dataset ({exc}); collect it again") from exc
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise DatasetError(f"{path}: expected format {FORMAT!r}, got "
                           f"{body.get('format') if isinstance(body, dict) else type(body)}")
    if body.get("columns") != list(COLUMNS):
        raise DatasetError(f"{path}: expected columns {list(COLUMNS)}, got {body.get('columns')}")
    dataset = SparkDataset({}, [], dict(body.get("collected") or {}))
    for index, record in enumerate(body.get("runs") or []):
        where = f"{path} run {index} ({record.get('app_id') if isinstance(record, dict) else '?'})"
        try:
            setting, run = run_of(record, slot_seconds)
        except (KeyError, TypeError, ValueError) as exc:
            raise DatasetError(f"{where}: {exc!r}") from exc
        if run is None:
            dataset.skipped.append(f"{record.get('app_id')}: {record.get('final_status')}")
            continue
        dataset.settings.setdefault(setting, []).append(run)
    for runs in dataset.settings.values():
        runs.sort(key=lambda r: r.finished_ms)
    return dataset


def run_of(record: dict[str, Any], slot_seconds: int) -> tuple[SparkSetting, Run | None]:
    setting = SparkSetting(str(record["job"]), str(record["size"]), int(record["input_bytes"]),
                           int(record["executor_cores"]), int(record["executor_memory_mb"]))
    if record.get("final_status") != "SUCCEEDED":
        return setting, None
    by_role: dict[str, list[CurveArray]] = {}
    last_ms = 0
    for container in record["containers"]:
        start = int(container["start_ms"])
        points = [point_of(sample, start) for sample in container["samples"]]
        curve = samples_to_curve(points, slot_seconds * 1000)
        if curve is None:
            continue
        last_ms = max(last_ms, max(int(p["ts_ms"]) for p in points))
        by_role.setdefault(role_of(str(container["container_id"])), []).append(curve)
    if not by_role:
        return setting, None
    return setting, Run(
        setting.signature, str(record["app_id"]), last_ms,
        {role: mean_container_curve(curves) for role, curves in by_role.items()},
        float(record["input_bytes"]), {role: len(c) for role, c in by_role.items()},
    )


def point_of(sample: list[float], start_ms: int) -> dict[str, float]:
    """A compact sample back in the depository's units (bytes, bytes/s)."""
    if len(sample) != len(COLUMNS):
        raise ValueError(f"a sample has {len(sample)} values, expected {len(COLUMNS)}")
    t_s, cpu, rss_mb, read, write, rx, tx = (float(v) for v in sample)
    return {
        "ts_ms": start_ms + round(t_s * 1000), "cpu_cores": cpu, "rss_bytes": rss_mb * MB,
        "disk_read_bps": read * MB, "disk_write_bps": write * MB,
        "net_rx_bps": rx * MB, "net_tx_bps": tx * MB,
    }
