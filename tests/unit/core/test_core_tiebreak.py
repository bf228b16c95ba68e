"""The documented tie-breaking rule (docs/algorithms.md): lower DRR, then higher app priority,
then earlier submit, then the ask's own priority (lower first), then the ask key."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from core_builders import NOW_MS, app, ask, node, snapshot
from hypothesis import given, settings
from hypothesis import strategies as st
from yarn_elastic.messages import App, Ask, Locality, flat
from yarn_elastic.resources import align
from yarn_elastic.scheduling import minfrag_policy, schedule
from yarn_elastic.scheduling.plugins import LeastRemainingFirst
from yarn_elastic.scheduling.tables import build_tables

SAME = flat(2, 2048)  # every ask below has this size, so every DRR is equal


def _winner(asks: list[Ask], apps: list[App]) -> str:
    # One node with room for exactly one container: (2, 2048) free.
    picture = snapshot([node("n:1", flat(2, 2048))], asks, apps, add_missing_apps=False)
    placements = schedule(picture, minfrag_policy()).placements
    assert len(placements) == 1 and placements[0].count == 1
    return placements[0].ask


@pytest.mark.parametrize(
    ("case", "apps", "asks", "winner"),
    [
        (
            "higher app priority wins",
            [app("app_z", priority=5), app("app_a", priority=1)],
            [ask("app_a", SAME), ask("app_z", SAME)],
            "app_z#1#0",
        ),
        (
            "same priority: earlier submit wins",
            [app("app_a", submit_ms=NOW_MS - 10), app("app_z", submit_ms=NOW_MS - 99)],
            [ask("app_a", SAME), ask("app_z", SAME)],
            "app_z#1#0",
        ),
        (
            "same app: lower ask priority number wins (YARN order)",
            [app("app_a")],
            [ask("app_a", SAME, priority=20), ask("app_a", SAME, priority=3)],
            "app_a#3#0",
        ),
        (
            "all else equal: smaller ask key wins",
            [app("app_a")],
            [ask("app_a", SAME, request_id=7), ask("app_a", SAME, request_id=2)],
            "app_a#1#2",
        ),
        (
            "ask of an unknown app comes last",
            [app("app_known", priority=-5)],
            [ask("app_known", SAME), ask("app_ghost", SAME)],
            "app_known#1#0",
        ),
    ],
)
def test_tie_breaking(case: str, apps: list[App], asks: list[Ask], winner: str) -> None:
    assert _winner(asks, apps) == winner, case


def test_lower_drr_beats_priority() -> None:
    # free (4, 4096). vip (1, 1024) -> 0.75; plain (4, 4096) -> 0.0: plain wins despite priority
    apps = [app("app_vip", priority=100), app("app_plain", priority=0)]
    asks = [ask("app_vip", flat(1, 1024)), ask("app_plain", flat(4, 4096))]
    picture = snapshot([node("n:1", flat(4, 4096))], asks, apps)
    assert [p.ask for p in schedule(picture, minfrag_policy()).placements] == ["app_plain#1#0"]


def test_strict_locality_and_partition_are_honoured() -> None:
    nodes = [
        node("n:1", flat(8, 8192), rack="/r1"),
        node("n:2", flat(8, 8192), rack="/r2"),
        node("gpu:1", flat(8, 8192), rack="/r1", partition="gpu"),
    ]
    asks = [
        ask("app_rack", flat(1, 1024), 2, locality=Locality((), ("/r2",), relax=False)),
        ask("app_node", flat(1, 1024), 1, locality=Locality(("n:1",), (), relax=False)),
        ask("app_relaxed", flat(1, 1024), 1, locality=Locality(("n:9",), (), relax=True)),
        ask("app_gpu", flat(1, 1024), 1, partition="gpu"),
    ]
    decision = schedule(snapshot(nodes, asks), minfrag_policy())
    placed = {(p.ask.split("#")[0], p.node) for p in decision.placements}
    assert ("app_rack", "n:2") in placed and all(n == "n:2" for a, n in placed if a == "app_rack")
    assert {n for a, n in placed if a == "app_node"} == {"n:1"}
    assert {n for a, n in placed if a == "app_gpu"} == {"gpu:1"}
    assert {n for a, n in placed if a == "app_relaxed"} <= {"n:1", "n:2"}


def test_strict_locality_by_host_name_matches_the_nodes_of_that_host() -> None:
    # YARN requests name hosts ("h2"), node ids are host:port ("h2:45454"); several NodeManagers
    # on one host (as in the local test cluster) all match the host's name.
    nodes = [node("h1:45454", flat(8, 8192)), node("h2:45454", flat(8, 8192)),
             node("h2:45455", flat(8, 8192))]
    asks = [ask("app_host", flat(1, 1024), 3, locality=Locality(("h2",), (), relax=False))]
    decision = schedule(snapshot(nodes, asks), minfrag_policy())
    assert decision.containers == 3
    assert {p.node for p in decision.placements} <= {"h2:45454", "h2:45455"}


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 16), st.integers(0, 20), st.integers(0, 20)),
                min_size=1, max_size=30))
def test_flat_node_order_is_the_integral_order(sizes: list[tuple[int, int, int]]) -> None:
    # With one slot the order reads the values directly; stretched to two slots (every curve
    # repeated) it goes through the prefix integrals. Both must order the nodes alike.
    nodes = [node(f"n:{i:02d}", flat(cap, cap * 1024), flat(used, used * 512))
             for i, (cap, used, _) in enumerate(sizes)]
    policy = minfrag_policy()
    one = build_tables(snapshot(nodes, []), policy.demand_model, policy.queue_sort.key).nodes
    two = dataclasses.replace(one, capacity=align(one.capacity, 2),
                              available=align(one.available, 2),
                              finish=np.full(len(nodes), 2, dtype=np.int64))
    scored = np.array([True, True, False, False])
    assert np.array_equal(LeastRemainingFirst().order(one, scored),
                          LeastRemainingFirst().order(two, scored))
