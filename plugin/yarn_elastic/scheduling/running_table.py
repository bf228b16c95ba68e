"""Every running container of one cycle as arrays: the elastic demand's batch kernels.

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
the two on random clusters. What a container contributes that does not change between cycles
(its request, allocation, start, job role) is kept per node in a `RunningCache`, rebuilt only
for the nodes whose revision changed, so a cycle's Python work is per node and per distinct
band, not per container.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from yarn_elastic.messages import Container, is_am_container
from yarn_elastic.picture import PictureSnapshot
from yarn_elastic.resources import RESOURCES, CurveArray, finish_slot, to_array
from yarn_elastic.scheduling.resize import CPU, MEMORY, ResizeRules

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Columns of a block's integer and float arrays.
START, APP, AM, SIZED_KEY, FLAT_KEY = range(5)
REQ_VCORES, REQ_MEMORY, ALLOC_VCORES, ALLOC_MEMORY = range(4)
_EMPTY_INTS = np.zeros((0, 5), dtype=np.int64)
_EMPTY_FLOATS = np.zeros((0, 4), dtype=np.float64)


@dataclass(frozen=True)
class _Block:
    """One node's running containers, in the order the picture lists them."""

    containers: tuple[Container, ...]
    ints: IntArray  # (m, 5): start_ms, app key, is AM, sized-band key, flat-curve key
    floats: FloatArray  # (m, 4): request vcores, memory; allocated vcores, memory


@dataclass
class RunningCache:
    """Per-node blocks and the key tables they refer to, kept between cycles.

    Keys number what a block needs looked up once per cycle rather than once per container:
    an application, a (application, role, request) whose band is sized for the request, and a
    distinct RM allocation curve for containers without a band.
    """

    source: object = None  # the picture the revisions come from
    blocks: dict[str, tuple[int, _Block]] = field(default_factory=dict)  # node -> (revision, _)
    apps: dict[str, int] = field(default_factory=dict)
    app_ids: list[str] = field(default_factory=list)
    sized: dict[tuple[str, str, float, float], int] = field(default_factory=dict)
    sized_keys: list[tuple[str, str, float, float]] = field(default_factory=list)
    flats: dict[tuple[tuple[float, ...], ...], int] = field(default_factory=dict)
    flat_curves: list[CurveArray] = field(default_factory=list)

    def block(self, node_id: str, revision: int | None, containers: Sequence[Container],
              source: object) -> _Block:
        kept = self.blocks.get(node_id)
        if revision is not None and source is self.source and kept is not None \
                and kept[0] == revision:
            return kept[1]
        made = self._make(tuple(containers))
        if revision is not None:
            self.blocks[node_id] = (revision, made)
        return made

    def renew(self, source: object, live_nodes: int) -> None:
        """Start a cycle: forget blocks from another picture, and numbering grown stale."""
        if source is not self.source or len(self.blocks) > 2 * live_nodes + 100:
            self.blocks = {}
        if len(self.sized) > 4 * (len(self.blocks) + 1) * 8 + 10_000:
            self.blocks, self.apps, self.app_ids = {}, {}, []
            self.sized, self.sized_keys, self.flats, self.flat_curves = {}, [], {}, []
        self.source = source

    def _make(self, containers: tuple[Container, ...]) -> _Block:
        if not containers:
            return _Block((), _EMPTY_INTS, _EMPTY_FLOATS)
        ints = np.zeros((len(containers), 5), dtype=np.int64)
        floats = np.zeros((len(containers), 4), dtype=np.float64)
        for row, container in enumerate(containers):
            asked = container.request or container.allocated
            request = (float(asked[CPU][0]), float(asked[MEMORY][0]))
            allocated = container.allocated
            am = is_am_container(container.id)
            app = self.apps.get(container.app)
            if app is None:
                app = self.apps[container.app] = len(self.app_ids)
                self.app_ids.append(container.app)
            sized_key = (container.app, "am" if am else "executor", *request)
            sized = self.sized.get(sized_key)
            if sized is None:
                sized = self.sized[sized_key] = len(self.sized_keys)
                self.sized_keys.append(sized_key)
            flat = self.flats.get(allocated)
            if flat is None:
                flat = self.flats[allocated] = len(self.flat_curves)
                self.flat_curves.append(to_array(allocated))
            ints[row] = (container.start_ms, app, am, sized, flat)
            floats[row] = (*request, float(allocated[CPU][0]), float(allocated[MEMORY][0]))
        return _Block(containers, ints, floats)


@dataclass(frozen=True)
class RunningTable:
    """Every running container of one cycle, in node order (the snapshot's nodes, each
    node's containers in the picture's order), then those on no node of the snapshot."""

    containers: tuple[Container, ...]  # (M,)
    node_row: IntArray  # (M,) row of snapshot.nodes, -1 for none
    counts: IntArray  # (N,) containers per node row
    app: IntArray  # (M,) key of `RunningCache.app_ids`
    am: BoolArray  # (M,)
    sized_key: IntArray  # (M,) key of `RunningCache.sized_keys`
    flat_key: IntArray  # (M,) key of `RunningCache.flat_curves`
    start_ms: IntArray  # (M,)
    request: FloatArray  # (M, 2) vcores, memory
    allocated: FloatArray  # (M, 2)

    @property
    def size(self) -> int:
        return len(self.containers)


def running_table(snapshot: PictureSnapshot, cache: RunningCache) -> RunningTable:
    """The snapshot's running containers as arrays, from the cache's blocks where a node's
    revision is unchanged."""
    cache.renew(snapshot.revision_source, len(snapshot.nodes))
    running = snapshot.running
    if running is None:
        grouped: dict[str, list[Container]] = {}
        for container in snapshot.containers:
            grouped.setdefault(container.node, []).append(container)
        running = {node: tuple(on_node) for node, on_node in grouped.items()}
    revisions = snapshot.node_revisions
    blocks = []
    for row, node in enumerate(snapshot.nodes):
        revision = None if revisions is None else revisions[row]
        blocks.append(cache.block(node.id, revision, running.get(node.id, ()),
                                  snapshot.revision_source))
    counts = np.array([len(b.containers) for b in blocks], dtype=np.int64)
    placed = int(counts.sum())
    if placed != len(snapshot.containers):
        on_nodes = {n.id for n in snapshot.nodes}
        orphans = [c for c in snapshot.containers if c.node not in on_nodes]
        blocks.append(cache.block("", None, orphans, None))
    containers = tuple(c for b in blocks for c in b.containers)
    ints = np.concatenate([b.ints for b in blocks]) if blocks else _EMPTY_INTS
    floats = np.concatenate([b.floats for b in blocks]) if blocks else _EMPTY_FLOATS
    node_row = np.full(len(containers), -1, dtype=np.int64)
    node_row[:placed] = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    return RunningTable(
        containers, node_row, counts, ints[:, APP], ints[:, AM].astype(bool),
        ints[:, SIZED_KEY], ints[:, FLAT_KEY], ints[:, START],
        floats[:, [REQ_VCORES, REQ_MEMORY]], floats[:, [ALLOC_VCORES, ALLOC_MEMORY]],
    )


def executor_sizes(table: RunningTable, apps: int) -> FloatArray:
    """(apps, 2): each application's largest executor request (what its job signature is
    keyed by), NaN for an application with no executor running."""
    sizes = np.full((apps, 2), -np.inf)
    executors = ~table.am
    np.maximum.at(sizes, table.app[executors], table.request[executors])
    sizes[np.isinf(sizes)] = np.nan
    return sizes


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


def steps_up_all(values: FloatArray, step: float) -> FloatArray:
    """`resize.steps_up` element-wise."""
    if step <= 0:
        return values
    rounded: FloatArray = np.maximum(np.ceil(values / step - 1e-9), 1.0) * step
    return rounded


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
    vcores = steps_up_all(ahead[:, CPU].copy(), rules.vcores_step)
    memory = steps_up_all(memory, rules.memory_step_mb)
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
    width = int(own.max(initial=1)) + 1
    t = np.arange(width)[None, :]
    columns = np.minimum(bands.position[:, None] + t, bands.curves.shape[2] - 1)
    values: FloatArray = bands.curves[
        bands.row[:, None, None], np.arange(RESOURCES)[None, :, None], columns[:, None, :]
    ]  # (M, 4, T)
    last = (own - 1)[:, None]
    for dim in (CPU, MEMORY):
        off_band = size[:, dim] > ahead[:, dim] + 1e-9
        floored = (off_band[:, None] | (t <= lead_slots)
                   | ((last <= lead_slots) & (t >= last))) & bands.predicted[:, None]
        np.maximum(values[:, dim, :], np.where(floored, size[:, dim, None], 0.0),
                   out=values[:, dim, :])
    ended = ends[:, None] & (t >= own[:, None])  # (M, T)
    values[np.broadcast_to(ended[:, None, :], values.shape)] = 0.0
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


def curve_finishes(curves: Sequence[CurveArray]) -> IntArray:
    """(B,) `finish_slot` of each curve, -1 for one that never ends."""
    found = (finish_slot(c) for c in curves)
    return np.array([-1 if f is None else f for f in found], dtype=np.int64)


def measured_column(containers: Sequence[Container], measured: Mapping[str, float]
                    ) -> FloatArray:
    """(M,) the agents' last RSS of each container, NaN where none is known."""
    if not measured:
        return np.full(len(containers), np.nan)
    return np.array([measured.get(c.id, np.nan) for c in containers], dtype=np.float64)


def curve_finishes_of(bands: Bands) -> IntArray:
    """(B,) `finish_slot` of each curve of `bands` over its own slots, -1 for one that never
    ends."""
    return curve_finishes([bands.curves[b, :, : bands.slots[b]]
                           for b in range(len(bands.slots))])
