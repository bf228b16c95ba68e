"""Array views of one picture snapshot: the node table and the candidate (shape group) table.

Scheduling works on arrays so that one decision step looks at every candidate at once. Pending
asks that need the same curve, finish at the same slot and obey the same placement constraint
are interchangeable for the filters and the DRR score, so they form one *shape group*; the
asks inside a group are kept in queue order and the group is represented by its first ask with
containers still to place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
class _AskEntry:
    """What a cycle needs of one ask that does not depend on the rest of the picture."""

    ask: Ask
    demand: CurveArray
    ends: int | None  # finish_slot(demand)
    constraint: Constraint
    horizon: int = 0  # the horizon `key` was made for
    key: bytes = b""  # the demand aligned to `horizon`, as bytes (the group key)


@dataclass
class TableCache:
    """Work kept between cycles: the node arrays (`NodeCache`) and each ask's demand curve.

    An ask's entry is reused while the picture holds the very same `Ask` object (the picture
    replaces it whenever the shim sends the ask again) and the demand model is the same
    object: a demand model answers as a pure function of what it is given, and one that
    learns is swapped in as a new object.
    """

    nodes: NodeCache = field(default_factory=NodeCache)
    model: DemandModel | None = None
    asks: dict[str, _AskEntry] = field(default_factory=dict)

    def ask_entries(
        self, asks: Sequence[Ask], apps: Sequence[App | None], model: DemandModel
    ) -> list[_AskEntry]:
        previous = self.asks if model is self.model else {}
        entries = []
        for ask, app in zip(asks, apps, strict=True):
            entry = previous.get(ask.key)
            if entry is None or entry.ask is not ask:
                demand = model.ask_demand(ask, app)
                entry = _AskEntry(ask, demand, finish_slot(demand), _constraint_of(ask))
            entries.append(entry)
        self.model, self.asks = model, {e.ask.key: e for e in entries}
        return entries


def build_tables(
    snapshot: PictureSnapshot,
    model: DemandModel,
    queue_key: QueueKey,
    cache: TableCache | None = None,
) -> Tables:
    cache = cache or TableCache()
    columns = cache.nodes.columns(snapshot, model)
    pending = (a for a in snapshot.asks if a.count > 0)
    asks = sorted(pending, key=lambda a: queue_key(a, snapshot.apps.get(a.app)))
    apps = tuple(snapshot.apps.get(a.app) for a in asks)
    entries = cache.ask_entries(asks, apps, model)
    horizon = max([columns.horizon] + [e.demand.shape[-1] for e in entries])
    nodes = _node_table(columns, horizon)
    candidates = _candidates(tuple(asks), apps, entries, horizon)
    return Tables(nodes, candidates, _scored_resources(nodes, candidates))


def _scored_resources(nodes: NodeTable, candidates: CandidateTable) -> BoolArray:
    demanded = np.any(candidates.demand > 0, axis=(0, 2))
    committed = np.any(nodes.capacity - nodes.available > 0, axis=(0, 2))
    scored: BoolArray = demanded | committed
    return scored if scored.any() else np.ones(RESOURCES, dtype=bool)


def _node_table(columns: NodeColumns, horizon: int) -> NodeTable:
    capacity = columns.aligned(columns.capacity, horizon)
    committed = columns.aligned(columns.committed, horizon)
    finish = np.array(
        [horizon if f is None else f for f in columns.finish], dtype=np.int64
    ).reshape(len(columns.ids))
    return NodeTable(
        ids=columns.ids,
        racks=columns.racks,
        partitions=columns.partitions,
        capacity=capacity,
        available=np.maximum(capacity - committed, 0.0),
        finish=np.minimum(finish, horizon),
    )


def _candidates(
    asks: tuple[Ask, ...],
    apps: tuple[App | None, ...],
    entries: Sequence[_AskEntry],
    horizon: int,
) -> CandidateTable:
    constraints: dict[Constraint, int] = {}
    groups: dict[tuple[bytes, int, int], list[int]] = {}
    shapes: list[CurveArray] = []
    finishes: list[int] = []
    for rank, entry in enumerate(entries):
        if entry.horizon != horizon:
            entry.horizon, entry.key = horizon, align(entry.demand, horizon).tobytes()
        ends = entry.ends
        c_index = constraints.setdefault(entry.constraint, len(constraints))
        key = (entry.key, -1 if ends is None else ends, c_index)
        members = groups.get(key)
        if members is None:
            groups[key] = [rank]
            shapes.append(align(entry.demand, horizon))
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
