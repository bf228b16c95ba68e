"""MinFrag for flat curves: the one-at-a-time loop's exact decisions in plain float arithmetic.

When every curve of a cycle is flat (one slot: the RM's own numbers, nothing predicted) and the
policy is the default DRR / MinFrag one, a node is four free amounts against four capacities
and a candidate group is four demands. Filling a node then takes a handful of float operations
per group and turn, which plain Python does faster than numpy can start a call on arrays this
small (a few dozen groups, four resources). Nodes are filled one after another in node order,
each against the real ledger (containers left, leading asks), so there is nothing to check or
redo afterwards.

What keeps the per-node work small:

- a node's first choice comes from a score table computed in numpy for 256 nodes at a time
  (scores do not depend on the ledger; only the choice among them does): the groups that fit
  the node, sorted by rounded score, and the first one still in the ledger wins, or a tie
  behind it whose leading ask comes earlier;
- free amounts only shrink while a node is filled, so a group that does not fit once never fits
  again on that node and is dropped from its list for good; groups that run out are dropped too;
- a score certainly above the best one so far (by far more than rounding could move it) is not
  rounded.

Arithmetic is the loop's own, value for value: free - demand clamped at 0 per resource; the
score is the largest of (free - demand) / capacity over the scored resources with capacity,
0.0 standing for every other resource (as `max_ratio` leaves them); scores rounded as
`np.round(x, 9)` does (`rint(x * 1e9) / 1e9`, which `round(x * 1e9) / 1e9` reproduces, half to
even); a group fits when demand <= free + FIT_TOLERANCE for all four resources. Ties go to the
group whose leading ask comes first in queue order. So scores and ties are bit for bit the
loop's; tests/unit/core/test_core_flat_equivalence.py compares the two on random flat pictures.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

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


class Plan:
    """Containers placed and the score after the last one, per (ask rank, node index) pair, in
    the order the pairs were first placed. A pair is kept as one int (rank * nodes + node) in
    two dicts of plain numbers, so recording a placement creates nothing the garbage collector
    has to track (thousands of placements a cycle).
    """

    def __init__(self, nodes: int) -> None:
        self.nodes = max(nodes, 1)
        self.counts: dict[int, int] = {}
        self.scores: dict[int, float] = {}

    def add(self, rank: int, node: int, score: float) -> None:
        pair = rank * self.nodes + node
        self.counts[pair] = self.counts.get(pair, 0) + 1
        self.scores[pair] = score

    def pairs(self) -> Iterator[tuple[int, int, int, float]]:
        """(ask rank, node index, containers, score after the last one), in placement order."""
        scores = self.scores
        for pair, count in self.counts.items():
            rank, node = divmod(pair, self.nodes)
            yield rank, node, count, scores[pair]

_SCALE = 10.0**SCORE_DECIMALS  # numpy's own factor for np.round(x, 9)


def applies(policy: Policy, cycle: CycleInput) -> bool:
    """True when this packer decides exactly as the general loop would: flat curves and the
    default score and filters (other plugins may look at anything, so they get the loop)."""
    known_filters = (PartitionMatch, StrictLocality, FitsEverySlot)
    return (
        cycle.nodes.horizon == 1
        and cycle.candidates.room is None
        and isinstance(policy.score, DominantRemainingResource)
        and all(isinstance(f, known_filters) for f in policy.filters)
    )


def rounded_score(score: float) -> float:
    """`float(np.round(score, SCORE_DECIMALS))` for a finite score, without numpy."""
    return round(score * _SCALE) / _SCALE


class _Ledger:
    """Containers left per ask and per group, and each group's leading ask (queue rank)."""

    def __init__(self, candidates: CandidateTable) -> None:
        self.members = candidates.members
        self.remaining = [a.count for a in candidates.asks]
        self.heads = [0] * candidates.size
        self.leader = [m[0] for m in candidates.members]
        self.group_left = [sum(self.remaining[r] for r in m) for m in candidates.members]
        self.groups_left = sum(1 for left in self.group_left if left > 0)
        self.active: BoolArray = np.array(self.group_left, dtype=np.int64) > 0

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
                self.leader[group] = members[position]
        return rank


def pack(cycle: CycleInput, order: IntArray, allowed: BoolArray) -> tuple[Plan, int]:
    """The plan for a flat cycle; `allowed` (N, U) is what the static filters permit.

    Returns the plan and the number of nodes that were looked at.
    """
    candidates = cycle.candidates
    plan = Plan(len(cycle.nodes.ids))
    if not len(order) or not candidates.size:
        return plan, 0
    demand = candidates.demand[:, :, 0]
    free = cycle.nodes.available[:, :, 0]
    capacity = cycle.nodes.capacity[:, :, 0]
    usable = (capacity > 0) & cycle.tables.scored
    filler = _NodeFiller([tuple(row) for row in demand.tolist()], _Ledger(candidates), plan)
    visited = 0
    for begin in range(0, len(order), CHUNK_NODES):
        if not filler.ledger.groups_left:
            break
        chunk = order[begin : begin + CHUNK_NODES]
        start = _StartScores.of(free[chunk], capacity[chunk], usable[chunk],
                                allowed[chunk] & filler.ledger.active, demand)
        for index, row in enumerate(start.rows):
            if not filler.ledger.groups_left:
                break
            visited += 1
            node = int(chunk[row])
            filler.fill(node, free[node].tolist(), capacity[node].tolist(),
                        usable[node].tolist(), *start.row(index))
    return plan, visited


# Nodes whose first choice is scored together in numpy.
CHUNK_NODES = 256


class _StartScores:
    """Every group's score on each node of a chunk as the node stands before it is filled,
    the loop's numpy arithmetic element for element; groups sorted by rounded score."""

    def __init__(self, rows: list[int], groups: IntArray, rounded: FloatArray,
                 raw: FloatArray, counts: list[int]) -> None:
        self.rows = rows  # chunk rows where some group fits
        self._groups, self._rounded, self._raw, self._counts = groups, rounded, raw, counts

    @classmethod
    def of(cls, free: FloatArray, capacity: FloatArray, usable: BoolArray,
           allowed: BoolArray, demand: FloatArray) -> _StartScores:
        fits = allowed.copy()
        for r in range(demand.shape[1]):
            fits &= demand[None, :, r] <= free[:, r, None] + FIT_TOLERANCE
        counts = fits.sum(axis=1)
        rows = np.flatnonzero(counts)
        fits, free, capacity, usable = fits[rows], free[rows], capacity[rows], usable[rows]
        # Resources max_ratio does not use give 0.0, which takes part in the max.
        score = np.where(usable.all(axis=1), -np.inf, 0.0)[:, None].repeat(len(demand), 1)
        for r in range(demand.shape[1]):
            use = usable[:, r, None]
            if not use.any():
                continue
            divisor = np.where(use, capacity[:, r, None], 1.0)
            ratio = (free[:, r, None] - demand[None, :, r]) / divisor
            np.maximum(score, np.where(use, ratio, -np.inf), out=score)
        rounded = np.where(fits, np.round(score, SCORE_DECIMALS), np.inf)
        groups = np.argsort(rounded, axis=1, kind="stable")
        return cls(
            rows.tolist(), groups, np.take_along_axis(rounded, groups, axis=1),
            np.take_along_axis(score, groups, axis=1), counts[rows].tolist(),
        )

    def row(self, index: int) -> tuple[list[int], list[float], list[float]]:
        """(groups that fit, their rounded scores, their scores), best first, for the index-th
        row of `rows`."""
        count = self._counts[index]
        return (self._groups[index, :count].tolist(), self._rounded[index, :count].tolist(),
                self._raw[index, :count].tolist())


class _NodeFiller:
    def __init__(
        self, demands: list[tuple[float, ...]], ledger: _Ledger, plan: Plan
    ) -> None:
        self.demands = demands
        self.ledger = ledger
        self.plan = plan

    def fill(
        self,
        node: int,
        free: list[float],
        capacity: list[float],
        usable: list[bool],
        groups: list[int],
        rounded: list[float],
        scores: list[float],
    ) -> None:
        """MinFrag on one node: the lowest rounded score until nothing fits, ties to queue order.

        `groups` are those allowed on the node that fit it as it stands, sorted by their
        `rounded` scores there (`scores` unrounded), so the first choice is the first group
        still in the ledger, or a tied one behind it with an earlier leading ask.
        """
        demands, ledger = self.demands, self.ledger
        group_left, leader = ledger.group_left, ledger.leader
        counts, plan_scores = self.plan.counts, self.plan.scores
        width = self.plan.nodes
        best = -1
        best_rounded = best_score = 0.0
        best_rank = 0
        for group, group_rounded, score in zip(groups, rounded, scores, strict=True):
            if not group_left[group]:
                continue
            if best < 0:
                best, best_rounded, best_score, best_rank = (
                    group, group_rounded, score, leader[group]
                )
            elif group_rounded != best_rounded:
                break
            elif leader[group] < best_rank:
                best, best_score, best_rank = group, score, leader[group]
        f0, f1, f2, f3 = free
        c0, c1, c2, c3 = capacity
        u0, u1, u2, u3 = usable
        # max_ratio gives 0.0 for every resource it does not use, and that 0.0 takes part in
        # the max; when all four are used, -inf leaves the max to them.
        floor = -math.inf if (u0 and u1 and u2 and u3) else 0.0
        tol, scale = FIT_TOLERANCE, _SCALE
        while best >= 0:
            # Plan.add, inline: this runs once per container placed.
            pair = ledger.take(best) * width + node
            counts[pair] = counts.get(pair, 0) + 1
            plan_scores[pair] = best_score
            d0, d1, d2, d3 = demands[best]
            # np.maximum(free - demand, 0.0), element for element.
            f0 = f0 - d0
            f0 = f0 if f0 >= 0.0 else 0.0
            f1 = f1 - d1
            f1 = f1 if f1 >= 0.0 else 0.0
            f2 = f2 - d2
            f2 = f2 if f2 >= 0.0 else 0.0
            f3 = f3 - d3
            f3 = f3 if f3 >= 0.0 else 0.0
            if not ledger.groups_left:
                return
            t0, t1, t2, t3 = f0 + tol, f1 + tol, f2 + tol, f3 + tol
            kept: list[int] = []
            keep = kept.append
            best = -1
            cut = math.inf
            for group in groups:
                if not group_left[group]:
                    continue
                d0, d1, d2, d3 = demands[group]
                if d0 > t0 or d1 > t1 or d2 > t2 or d3 > t3:
                    continue
                keep(group)
                score = floor
                if u0:
                    r = (f0 - d0) / c0
                    score = r if r > score else score
                if u1:
                    r = (f1 - d1) / c1
                    score = r if r > score else score
                if u2:
                    r = (f2 - d2) / c2
                    score = r if r > score else score
                if u3:
                    r = (f3 - d3) / c3
                    score = r if r > score else score
                if score > cut:
                    continue
                group_rounded = round(score * scale) / scale
                if (
                    best < 0
                    or group_rounded < best_rounded
                    or (group_rounded == best_rounded and leader[group] < best_rank)
                ):
                    best, best_rounded, best_score, best_rank = (
                        group, group_rounded, score, leader[group]
                    )
                    # Scores above this round to more than the best: no need to round them.
                    cut = best_rounded + 1e-6 * (1.0 + abs(best_rounded))
            groups = kept
