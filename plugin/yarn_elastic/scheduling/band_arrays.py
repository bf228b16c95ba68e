"""The elastic demand's rules as arrays over every running container of a cycle.

`ElasticDemand` decides per running container (its band as YARN holds it, its next size, the
curve the placement counts it by), and `CurveDemandModel` sums those curves per node. Done one
container at a time that is a dozen small numpy calls each: seconds a cycle at thousands of
nodes. Here the same rules run once over arrays of all containers:

- `band_ahead_all` and `target_sizes` are `resize.band_ahead` and `resize.target_size` row for
  row, and `resizing` is `plan_resizes`'s test;
- `remaining_curves` is `committed_curve`, then `_ends_after` for an executor, re-origined to
  now as `CurveDemandModel.node_committed` shifts each one; containers without a band keep
  the RM's allocation, held;
- `node_sums` adds them per node in the order the reference adds them, and `node_finishes` is
  `node_cache`'s earliest predicted finish.

The per-container functions stay the reference: tests/unit/core/test_running_table.py compares
the two on random clusters. The containers' numbers come from `running_table`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from yarn_elastic.resources import RESOURCES, CurveArray
from yarn_elastic.scheduling.resize import CPU, MEMORY, ResizeRules, steps_up
from yarn_elastic.scheduling.running_table import BoolArray, FloatArray, IntArray


def stacked(curves: Sequence[CurveArray]) -> tuple[FloatArray, IntArray]:
    """(B, 4, S) the curves side by side, each held at its last value past its own end, and
    (B,) each one's own length."""
    slots = np.array([c.shape[1] for c in curves], dtype=np.int64)
    width = int(slots.max(initial=1))
    out = np.zeros((len(curves), RESOURCES, width))
    for row, curve in enumerate(curves):
        out[row, :, : curve.shape[1]] = curve
        out[row, :, curve.shape[1] :] = curve[:, -1:]
    return out, slots


@dataclass(frozen=True)
class Bands:
    """Each running container's curve from its start: its sized band, or its RM allocation."""

    curves: FloatArray  # (B, 4, S) held past each one's end
    slots: IntArray  # (B,)
    row: IntArray  # (M,) curve of each container
    predicted: BoolArray  # (M,) the curve is a band: sized, resized, floored by its size
    position: IntArray  # (M,) slots lived


def band_ahead_all(bands: Bands, lead_slots: int) -> FloatArray:
    """(M, 2) `resize.band_ahead` of every container: the most vcores and memory its band
    asks for from its position to `lead_slots` ahead."""
    last = bands.slots[bands.row] - 1
    columns = np.minimum(bands.position[:, None] + np.arange(lead_slots + 1)[None, :],
                         last[:, None])
    window = bands.curves[bands.row[:, None], :2, columns]  # (M, lead + 1, 2)
    ahead: FloatArray = window.max(axis=1)
    return ahead


def band_for_life_all(bands: Bands, rows: IntArray) -> FloatArray:
    """(len(rows), 2) `resize.band_for_life` of the given containers: the most vcores and
    memory each band asks for from its position to its end."""
    # A suffix maximum per curve: past each one's end the padding repeats its last value.
    life = np.maximum.accumulate(bands.curves[:, :2, ::-1], axis=2)[:, :, ::-1]
    start = np.minimum(bands.position[rows], bands.slots[bands.row[rows]] - 1)
    found: FloatArray = life[bands.row[rows], :, start]
    return found


def target_sizes(ahead: FloatArray, allocated: FloatArray, request: FloatArray,
                 measured: FloatArray, rules: ResizeRules) -> tuple[FloatArray, IntArray]:
    """(M, 2) `resize.target_size` of every container, and (M,) which rule set its memory:
    0 the band, 1 the measured RSS, 2 grown to the request (`measured` NaN: not known)."""
    memory = ahead[:, MEMORY].copy()
    why = np.zeros(len(memory), dtype=np.int64)
    known = ~np.isnan(measured)
    floor = np.where(known, measured * (1.0 + rules.memory_margin), -np.inf)
    above = floor > memory
    memory[above], why[above] = floor[above], 1
    grow = known & (np.where(known, measured, 0.0) > rules.grow_at * allocated[:, MEMORY])
    memory[grow], why[grow] = request[grow, MEMORY], 2
    vcores = steps_up(ahead[:, CPU].copy(), rules.vcores_step)
    memory = steps_up(memory, rules.memory_step_mb)
    target = np.stack([np.maximum(np.minimum(vcores, request[:, CPU]), rules.vcores_step),
                       np.maximum(np.minimum(memory, request[:, MEMORY]),
                                  rules.memory_step_mb)], axis=1)
    return target, why


def resizing(target: FloatArray, allocated: FloatArray, request: FloatArray,
             rules: ResizeRules) -> BoolArray:
    """(M,) `plan_resizes`'s test: any increase, or a decrease of more than `min_change`."""
    change = (target - allocated) / np.maximum(request, 1e-9)
    result: BoolArray = np.any(change > 1e-9, axis=1) | np.any(change < -rules.min_change,
                                                                axis=1)
    return result


def remaining_curves(bands: Bands, ends: BoolArray, size: FloatArray, ahead: FloatArray,
                     lead_slots: int) -> FloatArray:
    """(M, 4, T) each container's curve from now, as the placement counts it: the band held
    past its end, never below its size over the lead window (for life where the size is off
    its band), an executor ending after its predicted life; columns past a container's own
    end repeat its last value (0 once an executor ends)."""
    own = np.maximum(bands.slots[bands.row], bands.position + 1) - bands.position
    # As wide as the widest per-container curve of the reference: an executor's ends with a
    # zero column, a held curve does not (the tables' horizon follows this width).
    width = int(np.where(ends, own + 1, own).max(initial=1))
    t = np.arange(width)[None, :]
    columns = np.minimum(bands.position[:, None] + t, bands.curves.shape[2] - 1)
    # One flat gather (a 1-D take is several times faster than broadcast fancy indexing):
    # element (m, r, t) is curves[row[m], r, column[m, t]].
    slots = bands.curves.shape[2]
    base = (bands.row * RESOURCES)[:, None] + np.arange(RESOURCES)[None, :]  # (M, 4)
    index = base[:, :, None] * slots + columns[:, None, :]
    values: FloatArray = np.take(bands.curves.reshape(-1), index)  # (M, 4, T)
    last = (own - 1)[:, None]
    for dim in (CPU, MEMORY):
        off_band = size[:, dim] > ahead[:, dim] + 1e-9
        floored = (off_band[:, None] | (t <= lead_slots)
                   | ((last <= lead_slots) & (t >= last))) & bands.predicted[:, None]
        np.maximum(values[:, dim, :], np.where(floored, size[:, dim, None], 0.0),
                   out=values[:, dim, :])
    ended = ends[:, None] & (t >= own[:, None])  # (M, T)
    np.copyto(values, 0.0, where=ended[:, None, :])
    return values


def node_sums(values: FloatArray, counts: IntArray) -> FloatArray:
    """(N, 4, T): the rows of each node (consecutive, `counts` per node) added up."""
    out = np.zeros((len(counts), values.shape[1], values.shape[2]))
    nonempty = np.flatnonzero(counts)
    if nonempty.size:
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])[nonempty]
        out[nonempty] = np.add.reduceat(values[: int(counts.sum())], starts, axis=0)
    return out


def node_finishes(values: FloatArray, ends: BoolArray, bands: Bands, start_ms: IntArray,
                  node_row: IntArray, curve_finish: IntArray, now_ms: int, slot_ms: int
                  ) -> dict[int, int]:
    """Node row -> the earliest slot from now at which one of its containers is predicted
    to end, for nodes with one (as `node_cache._earliest_finish` reads `container_ends`)."""
    since_start = (start_ms - now_ms) // slot_ms
    busy = np.any(values != 0, axis=1)  # (M, T)
    last_busy = np.where(busy.any(axis=1), values.shape[2] - 1 - np.argmax(busy[:, ::-1],
                                                                              axis=1), -1)
    finish = np.where(ends, bands.position + last_busy + 1, curve_finish[bands.row])
    known = (finish >= 0) & (node_row >= 0) & (ends | ~bands.predicted)
    relative = finish + since_start
    usable = known & (relative > 0)
    never = np.iinfo(np.int64).max
    earliest = np.full(int(node_row.max(initial=-1)) + 1, never, dtype=np.int64)
    np.minimum.at(earliest, node_row[usable], relative[usable])
    rows = np.flatnonzero(earliest < never)
    return dict(zip(rows.tolist(), earliest[rows].tolist(), strict=True))


def curve_finishes_of(bands: Bands) -> IntArray:
    """(B,) `resources.finish_slot` of each curve over its own slots, -1 for one that never
    ends (its last column is not all zero)."""
    curves, slots = bands.curves, bands.slots
    width = curves.shape[2]
    busy = np.any(curves != 0, axis=1) & (np.arange(width)[None, :] < slots[:, None])
    holds = busy[np.arange(len(slots)), slots - 1]
    last_busy = width - 1 - np.argmax(busy[:, ::-1], axis=1)
    found: IntArray = np.where(holds, -1, np.where(busy.any(axis=1), last_busy + 1, 0))
    return found
