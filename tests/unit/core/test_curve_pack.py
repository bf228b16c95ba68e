"""The curve packer (scheduling/curve_pack.py) decides exactly as the one-at-a-time loop, on
random pictures placed over predicted bands: few sizes (many score ties that fall to queue
order), small counts (groups run out mid-node), executors that end (t* before the horizon,
node finishes brought forward), partitions, strict locality, and nodes avoided for running
above their plan."""

from __future__ import annotations

import random
import time
from dataclasses import replace

import numpy as np
import pytest
from core_builders import NOW_MS, SLOT_MS, app, ask, node, snapshot
from yarn_elastic.messages import App, Container, Locality, flat
from yarn_elastic.picture import PictureSnapshot
from yarn_elastic.resources import CurveArray
from yarn_elastic.scheduling import curve_pack, minfrag_policy
from yarn_elastic.scheduling.elastic import ElasticDemand, elastic_policy
from yarn_elastic.scheduling.framework import CycleInput
from yarn_elastic.scheduling.minfrag import decide
from yarn_elastic.scheduling.plugins import AvoidNodes
from yarn_elastic.scheduling.resize import ResizeRules
from yarn_elastic.scheduling.tables import build_tables

SIZES = ((1, 1024), (2, 2048), (1, 3072), (4, 4096), (2, 1024))


class Bands:
    """A band per job role, drawn once per seed: a few slots of rising or falling use."""

    band_slot_ms = SLOT_MS

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.book = rng, {}  # type: ignore[var-annotated]

    def band(self, app: App, role: str, executor_size: tuple[float, float] | None
             ) -> CurveArray | None:
        key = (app.id, role)
        if key not in self.book:
            slots = self.rng.randint(1, 6)
            self.book[key] = None if self.rng.random() < 0.15 else np.array(
                [[self.rng.choice((0.5, 1.0, 2.0)) for _ in range(slots)],
                 [self.rng.choice((512.0, 1024.0, 2048.0)) for _ in range(slots)],
                 [self.rng.choice((0.0, 10.0)) for _ in range(slots)], [0.0] * slots])
        return self.book[key]  # type: ignore[no-any-return]

    def bump(self, app: App, role: str) -> None:
        pass


def picture(rng: random.Random) -> tuple[PictureSnapshot, dict[str, float]]:
    apps = [app(f"application_{i}", priority=rng.randint(0, 1), submit_ms=rng.randint(0, 3))
            for i in range(4)]
    nodes = [node(f"n{i:02d}", flat(rng.choice((4, 8)), rng.choice((8192, 16384)), 100, 0),
                  rack=f"/r{i % 2}", partition=rng.choice(("", "", "x")))
             for i in range(rng.randint(1, 12))]
    containers, measured = [], {}
    for number in range(rng.randint(0, 20)):
        owner = rng.choice(apps)
        vcores, memory = rng.choice(SIZES)
        cid = f"container_1_{owner.id[-1]}_01_{number + 2:06d}"
        containers.append(Container(cid, owner.id, rng.choice(nodes).id, flat(vcores, memory),
                                    NOW_MS - rng.randint(0, 8) * SLOT_MS,
                                    request=flat(vcores, memory)))
        if rng.random() < 0.3:
            measured[cid] = rng.uniform(0, 1.5 * memory)
    asks = []
    for i in range(rng.randint(0, 25)):
        vcores, memory = rng.choice(SIZES)
        locality = Locality()
        if rng.random() < 0.1:
            locality = Locality((rng.choice(nodes).id,), (), relax=False)
        pending = ask(rng.choice(apps).id, flat(vcores, memory), count=rng.randint(1, 4),
                      priority=rng.randint(1, 2), request_id=i, locality=locality,
                      partition=rng.choice(("", "", "", "x")))
        asks.append(replace(pending, am=rng.random() < 0.1))
    return snapshot(nodes, asks, apps, containers), measured


def rules_of(seed: int) -> ResizeRules:
    """Every other picture with new containers keeping room for their rises (`headroom`)."""
    return ResizeRules(room_for_new_containers=seed % 2 == 1)


@pytest.mark.parametrize("seed", range(150))
def test_the_curve_packer_places_exactly_as_the_one_at_a_time_loop(seed: int) -> None:
    rng = random.Random(seed)
    snap, measured = picture(rng)
    demand = ElasticDemand(snap, Bands(random.Random(seed)), rules_of(seed), measured)
    policy = elastic_policy(minfrag_policy(), demand)
    assert curve_pack.applies(policy)
    tables = build_tables(snap, policy.demand_model, policy.queue_sort.key)
    cycle = CycleInput(snap, tables)
    fast = decide(cycle, policy, time.perf_counter())
    loop = decide(cycle, policy, time.perf_counter(), one_at_a_time=True)
    assert fast.placements == loop.placements
    assert fast.nodes_visited == loop.nodes_visited
    assert fast.unplaced == loop.unplaced


def rows_keeping_room(room: np.ndarray | None) -> int:
    return 0 if room is None else int(np.sum(room.any(axis=(1, 2))))


def test_the_pictures_exercise_what_the_packer_must_get_right() -> None:
    horizons, ends, avoided, placed = set(), 0, 0, 0
    asks_with_room = nodes_with_room = 0
    for seed in range(150):
        snap, measured = picture(random.Random(seed))
        demand = ElasticDemand(snap, Bands(random.Random(seed)), rules_of(seed), measured)
        policy = elastic_policy(minfrag_policy(), demand)
        tables = build_tables(snap, policy.demand_model, policy.queue_sort.key)
        horizons.add(tables.nodes.horizon)
        ends += int(np.sum(tables.candidates.finish < tables.nodes.horizon))
        avoided += any(isinstance(f, AvoidNodes) for f in policy.filters)
        asks_with_room += rows_keeping_room(tables.candidates.room)
        nodes_with_room += rows_keeping_room(tables.nodes.room)
        placed += len(decide(CycleInput(snap, tables), policy, time.perf_counter()).placements)
    assert len(horizons) > 3 and ends > 50 and avoided > 5 and placed > 300, (
        horizons, ends, avoided, placed)
    # Rooms kept for increases (`headroom`): asks that need one, nodes that keep one.
    assert asks_with_room > 50 and nodes_with_room > 20, (asks_with_room, nodes_with_room)
