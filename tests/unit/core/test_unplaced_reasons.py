"""The decision names every ask it left without a container, and why (scheduling/unplaced.py).

Sizes below are (vcores, MB); each row's comment shows the arithmetic."""

from __future__ import annotations

import dataclasses

import pytest
from core_builders import ask, node, snapshot
from yarn_elastic.messages import Ask, Locality, Node, flat
from yarn_elastic.scheduling import minfrag_policy, schedule
from yarn_elastic.scheduling.plugins import AvoidNodes
from yarn_elastic.scheduling.unplaced import (
    LARGER_THAN_ANY_NODE,
    NEVER_PLACEABLE,
    NO_PERMITTED_NODE,
    NO_ROOM,
    NODES_OVER_PLAN,
    Unplaced,
)

BIG = node("big:1", flat(8, 8192))
SMALL = node("small:1", flat(2, 2048))
STRICT_SMALL = Locality(nodes=("small",), relax=False)


@pytest.mark.parametrize(
    ("case", "nodes", "asks", "avoid", "expected"),
    [
        ("everything fits: (2, 2048) x 3 on (8, 8192) + (2, 2048)",
         [BIG, SMALL], [ask("app_a", flat(2, 2048), count=3)], (), []),
        ("4 of (2, 2048) fit (8, 8192) and 1 fits (2, 2048): 1 of 6 waits for room",
         [BIG, SMALL], [ask("app_a", flat(2, 2048), count=6)], (),
         [Unplaced("app_a#1#0", "app_a", 1, NO_ROOM)]),
        ("10240 MB > 8192 MB, the largest node: it can never be placed",
         [BIG, SMALL], [ask("app_a", flat(1, 10240), count=2)], (),
         [Unplaced("app_a#1#0", "app_a", 2, LARGER_THAN_ANY_NODE)]),
        ("9 vcores > 8: the dominant resource need not be memory",
         [BIG], [ask("app_a", flat(9, 1024))], (),
         [Unplaced("app_a#1#0", "app_a", 1, LARGER_THAN_ANY_NODE)]),
        ("partition gpu: no node carries the label",
         [BIG, SMALL], [ask("app_a", flat(1, 1024), partition="gpu")], (),
         [Unplaced("app_a#1#0", "app_a", 1, NO_PERMITTED_NODE)]),
        ("strictly on small, (4, 4096) > (2, 2048); big would hold it but is not permitted",
         [BIG, SMALL], [ask("app_a", flat(4, 4096), locality=STRICT_SMALL)], (),
         [Unplaced("app_a#1#0", "app_a", 1, LARGER_THAN_ANY_NODE)]),
        ("big runs above its plan and small is too small for (4, 4096)",
         [BIG, SMALL], [ask("app_a", flat(4, 4096))], ("big:1",),
         [Unplaced("app_a#1#0", "app_a", 1, NODES_OVER_PLAN)]),
        ("big avoided, small holds one (1, 1024) of 2 free: the second waits for room",
         [BIG, node("small:1", flat(2, 2048), allocated=flat(1, 1024))],
         [ask("app_a", flat(1, 1024), count=2)], ("big:1",),
         [Unplaced("app_a#1#0", "app_a", 1, NO_ROOM)]),
        ("one reason per ask, in queue order",
         [SMALL], [ask("app_b", flat(1, 4096)), ask("app_a", flat(2, 2048), count=2)], (),
         [Unplaced("app_a#1#0", "app_a", 1, NO_ROOM),
          Unplaced("app_b#1#0", "app_b", 1, LARGER_THAN_ANY_NODE)]),
        ("no nodes at all", [], [ask("app_a", flat(1, 1024))], (),
         [Unplaced("app_a#1#0", "app_a", 1, NO_PERMITTED_NODE)]),
    ],
)
@pytest.mark.parametrize("one_at_a_time", [False, True])
def test_every_unplaced_ask_gets_its_reason(
    case: str, nodes: list[Node], asks: list[Ask], avoid: tuple[str, ...],
    expected: list[Unplaced], one_at_a_time: bool,
) -> None:
    policy = minfrag_policy()
    if avoid:
        policy = dataclasses.replace(
            policy, filters=(*policy.filters, AvoidNodes(frozenset(avoid))))
    decision = schedule(snapshot(nodes, asks), policy, one_at_a_time=one_at_a_time)
    assert list(decision.unplaced) == expected, case
    placed = decision.containers
    assert placed + sum(u.count for u in decision.unplaced) == sum(a.count for a in asks)


def test_only_asks_that_cannot_change_by_waiting_are_never_placeable() -> None:
    assert {NO_PERMITTED_NODE, LARGER_THAN_ANY_NODE} == NEVER_PLACEABLE
