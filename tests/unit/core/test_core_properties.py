"""Properties of the scheduler over random pictures (hypothesis)."""

from __future__ import annotations

from collections import Counter

import numpy as np
from core_builders import ask, node, snapshot
from hypothesis import given, settings
from hypothesis import strategies as st
from yarn_elastic.messages import Curves
from yarn_elastic.picture import PictureSnapshot
from yarn_elastic.resources import align, to_array
from yarn_elastic.scheduling import minfrag_policy, schedule


def curves(max_value: float, max_slots: int = 3, ends: bool = False) -> st.SearchStrategy[Curves]:
    value = st.integers(0, int(max_value)).map(float)
    curve = st.lists(value, min_size=1, max_size=max_slots).map(tuple)
    base = st.tuples(curve, curve, curve, curve)
    if not ends:
        return base
    return st.tuples(base, st.booleans()).map(
        lambda pair: tuple(c + (0.0,) for c in pair[0]) if pair[1] else pair[0]
    )


@st.composite
def pictures(draw: st.DrawFn) -> PictureSnapshot:
    n_nodes = draw(st.integers(1, 5))
    nodes = []
    for i in range(n_nodes):
        cap = draw(curves(16, 1))
        allocated = draw(curves(12))
        nodes.append(node(f"n:{i}", cap, allocated, rack=f"/r{i % 2}",
                          partition=draw(st.sampled_from(["", "", "x"]))))
    asks = []
    for i in range(draw(st.integers(0, 6))):
        asks.append(ask(f"app_{i}", draw(curves(6, ends=True)), draw(st.integers(1, 5)),
                        partition=draw(st.sampled_from(["", "", "x"]))))
    return snapshot(nodes, asks)


@settings(max_examples=150, deadline=None)
@given(pictures())
def test_no_node_is_over_allocated_at_any_slot(picture: PictureSnapshot) -> None:
    decision = schedule(picture, minfrag_policy())
    demand = {a.key: to_array(a.demand) for a in picture.asks}
    for n in picture.nodes:
        used = [(demand[p.ask], p.count) for p in decision.placements if p.node == n.id]
        if not used:
            continue
        horizon = max([d.shape[-1] for d, _ in used] + [len(c) for c in n.capacity + n.allocated])
        free = np.maximum(to_array(n.capacity, horizon) - to_array(n.allocated, horizon), 0)
        total = sum(align(d, horizon) * count for d, count in used)
        assert np.all(total <= free + 1e-6)


@settings(max_examples=150, deadline=None)
@given(pictures())
def test_counts_never_exceed_asks_and_respect_partition(picture: PictureSnapshot) -> None:
    decision = schedule(picture, minfrag_policy())
    placed: Counter[str] = Counter()
    for p in decision.placements:
        placed[p.ask] += p.count
        assert p.count >= 1
    asks = {a.key: a for a in picture.asks}
    nodes = {n.id: n for n in picture.nodes}
    for key, count in placed.items():
        assert count <= asks[key].count
    for p in decision.placements:
        assert nodes[p.node].partition == asks[p.ask].partition


@settings(max_examples=60, deadline=None)
@given(pictures())
def test_decision_is_deterministic(picture: PictureSnapshot) -> None:
    assert schedule(picture, minfrag_policy()).placements == \
        schedule(picture, minfrag_policy()).placements
