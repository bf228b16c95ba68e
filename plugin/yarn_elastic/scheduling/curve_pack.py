"""MinFrag over time-varying curves: the one-at-a-time loop's exact decisions, with less work
per turn.

`minfrag._pack_one_at_a_time` asks every plugin every turn through its generic interface,
some thirty numpy calls a turn, and a cycle over predicted curves has thousands of turns.
With the default plugins (the fits filter, the DRR score, and static filters that answer for
every (group, node) pair at once), most of that work depends only on the node, not on the
turn:

- the static filters are one table, read once per node;
- the DRR score reads each group's prefix integrals at t* = the earlier of its finish and
  the node's, clipped to [1, H]; t* and the integrals there (`drr.drr_columns`) change only
  when a placement brings the node's finish forward, so they are worked out then and not
  every turn, and each turn runs only `drr.drr_scores`, the score's own second half.

The score is `drr.py`'s own code, and the rest the loop's operations on the same numbers
(`NodeState.take`, the fits test, the tie-break), so scores, ties and the plan are bit for bit
the loop's; tests/unit/core/test_curve_pack.py compares the two on random pictures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from yarn_elastic.resources import prefix_integral
from yarn_elastic.scheduling import drr, flat
from yarn_elastic.scheduling.framework import CycleInput, Policy
from yarn_elastic.scheduling.headroom import kept_after, room_on, with_room
from yarn_elastic.scheduling.plugins import DominantRemainingResource, FitsEverySlot
from yarn_elastic.scheduling.tables import (
    FIT_TOLERANCE,
    SCORE_DECIMALS,
    BoolArray,
    CandidateTable,
    FloatArray,
    IntArray,
)
from yarn_elastic.scheduling.unplaced import answers_pairs


def applies(policy: Policy) -> bool:
    """True when this packer decides exactly as the general loop: the DRR score, the fits
    filter, and static filters that answer as a table; any other plugin gets the loop."""
    return isinstance(policy.score, DominantRemainingResource) and all(
        isinstance(f, FitsEverySlot) or (f.static and answers_pairs(f))
        for f in policy.filters)


def static_table(cycle: CycleInput, policy: Policy) -> BoolArray:
    """(N, U): what every static filter permits, temporary ones included."""
    allowed = np.ones((len(cycle.nodes.ids), cycle.candidates.size), dtype=bool)
    for plugin in policy.filters:
        if plugin.static and answers_pairs(plugin):
            allowed &= plugin.table(cycle).T
    return allowed


@dataclass
class _Ledger:
    """Containers left per ask, each group's leading ask, and the groups still active."""

    candidates: CandidateTable
    remaining: IntArray
    active: BoolArray
    leader: IntArray
    heads: list[int]

    @classmethod
    def of(cls, candidates: CandidateTable) -> _Ledger:
        return cls(candidates, np.array([a.count for a in candidates.asks], dtype=np.int64),
                   np.ones(candidates.size, dtype=bool),
                   np.array([m[0] for m in candidates.members], dtype=np.int64),
                   [0] * candidates.size)

    def take(self, group: int) -> tuple[int, bool]:
        """One container of the group's leader: (its rank, whether the group is used up)."""
        rank = int(self.leader[group])
        self.remaining[rank] -= 1
        if self.remaining[rank] > 0:
            return rank, False
        members, position = self.candidates.members[group], self.heads[group]
        while position < len(members) and self.remaining[members[position]] == 0:
            position += 1
        self.heads[group] = position
        if position == len(members):
            self.active[group] = False
            return rank, True
        self.leader[group] = members[position]
        return rank, False


def pack(cycle: CycleInput, order: IntArray, allowed_table: BoolArray
         ) -> tuple[flat.Plan, int]:
    """The plan and the number of nodes visited, as `minfrag._pack_one_at_a_time` gives."""
    nodes, candidates = cycle.nodes, cycle.candidates
    ledger = _Ledger.of(candidates)
    plan = flat.Plan(len(nodes.ids))
    demand, finishes, scored = candidates.demand, candidates.finish, cycle.tables.scored
    rooms = candidates.room
    may_fit = may_fit_any(nodes.available, demand, ledger.active)
    visited = 0
    for node_index in order.tolist():
        if not ledger.active.any():
            break
        if not may_fit[node_index]:
            continue
        visited += 1
        available = nodes.available[node_index].copy()
        node_room = None if nodes.room is None else nodes.room[node_index].copy()
        rooms_here = room_on(rooms, demand, nodes.capacity[node_index])
        taken = with_room(demand, rooms_here, node_room)
        cum_available = prefix_integral(available)
        cum_capacity = prefix_integral(nodes.capacity[node_index])
        finish = int(nodes.finish[node_index])
        columns = drr.drr_columns(cum_capacity, finish, candidates.cum_demand, finishes)
        allowed = allowed_table[node_index]
        while True:
            feasible = ledger.active & allowed
            if not feasible.any():
                break
            feasible &= np.all(taken <= available + FIT_TOLERANCE, axis=(1, 2))
            if not feasible.any():
                break
            scores = drr.drr_scores(columns, cum_available, scored)
            rounded = np.where(feasible, np.round(scores, SCORE_DECIMALS), np.inf)
            tied = np.flatnonzero(rounded == rounded.min())
            group = int(tied[np.argmin(ledger.leader[tied])])
            available = np.maximum(available - taken[group], 0.0)
            cum_available = prefix_integral(available)
            if rooms_here is not None and rooms_here[group].any():
                node_room = kept_after(rooms_here[group], node_room)
                taken = with_room(demand, rooms_here, node_room)
            if int(finishes[group]) < finish:
                finish = int(finishes[group])
                columns = drr.drr_columns(cum_capacity, finish, candidates.cum_demand,
                                          finishes)
            rank, used_up = ledger.take(group)
            plan.add(rank, node_index, float(scores[group]))
            if used_up:
                may_fit &= may_fit_any(nodes.available, demand, ledger.active)
    return plan, visited


def may_fit_any(available: FloatArray, demand: FloatArray, active: BoolArray) -> BoolArray:
    """A cheap necessary condition per node: the element-wise smallest pending demand fits.

    Lets a packer skip full nodes without a per-node step; the filters decide for real."""
    if not active.any():
        return np.zeros(len(available), dtype=bool)
    smallest = demand[active].min(axis=0)
    result: BoolArray = np.all(smallest <= available + FIT_TOLERANCE, axis=(1, 2))
    return result
