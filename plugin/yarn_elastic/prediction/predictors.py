"""History-based predictors behind one interface, and the query they answer.

A predictor turns a query (a signature, a container role, and that role's curves from the
signature's earlier runs, oldest first) into a point curve, or None when it cannot answer (no
history, no model). A query may also carry relatives: the same job's history at other settings
(other executor sizes or input sizes), which a new setting can borrow from. Upper bands are
added afterwards by `bands`, the same way for every predictor, so that predictors are compared
on equal terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from yarn_elastic.prediction.runs import resample, stack
from yarn_elastic.prediction.signature import JobSignature
from yarn_elastic.resources import CurveArray


@dataclass(frozen=True)
class Relative:
    """The same job at another setting: its signature, input size and role curves."""

    signature: JobSignature
    input_bytes: float | None
    history: tuple[CurveArray, ...]


@dataclass(frozen=True)
class Query:
    signature: JobSignature
    role: str
    history: tuple[CurveArray, ...]
    input_bytes: float | None = None
    relatives: tuple[Relative, ...] = ()


class Predictor(Protocol):
    @property
    def name(self) -> str: ...

    def point(self, query: Query) -> CurveArray | None:
        """The expected curve of the next run, or None if this predictor cannot answer."""
        ...


def _flat(levels: np.ndarray, slots: int) -> CurveArray:
    return np.repeat(levels.reshape(-1, 1).astype(np.float64), max(slots, 1), axis=1)


@dataclass(frozen=True)
class PeakPredictor:
    """What YARN does today: the largest use ever seen, reserved for the whole lifetime."""

    name: str = "peak"

    def point(self, query: Query) -> CurveArray | None:
        if not query.history:
            return None
        curves = stack(query.history)
        return _flat(curves.max(axis=(0, 2)), curves.shape[2])


@dataclass(frozen=True)
class LastRunPredictor:
    name: str = "last-run"

    def point(self, query: Query) -> CurveArray | None:
        return query.history[-1].copy() if query.history else None


@dataclass(frozen=True)
class AverageLastKPredictor:
    """Elasecutor's predictor for recurring applications: the mean of the last k runs."""

    k: int = 3
    name: str = "avg-3"

    def point(self, query: Query) -> CurveArray | None:
        if not query.history:
            return None
        recent = stack(query.history[-self.k :])
        # Runs differ a little in length; zero-padded means would taper the end, so average
        # over the median length only.
        lengths = sorted(c.shape[1] for c in query.history[-self.k :])
        return np.asarray(recent.mean(axis=0)[:, : lengths[len(lengths) // 2]], dtype=np.float64)


@dataclass(frozen=True)
class AlignedMedianPredictor:
    """Ours: the last k runs lined up by progress, not by clock, then the median per slot.

    Repeats of a job do the same work at different speeds (a busy node, a cold cache), so
    averaging them slot by slot smears every phase over its neighbours. Each run is stretched to
    the median lifetime first; the median, unlike the mean, ignores one odd run (the first run
    on a cold cluster) once there are three."""

    k: int = 5
    name: str = "aligned-median"

    def point(self, query: Query) -> CurveArray | None:
        if not query.history:
            return None
        recent = query.history[-self.k :]
        slots = int(np.median([c.shape[1] for c in recent]))
        aligned = np.stack([resample(c, slots) for c in recent])
        return np.asarray(np.median(aligned, axis=0), dtype=np.float64)


@dataclass(frozen=True)
class VpaPercentilePredictor:
    """The Kubernetes VPA recommender's target: a percentile of all samples plus a margin,
    held flat (VPA sizes a container, it has no notion of phases)."""

    percentile: float = 90.0
    margin: float = 0.15
    name: str = "vpa-p90"

    def point(self, query: Query) -> CurveArray | None:
        if not query.history:
            return None
        samples = np.concatenate(query.history, axis=1)
        levels = np.percentile(samples, self.percentile, axis=1) * (1.0 + self.margin)
        return _flat(levels, query.history[-1].shape[1])
