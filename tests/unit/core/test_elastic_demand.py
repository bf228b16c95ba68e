"""ElasticDemand: the live cycle's predicted curves and resizes, with the arithmetic shown.

One 8-vcore, 8192 MB node; slots of 1 s; memory steps of 512 MB. An executor asks for
1 vcore and 4096 MB; its band says it uses 1000 MB for 3 slots, then 3000 MB, then ends.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import pytest
from core_builders import NOW_MS, SLOT_MS, app, ask, node, snapshot
from yarn_elastic.endpoint.service import CoreService, ElasticInputs
from yarn_elastic.messages import App, Container, CycleRequest, MemoryKill, flat
from yarn_elastic.messages.encode import encode_message
from yarn_elastic.messages.schema import Hello
from yarn_elastic.prediction.runs import rescaled
from yarn_elastic.resources import CurveArray
from yarn_elastic.scheduling import minfrag_policy, schedule
from yarn_elastic.scheduling.bands import NoBands
from yarn_elastic.scheduling.demand import CurveDemandModel
from yarn_elastic.scheduling.elastic import ElasticDemand
from yarn_elastic.scheduling.resize import ResizeRules

RULES = ResizeRules(lead_slots=1, memory_step_mb=512)
BAND = np.array([[1, 1, 1, 1], [1000, 1000, 1000, 3000], [0, 0, 0, 0], [0, 0, 0, 0]],
                dtype=float)
EXECUTOR = "container_1_0001_01_000002"


class Bands:
    band_slot_ms = SLOT_MS

    def __init__(self, band: CurveArray | None = BAND) -> None:
        self.value = band
        self.asked: list[tuple[str, str, tuple[float, float] | None]] = []
        self.bumped: list[tuple[str, str]] = []

    def bump(self, app: App, role: str) -> None:
        self.bumped.append((app.id, role))

    def band(self, app: App, role: str, executor_size: tuple[float, float] | None
             ) -> CurveArray | None:
        self.asked.append((app.id, role, executor_size))
        return None if role == "am" else self.value


def running(started_slots_ago: int, allocated_mb: float = 4096, version: int = 0
            ) -> Container:
    return Container(EXECUTOR, "app1", "n1", flat(1, allocated_mb),
                     NOW_MS - started_slots_ago * SLOT_MS, request=flat(1, 4096),
                     version=version)


def picture(*containers: Container, asks: tuple[str, ...] = ()) -> object:
    used = (sum(c.allocated[0][0] for c in containers), sum(c.allocated[1][0] for c in containers))
    return snapshot([node("n1", flat(8, 8192), flat(*used))],
                    [ask(a, flat(1, 4096)) for a in asks],
                    apps=[app("app1"), app("app2")], containers=list(containers))


@pytest.mark.parametrize(("slots_ago", "measured", "memory", "why"), [
    # slot 0: band max over slots 0..1 = 1000 MB -> 1024 (two 512 MB steps)
    (0, None, 1024, "band"),
    # slot 2: the lead window reaches slot 3's 3000 MB -> 3072
    (2, None, 3072, "band"),
    # measured 1500 MB + 10% = 1650 -> 2048: never below what it uses
    (0, 1500.0, 2048, "measured RSS"),
])
def test_a_running_executor_is_resized_along_its_band(
        slots_ago: int, measured: float | None, memory: int, why: str) -> None:
    demand = ElasticDemand(picture(running(slots_ago)), Bands(), RULES,
                           {} if measured is None else {EXECUTOR: measured})
    (resize,) = demand.resizes()
    assert (resize.container, resize.version, resize.vcores, resize.memory_mb) == (
        EXECUTOR, 0, 1, memory)
    assert why in resize.reason


def test_a_container_at_its_target_is_left_alone() -> None:
    assert ElasticDemand(picture(running(0, allocated_mb=1024)), Bands(), RULES).resizes() == ()


def test_above_its_allocation_it_is_grown_to_its_request() -> None:
    # measured 1000 MB > 95% of its 1024 MB: grown to the 4096 MB request at once
    demand = ElasticDemand(picture(running(0, allocated_mb=1024)), Bands(), RULES,
                           {EXECUTOR: 1000.0})
    (resize,) = demand.resizes()
    assert resize.memory_mb == 4096 and "before a kill" in resize.reason


def test_without_a_band_nothing_moves_and_the_rm_numbers_hold() -> None:
    demand = ElasticDemand(picture(running(0)), Bands(None), RULES)
    assert demand.resizes() == ()
    assert demand.for_container(running(0)) is None


def test_the_resize_names_the_version_the_core_saw() -> None:
    (resize,) = ElasticDemand(picture(running(0, version=3)), Bands(), RULES).resizes()
    assert resize.version == 3


def test_an_ask_is_counted_at_its_request_over_the_lead_window_then_along_its_band() -> None:
    demand = ElasticDemand(picture(asks=("app2",)), Bands(), RULES)
    curve = demand.for_ask(ask("app2", flat(1, 4096)), app("app2"))
    assert curve is not None
    # slots 0-1 at the 4096 MB request, then the band (1024, 3072), then it ends (0)
    assert curve[1].tolist() == [4096, 4096, 1024, 3072, 0]


def test_a_second_executor_fits_where_requests_would_not() -> None:
    # Two running 4096 MB executors fill the node by request. Shrunk along their band
    # (1024 MB now, 3072 MB from slot 3), 2 x 3072 = 6144 MB leaves 2048 MB at every slot:
    # not enough for another 4096 MB request at its start, so nothing more is placed. With
    # one running executor, 3072 + 4096 (the new one's request for two slots) = 7168 fits.
    one = picture(running(0), asks=("app2",))
    flat_plan = schedule(one, minfrag_policy())
    demand = ElasticDemand(one, Bands(), RULES)
    elastic = replace(minfrag_policy(), demand_model=CurveDemandModel(demand, NOW_MS, SLOT_MS))
    plan = schedule(one, elastic)
    assert [p.count for p in flat_plan.placements] == [1]
    assert [p.count for p in plan.placements] == [1]
    assert [r.memory_mb for r in plan.resizes] == [1024]


@pytest.mark.parametrize(("node_vcores", "placed"), [
    # The running executor is shrunk to 1024 MB and its band rises in memory alone at slot
    # 3 (to 3072 MB), so the node keeps a vcore free at slots 2-3 for the increase. The new
    # executor (1 vcore for slots 0-3) would take the last of 2 vcores there: 1 + 1 + 1 > 2.
    (2, 0),
    # With 3 vcores the kept one is still free with both: 1 + 1 + 1 <= 3.
    (3, 1),
])
def test_the_placement_keeps_a_vcore_for_a_memory_increase(node_vcores: int,
                                                           placed: int) -> None:
    snap = snapshot([node("n1", flat(node_vcores, 8192), flat(1, 4096))],
                    [ask("app2", flat(1, 1024))], apps=[app("app1"), app("app2")],
                    containers=[running(0)])
    demand = ElasticDemand(snap, Bands(), RULES)
    model = CurveDemandModel(demand, NOW_MS, SLOT_MS)
    plan = schedule(snap, replace(minfrag_policy(), demand_model=model))
    assert sum(p.count for p in plan.placements) == placed
    # Its vcore, with the kept one at slots 2-3, until it ends after slot 3.
    assert model.node_committed(snap.nodes[0], snap.containers)[0].tolist() == \
        [1, 1, 2, 2, 0]


@pytest.mark.parametrize(("node_vcores", "running_executors", "placed"), [
    # Each new executor (1 vcore, 4096 MB asked) holds its request for slots 0-1, is shrunk
    # to 1024 MB at slot 2 and rises in memory alone at slot 3 (to 3072 MB): it needs a vcore
    # kept free at slots 2-3. One kept vcore serves every rise on the node, so k executors
    # take k + 1 vcores there, not 2k: 3 of 4 on 4 vcores (summed rooms: 2), 5 on 6 (3).
    (4, 0, 3),
    (6, 0, 5),
    # A running executor whose own rise keeps that vcore already: 1 + k + 1 <= 4, so 2.
    (4, 1, 2),
    # A 1-vcore node cannot keep a vcore beside the executor: no room is kept there (alone,
    # the planner never shrinks it below its peak), so the executor is placed, not starved.
    (1, 0, 1),
])
def test_asks_placed_together_share_the_room_their_rises_need(
        node_vcores: int, running_executors: int, placed: int) -> None:
    containers = [running(0)] * running_executors
    used = flat(running_executors, 4096 * running_executors)
    snap = snapshot([node("n1", flat(node_vcores, 32768), used)],
                    [ask("app2", flat(1, 4096), count=8)], apps=[app("app1"), app("app2")],
                    containers=containers)
    demand = ElasticDemand(snap, Bands(), replace(RULES, room_for_new_containers=True))
    model = CurveDemandModel(demand, NOW_MS, SLOT_MS)
    for one_at_a_time in (False, True):
        plan = schedule(snap, replace(minfrag_policy(), demand_model=model), one_at_a_time)
        assert sum(p.count for p in plan.placements) == placed


@pytest.mark.parametrize(("curve", "from_ms", "to_ms", "expected"), [
    ([1, 2, 3], 1000, 1000, [1, 2, 3]),
    # 5 s slots as 3 s ones: [0,3) [3,6) [6,9) [9,12) [12,15) -> max of what each overlaps
    ([1, 5, 2], 5000, 3000, [1, 5, 5, 5, 2]),
    # 1 s slots as 2 s ones
    ([1, 4, 2, 3, 7], 1000, 2000, [4, 3, 7]),
])
def test_bands_are_rescaled_to_the_cycles_slot(
        curve: list[float], from_ms: int, to_ms: int, expected: list[float]) -> None:
    array = np.array([curve] * 4, dtype=float)
    assert rescaled(array, from_ms, to_ms)[0].tolist() == expected


# -- the service: what hello agreed decides what the cycle does -------------------------------

def _inputs(bands: object) -> ElasticInputs:
    def measured(_now_ms: int) -> Mapping[str, float]:
        return {}
    return ElasticInputs(bands, RULES, measured)  # type: ignore[arg-type]


def _cycle(service: CoreService) -> dict[str, object]:
    request = CycleRequest(
        "rm-test", 1, "full", None, NOW_MS, SLOT_MS,
        nodes=(node("n1", flat(8, 8192), flat(1, 4096)),),
        apps=(app("app1"),), containers=(running(0),))
    reply: dict[str, object] = json.loads(service.exchange(encode_message(request)))
    return reply


@pytest.mark.parametrize(("schema", "capabilities", "resizes"), [
    (2, ("resize",), [1024]),  # both sides resize: the band's 1024 MB
    (2, (), None),  # a shim that applies no resizes gets none (and an empty list)
    (1, (), "absent"),  # a schema-1 shim: its schema, no resizes key at all
])
def test_hello_decides_whether_resizes_are_sent(
        schema: int, capabilities: tuple[str, ...], resizes: object) -> None:
    service = CoreService(minfrag_policy(), elastic=_inputs(Bands()))
    hello = json.loads(service.exchange(encode_message(
        Hello("rm-test", "0.1.0", capabilities, schema))))
    assert hello["status"] == "ok" and hello["schema"] == schema
    reply = _cycle(service)
    assert reply["schema"] == schema
    if resizes == "absent":
        assert "resizes" not in reply and "capabilities" not in hello
    elif resizes is None:
        assert reply["resizes"] == [] and hello["capabilities"] == []
    else:
        assert [r["memory_mb"] for r in reply["resizes"]] == resizes  # type: ignore[index]
        assert hello["capabilities"] == ["resize"]
        assert service.resizes_since(0)[0].resize.memory_mb == 1024


def test_a_core_without_predictions_agrees_to_no_resizes() -> None:
    service = CoreService(minfrag_policy())
    hello = json.loads(service.exchange(encode_message(Hello("rm-test", "0.1.0", ("resize",)))))
    assert hello["capabilities"] == []
    assert _cycle(service)["resizes"] == []


def test_a_shim_on_other_slots_is_warned_of_once(caplog: pytest.LogCaptureFixture) -> None:
    class FiveSecondBands(Bands):
        band_slot_ms = 5 * SLOT_MS

    service = CoreService(minfrag_policy(), elastic=_inputs(FiveSecondBands()))
    service.exchange(encode_message(Hello("rm-test", "0.1.0", ("resize",))))
    with caplog.at_level(logging.WARNING):
        assert _cycle(service)["status"] == "ok" and _cycle(service)["status"] == "ok"
    (warning,) = [r.getMessage() for r in caplog.records if "slots are" in r.getMessage()]
    assert f"the shim's slots are {SLOT_MS} ms, the core's {5 * SLOT_MS} ms" in warning
    assert "yarn.elastic.slot-ms" in warning


def test_no_bands_means_the_flat_plan() -> None:
    one = picture(running(0), asks=("app2",))
    demand = ElasticDemand(one, NoBands(), RULES)
    elastic = replace(minfrag_policy(), demand_model=CurveDemandModel(demand, NOW_MS, SLOT_MS))
    assert schedule(one, elastic).placements == schedule(one, minfrag_policy()).placements


def test_a_container_killed_for_memory_bumps_its_job_role() -> None:
    bands = Bands()
    service = CoreService(minfrag_policy(), elastic=_inputs(bands))
    service.exchange(encode_message(Hello("rm-test", "0.1.0", ("resize",))))
    _cycle(service)
    killed = CycleRequest(
        "rm-test", 2, "delta", 1, NOW_MS + SLOT_MS, SLOT_MS, removed_containers=(EXECUTOR,),
        memory_kills=(MemoryKill(EXECUTOR, "app1", -104, 1024),))
    reply = json.loads(service.exchange(encode_message(killed)))
    assert reply["status"] == "ok"
    assert bands.bumped == [("app1", "executor")]
    assert service.status()["memory_kills"] == 1


@pytest.mark.parametrize(("measured", "over"), [
    (1100.0, False),  # band 1000 MB at slot 0; 1100 is within 10%
    (1200.0, True),  # 1200 > 1000 x 1.1: the prediction went wrong on n1
])
def test_a_node_whose_measured_use_runs_above_its_band_gets_nothing_new(
        measured: float, over: bool) -> None:
    one = picture(running(0), asks=("app2",))
    demand = ElasticDemand(one, Bands(), RULES, {EXECUTOR: measured})
    assert demand.nodes_over_plan() == (frozenset({"n1"}) if over else frozenset())


def test_the_service_places_nothing_on_a_node_over_its_plan() -> None:
    service = CoreService(minfrag_policy(), elastic=ElasticInputs(
        Bands(), RULES, lambda _now: {EXECUTOR: 1500.0}))
    service.exchange(encode_message(Hello("rm-test", "0.1.0", ("resize",))))
    request = CycleRequest(
        "rm-test", 1, "full", None, NOW_MS, SLOT_MS,
        nodes=(node("n1", flat(8, 8192), flat(1, 4096)),), apps=(app("app1"), app("app2")),
        asks=(ask("app2", flat(1, 1024)),), containers=(running(0),))
    reply = json.loads(service.exchange(encode_message(request)))
    assert reply["placements"] == []
    # ... while its container is still sized by what it uses: 1500 + 10% -> 2048
    assert [r["memory_mb"] for r in reply["resizes"]] == [2048]


def test_explain_shows_the_curve_the_resizes_and_the_node_against_the_others() -> None:
    from yarn_elastic.commands.explain import render

    service = CoreService(minfrag_policy(), elastic=_inputs(Bands()))
    service.exchange(encode_message(Hello("rm-test", "0.1.0", ("resize",))))
    request = CycleRequest(
        "rm-test", 1, "full", None, NOW_MS, SLOT_MS,
        nodes=(node("n1", flat(8, 8192), flat(1, 4096)), node("n2", flat(4, 4096))),
        apps=(app("app1"),), containers=(running(0),))
    service.exchange(encode_message(request))
    found = service.explain(EXECUTOR)
    assert found is not None and found["predicted"] is True
    assert found["resizes"][0]["memory_mb"] == 1024  # type: ignore[index]
    # its own node first, then the other candidate
    assert [n["node"] for n in found["nodes"]] == ["n1", "n2"]  # type: ignore[union-attr]
    text = render(found)
    assert "predicted curve" in text and "band over the next 1 slot(s)" in text
    assert service.explain("container_1_0001_01_000099") is None


@pytest.mark.parametrize("learning", ["true", "false"])
def test_the_core_places_by_stored_runs_whether_or_not_it_goes_on_learning(
        tmp_path: object, learning: str) -> None:
    from pathlib import Path

    from yarn_elastic.commands.core import HttpGuards, build_router

    service = CoreService(minfrag_policy())
    conf = {"yarn.elastic.depository.path": str(Path(str(tmp_path)) / "core.db"),
            "yarn.elastic.prediction.learn-from-finished-apps": learning}
    _router, closers = build_router(service, conf, HttpGuards.from_conf(conf, insecure=True))
    try:
        assert service.elastic is not None
        hello = json.loads(service.exchange(encode_message(
            Hello("rm-test", "0.1.0", ("resize",)))))
        assert hello["capabilities"] == ["resize"]
    finally:
        for close in closers:
            close()


def test_requested_curves_turn_the_elastic_demand_off(tmp_path: object) -> None:
    from pathlib import Path

    from yarn_elastic.commands.core import HttpGuards, build_router

    service = CoreService(minfrag_policy())
    conf = {"yarn.elastic.depository.path": str(Path(str(tmp_path)) / "core.db"),
            "yarn.elastic.demand.curves": "requested"}
    _router, closers = build_router(service, conf, HttpGuards.from_conf(conf, insecure=True))
    try:
        assert service.elastic is None
    finally:
        for close in closers:
            close()


@pytest.mark.parametrize(("node_vcores", "node_mb", "memory", "why"), [
    # 8 vcores, 8192 MB, one 1-vcore 4096 MB container: room to grow, so the lead window's
    # 1000 MB -> 1024
    (8, 8192, 1024, "band over the next"),
    # 1 vcore, all of it allocated: CapacityScheduler tries no request on the node, so the
    # container keeps the band's most over the rest of its life, 3000 MB -> 3072
    (1, 8192, 3072, "could not grow back"),
    # 8 vcores but 4096 MB, all allocated: the same for want of memory
    (8, 4096, 3072, "could not grow back"),
])
def test_on_a_node_that_cannot_grant_an_increase_it_shrinks_only_to_its_lifes_peak(
        node_vcores: int, node_mb: int, memory: int, why: str) -> None:
    container = running(0)
    snap = snapshot([node("n1", flat(node_vcores, node_mb), flat(1, 4096))], [],
                    apps=[app("app1")], containers=[container])
    (resize,) = ElasticDemand(snap, Bands(), RULES).resizes()
    assert resize.memory_mb == memory and why in resize.reason, resize
