"""Synthetic but realistic recurring Spark-like runs, from a fixed seed.

Seven HiBench-like job types, each a sequence of stages with its own CPU, memory, disk and
network phase; every job runs in 3 input sizes x 3 executor sizes. Run-to-run variation follows
Elasecutor's Table 4 (elasecutor.md §2): stage durations vary with CoV ~3 % (median 2.6 %,
90th percentile 5.5 %), CPU levels barely (99th percentile 0.7 %), memory, disk and network
levels by a few per cent (99th percentiles 11-13 %). Samples add 5 % measurement noise.
Curves are per container role: the AM (small, flat) and the mean executor.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from yarn_elastic.prediction.runs import AM_ROLE, EXECUTOR_ROLE, Run
from yarn_elastic.prediction.signature import JobSignature, make_signature

SLOT_SECONDS = 5
EXECUTORS = 4
GB = 1 << 30


@dataclass(frozen=True)
class Stage:
    seconds_per_gb: float  # per executor core
    cpu: float  # share of the executor's cores busy
    memory: float  # share of the executor's memory the heap grows to
    disk_per_core: float  # MB/s per busy core
    net_per_core: float  # MB/s per busy core


def _iterations(body: list[Stage], times: int) -> list[Stage]:
    return [stage for _ in range(times) for stage in body]


JOB_TYPES: dict[str, list[Stage]] = {
    "wordcount": [Stage(24, 0.92, 0.45, 9, 0.5), Stage(6, 0.40, 0.55, 14, 22),
                  Stage(6, 0.70, 0.50, 6, 1)],
    "sort": [Stage(14, 0.60, 0.50, 22, 0.5), Stage(16, 0.35, 0.72, 26, 38),
             Stage(10, 0.50, 0.62, 30, 2)],
    "terasort": [Stage(18, 0.75, 0.55, 28, 0.5), Stage(20, 0.45, 0.80, 30, 45),
                 Stage(14, 0.60, 0.70, 35, 3)],
    "pagerank": [Stage(10, 0.70, 0.50, 20, 1)]
    + _iterations([Stage(8, 0.85, 0.70, 2, 16), Stage(4, 0.55, 0.75, 1, 24)], 4),
    "kmeans": [Stage(10, 0.70, 0.60, 25, 0.5)] + _iterations([Stage(5, 0.95, 0.80, 0.5, 2)], 6),
    "logistic-regression": [Stage(10, 0.65, 0.62, 24, 0.5)]
    + _iterations([Stage(4, 0.97, 0.86, 0.3, 1.5)], 8),
    "sql-aggregation": [Stage(16, 0.85, 0.40, 32, 0.5), Stage(6, 0.40, 0.55, 10, 30),
                        Stage(3, 0.70, 0.50, 2, 2)],
}
INPUT_GB = (2, 8, 32)
EXECUTOR_SIZES = ((1, 2048), (2, 4096), (4, 8192))
# Per-run level variation (sigma of a log-normal factor), resource order of RESOURCE_NAMES.
LEVEL_SIGMA = np.array([0.003, 0.04, 0.045, 0.045])
DURATION_SIGMA = 0.03
SAMPLE_NOISE = np.array([0.05, 0.01, 0.05, 0.05])


@dataclass(frozen=True)
class Setting:
    job: str
    input_gb: int
    cores: int
    memory_mb: int

    @property
    def signature(self) -> JobSignature:
        return make_signature(
            f"hibench-{self.job}", "SPARK", "default", "bench", self.cores, self.memory_mb,
            self.input_gb * GB, ["hibench"],
        )


def settings() -> list[Setting]:
    return [
        Setting(job, size, cores, memory)
        for job in JOB_TYPES for size in INPUT_GB for cores, memory in EXECUTOR_SIZES
    ]


def executor_curve(setting: Setting, rng: np.random.Generator) -> np.ndarray:
    """One run's mean executor curve, (4, slots) at SLOT_SECONDS."""
    levels = np.exp(rng.normal(0.0, LEVEL_SIGMA))
    seconds: list[np.ndarray] = []
    heap = 0.12 * setting.memory_mb
    per_core_gb = setting.input_gb / (EXECUTORS * setting.cores)
    for stage in [Stage(0.0, 0.3, 0.12, 1, 0.2)] + JOB_TYPES[setting.job]:
        base = max(stage.seconds_per_gb * per_core_gb, 3.0)
        duration = max(1, int(round(base * float(np.exp(rng.normal(0.0, DURATION_SIGMA))))))
        target = stage.memory * setting.memory_mb * levels[1]
        for _ in range(duration):
            # The heap grows towards the stage's working set; GC gives a little back after it.
            heap += (target - heap) * (0.15 if target > heap else 0.02)
            busy = stage.cpu * setting.cores * levels[0]
            seconds.append(np.array([
                busy, heap, stage.disk_per_core * busy * levels[2],
                stage.net_per_core * busy * levels[3],
            ]))
    per_second = np.stack(seconds, axis=1)
    slots = -(-per_second.shape[1] // SLOT_SECONDS)
    padded = np.zeros((4, slots * SLOT_SECONDS))
    padded[:, : per_second.shape[1]] = per_second
    curve = padded.reshape(4, slots, SLOT_SECONDS).mean(axis=2)
    noise = rng.normal(1.0, SAMPLE_NOISE[:, None], size=curve.shape)
    return np.asarray(np.maximum(curve * noise, 0.0), dtype=np.float64)


def am_curve(slots: int, rng: np.random.Generator) -> np.ndarray:
    base = np.array([0.15, 600.0, 0.05, 0.1]) * np.exp(rng.normal(0.0, LEVEL_SIGMA))
    curve = np.repeat(base[:, None], slots, axis=1)
    curve[1] *= np.linspace(0.8, 1.0, slots)
    return np.asarray(curve * rng.normal(1.0, SAMPLE_NOISE[:, None], size=curve.shape),
                      dtype=np.float64).clip(min=0.0)


def runs(setting: Setting, count: int, seed: int) -> Iterator[Run]:
    rng = np.random.default_rng(seed)
    for index in range(count):
        executor = executor_curve(setting, rng)
        input_bytes = setting.input_gb * GB * float(np.exp(rng.normal(0.0, 0.02)))
        yield Run(
            setting.signature, f"run-{index:03d}", 1_700_000_000_000 + index * 3_600_000,
            {AM_ROLE: am_curve(executor.shape[1] + 2, rng), EXECUTOR_ROLE: executor},
            input_bytes, {AM_ROLE: 1, EXECUTOR_ROLE: EXECUTORS},
        )


def dataset(runs_per_setting: int = 8, seed: int = 2018) -> dict[Setting, list[Run]]:
    return {
        setting: list(runs(setting, runs_per_setting, seed * 1000 + i))
        for i, setting in enumerate(settings())
    }
