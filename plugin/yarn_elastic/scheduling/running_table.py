"""Every running container of one cycle as arrays, kept per node between cycles.

`ElasticDemand` needs, per running container, its request, allocation, start, job role and
node. Read from the `Container` objects one by one that is per-container Python every cycle,
tens of milliseconds at 35,000 containers. A `RunningCache` keeps each node's containers as a
block of numbers, rebuilt only for the nodes whose revision changed, so a cycle concatenates
blocks and looks up per node and per distinct key, not per container. The rules themselves
run over the result in `band_arrays`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from yarn_elastic.messages import Container, is_am_container
from yarn_elastic.picture import PictureSnapshot
from yarn_elastic.resources import CurveArray, to_array
from yarn_elastic.scheduling.resize import CPU, MEMORY

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


def measured_column(containers: Sequence[Container], measured: Mapping[str, float]
                    ) -> FloatArray:
    """(M,) the agents' last RSS of each container, NaN where none is known."""
    if not measured:
        return np.full(len(containers), np.nan)
    return np.array([measured.get(c.id, np.nan) for c in containers], dtype=np.float64)


@dataclass
class ElasticCache:
    """What `ElasticDemand` keeps between cycles: the running containers' per-node arrays,
    and each band as sized for a request (and as an ask's curve), kept while the band lookup
    answers with the very same array (it does until a run of the job is learnt)."""

    running: RunningCache = field(default_factory=RunningCache)
    sized: dict[tuple[object, ...], tuple[CurveArray, CurveArray]] = field(
        default_factory=dict)
    asks: dict[tuple[object, ...], tuple[CurveArray, CurveArray]] = field(
        default_factory=dict)

    def remembered(self, memo: dict[tuple[object, ...], tuple[CurveArray, CurveArray]],
                   band: CurveArray, key: tuple[object, ...]) -> CurveArray | None:
        kept = memo.get((id(band), key))
        return kept[1] if kept is not None and kept[0] is band else None

    def remember(self, memo: dict[tuple[object, ...], tuple[CurveArray, CurveArray]],
                 band: CurveArray, key: tuple[object, ...], value: CurveArray) -> CurveArray:
        if len(memo) > 20_000:
            memo.clear()
        memo[(id(band), key)] = (band, value)
        return value
