"""What each node does to its containers in a slot, as functions of the slot's arrays.

Memory is not compressible: a container using more than its memory limit is killed, as the
NodeManager's monitor kills it, and where a node's containers still use more memory than it
has, the youngest there are killed until the rest fit. CPU, disk and network are shared
(`contention`). Rows are containers; `node` gives each one's node.
"""

from __future__ import annotations

import numpy as np

from yarn_elastic.scheduling.tables import BoolArray, FloatArray, IntArray
from yarn_elastic.simulator.contention import progress_rate, share_node

TOLERANCE = 1e-6


def memory_victims(memory: FloatArray, limit: FloatArray, node: IntArray, order: IntArray,
                   capacity: FloatArray) -> tuple[BoolArray, bool]:
    """(which containers are killed, whether some node was over its memory) given each
    container's memory use and limit, its node, its start order (larger: younger) and each
    node's memory capacity."""
    doomed: BoolArray = memory > limit + TOLERANCE
    on_node = np.bincount(node, weights=np.where(doomed, 0.0, memory), minlength=len(capacity))
    crowded = np.flatnonzero(on_node > capacity + TOLERANCE)
    for n in crowded.tolist():
        excess = on_node[n] - capacity[n]
        here = np.flatnonzero((node == n) & ~doomed)
        for row in here[np.argsort(-order[here], kind="stable")].tolist():
            if excess <= TOLERANCE:
                break
            doomed[row] = True
            excess -= memory[row]
    return doomed, bool(crowded.size)


def share(wants: FloatArray, limits: FloatArray, node: IntArray, capacity: FloatArray
          ) -> tuple[FloatArray, FloatArray, BoolArray]:
    """(what each gets, its progress rate, which resources some node was asked for more of
    than it has) for (K, R) wants and limits of compressible resources and (N, R) capacity."""
    capped = np.minimum(wants, limits)
    per_node = np.zeros_like(capacity)
    np.add.at(per_node, node, wants)
    over: BoolArray = np.any(per_node > capacity + TOLERANCE, axis=0)
    limited = np.zeros_like(capacity)
    np.add.at(limited, node, capped)
    got: FloatArray = capped.copy()
    for n in np.flatnonzero(np.any(limited > capacity + TOLERANCE, axis=1)).tolist():
        rows = np.flatnonzero(node == n)
        got[rows] = share_node(capped[rows], capacity[n])
    return got, progress_rate(got, wants), over
