"""The scheduling framework: named extension points that a `Policy` fills with plugins.

Modelled on the Kubernetes scheduling framework, turned around for a heartbeat-driven packer:
the driver walks the nodes (`NodeOrderPlugin`), and for each node asks the *filter* plugins which
candidate shape groups may go there and the *score* plugin how good each would be; the lowest
score wins and ties fall to queue order (`QueueSortPlugin`). Filters and scores see all
candidates at once as arrays, and `prepare` runs once per cycle for whatever a plugin can
precompute, so the per-node work is a handful of vector operations.

A new policy (FIFO, DRF, fair share, deadline-aware) is a new plugin or a new queue order in a
`Policy`, not a new driver.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from yarn_elastic.messages import App, Ask
from yarn_elastic.picture import PictureSnapshot
from yarn_elastic.resources import prefix_integral
from yarn_elastic.scheduling.demand import DemandModel
from yarn_elastic.scheduling.headroom import kept_after, room_on, with_room
from yarn_elastic.scheduling.tables import (
    BoolArray,
    CandidateTable,
    FloatArray,
    IntArray,
    NodeTable,
    Tables,
)


@dataclass(frozen=True)
class CycleInput:
    snapshot: PictureSnapshot
    tables: Tables

    @property
    def nodes(self) -> NodeTable:
        return self.tables.nodes

    @property
    def candidates(self) -> CandidateTable:
        return self.tables.candidates


@dataclass
class CycleProgress:
    """What the cycle has decided so far; only the driver changes it."""

    remaining: IntArray  # (asks,): containers still to place, by ask rank
    active: BoolArray  # (U,): groups with containers still to place
    placed_on_node: IntArray  # (N,): containers placed on each node in this cycle


@dataclass
class NodeState:
    """The node being filled: its availability as it stands after this cycle's placements."""

    index: int
    capacity: FloatArray  # (4, H)
    cum_capacity: FloatArray  # (4, H + 1)
    available: FloatArray  # (4, H)
    cum_available: FloatArray  # (4, H + 1)
    finish: int  # earliest predicted finish of anything on the node, H if none
    room: FloatArray | None = None  # (4, H) kept free for increases, as placed so far

    @classmethod
    def of(cls, nodes: NodeTable, index: int) -> NodeState:
        available = nodes.available[index].copy()
        capacity = nodes.capacity[index]
        return cls(
            index=index,
            capacity=capacity,
            cum_capacity=prefix_integral(capacity),
            available=available,
            cum_available=prefix_integral(available),
            finish=int(nodes.finish[index]),
            room=None if nodes.room is None else nodes.room[index].copy(),
        )

    def take(self, demand: FloatArray, finish: int, room: FloatArray | None = None) -> None:
        """Place one container of `demand` that needs `room` kept on the node (`headroom`)."""
        room = room_on(room, demand, self.capacity)
        taken = with_room(demand, room, self.room)
        self.room = kept_after(room, self.room)
        self.available = np.maximum(self.available - taken, 0.0)
        self.cum_available = prefix_integral(self.available)
        self.finish = min(self.finish, finish)


NodeFilter = Callable[[NodeState, CycleProgress], BoolArray]
NodeScore = Callable[[NodeState, CycleProgress], FloatArray]


class FilterPlugin(Protocol):
    """Says which candidate groups may be placed on a node right now (True = may).

    `static` filters depend only on which node it is (labels, locality), not on what the
    cycle has placed, so the driver asks them once per node instead of once per placement.
    """

    name: str
    static: bool

    def prepare(self, cycle: CycleInput) -> NodeFilter: ...


class ScorePlugin(Protocol):
    """Scores every candidate group for a node; lower is better, infeasible ones are ignored."""

    name: str

    def prepare(self, cycle: CycleInput) -> NodeScore: ...


class QueueSortPlugin(Protocol):
    """Orders pending asks; the order breaks score ties and orders asks inside a group."""

    name: str

    def key(self, ask: Ask, app: App | None) -> tuple[object, ...]: ...


class NodeOrderPlugin(Protocol):
    """The order in which the cycle fills nodes (it stands in for heartbeat order)."""

    name: str

    def order(self, nodes: NodeTable, scored: BoolArray) -> IntArray: ...


@dataclass(frozen=True)
class Policy:
    name: str
    queue_sort: QueueSortPlugin
    node_order: NodeOrderPlugin
    filters: tuple[FilterPlugin, ...]
    score: ScorePlugin
    demand_model: DemandModel

    def describe(self) -> str:
        filters = ", ".join(f.name for f in self.filters)
        return (
            f"{self.name}: queue_sort={self.queue_sort.name} node_order={self.node_order.name}"
            f" filters=[{filters}] score={self.score.name}"
        )
