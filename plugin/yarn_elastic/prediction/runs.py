"""One finished run of a job as the predictors see it: a demand curve per container role.

A role curve is a (4, slots) array in `RESOURCE_NAMES` order (cpu_vcores, memory_mb,
disk_mb_per_s, network_mb_per_s), one column per slot (`yarn.elastic.slot-ms`; a
stored run records its own, see model_store.py), for one representative
container of that role (the mean over the run's containers of the role, aligned at their
starts). A demand curve ends: after its last slot the container is gone and uses nothing, so
usage curves are compared after padding with zeros. An allocation made from a predicted curve
(a band) instead holds its last value until the container exits (`hold`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from yarn_elastic.prediction.signature import JobSignature
from yarn_elastic.resources import RESOURCES, CurveArray

AM_ROLE = "am"
EXECUTOR_ROLE = "executor"


@dataclass(frozen=True)
class Run:
    signature: JobSignature
    run_id: str
    finished_ms: int
    roles: dict[str, CurveArray]
    input_bytes: float | None = None
    containers: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for role, curve in self.roles.items():
            check_curve(curve, f"run {self.run_id} role {role}")


def check_curve(curve: CurveArray, what: str) -> None:
    if curve.ndim != 2 or curve.shape[0] != RESOURCES or curve.shape[1] == 0:
        raise ValueError(f"{what}: expected a (4, slots>0) curve, got shape {curve.shape}")
    if not np.all(np.isfinite(curve)) or np.any(curve < 0):
        raise ValueError(f"{what}: curve values must be finite and >= 0")


def stored(curve: CurveArray) -> CurveArray:
    """A curve as the model store keeps it, and so as every prediction made from it sees it."""
    return np.round(curve, 4)


def pad(curve: CurveArray, slots: int) -> CurveArray:
    """Zero-extend (never shorten) a demand curve to `slots` columns."""
    if curve.shape[1] >= slots:
        return curve
    out = np.zeros((curve.shape[0], slots), dtype=np.float64)
    out[:, : curve.shape[1]] = curve
    return out


def hold(curve: CurveArray, slots: int) -> CurveArray:
    """An allocation over `slots` columns: the curve cut there, or held at its last value
    (a container keeps its last size until it exits)."""
    if curve.shape[1] >= slots:
        return curve[:, :slots]
    tail = np.repeat(curve[:, -1:], slots - curve.shape[1], axis=1)
    return np.concatenate([curve, tail], axis=1)


def resample(curve: CurveArray, slots: int) -> CurveArray:
    """The curve stretched or squeezed to `slots` columns over the same lifetime (linear
    interpolation between slot centres), so runs of different lengths line up by progress."""
    if curve.shape[1] == slots:
        return curve
    source = (np.arange(curve.shape[1]) + 0.5) / curve.shape[1]
    target = (np.arange(slots) + 0.5) / slots
    return np.stack([np.interp(target, source, row) for row in curve]).astype(np.float64)


def rescaled(curve: CurveArray, from_ms: int, to_ms: int) -> CurveArray:
    """A curve of `from_ms` slots as slots of `to_ms` over the same time, each the largest
    value of the slots it overlaps: a band is an upper bound, so it stays one, and a measured
    run rescaled so never understates the demand it is learnt from."""
    if from_ms <= 0 or to_ms <= 0 or from_ms == to_ms:
        return curve
    length = curve.shape[1]
    slots = max(1, -(-length * from_ms // to_ms))
    starts = np.arange(slots) * to_ms // from_ms
    ends = np.minimum(((np.arange(slots) + 1) * to_ms - 1) // from_ms, length - 1)
    # New slot i covers old slots starts[i]..ends[i], and ends[i] is starts[i+1] - 1 or
    # starts[i+1]: the max from one start to the next, with the end slot, is that span's max.
    # In one pass, because every stored run read at another slot length comes through here.
    out: CurveArray = np.maximum(np.maximum.reduceat(curve, starts, axis=1), curve[:, ends])
    return out


def stack(curves: Sequence[CurveArray]) -> np.ndarray:
    """(n, 4, max slots) array of zero-padded curves."""
    slots = max(c.shape[1] for c in curves)
    return np.stack([pad(c, slots) for c in curves])


def mean_container_curve(containers: Sequence[CurveArray]) -> CurveArray:
    """The representative curve of a role: the mean over containers aligned at their starts,
    as long as the median container lives (stragglers would otherwise stretch the mean with
    near-zero tails)."""
    if not containers:
        raise ValueError("a role needs at least one container curve")
    lengths = sorted(c.shape[1] for c in containers)
    slots = lengths[len(lengths) // 2]
    # Containers that end early count as zero; shorten to the median lifetime.
    return np.asarray(stack(containers).mean(axis=0)[:, :slots], dtype=np.float64)


def role_history(runs: Sequence[Run], role: str) -> list[CurveArray]:
    """The role's curves, oldest run first, skipping runs that had no such container."""
    ordered = sorted(runs, key=lambda r: r.finished_ms)
    return [r.roles[role] for r in ordered if role in r.roles]
