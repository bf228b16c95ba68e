"""The Resource Estimator's LP (Morpheus): predict a pipeline's next skyline from its history.

Preprocessing and model follow Hadoop's SolverPreprocessor and LpSolver, quirks included,
because operators compare our answers with theirs:
- each run's skylines are merged after shifting by their submission offset, re-adding only the
  intervals between change points `j < len - 2` of YARN's map, so a skyline without the
  terminator (built by a single interval) loses its last interval;
- a run is discretised by sampling integer seconds `s` in `[0, lifespan)` (from 0, not from the
  run's first change point) and keeping the peak container count per `time_interval`.

Variables (all >= 0): x_k predicted containers; per run i and interval k over-allocation
oa_ik, recursive under-allocation ua_ik, instantaneous under-allocation uap_ik; and eps.
    minimise  sum_ik alpha/N oa_ik + sum_i (1-alpha)/N ua_i,K-1 + beta eps
    s.t.      oa_ik >= x_k - c_ik;  uap_ik >= c_ik - x_k;
              ua_i0 >= c_i0 - x_0;  ua_ik >= ua_i,k-1 + c_ik - x_k;
              sum_ik uap_ik / C_i <= N eps,  C_i = sum_k c_ik.
The model is plain data (sparse matrices); HiGHS (scipy) solves it. No I/O here.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import linprog

from yarn_elastic.estimator.skyline import RecurrenceId, ResourceSkyline, RleSkyline

# HiGHS returns vertices to about 1e-7; Hadoop truncates ojAlgo's (exact) values with (int),
# so snap values this close to an integer before truncating, or 1738 - 1e-9 would become 1737.
_INTEGER_SNAP = 1e-6


class SolverError(Exception):
    """The solver could not produce an estimate."""


class InvalidInputError(SolverError):
    """The history cannot be solved; worded like Hadoop's InvalidInputException."""

    def __init__(self, entity: str, reason: str) -> None:
        super().__init__(f"{entity} is {reason}, please try again with valid {entity}")


@dataclass(frozen=True)
class SolverParams:
    alpha: float = 0.1
    beta: float = 0.1
    min_job_runs: int = 1
    time_interval: int = 5

    def as_dict(self) -> dict[str, float | int]:
        return {
            "alpha": self.alpha,
            "beta": self.beta,
            "minJobRuns": self.min_job_runs,
            "timeInterval": self.time_interval,
        }


@dataclass(frozen=True)
class Estimate:
    skyline: RleSkyline
    containers: tuple[int, ...]
    objective: float
    runs: int


def _java_div(numerator: int, denominator: int) -> int:
    quotient = abs(numerator) // abs(denominator)
    return quotient if (numerator >= 0) == (denominator > 0) else -quotient


def merge_run(skylines: Sequence[ResourceSkyline]) -> ResourceSkyline:
    """One skyline for one run: its jobs' skylines shifted to the run's first submission."""
    first_submission = min(s.submission_time for s in skylines)
    merged = RleSkyline()
    for job in skylines:
        offset = _java_div(job.submission_time - first_submission, 1000)
        keys = job.skyline.change_points()
        for j in range(len(keys) - 2):
            merged = merged.add_interval(
                keys[j] + offset, keys[j + 1] + offset, job.skyline.capacity_at(keys[j])
            )
    head = skylines[0]
    return ResourceSkyline(
        head.job_id,
        head.input_size,
        head.submission_time,
        head.finish_time,
        head.container_spec,
        merged,
    )


def aggregate_runs(
    history: Mapping[RecurrenceId, Sequence[ResourceSkyline]], min_job_runs: int
) -> list[ResourceSkyline]:
    runs = [merge_run(skylines) for skylines in history.values() if skylines]
    if len(runs) < min_job_runs:
        raise InvalidInputError(
            "Job ResourceSkyline history", f"containing less job runs than {min_job_runs}"
        )
    return runs


def job_length(runs: Sequence[ResourceSkyline], time_interval: int) -> int:
    """Intervals needed to cover the longest run (ceil of lifespan / time_interval)."""
    longest = 0
    for run in runs:
        span = run.skyline.latest_non_null() - run.skyline.earliest_start()
        longest = max(longest, _java_div(span + time_interval - 1, time_interval))
    return longest


def discrete_skyline(
    skyline: RleSkyline, time_interval: int, container_memory: int, length: int
) -> list[int]:
    """Peak container count per interval, over integer seconds 0 .. lifespan - 1."""
    lifespan = skyline.latest_non_null() - skyline.earliest_start()
    counts = [0] * length
    times = [t for t, _ in skyline.steps]
    for k in range(length):
        low, high = k * time_interval, min((k + 1) * time_interval, lifespan)
        if low >= high:
            break
        # Integer seconds in [low, high) see the value at `low` and every step starting inside.
        values = [skyline.capacity_at(low)]
        first = bisect.bisect_right(times, low)
        last = bisect.bisect_left(times, high)
        values.extend(skyline.steps[i][1] for i in range(first, last))
        for value in values:
            counts[k] = max(counts[k], _java_div(value.memory, container_memory))
    return counts


@dataclass(frozen=True)
class LpModel:
    """`minimise cost @ v  s.t.  upper @ v <= bound, v >= 0`; x_k are the first `length` entries."""

    cost: npt.NDArray[np.float64]
    upper: sparse.csr_matrix
    bound: npt.NDArray[np.float64]
    length: int
    runs: int


def build_lp(counts: Sequence[Sequence[int]], alpha: float, beta: float) -> LpModel:
    runs, length = len(counts), len(counts[0])
    nk = runs * length
    x0, oa0, ua0, uap0, eps = 0, length, length + nk, length + 2 * nk, length + 3 * nk
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    bound: list[float] = []

    def constraint(terms: Sequence[tuple[int, float]], rhs: float) -> None:
        row = len(bound)
        for col, val in terms:
            rows.append(row)
            cols.append(col)
            vals.append(val)
        bound.append(rhs)

    regularisation: list[tuple[int, float]] = [(eps, -float(runs))]
    for i, run in enumerate(counts):
        total = float(sum(run))
        for k, c in enumerate(run):
            ik = i * length + k
            # Hadoop divides by C_i even when it is 0; a run that used nothing has no
            # under-allocation to weigh, so it simply adds no term here.
            if total > 0:
                regularisation.append((uap0 + ik, 1.0 / total))
            constraint([(x0 + k, 1.0), (oa0 + ik, -1.0)], float(c))
            constraint([(x0 + k, -1.0), (uap0 + ik, -1.0)], -float(c))
            recursive = [(x0 + k, -1.0), (ua0 + ik, -1.0)]
            if k > 0:
                recursive.append((ua0 + ik - 1, 1.0))
            constraint(recursive, -float(c))
    constraint(regularisation, 0.0)

    cost = np.zeros(length + 3 * nk + 1)
    cost[oa0 : oa0 + nk] = alpha / runs
    for i in range(runs):
        cost[ua0 + i * length + length - 1] = (1.0 - alpha) / runs
    cost[eps] = beta
    upper = sparse.csr_matrix(
        (vals, (rows, cols)), shape=(len(bound), cost.size), dtype=np.float64
    )
    return LpModel(cost, upper, np.asarray(bound, dtype=np.float64), length, runs)


def solve_lp(model: LpModel) -> tuple[list[float], float]:
    """Solve with HiGHS' interior point method, which lands on the same vertex as Hadoop's
    ojAlgo on the estimator's test data where the optimum is not unique."""
    result = linprog(
        model.cost, A_ub=model.upper, b_ub=model.bound, bounds=(0, None), method="highs-ipm"
    )
    if result.status != 0 or result.x is None:
        raise SolverError(f"the LP solver failed: {result.message}")
    return [float(v) for v in result.x[: model.length]], float(result.fun)


def to_container_count(value: float) -> int:
    nearest = round(value)
    if abs(value - nearest) <= _INTEGER_SNAP:
        return int(nearest)
    return math.floor(value)


def estimate(
    history: Mapping[RecurrenceId, Sequence[ResourceSkyline]] | None, params: SolverParams
) -> Estimate:
    """Predict the next run's skyline (seconds from its start) from a pipeline's history."""
    if not history:
        raise InvalidInputError("Job ResourceSkyline history", "invalid")
    if params.time_interval <= 0:
        raise InvalidInputError("Solver timeInterval", "non-positive")
    runs = aggregate_runs(history, params.min_job_runs)
    for run in runs:
        if run.container_spec.memory <= 0:
            raise InvalidInputError(f"container memory of job {run.job_id}", "not positive")
    spec = runs[0].container_spec
    length = job_length(runs, params.time_interval)
    if length == 0:
        return Estimate(RleSkyline(), (), 0.0, len(runs))
    counts = [
        # Each run is discretised by its own container size, as in Hadoop.
        discrete_skyline(run.skyline, params.time_interval, run.container_spec.memory, length)
        for run in runs
    ]
    values, objective = solve_lp(build_lp(counts, params.alpha, params.beta))
    containers = tuple(to_container_count(v) for v in values)
    skyline = RleSkyline()
    for k, count in enumerate(containers):
        skyline = skyline.add_interval(
            k * params.time_interval, (k + 1) * params.time_interval, spec.times(count)
        )
    return Estimate(skyline, containers, objective, len(runs))

