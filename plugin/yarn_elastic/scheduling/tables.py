"""Array views of one picture snapshot: the node table and the candidate (shape group) table.

Scheduling works on arrays so that one decision step looks at every candidate at once. Pending
asks that need the same curve, finish at the same slot and obey the same placement constraint
are interchangeable for the filters and the DRR score, so they form one *shape group*; the
asks inside a group are kept in queue order and the group is represented by its first ask with
containers still to place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from yarn_elastic.messages import App, Ask
from yarn_elastic.picture import PictureSnapshot
from yarn_elastic.resources import (
    RESOURCES,
    CurveArray,
    align,
    finish_slot,
    prefix_integral,
)
from yarn_elastic.scheduling.demand import DemandModel
from yarn_elastic.scheduling.headroom import zero_padded
from yarn_elastic.scheduling.node_cache import NodeCache, NodeColumns

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
    room: FloatArray | None = None  # (N, 4, H): the part of capacity - available kept as room

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
    room: FloatArray | None = None  # (U, 4, H) room each group needs on its node (`headroom`)

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
class _AskEntry:
    """What a cycle needs of one ask that depends only on the ask and its application."""

    ask: Ask
    app: App | None
    sort_key: tuple[object, ...]  # the queue order's key
    demand: CurveArray
    ends: int | None  # finish_slot(demand)
    constraint: Constraint
    constraint_id: int  # the same for equal constraints, for as long as the cache lives
    room: CurveArray | None  # the room it needs kept on its node; a function of `demand`
    horizon: int = 0  # the horizon `group_key` was made for
    group_key: tuple[bytes, int, int] = (b"", 0, 0)  # aligned demand, finish, constraint id


@dataclass
class TableCache:
    """Work kept between cycles: the node arrays (`NodeCache`) and what each ask needs.

    An ask's entry is reused while the picture holds the very same `Ask` and `App` objects
    (the picture replaces one whenever the shim sends it again), the queue order is the same,
    and the demand model is the same object or answers with the very same demand array: a
    model answers as a pure function of what it is given, and one that learns is swapped in
    as a new object.
    """

    nodes: NodeCache = field(default_factory=NodeCache)
    model: DemandModel | None = None
    queue_key: QueueKey | None = None
    asks: dict[str, _AskEntry] = field(default_factory=dict)
    constraint_ids: dict[Constraint, int] = field(default_factory=dict)

    def ask_entries(
        self,
        asks: Sequence[Ask],
        apps: Mapping[str, App],
        model: DemandModel,
        queue_key: QueueKey,
    ) -> list[_AskEntry]:
        """Entries of `asks`, in the queue order."""
        same_order = queue_key == self.queue_key
        same = model is self.model and same_order
        if len(self.constraint_ids) > 2 * len(asks) + 1000:
            # Strict locality lists come and go; start the numbering (and entries) afresh.
            self.constraint_ids, same, same_order = {}, False, False
        previous = self.asks if same_order else {}
        entries = []
        for ask in asks:
            app = apps.get(ask.app)
            entry = previous.get(ask.key)
            demand = None
            if entry is not None and not same and entry.ask is ask and entry.app is app:
                # A new model (curves are re-made every cycle) may still give the very same
                # array for the ask: then nothing of the entry changed.
                demand = model.ask_demand(ask, app)
                if demand is not entry.demand:
                    entry = None
            if entry is None or entry.ask is not ask or entry.app is not app:
                demand = model.ask_demand(ask, app) if demand is None else demand
                constraint = _constraint_of(ask)
                constraint_id = self.constraint_ids.setdefault(
                    constraint, len(self.constraint_ids)
                )
                entry = _AskEntry(ask, app, queue_key(ask, app), demand, finish_slot(demand),
                                  constraint, constraint_id, _ask_room(model, demand))
            entries.append(entry)
        self.model, self.queue_key = model, queue_key
        self.asks = {e.ask.key: e for e in entries}
        entries.sort(key=_sort_key)
        return entries


def _sort_key(entry: _AskEntry) -> tuple[object, ...]:
    return entry.sort_key


def _ask_room(model: DemandModel, demand: CurveArray) -> CurveArray | None:
    ask_room = getattr(model, "ask_room", None)
    if ask_room is None:
        return None
    room: CurveArray | None = ask_room(demand)
    return room


def build_tables(
    snapshot: PictureSnapshot,
    model: DemandModel,
    queue_key: QueueKey,
    cache: TableCache | None = None,
) -> Tables:
    cache = cache or TableCache()
    columns = cache.nodes.columns(snapshot, model)
    pending = [a for a in snapshot.asks if a.count > 0]
    entries = cache.ask_entries(pending, snapshot.apps, model, queue_key)
    horizon = max([columns.horizon] + [e.demand.shape[-1] for e in entries])
    candidates = _candidates(entries, horizon)
    # A node's room is read only beside an ask's own: no copy of it otherwise.
    nodes = _node_table(columns, horizon, keep_room=candidates.room is not None)
    return Tables(nodes, candidates, _scored_resources(nodes, candidates))


def _scored_resources(nodes: NodeTable, candidates: CandidateTable) -> BoolArray:
    demanded = np.any(candidates.demand > 0, axis=(0, 2))
    committed = np.any(nodes.capacity - nodes.available > 0, axis=(0, 2))
    scored: BoolArray = demanded | committed
    return scored if scored.any() else np.ones(RESOURCES, dtype=bool)


def _node_table(columns: NodeColumns, horizon: int, keep_room: bool) -> NodeTable:
    capacity = columns.aligned(columns.capacity, horizon)
    committed = columns.aligned(columns.committed, horizon)
    finish = np.full(len(columns.ids), horizon, dtype=np.int64)
    for row, earliest in columns.finish.items():
        finish[row] = earliest
    room = None if columns.room is None or not keep_room else zero_padded(columns.room, horizon)
    return NodeTable(
        ids=columns.ids,
        racks=columns.racks,
        partitions=columns.partitions,
        capacity=capacity,
        available=np.maximum(capacity - committed, 0.0),
        finish=np.minimum(finish, horizon),
        room=room,
    )


def _candidates(entries: Sequence[_AskEntry], horizon: int) -> CandidateTable:
    constraints: dict[int, int] = {}  # constraint id -> index in this cycle
    groups: dict[tuple[bytes, int, int], list[int]] = {}
    shapes: list[CurveArray] = []
    rooms: list[CurveArray | None] = []
    finishes: list[int] = []
    group_constraints: list[int] = []
    constraint_list: list[Constraint] = []
    for rank, entry in enumerate(entries):
        if entry.horizon != horizon:
            curve = align(entry.demand, horizon).tobytes()
            never = -1 if entry.ends is None else entry.ends
            entry.horizon, entry.group_key = horizon, (curve, never, entry.constraint_id)
        members = groups.get(entry.group_key)
        if members is None:
            groups[entry.group_key] = [rank]
            shapes.append(align(entry.demand, horizon))
            rooms.append(entry.room)
            ends = entry.ends
            finishes.append(horizon if ends is None else max(min(ends, horizon), 1))
            c_index = constraints.get(entry.constraint_id)
            if c_index is None:
                c_index = constraints[entry.constraint_id] = len(constraint_list)
                constraint_list.append(entry.constraint)
            group_constraints.append(c_index)
        else:
            members.append(rank)
    demand = np.stack(shapes) if shapes else np.zeros((0, RESOURCES, horizon))
    return CandidateTable(
        asks=tuple(e.ask for e in entries),
        apps=tuple(e.app for e in entries),
        demand=demand,
        cum_demand=prefix_integral(demand),
        finish=np.array(finishes, dtype=np.int64),
        constraint=np.array(group_constraints, dtype=np.int64),
        constraints=tuple(constraint_list),
        members=tuple(tuple(m) for m in groups.values()),
        room=_stacked_rooms(rooms, horizon),
    )


def _stacked_rooms(rooms: Sequence[CurveArray | None], horizon: int) -> FloatArray | None:
    if all(r is None for r in rooms):
        return None
    empty = np.zeros((RESOURCES, horizon))
    return np.stack([empty if r is None else zero_padded(r, horizon) for r in rooms])


def _constraint_of(ask: Ask) -> Constraint:
    if ask.locality.is_strict:
        return Constraint(
            ask.partition, frozenset(ask.locality.nodes), frozenset(ask.locality.racks)
        )
    return Constraint(ask.partition)
