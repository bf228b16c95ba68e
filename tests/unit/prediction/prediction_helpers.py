from __future__ import annotations

import numpy as np
from yarn_elastic.prediction.runs import AM_ROLE, EXECUTOR_ROLE, Run
from yarn_elastic.prediction.signature import JobSignature, make_signature


def phased_curve(rng: np.random.Generator, cores: int = 2, memory_mb: int = 4096,
                 noise: float = 0.02) -> np.ndarray:
    """A two-phase executor curve: CPU-and-disk heavy, then network heavy."""
    slots = 20 + int(rng.integers(-1, 2))
    curve = np.zeros((4, slots))
    half = slots // 2
    curve[0, :half], curve[0, half:] = 0.9 * cores, 0.4 * cores
    curve[1] = np.linspace(0.2, 0.7, slots) * memory_mb
    curve[2, :half], curve[3, half:] = 20.0 * cores, 30.0 * cores
    return np.asarray(np.maximum(curve * rng.normal(1, noise, curve.shape), 0), dtype=float)


def signature(name: str = "etl", cores: int = 2, memory_mb: int = 4096) -> JobSignature:
    return make_signature(name, "SPARK", "default", "alice", cores, memory_mb, 8 << 30)


def make_runs(count: int, sig: JobSignature | None = None, seed: int = 1) -> list[Run]:
    sig = sig or signature()
    rng = np.random.default_rng(seed)
    cores = sig.executor_cores or 2
    memory = sig.executor_memory_mb or 4096
    return [
        Run(sig, f"r{i}", 1_000 + i, {
            EXECUTOR_ROLE: phased_curve(rng, cores, memory),
            AM_ROLE: np.abs(np.tile([[0.1], [500.0], [0.0], [0.1]], 22)
                            * rng.normal(1, 0.02, (4, 22))),
        }, float(8 << 30))
        for i in range(count)
    ]
