"""The shipped curve library: our real Spark-on-YARN runs as per-role curves and requests.

`data/spark-role-curves.json.gz` is built by `benchmarks/simulator/build_curve_library.py`
from tests/data/prediction/spark-runs.json.gz (112 runs: 7 jobs x 2 input sizes x 2 executor
sizes x 4 repeats, 3-second slots, the mean container curve of each role). Each run keeps the
YARN request the job really made, so request/peak ratios come from measurement. It is read
with importlib.resources, so it works from an installed wheel.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from yarn_elastic.resources import CurveArray
from yarn_elastic.simulator.model import AM_ROLE, EXECUTOR_ROLE, USAGE_KEYS, Request

FORMAT = "yarn-elastic spark role curves 1"
RESOURCE = "data/spark-role-curves.json.gz"
OVERHEAD_MIN_MB = 384  # spark.{executor,driver}.minMemoryOverhead default
OVERHEAD_FACTOR = 0.10  # spark.{executor,driver}.memoryOverheadFactor default


def spark_container_mb(heap_mb: float, increment_mb: float = 128) -> float:
    """The YARN container Spark asks for: heap + max(384 MB, 10 %), rounded up to the
    scheduler's increment (the collection's minimum-allocation-mb was 128)."""
    asked = heap_mb + max(OVERHEAD_MIN_MB, math.ceil(OVERHEAD_FACTOR * heap_mb))
    return float(math.ceil(asked / increment_mb) * increment_mb)


@dataclass(frozen=True)
class LibraryRole:
    count: int
    request: Request
    usage: CurveArray  # (4, slots): the mean container of the role

    @property
    def peak(self) -> np.ndarray:
        """(4,) the largest value of each resource over the curve."""
        return np.asarray(self.usage.max(axis=1), dtype=np.float64)

    def request_over_peak(self) -> tuple[float, float]:
        """(vcores, memory) request / measured peak."""
        peak = self.peak
        return (self.request.vcores / max(float(peak[0]), 1e-9),
                self.request.memory_mb / max(float(peak[1]), 1e-9))


@dataclass(frozen=True)
class LibraryRun:
    app_id: str
    job: str
    size: str  # "small" or "large" (2x the records)
    input_bytes: int
    executor_cores: int
    executor_memory_mb: int
    run_index: int
    roles: Mapping[str, LibraryRole]

    @property
    def setting(self) -> tuple[str, str, int]:
        return (self.job, self.size, self.executor_cores)

    @property
    def am(self) -> LibraryRole:
        return self.roles[AM_ROLE]

    @property
    def executor(self) -> LibraryRole:
        return self.roles[EXECUTOR_ROLE]


@dataclass(frozen=True)
class CurveLibrary:
    slot_seconds: float
    runs: tuple[LibraryRun, ...]
    collected: Mapping[str, Any]

    def jobs(self) -> tuple[str, ...]:
        return tuple(sorted({r.job for r in self.runs}))

    def settings(self) -> tuple[tuple[str, str, int], ...]:
        return tuple(sorted({r.setting for r in self.runs}))

    def repeats(self, job: str, size: str, cores: int) -> tuple[LibraryRun, ...]:
        """The runs of one setting, oldest first; an unknown setting raises KeyError."""
        found = sorted((r for r in self.runs if r.setting == (job, size, cores)),
                       key=lambda r: r.run_index)
        if not found:
            raise KeyError(f"no library runs of {job}/{size}/{cores}c")
        return tuple(found)

    def request_over_peak(self, job: str, role: str = EXECUTOR_ROLE) -> tuple[float, float]:
        """Mean (vcores, memory) request / measured peak over the job's runs."""
        ratios = [r.roles[role].request_over_peak() for r in self.runs if r.job == job]
        if not ratios:
            raise KeyError(f"no library runs of job {job}")
        return (float(np.mean([v for v, _ in ratios])), float(np.mean([m for _, m in ratios])))

    def max_use_over_request(self, role: str = EXECUTOR_ROLE) -> tuple[float, float]:
        """The largest (cpu, memory) slot use / request any run of the role shows."""
        uses = [(float(r.roles[role].peak[0]) / r.roles[role].request.vcores,
                 float(r.roles[role].peak[1]) / r.roles[role].request.memory_mb)
                for r in self.runs]
        return (max(c for c, _ in uses), max(m for _, m in uses))

    def cpu_growth_exponent(self) -> float:
        """How executor CPU-seconds grow with input: the mean over jobs and executor sizes of
        log2(mean CPU-s at the large input / at the small one); the large input is 2x."""
        logs = []
        for job in self.jobs():
            for cores in sorted({r.executor_cores for r in self.runs if r.job == job}):
                small, large = (np.mean([cpu_seconds(r, self.slot_seconds)
                                         for r in self.repeats(job, size, cores)])
                                for size in ("small", "large"))
                logs.append(math.log2(float(large) / float(small)))
        return float(np.mean(logs))


def cpu_seconds(run: LibraryRun, slot_seconds: float) -> float:
    return float(run.executor.usage[0].sum()) * slot_seconds


def _role(body: Mapping[str, Any]) -> LibraryRole:
    usage = np.asarray(body["usage"], dtype=np.float64)
    if usage.ndim != 2 or usage.shape[0] != len(USAGE_KEYS) or usage.shape[1] == 0:
        raise ValueError(f"a library curve has shape {usage.shape}, expected (4, slots)")
    request = body["request"]
    return LibraryRole(int(body["count"]),
                       Request(float(request["vcores"]), float(request["memory_mb"])), usage)


def parse_library(body: Mapping[str, Any]) -> CurveLibrary:
    if body.get("format") != FORMAT:
        raise ValueError(f"expected a curve library of format {FORMAT!r}, "
                         f"got {body.get('format')!r}")
    runs = tuple(
        LibraryRun(str(r["app_id"]), str(r["job"]), str(r["size"]), int(r["input_bytes"]),
                   int(r["executor_cores"]), int(r["executor_memory_mb"]), int(r["run_index"]),
                   {name: _role(role) for name, role in r["roles"].items()})
        for r in body["runs"])
    return CurveLibrary(float(body["slot_seconds"]), runs, dict(body.get("collected") or {}))


def load_library(path: Path | None = None) -> CurveLibrary:
    """The shipped library, or the one at `path` (a file the build script wrote)."""
    if path is None:
        return _shipped()
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        return parse_library(json.load(stream))


@lru_cache(maxsize=1)
def _shipped() -> CurveLibrary:
    data = resources.files("yarn_elastic.simulator").joinpath(RESOURCE).read_bytes()
    return parse_library(json.loads(gzip.decompress(data).decode("utf-8")))
