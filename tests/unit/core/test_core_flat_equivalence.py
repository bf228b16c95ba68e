"""The flat packer (scheduling/flat.py) decides exactly as the one-at-a-time MinFrag loop.

Inputs are drawn to make the hard cases common: few distinct sizes (so many score ties that
fall to queue order), small counts (so asks and groups run out mid-batch), partitions, strict
locality, asks of unknown applications, fractional sizes and more nodes than one batch.
"""

from __future__ import annotations

import numpy as np
from core_builders import app, ask, node, snapshot
from hypothesis import given, settings
from hypothesis import strategies as st
from yarn_elastic.messages import Locality, flat
from yarn_elastic.picture import PictureSnapshot
from yarn_elastic.scheduling import minfrag_policy, schedule
from yarn_elastic.scheduling.flat import applies, rounded_score
from yarn_elastic.scheduling.framework import CycleInput
from yarn_elastic.scheduling.tables import SCORE_DECIMALS, build_tables

SIZES = st.sampled_from([(1, 1024), (2, 2048), (2, 6144), (4, 2048), (1, 4096), (0.5, 512),
                         (3, 3072), (1, 1024.5)])


@st.composite
def flat_pictures(draw: st.DrawFn) -> PictureSnapshot:
    n_nodes = draw(st.integers(1, 90))
    nodes = []
    for i in range(n_nodes):
        cores = draw(st.sampled_from([2, 4, 8, 16]))
        used = draw(st.integers(0, cores + 1))
        mem_used = draw(st.integers(0, cores + 1)) * 1024
        disk = draw(st.sampled_from([0, 0, 100]))
        nodes.append(node(
            f"n:{i:03d}", flat(cores, cores * 1024, disk, 0), flat(used, mem_used),
            rack=f"/r{i % 3}", partition=draw(st.sampled_from(["", "", "", "x"])),
        ))
    apps = [app(f"app_{a}", priority=draw(st.integers(0, 2)),
                submit_ms=draw(st.integers(0, 3))) for a in range(6)]
    asks = []
    for i in range(draw(st.integers(0, 40))):
        cpu, mem = draw(SIZES)
        locality = Locality()
        if draw(st.integers(0, 9)) == 0:
            locality = Locality((f"n:{draw(st.integers(0, n_nodes)):03d}",),
                                draw(st.sampled_from([(), ("/r1",)])), relax=False)
        asks.append(ask(
            f"app_{draw(st.integers(0, 6))}", flat(cpu, mem, draw(st.sampled_from([0, 0, 10]))),
            count=draw(st.integers(1, 5)), priority=draw(st.integers(1, 2)), request_id=i,
            locality=locality, partition=draw(st.sampled_from(["", "", "", "x"])),
        ))
    return snapshot(nodes, asks, apps, add_missing_apps=False)  # app_6 is unknown


@settings(max_examples=300, deadline=None)
@given(flat_pictures())
def test_flat_packer_places_exactly_as_the_one_at_a_time_loop(picture: PictureSnapshot) -> None:
    policy = minfrag_policy()
    tables = build_tables(picture, policy.demand_model, policy.queue_sort.key)
    assert applies(policy, CycleInput(picture, tables))
    fast = schedule(picture, policy).placements
    reference = schedule(picture, policy, one_at_a_time=True).placements
    assert fast == reference


def test_big_flat_cluster_matches_the_loop() -> None:
    # More nodes than the largest batch, groups running out at many points.
    nodes = [node(f"n:{i:04d}", flat(8 + i % 3 * 8, (8 + i % 3 * 8) * 1024),
                  flat(i % 9, (i % 7) * 1024)) for i in range(1500)]
    sizes = [(1, 1024), (2, 2048), (2, 6144), (4, 2048), (1, 4096)]
    asks = [ask(f"app_{i % 13}", flat(*sizes[i % 5]), count=1 + i % 5, request_id=i)
            for i in range(600)]
    picture = snapshot(nodes, asks)
    policy = minfrag_policy()
    fast = schedule(picture, policy)
    assert fast.containers > 1000
    assert fast.placements == schedule(picture, policy, one_at_a_time=True).placements


def test_time_varying_curves_take_the_general_loop() -> None:
    picture = snapshot([node("n:1", flat(4, 4096))], [ask("app", ((1, 0), (1024,), (0,), (0,)))])
    policy = minfrag_policy()
    tables = build_tables(picture, policy.demand_model, policy.queue_sort.key)
    assert not applies(policy, CycleInput(picture, tables))


HALVES = st.integers(-2 * 10**9, 2 * 10**9).map(lambda k: (k + 0.5) / 1e9)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.floats(-4.0, 4.0), HALVES, st.floats(-1e6, 1e6)))
def test_rounded_score_is_numpys_rounding(score: float) -> None:
    assert rounded_score(score) == float(np.round(score, SCORE_DECIMALS))
    assert rounded_score(score) == float(np.round(np.array([score]), SCORE_DECIMALS)[0])


@st.composite
def fractional_pictures(draw: st.DrawFn) -> PictureSnapshot:
    """Arbitrary float sizes: scores land near rounding boundaries and clamps at 0."""
    amount = st.floats(0.0, 16.0, allow_subnormal=False)
    nodes = [
        node(f"n:{i:03d}", flat(draw(amount), draw(amount) * 512, draw(amount), 0),
             flat(draw(amount), draw(amount) * 512, draw(amount)))
        for i in range(draw(st.integers(1, 30)))
    ]
    asks = [
        ask(f"app_{i % 4}", flat(draw(amount) / 4, draw(amount) * 64, draw(amount) / 8),
            count=draw(st.integers(1, 6)), request_id=i)
        for i in range(draw(st.integers(0, 25)))
    ]
    return snapshot(nodes, asks)


@settings(max_examples=200, deadline=None)
@given(fractional_pictures())
def test_flat_packer_matches_the_loop_on_fractional_sizes(picture: PictureSnapshot) -> None:
    policy = minfrag_policy()
    fast = schedule(picture, policy).placements
    assert fast == schedule(picture, policy, one_at_a_time=True).placements


def test_unscored_resources_count_as_zero_in_the_score() -> None:
    # A demand just over what is free (within the fit tolerance) on both scored resources:
    # every scored ratio is a hair below 0, and the unscored disk and network give 0.0.
    picture = snapshot([node("n:1", flat(4, 4096), flat(3, 3072))],
                       [ask("app", flat(1.0000000005, 1024.0000000005))])
    policy = minfrag_policy()
    fast = schedule(picture, policy).placements
    assert fast == schedule(picture, policy, one_at_a_time=True).placements
    assert [p.score for p in fast] == [0.0]
