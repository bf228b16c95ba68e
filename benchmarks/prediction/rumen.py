"""The Rumen TeraGen pair from Hadoop's SLS sample trace as two runs of one recurring job.

Each map task's 12 progress splits become a curve at 1-second slots: CPU vcores = CPU
milliseconds / wall milliseconds of the split, memory = physical memory. Rumen has no disk or
network curve, so the task's written bytes (HDFS + local) are spread evenly over its life as
disk MB/s, and its HDFS bytes written (a replication pipeline) as network MB/s.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from yarn_elastic.prediction.bands import Calibration
from yarn_elastic.prediction.lp_skyline import LpSkylinePredictor
from yarn_elastic.prediction.predictors import (
    AverageLastKPredictor,
    LastRunPredictor,
    PeakPredictor,
    Query,
    VpaPercentilePredictor,
)
from yarn_elastic.prediction.runs import mean_container_curve
from yarn_elastic.prediction.signature import make_signature

from benchmarks.prediction.evaluate import Tally

MB = 1 << 20


def task_curve(task: dict[str, Any]) -> np.ndarray:
    seconds = []
    lifetime_s = max(sum(task["clock_ms"]) / 1000.0, 1.0)
    disk = max(task["hdfs_bytes_written"], 0) + max(task["file_bytes_written"], 0)
    net = max(task["hdfs_bytes_written"], 0)
    for clock, cpu, mem in zip(task["clock_ms"], task["cpu_ms"], task["phys_mem_kb"], strict=True):
        vcores = cpu / clock if clock > 0 else 0.0
        seconds.extend([[vcores, mem / 1024.0, disk / MB / lifetime_s, net / MB / lifetime_s]]
                       * max(int(round(clock / 1000.0)), 0))
    if not seconds:
        seconds = [[0.0, 0.0, 0.0, 0.0]]
    return np.asarray(seconds, dtype=np.float64).T


def evaluate_rumen(path: Path, calibration: Calibration) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    first, second = data["jobs"][:2]
    signature = make_signature(first["name"], "MAPREDUCE", first["queue"], first["user"])
    history = (mean_container_curve([task_curve(t) for t in first["tasks"]]),)
    actual_tasks = [task_curve(t) for t in second["tasks"]]
    query = Query(signature, "map", history)
    out: dict[str, Any] = {"tasks_predicted": len(actual_tasks), "per_task": {}}
    for predictor in (PeakPredictor(), LastRunPredictor(), AverageLastKPredictor(),
                      VpaPercentilePredictor(), LpSkylinePredictor()):
        point = predictor.point(query)
        tally = Tally()
        upper = None if point is None else calibration.upper(predictor.name, point)
        for actual in actual_tasks:
            tally.add(point, upper, actual)
        out["per_task"][predictor.name] = tally.summary()
    return out
