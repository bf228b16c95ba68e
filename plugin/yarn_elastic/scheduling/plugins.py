"""The plugins of the default DRR / MinFrag policy."""

from __future__ import annotations

import numpy as np

from yarn_elastic.messages import App, Ask
from yarn_elastic.resources import prefix_integral
from yarn_elastic.scheduling.drr import drr_after_placement, max_ratio
from yarn_elastic.scheduling.framework import (
    CycleInput,
    CycleProgress,
    NodeFilter,
    NodeScore,
    NodeState,
)
from yarn_elastic.scheduling.headroom import room_on, with_room
from yarn_elastic.scheduling.tables import (
    FIT_TOLERANCE,
    SCORE_DECIMALS,
    BoolArray,
    FloatArray,
    IntArray,
    NodeTable,
)


class FitsEverySlot:
    """demand(t) <= available(t) for every slot t and all four resources (constraint (2)),
    counting the room an ask needs kept on the node beyond what it keeps (`headroom`)."""

    name = "fits-every-slot"
    static = False

    def prepare(self, cycle: CycleInput) -> NodeFilter:
        demand, room = cycle.candidates.demand, cycle.candidates.room

        def fits(node: NodeState, progress: CycleProgress) -> BoolArray:
            taken = with_room(demand, room_on(room, demand, node.capacity), node.room)
            result: BoolArray = np.all(taken <= node.available + FIT_TOLERANCE, axis=(1, 2))
            return result

        return fits


class _ConstraintFilter:
    """A static filter answered once per constraint (partition, locality list), then shared by
    every group with that constraint."""

    name = "constraint"
    static = True
    temporary = False

    def prepare(self, cycle: CycleInput) -> NodeFilter:
        return _by_constraint(self._per_constraint(cycle), cycle.candidates.constraint)

    def table(self, cycle: CycleInput) -> BoolArray:
        """(U, N): may group u go to node n, for every pair at once."""
        result: BoolArray = self._per_constraint(cycle)[cycle.candidates.constraint]
        return result

    def _per_constraint(self, cycle: CycleInput) -> BoolArray:
        raise NotImplementedError


class PartitionMatch(_ConstraintFilter):
    """An ask goes only to nodes of its own partition (node label); "" is the default one."""

    name = "partition-match"

    def _per_constraint(self, cycle: CycleInput) -> BoolArray:
        # Clusters have a handful of partitions: number them once, compare integers.
        number: dict[str, int] = {}
        of_node = np.array([number.setdefault(p, len(number)) for p in cycle.nodes.partitions],
                           dtype=np.int64)
        wanted = np.array([number.get(c.partition, -1) for c in cycle.candidates.constraints],
                          dtype=np.int64)
        allowed: BoolArray = wanted[:, None] == of_node[None, :]
        return allowed


class StrictLocality(_ConstraintFilter):
    """With `relax: false`, an ask goes only to the nodes or racks it names.

    YARN requests name hosts, while node ids are `host:port`, so a node matches a name equal to
    its id or to its host part (docs/interface.md).
    """

    name = "strict-locality"

    def _per_constraint(self, cycle: CycleInput) -> BoolArray:
        constraints = cycle.candidates.constraints
        if all(c.anywhere for c in constraints):
            return np.ones((len(constraints), len(cycle.nodes.ids)), dtype=bool)
        places = [
            (node_id, node_id.rsplit(":", 1)[0], rack)
            for node_id, rack in zip(cycle.nodes.ids, cycle.nodes.racks, strict=True)
        ]
        rows = []
        for constraint in constraints:
            if constraint.anywhere:
                rows.append(np.ones(len(places), dtype=bool))
            else:
                named = [
                    node_id in constraint.nodes or host in constraint.nodes
                    or rack in constraint.racks
                    for node_id, host, rack in places
                ]
                rows.append(np.array(named, dtype=bool))
        allowed: BoolArray = np.array(rows, dtype=bool).reshape(len(rows), len(places))
        return allowed


def _by_constraint(allowed: BoolArray, constraint_of_group: IntArray) -> NodeFilter:
    def permitted(node: NodeState, progress: CycleProgress) -> BoolArray:
        result: BoolArray = allowed[constraint_of_group, node.index]
        return result

    return permitted


class DominantRemainingResource:
    """MinFrag's score: the node's DRR after placing one container of the group."""

    name = "dominant-remaining-resource"

    def prepare(self, cycle: CycleInput) -> NodeScore:
        candidates, scored = cycle.candidates, cycle.tables.scored

        def score(node: NodeState, progress: CycleProgress) -> FloatArray:
            return drr_after_placement(
                node.cum_available,
                node.cum_capacity,
                node.finish,
                candidates.cum_demand,
                candidates.finish,
                scored,
            )

        return score


class PriorityThenSubmitOrder:
    """Higher app priority, then earlier submit, then the ask's own priority (YARN: lower
    number first), then the ask key; asks of unknown apps come last."""

    name = "priority-submit-order"

    def key(self, ask: Ask, app: App | None) -> tuple[object, ...]:
        if app is None:
            return (1, 0, 0, ask.priority, ask.key)
        return (0, -app.priority, app.submit_ms, ask.priority, ask.key)


class LeastRemainingFirst:
    """Fill the fullest nodes first (lowest DRR as they stand), then by node id.

    Best-fit packing: topping up nodes that are nearly full leaves big holes on the emptier
    nodes for the big containers that come later.
    """

    name = "least-remaining-first"

    def order(self, nodes: NodeTable, scored: BoolArray) -> IntArray:
        count, horizon = len(nodes.ids), nodes.horizon
        if count == 0:
            return np.zeros(0, dtype=np.int64)
        if horizon == 1:
            # Flat curves: the integrals up to t* = 1 are the values themselves.
            remaining, total = nodes.available[:, :, 0], nodes.capacity[:, :, 0]
        else:
            t_star = np.clip(nodes.finish, 1, horizon)
            rows = np.arange(count)
            remaining = prefix_integral(nodes.available)[rows, :, t_star]
            total = prefix_integral(nodes.capacity)[rows, :, t_star]
        drr = np.round(max_ratio(remaining, total, scored), SCORE_DECIMALS)
        # Nodes arrive sorted by id, so a stable sort breaks DRR ties by id.
        order: IntArray = np.argsort(drr, kind="stable").astype(np.int64)
        return order


class AvoidNodes:
    """Places nothing on the named nodes this cycle: the elastic demand found their measured
    use above the plan (scheduling/elastic.py)."""

    name = "avoid-nodes"
    static = True
    temporary = True

    def __init__(self, nodes: frozenset[str]) -> None:
        self.nodes = nodes

    def table(self, cycle: CycleInput) -> BoolArray:
        """(U, N): False in the columns of the avoided nodes."""
        open_ = np.array([node_id not in self.nodes for node_id in cycle.nodes.ids], dtype=bool)
        result: BoolArray = np.broadcast_to(open_, (cycle.candidates.size, len(open_)))
        return result

    def prepare(self, cycle: CycleInput) -> NodeFilter:
        ids, size = cycle.nodes.ids, cycle.candidates.size

        def allowed(node: NodeState, progress: CycleProgress) -> BoolArray:
            return np.full(size, ids[node.index] not in self.nodes, dtype=bool)

        return allowed
