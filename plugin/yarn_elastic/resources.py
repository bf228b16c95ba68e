"""Resource curves as numpy arrays: four resources by time slots, last value holding forever.

A curve array has shape (4, slots) in the order of `RESOURCE_NAMES`. Column `slots - 1` stands
for every later slot too, so two curves of different lengths are compared or added only after
`align`ing them to a common horizon by repeating their last column.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from yarn_elastic.messages import RESOURCE_NAMES, Curves

RESOURCES = len(RESOURCE_NAMES)
CurveArray = npt.NDArray[np.float64]


def length_of(curves: Curves) -> int:
    """Slots a message curve set needs to be represented exactly."""
    return max(len(curve) for curve in curves)


def to_array(curves: Curves, horizon: int | None = None) -> CurveArray:
    """A (4, horizon) array from message curves; shorter curves repeat their last value."""
    width = max(horizon or 0, length_of(curves))
    if all(len(curve) == width for curve in curves):
        return np.array(curves, dtype=np.float64)  # the common case: one C-level copy
    out = np.empty((RESOURCES, width), dtype=np.float64)
    for row, curve in enumerate(curves):
        out[row, : len(curve)] = curve
        out[row, len(curve) :] = curve[-1]
    return out


def align(array: CurveArray, horizon: int) -> CurveArray:
    """Extend a (..., slots) array to `horizon` slots by repeating its last column."""
    slots = array.shape[-1]
    if slots == horizon:
        return array
    if slots > horizon:
        raise ValueError(f"cannot shorten a {slots}-slot curve to {horizon} slots")
    tail = np.repeat(array[..., -1:], horizon - slots, axis=-1)
    return np.concatenate([array, tail], axis=-1)


def common_horizon(arrays: Iterable[CurveArray]) -> int:
    return max((a.shape[-1] for a in arrays), default=1)


def shift(array: CurveArray, offset_slots: int) -> CurveArray:
    """Re-origin a demand curve that starts `offset_slots` from now.

    A positive offset (starts later) prepends zero slots; a negative one (started in the past)
    drops the slots already lived, always keeping the last column, which holds forever.
    """
    if offset_slots > 0:
        zeros = np.zeros(array.shape[:-1] + (offset_slots,), dtype=array.dtype)
        return np.concatenate([zeros, array], axis=-1)
    if offset_slots < 0:
        start = min(-offset_slots, array.shape[-1] - 1)
        return array[..., start:]
    return array


def add(a: CurveArray, b: CurveArray) -> CurveArray:
    horizon = max(a.shape[-1], b.shape[-1])
    return align(a, horizon) + align(b, horizon)


def subtract(a: CurveArray, b: CurveArray) -> CurveArray:
    horizon = max(a.shape[-1], b.shape[-1])
    return align(a, horizon) - align(b, horizon)


def finish_slot(array: CurveArray) -> int | None:
    """The slot from which a demand curve is zero for ever, or None if it never ends.

    An all-zero demand has finished at slot 0.
    """
    if np.any(array[..., -1] != 0):
        return None
    busy = np.flatnonzero(np.any(array.reshape(-1, array.shape[-1]) != 0, axis=0))
    return int(busy[-1]) + 1 if busy.size else 0


def prefix_integral(array: CurveArray) -> CurveArray:
    """Cumulative sums over slots with a leading zero: `out[..., t]` = integral over [0, t)."""
    zeros = np.zeros(array.shape[:-1] + (1,), dtype=np.float64)
    return np.concatenate([zeros, np.cumsum(array, axis=-1)], axis=-1)
