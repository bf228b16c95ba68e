"""The elastic demand's array kernels (`band_arrays`, over `running_table`) against the
per-container reference: `resize.plan_resizes`, `committed_curve` through
`CurveDemandModel.node_committed`, and the node cache's earliest finish, on random clusters."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest
from core_builders import NOW_MS, SLOT_MS, app, node, snapshot
from yarn_elastic.messages import App, Container, flat
from yarn_elastic.picture import PictureSnapshot
from yarn_elastic.resources import CurveArray, align, to_array
from yarn_elastic.scheduling.bands import role_of
from yarn_elastic.scheduling.demand import CurveDemandModel
from yarn_elastic.scheduling.elastic import ElasticDemand
from yarn_elastic.scheduling.node_cache import _earliest_finish
from yarn_elastic.scheduling.resize import ResizeRules, RunningSize, plan_resizes
from yarn_elastic.scheduling.running_table import ElasticCache

RULES = (ResizeRules(), ResizeRules(lead_slots=3, memory_step_mb=512, min_change=0.2),
         ResizeRules(lead_slots=0, vcores_step=0.5, memory_step_mb=1.0))


class RandomBands:
    """A band per (app, role), fixed per seed; some job roles have none."""

    band_slot_ms = SLOT_MS

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.book: dict[tuple[str, str], CurveArray | None] = {}

    def band(self, app: App, role: str, executor_size: tuple[float, float] | None
             ) -> CurveArray | None:
        key = (app.id, role)
        if key not in self.book:
            rng = self.rng
            slots = rng.randint(1, 12)
            self.book[key] = None if rng.random() < 0.25 else np.array(
                [[rng.uniform(0, 6) for _ in range(slots)],
                 [rng.uniform(0, 9000) for _ in range(slots)],
                 [rng.uniform(0, 50) for _ in range(slots)],
                 [0.0] * slots])
        return self.book[key]

    def bump(self, app: App, role: str) -> None:
        pass


def random_cluster(rng: random.Random) -> tuple[PictureSnapshot, dict[str, float]]:
    apps = [app(f"application_{i}") for i in range(rng.randint(1, 4))]
    nodes = [node(f"n{i}", flat(16, 32768)) for i in range(rng.randint(1, 6))]
    containers, measured = [], {}
    for number in range(rng.randint(0, 30)):
        owner = rng.choice(apps)
        am = rng.random() < 0.2
        cid = f"container_1_{owner.id[-1]}_01_{1 if am else number + 2:06d}"
        vcores, memory = rng.choice((1, 2, 4)), rng.choice((1024, 2048, 4096, 3000))
        allocated = (rng.choice((vcores, 1)), rng.choice((memory, memory / 2, 640)))
        containers.append(Container(
            cid, owner.id, rng.choice(nodes).id, flat(*allocated),
            NOW_MS - rng.randint(0, 20) * SLOT_MS - rng.randint(0, SLOT_MS - 1),
            request=flat(vcores, memory), version=rng.randint(0, 3)))
        if rng.random() < 0.6:
            measured[cid] = rng.uniform(0, 1.2 * allocated[1])
    unique = {c.id: c for c in containers}  # an AM id may repeat within an app
    # The RM's ledger per node: some nodes end up with no vcore (or memory) to grow into.
    used = {n.id: [0.0, 0.0] for n in nodes}
    for c in unique.values():
        used[c.node][0] += c.allocated[0][0]
        used[c.node][1] += c.allocated[1][0]
    nodes = [replace(n, allocated=flat(*used[n.id])) for n in nodes]
    return snapshot(nodes, [], apps=apps, containers=list(unique.values())), measured


def reference_plan(demand: ElasticDemand, snap: PictureSnapshot, rules: ResizeRules,
                   measured: dict[str, float]) -> list[tuple[str, int, int, str]]:
    """The per-container loop `ElasticDemand` ran before the arrays."""
    sizes: dict[str, tuple[float, float]] = {}
    for c in snap.containers:
        if role_of(c.id) == "executor":
            v, m = (c.request or c.allocated)[0][0], (c.request or c.allocated)[1][0]
            seen = sizes.get(c.app, (v, m))
            sizes[c.app] = (max(v, seen[0]), max(m, seen[1]))
    free = {n.id: (n.capacity[0][0] - n.allocated[0][0], n.capacity[1][0] - n.allocated[1][0])
            for n in snap.nodes}
    running = []
    for c in snap.containers:
        band = demand.bands.band(snap.apps[c.app], role_of(c.id), sizes.get(c.app))
        if band is None:
            continue
        request = (float((c.request or c.allocated)[0][0]),
                   float((c.request or c.allocated)[1][0]))
        running.append(RunningSize(
            c.id, demand._sized(band, request), max(0, (NOW_MS - c.start_ms) // SLOT_MS),
            (float(c.allocated[0][0]), float(c.allocated[1][0])), request, measured.get(c.id),
            can_grow=free[c.node][0] >= rules.vcores_step - 1e-9
            and free[c.node][1] >= rules.memory_step_mb - 1e-9))
    return [(r.container, round(r.vcores), round(r.memory_mb), r.reason)
            for r in plan_resizes(running, rules)]


@pytest.mark.parametrize("seed", range(60))
def test_the_arrays_decide_what_the_per_container_rules_decide(seed: int) -> None:
    rng = random.Random(seed)
    snap, measured = random_cluster(rng)
    rules = RULES[seed % len(RULES)]
    demand = ElasticDemand(snap, RandomBands(random.Random(seed)), rules, measured)
    assert [(r.container, r.vcores, r.memory_mb, r.reason) for r in demand.resizes()] == \
        reference_plan(demand, snap, rules, measured)
    for resize in demand.resizes():
        assert resize.version == next(c.version for c in snap.containers
                                      if c.id == resize.container)

    model = CurveDemandModel(demand, snap.now_ms, snap.slot_ms)
    batch = model.node_commitments(snap)
    assert batch is not None
    by_node = {n.id: tuple(c for c in snap.containers if c.node == n.id) for n in snap.nodes}
    for row, n in enumerate(snap.nodes):
        # The reference: each container's curve from `for_container`, shifted, summed.
        expected = model.node_committed(n, by_node[n.id])
        width = max(expected.shape[1], batch.committed.shape[2])
        np.testing.assert_allclose(align(batch.committed[row], width), align(expected, width),
                                   rtol=1e-12, atol=1e-9)
        ends = [(e, c.start_ms) for c in by_node[n.id]
                if (e := model.container_ends(c)) is not None]
        assert batch.finish.get(row) == _earliest_finish(ends, snap), n.id


def test_the_arrays_flag_the_nodes_the_reference_flags() -> None:
    for seed in range(40):
        rng = random.Random(seed)
        snap, measured = random_cluster(rng)
        demand = ElasticDemand(snap, RandomBands(random.Random(seed)), ResizeRules(), measured)
        used: dict[str, float] = {}
        planned: dict[str, float] = {}
        for c in snap.containers:
            curve = demand.for_container(c)
            if curve is None or c.id not in measured:
                continue
            # The band at the container's slot: its planned memory there.
            band = demand._bands
            assert band is not None and demand._row is not None
            row = demand._row[c.id]
            slot = min(int(band.position[row]), int(band.slots[band.row[row]]) - 1)
            used[c.node] = used.get(c.node, 0.0) + measured[c.id]
            planned[c.node] = planned.get(c.node, 0.0) + float(
                band.curves[band.row[row], 1, slot])
        expected = {n for n, u in used.items() if u > planned[n] * 1.1}
        assert demand.nodes_over_plan() == expected, seed


def test_a_kept_cache_gives_the_same_decision_and_the_same_ask_curve() -> None:
    rng = random.Random(7)
    snap, measured = random_cluster(rng)
    bands, cache = RandomBands(random.Random(7)), ElasticCache()
    first = ElasticDemand(snap, bands, ResizeRules(), measured, cache=cache)
    second = ElasticDemand(snap, bands, ResizeRules(), measured, cache=cache)
    fresh = ElasticDemand(snap, bands, ResizeRules(), measured)
    assert first.resizes() == second.resizes() == fresh.resizes()
    a, b = first.node_commitments(snap, NOW_MS, SLOT_MS), fresh.node_commitments(
        snap, NOW_MS, SLOT_MS)
    assert a is not None and b is not None
    np.testing.assert_array_equal(a.committed, b.committed)
    from core_builders import ask
    pending = ask(snap.containers[0].app if snap.containers else "application_0",
                  flat(2, 2048))
    owner = snap.apps[pending.app]
    curve = first.for_ask(pending, owner)
    if curve is not None:
        assert second.for_ask(pending, owner) is curve  # the table cache keeps its entry
        np.testing.assert_array_equal(curve, fresh.for_ask(pending, owner))


def test_a_different_snapshot_gets_no_commitments_from_the_arrays() -> None:
    snap, measured = random_cluster(random.Random(3))
    demand = ElasticDemand(snap, RandomBands(random.Random(3)), ResizeRules(), measured)
    other = snapshot(list(snap.nodes), [], apps=list(snap.apps.values()),
                     containers=list(snap.containers))
    assert demand.node_commitments(other, NOW_MS, SLOT_MS) is None
    assert demand.node_commitments(snap, NOW_MS + SLOT_MS, SLOT_MS) is None
    assert to_array(flat(1, 1)).shape == (4, 1)


def test_an_asks_curve_leaves_the_shared_sized_band_alone() -> None:
    # An ask is counted at its request over the lead window; its curve starts from the same
    # remembered band its app's running containers are sized from. Writing the request into
    # that band in place once made the next cycle's containers look unshrinkable.
    from core_builders import ask
    band = np.array([[1.0] * 6, [3000.0, 500, 500, 500, 500, 500], [0.0] * 6, [0.0] * 6])

    class OneBand(RandomBands):
        def band(self, app: App, role: str, executor_size: tuple[float, float] | None
                 ) -> CurveArray | None:
            return band

    running = Container("container_1_1_01_000002", "application_1", "n1", flat(1, 4096),
                        NOW_MS - 2 * SLOT_MS, request=flat(1, 4096))
    snap = snapshot([node("n1", flat(16, 32768))], [], apps=[app("application_1")],
                    containers=[running])
    bands, cache = OneBand(random.Random(0)), ElasticCache()
    first = ElasticDemand(snap, bands, ResizeRules(), cache=cache)
    assert first.for_ask(ask("application_1", flat(1, 4096)), snap.apps["application_1"]) \
        is not None
    again = ElasticDemand(snap, bands, ResizeRules(), cache=cache)
    fresh = ElasticDemand(snap, bands, ResizeRules())
    assert again.resizes() == fresh.resizes() != ()


def test_the_curves_finish_where_finish_slot_says() -> None:
    from yarn_elastic.resources import finish_slot
    from yarn_elastic.scheduling import band_arrays as ba
    rng = np.random.default_rng(5)
    curves = [rng.choice([0.0, 0.0, 1.5], size=(4, int(rng.integers(1, 7))))
              for _ in range(300)]
    stacked, slots = ba.stacked(curves)
    bands = ba.Bands(stacked, slots, np.arange(len(curves)), np.zeros(len(curves), bool),
                     np.zeros(len(curves), np.int64))
    expected = [-1 if (f := finish_slot(c)) is None else f for c in curves]
    assert ba.curve_finishes_of(bands).tolist() == expected
