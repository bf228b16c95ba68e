"""Sharing a node's compressible resources (CPU, disk, network) among its containers.

When the containers on a node want more of a resource than the node has, each gets a max-min
fair share (water-filling): nobody gets more than it wants, and the rest is split evenly
among those who want more. A container's progress in a slot is then the smallest, over the
resources it wants, of got / wanted, capped at 1: a phase that waits for the disk does not
finish sooner because it was given CPU.
"""

from __future__ import annotations

import numpy as np

from yarn_elastic.scheduling.tables import FloatArray

# A want below this (vcores, MB/s) is treated as none: it cannot slow a container.
NEGLIGIBLE = 1e-9


def max_min_share(wants: FloatArray, capacity: float) -> FloatArray:
    """(k,) what each of k wants gets of `capacity`."""
    if wants.size == 0 or wants.sum() <= capacity:
        unchanged: FloatArray = wants.copy()
        return unchanged
    order = np.sort(wants)
    # The water level: the k-th smallest want is met in full while the rest split what is
    # left evenly; the level is the first split that falls below the next want.
    before = np.concatenate([[0.0], np.cumsum(order)[:-1]])
    left = np.arange(wants.size, 0, -1)
    split = (capacity - before) / left
    level = split[np.flatnonzero(split <= order)[0]]
    result: FloatArray = np.minimum(wants, level)
    return result


def share_node(wants: FloatArray, capacity: FloatArray) -> FloatArray:
    """(k, R) what each container gets of each of R resources of one node, given (k, R)
    wants and (R,) capacity; every resource is shared on its own."""
    got: FloatArray = wants.copy()
    for r in np.flatnonzero(wants.sum(axis=0) > capacity):
        got[:, r] = max_min_share(wants[:, r], float(capacity[r]))
    return got


def progress_rate(got: FloatArray, wanted: FloatArray) -> FloatArray:
    """(k,) the fraction of a slot each container advances: min over wanted resources of
    got / wanted, 1 for a container that wants nothing compressible."""
    ratio = np.divide(got, wanted, out=np.ones_like(got), where=wanted > NEGLIGIBLE)
    result: FloatArray = np.minimum(ratio.min(axis=1, initial=1.0), 1.0)
    return result
