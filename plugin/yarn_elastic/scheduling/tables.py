"""Array views of one picture snapshot: the node table and the candidate (shape group) table.

Scheduling works on arrays so that one decision step looks at every candidate at once. Pending
asks that need the same curve, finish at the same slot and obey the same placement constraint
are interchangeable for the filters and the DRR score, so they form one *shape group*; the
asks inside a group are kept in queue order and the group is represented by its first ask with
containers still to place.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from yarn_elastic.messages import App, Ask, Container, Node
from yarn_elastic.picture import PictureSnapshot
from yarn_elastic.resources import (
    RESOURCES,
    CurveArray,
    align,
    finish_slot,
    prefix_integral,
    to_array,
)
from yarn_elastic.scheduling.demand import DemandModel

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Rounding applied before comparing scores, so that the same ratio reached through different
# float paths is an exact tie and falls to the documented tie-breaking rule.
SCORE_DECIMALS = 9
FIT_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Constraint:
    """Where a group may go: a node partition, and the strict locality list if any."""

    partition: str
    nodes: frozenset[str] = frozenset()
    racks: frozenset[str] = frozenset()

    @property
    def anywhere(self) -> bool:
        return not self.nodes and not self.racks


@dataclass(frozen=True)
class NodeTable:
    ids: tuple[str, ...]
    racks: tuple[str, ...]
    partitions: tuple[str, ...]
    capacity: FloatArray  # (N, 4, H)
    available: FloatArray  # (N, 4, H): capacity minus what is committed, never below 0
    finish: IntArray  # (N,): earliest predicted finish of a running container, H if none

    @property
    def horizon(self) -> int:
        return int(self.capacity.shape[-1])


@dataclass(frozen=True)
class CandidateTable:
    asks: tuple[Ask, ...]  # pending asks in queue order: an ask's index is its rank
    apps: tuple[App | None, ...]  # the app of each ask
    demand: FloatArray  # (U, 4, H) per-container demand of each group
    cum_demand: FloatArray  # (U, 4, H + 1) prefix integral of `demand`
    finish: IntArray  # (U,): slot at which one container of the group ends, H if never
    constraint: IntArray  # (U,): index into `constraints`
    constraints: tuple[Constraint, ...]
    members: tuple[tuple[int, ...], ...]  # ask ranks of each group, in queue order

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass(frozen=True)
class Tables:
    nodes: NodeTable
    candidates: CandidateTable
    # (4,): resources the DRR score looks at. A resource that no pending ask demands and no
    # node has committed (disk and network while nothing predicts them) would always be the
    # dominant remaining one at 100 % and make every score equal, so it is left out.
    scored: BoolArray


QueueKey = Callable[[Ask, "App | None"], tuple[object, ...]]


@dataclass
class _NodeEntry:
    node: Node
    running: tuple[Container, ...]
    capacity: CurveArray
    committed: CurveArray
    ends: tuple[tuple[int, int], ...]  # (slots from start, start_ms) of containers that end


@dataclass
class TableCache:
    """Per-node arrays kept between cycles.

    A node's entry is reused while the picture holds the very same `Node` object and the very
    same `Container` objects on it (the picture replaces an object whenever the shim sends it
    again), and the demand model is the same object: a demand model answers as a pure function
    of what it is given, and one that learns is swapped in as a new object.
    """

    model: DemandModel | None = None
    entries: dict[str, _NodeEntry] = field(default_factory=dict)


def build_tables(
    snapshot: PictureSnapshot,
    model: DemandModel,
    queue_key: QueueKey,
    cache: TableCache | None = None,
) -> Tables:
    node_parts = _node_parts(snapshot, model, cache or TableCache())
    pending = (a for a in snapshot.asks if a.count > 0)
    asks = sorted(pending, key=lambda a: queue_key(a, snapshot.apps.get(a.app)))
    apps = tuple(snapshot.apps.get(a.app) for a in asks)
    demands = [model.ask_demand(ask, app) for ask, app in zip(asks, apps, strict=True)]
    horizon = max(
        [node_parts.horizon] + [d.shape[-1] for d in demands],
    )
    nodes = node_parts.build(horizon)
    candidates = _candidates(tuple(asks), apps, demands, horizon)
    return Tables(nodes, candidates, _scored_resources(nodes, candidates))


def _scored_resources(nodes: NodeTable, candidates: CandidateTable) -> BoolArray:
    demanded = np.any(candidates.demand > 0, axis=(0, 2))
    committed = np.any(nodes.capacity - nodes.available > 0, axis=(0, 2))
    scored: BoolArray = demanded | committed
    return scored if scored.any() else np.ones(RESOURCES, dtype=bool)


@dataclass
class _NodeParts:
    ids: list[str]
    racks: list[str]
    partitions: list[str]
    capacity: list[CurveArray]
    committed: list[CurveArray]
    finish: list[int | None]

    @property
    def horizon(self) -> int:
        lengths = [a.shape[-1] for a in self.capacity + self.committed]
        lengths += [f + 1 for f in self.finish if f is not None]
        return max(lengths, default=1)

    def build(self, horizon: int) -> NodeTable:
        n = len(self.ids)
        if n:
            capacity = np.stack([align(c, horizon) for c in self.capacity])
            committed = np.stack([align(c, horizon) for c in self.committed])
        else:
            capacity = committed = np.zeros((0, RESOURCES, horizon))
        finish = np.array([horizon if f is None else f for f in self.finish], dtype=np.int64)
        return NodeTable(
            ids=tuple(self.ids),
            racks=tuple(self.racks),
            partitions=tuple(self.partitions),
            capacity=capacity,
            available=np.maximum(capacity - committed, 0.0),
            finish=np.minimum(finish, horizon).reshape(n),
        )


def _node_parts(snapshot: PictureSnapshot, model: DemandModel, cache: TableCache) -> _NodeParts:
    by_node: dict[str, list[Container]] = defaultdict(list)
    for container in snapshot.containers:
        by_node[container.node].append(container)
    if cache.model is not model:
        cache.model, cache.entries = model, {}
    entries: dict[str, _NodeEntry] = {}
    parts = _NodeParts([], [], [], [], [], [])
    for node in snapshot.nodes:
        running = tuple(by_node.get(node.id, ()))
        entry = cache.entries.get(node.id)
        if entry is None or not _same_objects(entry, node, running):
            entry = _NodeEntry(
                node, running, to_array(node.capacity), model.node_committed(node, running),
                _ends(running, model),
            )
        entries[node.id] = entry
        parts.ids.append(node.id)
        parts.racks.append(node.rack)
        parts.partitions.append(node.partition)
        parts.capacity.append(entry.capacity)
        parts.committed.append(entry.committed)
        parts.finish.append(_earliest_finish(entry.ends, snapshot))
    cache.entries = entries
    return parts


def _same_objects(entry: _NodeEntry, node: Node, running: tuple[Container, ...]) -> bool:
    return (
        entry.node is node
        and len(entry.running) == len(running)
        and all(a is b for a, b in zip(entry.running, running, strict=True))
    )


def _ends(running: Sequence[Container], model: DemandModel) -> tuple[tuple[int, int], ...]:
    found = ((model.container_ends(c), c.start_ms) for c in running)
    return tuple((ends, start) for ends, start in found if ends is not None)


def _earliest_finish(ends: Sequence[tuple[int, int]], snapshot: PictureSnapshot) -> int | None:
    """When the first running container on a node is predicted to end, in slots from now."""
    earliest: int | None = None
    for slots, start_ms in ends:
        relative = slots + (start_ms - snapshot.now_ms) // snapshot.slot_ms
        if relative <= 0:
            continue  # overran its prediction: no usable finish time
        earliest = relative if earliest is None else min(earliest, relative)
    return earliest


def _candidates(
    asks: tuple[Ask, ...],
    apps: tuple[App | None, ...],
    demands: Sequence[CurveArray],
    horizon: int,
) -> CandidateTable:
    constraints: dict[Constraint, int] = {}
    groups: dict[tuple[bytes, int, int], list[int]] = {}
    shapes: list[CurveArray] = []
    finishes: list[int] = []
    for rank, (ask, demand) in enumerate(zip(asks, demands, strict=True)):
        curve = align(demand, horizon)
        ends = finish_slot(demand)
        constraint = _constraint_of(ask)
        c_index = constraints.setdefault(constraint, len(constraints))
        key = (curve.tobytes(), -1 if ends is None else ends, c_index)
        members = groups.get(key)
        if members is None:
            groups[key] = [rank]
            shapes.append(curve)
            finishes.append(horizon if ends is None else max(min(ends, horizon), 1))
        else:
            members.append(rank)
    keys = list(groups)
    demand = np.stack(shapes) if shapes else np.zeros((0, RESOURCES, horizon))
    return CandidateTable(
        asks=asks,
        apps=apps,
        demand=demand,
        cum_demand=prefix_integral(demand),
        finish=np.array(finishes, dtype=np.int64),
        constraint=np.array([k[2] for k in keys], dtype=np.int64),
        constraints=tuple(constraints),
        members=tuple(tuple(groups[k]) for k in keys),
    )


def _constraint_of(ask: Ask) -> Constraint:
    if ask.locality.is_strict:
        return Constraint(
            ask.partition, frozenset(ask.locality.nodes), frozenset(ask.locality.racks)
        )
    return Constraint(ask.partition)
