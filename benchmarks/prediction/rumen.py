"""The Rumen TeraGen pair from Hadoop's SLS sample trace as two runs of one recurring job.

Each map task's 12 progress splits become a curve at 1-second slots, as the simulator's
Rumen converter builds them (`yarn_elastic.simulator.rumen.task_curve`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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
from yarn_elastic.simulator.rumen import task_curve

from benchmarks.prediction.evaluate import Tally

MB = 1 << 20


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
