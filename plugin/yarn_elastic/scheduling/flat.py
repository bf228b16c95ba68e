"""MinFrag for flat curves: the one-at-a-time loop's exact decisions, many nodes at a time.

When every curve of a cycle is flat (one slot: the RM's own numbers, nothing predicted) and the
policy is the default DRR / MinFrag one, a node's sequence of choices depends on the rest of the
cycle only through the *ledger*: which groups still have containers left, and which ask leads
each group (the leader's queue rank breaks score ties). So a batch of nodes is *simulated* side
by side as numpy arrays, each as if it were the first node filled after the batch began (its
own choices do move the leaders it sees), and the simulated choices are then *checked* one by
one in node order against the real ledger. A choice is wrong when

- its group was used up by earlier choices, or
- it won a tie (several groups at the best rounded score) that the real leaders decide
  differently.

Choices before the first wrong one on a node are exactly the loop's, because removing a group
that did not win never changes the winner. From a wrong choice on, that node alone is filled
by the loop itself (`_Packer._finish`, real state, real ledger); the nodes after it keep their
simulations, whose every choice is still checked. Ties are common with flat integer sizes
(every ask with the same CPU on a CPU-bound node ties), so roughly half the nodes end in the
loop; the simulation pays for itself on the other half and on the nodes where nothing fits.

Arithmetic is the loop's own, element for element (free - demand, then clamped at 0; the same
division, max, and rounding), so scores and ties are bit for bit the same;
tests/unit/core/test_core_flat_equivalence.py compares the two on random flat pictures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from yarn_elastic.scheduling.drr import max_ratio
from yarn_elastic.scheduling.framework import CycleInput, Policy
from yarn_elastic.scheduling.plugins import (
    DominantRemainingResource,
    FitsEverySlot,
    PartitionMatch,
    StrictLocality,
)
from yarn_elastic.scheduling.tables import (
    FIT_TOLERANCE,
    SCORE_DECIMALS,
    BoolArray,
    CandidateTable,
    FloatArray,
    IntArray,
)

# (ask rank, node index) -> [containers, score after the last one], in placement order.
Plan = dict[tuple[int, int], list[float]]

# Nodes simulated together: more amortises numpy's per-call cost, fewer keeps the batch-start
# state (groups left, leaders) fresh enough that few choices turn out wrong.
BATCH_NODES = 64
# How far ahead the simulation follows a group's leaders; a node taking more containers of one
# group than this sees a stale leader, which the check catches.
LADDER_STEPS = 64
_NO_LEADER = np.iinfo(np.int64).max


def applies(policy: Policy, cycle: CycleInput) -> bool:
    """True when this packer decides exactly as the general loop would: flat curves and the
    default score and filters (other plugins may look at anything, so they get the loop)."""
    known_filters = (PartitionMatch, StrictLocality, FitsEverySlot)
    return (
        cycle.nodes.horizon == 1
        and isinstance(policy.score, DominantRemainingResource)
        and all(isinstance(f, known_filters) for f in policy.filters)
    )


class _Ledger:
    """Containers left per ask and per group, and each group's leading ask (queue rank)."""

    def __init__(self, candidates: CandidateTable) -> None:
        self.members = candidates.members
        self.remaining = [a.count for a in candidates.asks]
        self.heads = [0] * candidates.size
        self.leader = [m[0] for m in candidates.members]
        self.group_left = [sum(self.remaining[r] for r in m) for m in candidates.members]
        self.groups_left = sum(1 for left in self.group_left if left > 0)
        # The same facts as arrays, kept in step, for the vector code.
        self.active: BoolArray = np.array(self.group_left, dtype=np.int64) > 0
        self.leaders: IntArray = np.array(self.leader, dtype=np.int64)

    def ladder(self, steps: int) -> IntArray:
        """(U, steps + 1): each group's leader after k more of its containers are taken."""
        out = np.full((len(self.members), steps + 1), _NO_LEADER, dtype=np.int64)
        for group, members in enumerate(self.members):
            if not self.group_left[group]:
                continue
            pending = members[self.heads[group] :]
            counts = [self.remaining[rank] for rank in pending]
            ranks = np.repeat(np.array(pending, dtype=np.int64), counts)[: steps + 1]
            out[group, : len(ranks)] = ranks
        return out

    def take(self, group: int) -> int:
        """One container of the group's leader; returns the leader's rank."""
        rank = self.leader[group]
        self.remaining[rank] -= 1
        self.group_left[group] -= 1
        if self.group_left[group] == 0:
            self.groups_left -= 1
            self.active[group] = False
        if self.remaining[rank] == 0:
            members, position = self.members[group], self.heads[group]
            while position < len(members) and self.remaining[members[position]] == 0:
                position += 1
            self.heads[group] = position
            if position < len(members):
                self.leader[group] = self.leaders[group] = members[position]
        return rank


@dataclass
class _Simulation:
    """The choices of a batch of nodes, step by step (row = step, column = node in batch)."""

    winner: list[list[int]]  # group chosen, -1 once the node is full
    score: list[list[float]]  # its DRR after placement
    tied: list[list[bool]]  # several groups shared the best rounded score
    tie_rows: list[BoolArray]  # (live nodes, U) tie masks of the step
    live_row: list[list[int]]  # the node's row in tie_rows, -1 if not live
    free: list[FloatArray]  # (B, 4) free before each step; one more entry at the end


def _simulate(
    free: FloatArray,
    capacity: FloatArray,
    allowed: BoolArray,
    demand: FloatArray,
    ladder: IntArray,
    scored: BoolArray,
) -> _Simulation:
    """Each node of the batch as if it came first; `ladder` (U, W) is each group's leader after
    k of its containers are taken (k < W; `_NO_LEADER` once used up), so a node's own choices
    move the leaders it sees, as in the real loop."""
    count, groups = len(free), len(demand)
    state = free.copy()
    live = np.arange(count)
    taken = np.zeros((count, groups), dtype=np.int64)
    last = ladder.shape[1] - 1
    group_index = np.arange(groups)[None]
    sim = _Simulation([], [], [], [], [], [state.copy()])
    while live.size:
        current = state[live]
        leader = ladder[group_index, np.minimum(taken[live], last)]
        fits = np.all(demand[None] <= current[:, None] + FIT_TOLERANCE, axis=2) & allowed[live]
        fits &= leader != _NO_LEADER
        has_fit = fits.any(axis=1)
        if not has_fit.all():
            live, current = live[has_fit], current[has_fit]
            fits, leader = fits[has_fit], leader[has_fit]
            if not live.size:
                break
        remaining = current[:, None, :] - demand[None]
        total = np.broadcast_to(capacity[live][:, None, :], remaining.shape)
        ratio = max_ratio(remaining, total, scored)
        rounded = np.where(fits, np.round(ratio, SCORE_DECIMALS), np.inf)
        tied = rounded == rounded.min(axis=1)[:, None]
        winner = np.where(tied, leader, _NO_LEADER).argmin(axis=1)
        rows = np.arange(live.size)
        taken[live, winner] += 1
        winners = np.full(count, -1, dtype=np.int64)
        winners[live] = winner
        scores = np.zeros(count)
        scores[live] = ratio[rows, winner]
        several = np.zeros(count, dtype=bool)
        several[live] = tied.sum(axis=1) > 1
        live_row = np.full(count, -1, dtype=np.int64)
        live_row[live] = rows
        sim.winner.append(winners.tolist())
        sim.score.append(scores.tolist())
        sim.tied.append(several.tolist())
        sim.tie_rows.append(tied)
        sim.live_row.append(live_row.tolist())
        state[live] = np.maximum(current - demand[winner], 0.0)
        sim.free.append(state.copy())
    return sim


def pack(cycle: CycleInput, order: IntArray, allowed: BoolArray) -> tuple[Plan, int]:
    """The plan for a flat cycle; `allowed` (N, U) is what the static filters permit.

    Returns the plan and the number of nodes that were looked at.
    """
    candidates = cycle.candidates
    packer = _Packer(
        demand=candidates.demand[:, :, 0],
        capacity=cycle.nodes.capacity[:, :, 0],
        free=cycle.nodes.available[:, :, 0].copy(),
        allowed=allowed,
        scored=cycle.tables.scored,
        ledger=_Ledger(candidates),
    )
    if not len(order) or not candidates.size:
        return packer.plan, 0
    # Nodes where nothing fits now never will (free only shrinks, groups only run out).
    fits_now = np.all(
        packer.demand[None] <= packer.free[:, None] + FIT_TOLERANCE, axis=2
    ) & allowed
    worth = (fits_now & packer.ledger.active[None]).any(axis=1)
    queue = order[worth[order]]
    position, visited = 0, 0
    while position < len(queue) and packer.ledger.groups_left:
        batch = queue[position : position + BATCH_NODES]
        visited += packer.fill(batch.tolist())
        position += len(batch)
    return packer.plan, visited


@dataclass
class _Packer:
    demand: FloatArray  # (U, 4)
    capacity: FloatArray  # (N, 4)
    free: FloatArray  # (N, 4): as it stands after the placements committed so far
    allowed: BoolArray  # (N, U): static filters
    scored: BoolArray  # (4,)
    ledger: _Ledger
    plan: Plan = field(default_factory=dict)

    def fill(self, batch: list[int]) -> int:
        """Fill a batch of nodes in order; returns how many were looked at."""
        sim = self._simulate(batch)
        for column, node in enumerate(batch):
            if not self.ledger.groups_left:
                return column
            if self._commit(sim, column, node):
                continue
            # A wrong choice: this node alone goes on from its real state, and the nodes after
            # it keep their simulations (every choice of theirs is still checked).
            self._finish(node)
        return len(batch)

    def _finish(self, node: int) -> None:
        """The one-at-a-time loop on one node, from its real state, with the real ledger."""
        ledger, demand = self.ledger, self.demand
        allowed = self.allowed[node]
        candidates = allowed & ledger.active
        free = self.free[node].copy()
        capacity = self.capacity[node]
        total = np.broadcast_to(capacity, demand.shape)
        usable = np.broadcast_to((capacity > 0) & self.scored, demand.shape)
        # max_ratio's arithmetic, with its zeroed output kept between steps: only the usable
        # cells are ever written, so the others stay 0 as max_ratio makes them.
        ratios = np.zeros(demand.shape)
        while True:
            feasible = (demand <= free + FIT_TOLERANCE).all(axis=1) & candidates
            if not feasible.any():
                break
            np.divide(free - demand, total, out=ratios, where=usable)
            ratio = ratios.max(axis=1)
            rounded = np.where(feasible, np.round(ratio, SCORE_DECIMALS), np.inf)
            tied = np.flatnonzero(rounded == rounded.min()).tolist()
            group = tied[0] if len(tied) == 1 else min(tied, key=ledger.leader.__getitem__)
            rank = ledger.take(group)
            entry = self.plan.setdefault((rank, node), [0, 0.0])
            entry[0] += 1
            entry[1] = float(ratio[group])
            free = np.maximum(free - demand[group], 0.0)
            if not ledger.group_left[group]:
                if not ledger.groups_left:
                    break
                candidates = allowed & ledger.active
        self.free[node] = free

    def _simulate(self, nodes: list[int]) -> _Simulation:
        return _simulate(
            self.free[nodes], self.capacity[nodes],
            self.allowed[nodes] & self.ledger.active[None], self.demand,
            self.ledger.ladder(LADDER_STEPS), self.scored,
        )

    def _commit(self, sim: _Simulation, column: int, node: int) -> bool:
        """Commit one node's simulated choices up to the first wrong one; True if none was."""
        ledger = self.ledger
        step = 0
        for step in range(len(sim.winner)):  # noqa: B007 (the step reached is used below)
            group = sim.winner[step][column]
            if group < 0:
                break
            if not _still_right(sim, step, column, group, ledger):
                self.free[node] = sim.free[step][column]
                return False
            rank = ledger.take(group)
            entry = self.plan.setdefault((rank, node), [0, 0.0])
            entry[0] += 1
            entry[1] = sim.score[step][column]
        else:
            step = len(sim.winner)
        self.free[node] = sim.free[step][column]
        return True


def _still_right(sim: _Simulation, step: int, column: int, group: int, ledger: _Ledger) -> bool:
    if ledger.group_left[group] == 0:
        return False
    if not sim.tied[step][column]:
        return True
    tied: list[int] = np.flatnonzero(sim.tie_rows[step][sim.live_row[step][column]]).tolist()
    best = min((ledger.leader[g], g) for g in tied if ledger.group_left[g] > 0)
    return best[1] == group
