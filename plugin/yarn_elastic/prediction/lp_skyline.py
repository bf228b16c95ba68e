"""The Resource Estimator's LP (Morpheus) applied to each resource's demand curve.

The estimator's model (estimator/solver.py) is reused unchanged: it is written for integer
container counts, so each resource is first counted in small units (hundredths of a vcore,
megabytes, tenths of a MB/s). alpha weighs over-allocation against the under-allocation that
accumulates over the run; beta regularises towards covering every run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from yarn_elastic.estimator.solver import SolverError, build_lp, solve_lp
from yarn_elastic.prediction.predictors import Query
from yarn_elastic.prediction.runs import stack
from yarn_elastic.resources import CurveArray

# Units per resource in RESOURCE_NAMES order: 0.01 vcore, 1 MB, 0.1 MB/s, 0.1 MB/s.
UNITS = np.array([0.01, 1.0, 0.1, 0.1])


@dataclass(frozen=True)
class LpSkylinePredictor:
    alpha: float = 0.1
    beta: float = 0.1
    max_runs: int = 10
    name: str = "lp-skyline"

    def point(self, query: Query) -> CurveArray | None:
        if not query.history:
            return None
        curves = stack(query.history[-self.max_runs :])
        out = np.zeros(curves.shape[1:], dtype=np.float64)
        for resource in range(curves.shape[1]):
            counts = np.rint(curves[:, resource, :] / UNITS[resource]).astype(int)
            if not counts.any():
                continue
            try:
                values, _ = solve_lp(build_lp(counts.tolist(), self.alpha, self.beta))
            except SolverError:
                return None
            out[resource] = np.maximum(np.asarray(values), 0.0) * UNITS[resource]
        return out
