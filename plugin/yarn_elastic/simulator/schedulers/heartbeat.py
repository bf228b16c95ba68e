"""What the baselines share: heartbeat order, free space, and a decision timer."""

from __future__ import annotations

import time

import numpy as np

from yarn_elastic.scheduling.tables import IntArray
from yarn_elastic.simulator.schedulers.base import ClusterView

FIT = 1e-6


def heartbeat_order(view: ClusterView) -> IntArray:
    """Nodes in the order their heartbeats come: every node once a cycle, the first one
    moving on by one each cycle, so no node is always served first."""
    count = len(view.node_names)
    order: IntArray = (np.arange(count) + view.slot) % max(count, 1)
    return order


class Timer:
    """Measures one `place` call: the scheduler's decision time."""

    def __init__(self) -> None:
        self._began = 0.0
        self.last_ms = 0.0

    def __enter__(self) -> Timer:
        self._began = time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.last_ms = (time.perf_counter() - self._began) * 1000.0
