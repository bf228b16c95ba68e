"""Work kept between cycles (node rows, ask curves, the picture's sorted lists and per-node
containers) never changes a decision: random sequences of deltas, each cycle's tables and
plan compared with a cold build from the same snapshot."""

from __future__ import annotations

import dataclasses

import numpy as np
from core_builders import app, ask, node
from hypothesis import given, settings
from hypothesis import strategies as st
from yarn_elastic.messages import App, Ask, Container, CycleRequest, flat
from yarn_elastic.picture import ClusterPicture, PictureSnapshot
from yarn_elastic.resources import CurveArray
from yarn_elastic.scheduling import minfrag_policy, schedule
from yarn_elastic.scheduling.demand import RmAllocatedDemandModel
from yarn_elastic.scheduling.tables import TableCache, Tables, build_tables

NODE_IDS = [f"n:{i}" for i in range(6)]
CONTAINER_IDS = [f"c{i}" for i in range(10)]
APP_IDS = ["app_0", "app_1", "app_2"]
SLOT_MS = 1000


def curves(draw: st.DrawFn, largest: int) -> tuple[tuple[float, ...], ...]:
    """Flat mostly; sometimes two slots, sometimes ending (last slot 0)."""
    shape = draw(st.sampled_from(["flat", "flat", "two", "ends"]))
    cpu, mem = draw(st.integers(0, largest)), draw(st.integers(0, largest)) * 512
    if shape == "flat":
        return flat(cpu, mem)
    if shape == "two":
        return ((cpu, cpu + 1), (mem,), (0,), (0,))
    return ((cpu, 0), (mem, 0), (0,), (0,))


@st.composite
def deltas(draw: st.DrawFn) -> dict[str, object]:
    changes: dict[str, object] = {}
    if draw(st.booleans()):
        changes["nodes"] = tuple(
            node(n, flat(draw(st.integers(2, 12)), 8192), curves(draw, 4),
                 partition=draw(st.sampled_from(["", "", "x"])))
            for n in draw(st.lists(st.sampled_from(NODE_IDS), max_size=3, unique=True))
        )
    if draw(st.booleans()):
        changes["containers"] = tuple(
            Container(c, draw(st.sampled_from(APP_IDS)), draw(st.sampled_from(NODE_IDS + ["gone"])),
                      curves(draw, 2), draw(st.integers(0, 5)) * SLOT_MS)
            for c in draw(st.lists(st.sampled_from(CONTAINER_IDS), max_size=4, unique=True))
        )
    if draw(st.booleans()):
        changes["removed_containers"] = tuple(
            draw(st.lists(st.sampled_from(CONTAINER_IDS), max_size=3, unique=True))
        )
    if draw(st.integers(0, 5)) == 0:
        changes["removed_nodes"] = (draw(st.sampled_from(NODE_IDS)),)
    if draw(st.integers(0, 5)) == 0:
        changes["removed_apps"] = (draw(st.sampled_from(APP_IDS)),)
        changes["apps"] = tuple(app(a) for a in APP_IDS if a not in changes["removed_apps"])
    if draw(st.booleans()):
        changes["asks"] = tuple(
            ask(draw(st.sampled_from(APP_IDS)), curves(draw, 3), count=draw(st.integers(0, 3)),
                request_id=draw(st.integers(0, 5)))
            for _ in range(draw(st.integers(1, 4)))
        )
    return changes


def assert_same_tables(warm: Tables, cold: Tables) -> None:
    for name in ("ids", "racks", "partitions"):
        assert getattr(warm.nodes, name) == getattr(cold.nodes, name)
    for name in ("capacity", "available", "finish"):
        a, b = getattr(warm.nodes, name), getattr(cold.nodes, name)
        assert a.shape == b.shape and np.array_equal(a, b)
    assert warm.candidates.asks == cold.candidates.asks
    assert warm.candidates.members == cold.candidates.members
    assert np.array_equal(warm.candidates.demand, cold.candidates.demand)
    assert np.array_equal(warm.candidates.finish, cold.candidates.finish)
    assert np.array_equal(warm.scored, cold.scored)


def without_revisions(snap: PictureSnapshot) -> PictureSnapshot:
    return dataclasses.replace(snap, running=None, node_revisions=None, revision_source=None)


@settings(max_examples=60, deadline=None)
@given(st.lists(deltas(), min_size=1, max_size=8), st.booleans())
def test_kept_work_never_changes_tables_or_plan(steps: list[dict[str, object]],
                                               drop_revisions: bool) -> None:
    policy = minfrag_policy()
    picture, cache = ClusterPicture(), TableCache()
    nodes = tuple(node(n, flat(8, 8192)) for n in NODE_IDS)
    apps = tuple(app(a) for a in APP_IDS)
    picture.apply(CycleRequest("rm", 1, "full", None, 10 * SLOT_MS, SLOT_MS, nodes=nodes,
                               apps=apps))
    for seq, changes in enumerate(steps, start=2):
        request = CycleRequest("rm", seq, "delta", seq - 1, (10 + seq) * SLOT_MS, SLOT_MS,
                               **changes)  # type: ignore[arg-type]
        assert picture.apply(request).applied
        snap = picture.snapshot()
        for kept, table in ((snap.nodes, picture.nodes), (snap.asks, picture.asks),
                            (snap.containers, picture.containers)):
            assert len(kept) == len(table)
            assert all(a is table[k] for a, k in zip(kept, sorted(table), strict=True))
        grouped: dict[str, list[Container]] = {}
        for c in snap.containers:
            grouped.setdefault(c.node, []).append(c)
        assert snap.running is not None
        assert {n: list(cs) for n, cs in snap.running.items()} == grouped
        if drop_revisions:
            snap = without_revisions(snap)
        key = policy.queue_sort.key
        assert_same_tables(build_tables(snap, policy.demand_model, key, cache),
                           build_tables(without_revisions(snap), policy.demand_model, key))
        assert schedule(snap, policy, cache=cache).placements == \
            schedule(snap, policy).placements


def test_a_new_demand_model_empties_the_cache() -> None:
    policy, other = minfrag_policy(), minfrag_policy()
    picture, cache = ClusterPicture(), TableCache()
    picture.apply(CycleRequest("rm", 1, "full", None, 0, SLOT_MS,
                               nodes=(node("n:1", flat(8, 8192)),)))
    snap = picture.snapshot()
    build_tables(snap, policy.demand_model, policy.queue_sort.key, cache)
    first = cache.nodes.entries[0]
    build_tables(snap, policy.demand_model, policy.queue_sort.key, cache)
    assert cache.nodes.entries[0] is first
    build_tables(snap, other.demand_model, other.queue_sort.key, cache)
    assert cache.nodes.entries[0] is not first


class DemandByAppPriority(RmAllocatedDemandModel):
    """A model that reads the application: one more vcore per priority level."""

    def ask_demand(self, ask: Ask, app: App | None) -> CurveArray:
        demand = super().ask_demand(ask, app)
        demand[0] += 0 if app is None else app.priority
        return demand


def test_an_ask_is_looked_at_again_when_its_application_is_resent() -> None:
    model, key = DemandByAppPriority(), minfrag_policy().queue_sort.key
    picture, cache = ClusterPicture(), TableCache()
    pending = ask("app_0", flat(1, 1024))
    picture.apply(CycleRequest("rm", 1, "full", None, 0, SLOT_MS, apps=(app("app_0"),),
                               asks=(pending,), nodes=(node("n:1", flat(8, 8192)),)))
    first = build_tables(picture.snapshot(), model, key, cache)
    picture.apply(CycleRequest("rm", 2, "delta", 1, 0, SLOT_MS,
                               apps=(app("app_0", priority=2),)))
    second = build_tables(picture.snapshot(), model, key, cache)
    assert first.candidates.demand[0, 0, 0] == 1.0
    assert second.candidates.demand[0, 0, 0] == 3.0
