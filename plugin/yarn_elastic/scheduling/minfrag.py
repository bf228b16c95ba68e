"""The driver: MinFrag (Elasecutor Algorithm 1) over a picture snapshot, as a pure function.

For each node in the policy's node order: among the pending candidates that pass every filter,
place the one with the lowest score (ties: queue order), update the node's available curve, and
repeat until nothing passes; then go to the next node. The result is the whole plan.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from yarn_elastic.messages import Placement, Resize
from yarn_elastic.picture import PictureSnapshot
from yarn_elastic.scheduling import curve_pack, flat
from yarn_elastic.scheduling.framework import (
    CycleInput,
    CycleProgress,
    NodeState,
    Policy,
)
from yarn_elastic.scheduling.tables import (
    SCORE_DECIMALS,
    CandidateTable,
    IntArray,
    TableCache,
    build_tables,
)
from yarn_elastic.scheduling.unplaced import Unplaced, unplaced_asks


@dataclass(frozen=True)
class SchedulingDecision:
    """Every action of one cycle, each for its own applier in the shim."""

    placements: tuple[Placement, ...]
    policy: str
    nodes_visited: int
    decide_ms: float
    resizes: tuple[Resize, ...] = ()
    unplaced: tuple[Unplaced, ...] = ()  # asks with containers left, each with its reason

    @property
    def containers(self) -> int:
        return sum(p.count for p in self.placements)


def schedule(
    snapshot: PictureSnapshot,
    policy: Policy,
    one_at_a_time: bool = False,
    cache: TableCache | None = None,
) -> SchedulingDecision:
    """The plan for one cycle. `one_at_a_time` forces the general loop even where the flat or
    the curve packer applies (they decide the same; tests compare them). A `cache` kept between
    cycles saves rebuilding the arrays of nodes that did not change; it never changes the plan.
    """
    started = time.perf_counter()
    tables = build_tables(snapshot, policy.demand_model, policy.queue_sort.key, cache)
    return decide(CycleInput(snapshot, tables), policy, started, one_at_a_time)


def decide(
    cycle: CycleInput, policy: Policy, started: float, one_at_a_time: bool = False
) -> SchedulingDecision:
    nodes, candidates = cycle.nodes, cycle.candidates
    order = policy.node_order.order(nodes, cycle.tables.scored)
    if not one_at_a_time and flat.applies(policy, cycle):
        plan, visited = flat.pack(cycle, order, curve_pack.static_table(cycle, policy))
    elif not one_at_a_time and curve_pack.applies(policy):
        plan, visited = curve_pack.pack(cycle, order, curve_pack.static_table(cycle, policy))
    else:
        plan, visited = _pack_one_at_a_time(cycle, policy, order)
    asks, ids = candidates.asks, nodes.ids
    placements: list[Placement] = []
    placed: dict[int, int] = {}  # containers per ask rank, for the unplaced asks
    for rank, node_index, count, score_after in plan.pairs():
        placements.append(Placement(asks[rank].key, ids[node_index], count, score_after))
        placed[rank] = placed.get(rank, 0) + count
    unplaced = unplaced_asks(cycle, placed, policy.filters)
    resizes = policy.demand_model.resizes()
    elapsed_ms = (time.perf_counter() - started) * 1000.0
    return SchedulingDecision(tuple(placements), policy.name, visited, elapsed_ms, resizes,
                              unplaced)


def _pack_one_at_a_time(
    cycle: CycleInput, policy: Policy, order: IntArray
) -> tuple[flat.Plan, int]:
    """Algorithm 1 as written: one container per turn, every plugin asked every turn."""
    nodes, candidates = cycle.nodes, cycle.candidates
    progress = CycleProgress(
        remaining=np.array([a.count for a in candidates.asks], dtype=np.int64),
        active=np.ones(candidates.size, dtype=bool),
        placed_on_node=np.zeros(len(nodes.ids), dtype=np.int64),
    )
    static_filters = [p.prepare(cycle) for p in policy.filters if p.static]
    filters = [p.prepare(cycle) for p in policy.filters if not p.static]
    score = policy.score.prepare(cycle)
    heads = [0] * candidates.size  # position of each group's first ask with containers left
    leader = np.array([m[0] for m in candidates.members], dtype=np.int64)
    plan = flat.Plan(len(nodes.ids))
    may_fit = curve_pack.may_fit_any(nodes.available, candidates.demand, progress.active)
    visited = 0

    for node_index in order.tolist():
        if not progress.active.any():
            break
        if not may_fit[node_index]:
            continue
        visited += 1
        node = NodeState.of(nodes, node_index)
        allowed = np.ones(candidates.size, dtype=bool)
        for permitted in static_filters:
            allowed &= permitted(node, progress)
        while True:
            feasible = progress.active & allowed
            for permitted in filters:
                feasible &= permitted(node, progress)
                if not feasible.any():
                    break
            if not feasible.any():
                break
            scores = score(node, progress)
            rounded = np.where(feasible, np.round(scores, SCORE_DECIMALS), np.inf)
            tied = np.flatnonzero(rounded == rounded.min())
            group = int(tied[np.argmin(leader[tied])])
            rank = int(leader[group])
            room = None if candidates.room is None else candidates.room[group]
            node.take(candidates.demand[group], int(candidates.finish[group]), room)
            plan.add(rank, node_index, float(scores[group]))
            progress.placed_on_node[node_index] += 1
            progress.remaining[rank] -= 1
            if progress.remaining[rank] == 0 and _advance(group, heads, leader, candidates,
                                                         progress):
                may_fit &= curve_pack.may_fit_any(nodes.available, candidates.demand,
                                                  progress.active)
    return plan, visited


def _advance(
    group: int,
    heads: list[int],
    leader: np.ndarray,
    candidates: CandidateTable,
    progress: CycleProgress,
) -> bool:
    """Move a group to its next ask with containers left; True if the group is used up."""
    members = candidates.members[group]
    position = heads[group]
    while position < len(members) and progress.remaining[members[position]] == 0:
        position += 1
    heads[group] = position
    if position == len(members):
        progress.active[group] = False
        return True
    leader[group] = members[position]
    return False
