"""Why an ask got no container this cycle: the decision's third kind of action, after
placements and resizes (Ray autoscaler v2 reports its infeasible requests the same way).

The reasons, in the order they are tested, so each ask gets the first that holds:
- `no-permitted-node`: no node is in its partition, or on its strict locality list;
- `larger-than-any-node`: no permitted node could hold one container even empty, at some slot
  of its curve (it can never be placed as asked);
- `nodes-over-plan`: every permitted node large enough is one where measured use runs above
  the plan, so the core holds off placing there;
- `no-room`: a permitted node could hold it but none has the room this cycle; it waits.

Only the first two say something is wrong with the ask; the others clear by themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeGuard

import numpy as np

from yarn_elastic.scheduling.framework import CycleInput
from yarn_elastic.scheduling.tables import FIT_TOLERANCE, BoolArray, FloatArray

NO_PERMITTED_NODE = "no-permitted-node"
LARGER_THAN_ANY_NODE = "larger-than-any-node"
NODES_OVER_PLAN = "nodes-over-plan"
NO_ROOM = "no-room"
# The reasons that will not clear by waiting: the ask itself must change.
NEVER_PLACEABLE = frozenset({NO_PERMITTED_NODE, LARGER_THAN_ANY_NODE})


@dataclass(frozen=True)
class Unplaced:
    ask: str  # the ask's key
    app: str
    count: int  # containers of the ask left without a node
    reason: str


class PairTable(Protocol):
    """A filter that answers for every (group, node) pair at once, without the cycle's progress:
    the partition and locality filters, and the nodes the elastic demand avoids. A `temporary`
    one holds a node off for now (it opens again by itself); the others say where a group may
    ever go."""

    name: str
    temporary: bool

    def table(self, cycle: CycleInput) -> BoolArray: ...


def pair_tables(filters: Sequence[object], temporary: bool) -> list[PairTable]:
    return [f for f in filters if answers_pairs(f) and f.temporary == temporary]


def answers_pairs(plugin: object) -> TypeGuard[PairTable]:
    # A plain attribute test: a runtime-checkable Protocol's isinstance costs milliseconds.
    return callable(getattr(plugin, "table", None)) and hasattr(plugin, "temporary")


def unplaced_asks(
    cycle: CycleInput, placed: Mapping[int, int], filters: Sequence[object]
) -> tuple[Unplaced, ...]:
    """Every ask with containers left after the plan, with its reason. `placed` counts the
    containers placed per ask rank; `filters` are the policy's."""
    candidates = cycle.candidates
    left = [
        (group, rank, candidates.asks[rank].count - placed.get(rank, 0))
        for group, members in enumerate(candidates.members)
        for rank in members
        if candidates.asks[rank].count > placed.get(rank, 0)
    ]
    if not left:
        return ()
    groups = sorted({group for group, _, _ in left})
    reason_of = dict(zip(groups, _reasons(cycle, groups, filters), strict=True))
    return tuple(
        Unplaced(candidates.asks[rank].key, candidates.asks[rank].app, count, reason_of[group])
        for group, rank, count in sorted(left, key=lambda entry: entry[1])
    )


def _reasons(cycle: CycleInput, groups: list[int], filters: Sequence[object]) -> list[str]:
    """The reason of each group in `groups`, in the order the module's docstring gives."""
    candidates, nodes = cycle.candidates, cycle.nodes
    if not nodes.ids:
        return [NO_PERMITTED_NODE] * len(groups)
    permitted = np.ones((len(groups), len(nodes.ids)), dtype=bool)
    for plugin in pair_tables(filters, temporary=False):
        permitted &= plugin.table(cycle)[groups]
    fits_empty = _fits_empty(candidates.demand[groups], nodes.capacity)
    large_enough = permitted & fits_empty
    open_ = large_enough.copy()
    for plugin in pair_tables(filters, temporary=True):
        open_ &= plugin.table(cycle)[groups]
    return [
        NO_PERMITTED_NODE if not permitted[row].any()
        else LARGER_THAN_ANY_NODE if not large_enough[row].any()
        else NODES_OVER_PLAN if not open_[row].any()
        else NO_ROOM
        for row in range(len(groups))
    ]


def _fits_empty(demand: FloatArray, capacity: FloatArray) -> BoolArray:
    """(G, N): one container of each group fits each node empty, at every slot and in every
    resource. Most groups fit even the element-wise smallest node, and are answered by that
    alone; the others are compared node by node, a few groups at a time to bound memory."""
    smallest = capacity.min(axis=0)
    result = np.ones((len(demand), len(capacity)), dtype=bool)
    for row in np.flatnonzero(~np.all(demand <= smallest + FIT_TOLERANCE, axis=(1, 2))):
        result[row] = np.all(demand[row] <= capacity + FIT_TOLERANCE, axis=(1, 2))
    return result
