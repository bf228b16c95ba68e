"""CurveDemandModel: predicted curves in, a node's commitment from now out (1 s slots)."""

from __future__ import annotations

import numpy as np
import pytest
from core_builders import NOW_MS, SLOT_MS, ask, node, snapshot
from yarn_elastic.messages import App, Ask, Container, Resize, flat
from yarn_elastic.resources import CurveArray
from yarn_elastic.scheduling import minfrag_policy, schedule
from yarn_elastic.scheduling.demand import CurveDemandModel


def curve(cpu: list[float], memory: list[float]) -> CurveArray:
    return np.array([cpu, memory, [0.0] * len(cpu), [0.0] * len(cpu)])


class Book:
    """Curves by container id and ask key; anything else has no prediction."""

    def __init__(self, containers: dict[str, CurveArray], asks: dict[str, CurveArray]) -> None:
        self.containers, self.asks = containers, asks

    def for_ask(self, ask: Ask, app: App | None) -> CurveArray | None:
        return self.asks.get(ask.key)

    def for_container(self, container: Container) -> CurveArray | None:
        return self.containers.get(container.id)

    def resizes(self) -> tuple[Resize, ...]:
        return ()


def running(cid: str, slots_ago: int) -> Container:
    return Container(cid, "app1", "n1", flat(1, 1024), NOW_MS - slots_ago * SLOT_MS)


@pytest.mark.parametrize(
    ("containers", "committed_cpu"),
    [
        # Started now: its curve as it is, then 0 once it ends.
        ({"c1": (0, [1.0, 2.0, 0.0])}, [1.0, 2.0, 0.0]),
        # Started 1 slot ago: the slot lived is dropped.
        ({"c1": (1, [1.0, 2.0, 0.0])}, [2.0, 0.0]),
        # Two: 1, 2, 0 started now and 3, 0 started a slot ago (0 for ever): 4, 2, 0.
        ({"c1": (0, [1.0, 2.0, 0.0]), "c2": (1, [5.0, 3.0, 0.0])}, [4.0, 2.0, 0.0]),
        # Past its curve's end, the last value holds (here 0: it is planned to be gone).
        ({"c1": (9, [1.0, 2.0, 0.0])}, [0.0]),
    ],
)
def test_a_nodes_commitment_is_the_sum_of_its_curves_from_now(
    containers: dict[str, tuple[int, list[float]]], committed_cpu: list[float]
) -> None:
    book = Book({cid: curve(c, [100.0] * len(c)) for cid, (_, c) in containers.items()}, {})
    model = CurveDemandModel(book, NOW_MS, SLOT_MS)
    on_node = [running(cid, ago) for cid, (ago, _) in containers.items()]
    committed = model.node_committed(node("n1", flat(8, 8192)), on_node)
    assert committed[0].tolist() == committed_cpu


def test_without_a_prediction_the_rms_numbers_are_used() -> None:
    model = CurveDemandModel(Book({}, {}), NOW_MS, SLOT_MS)
    assert model.container_demand(running("c9", 0))[:, 0].tolist() == [1.0, 1024.0, 0.0, 0.0]
    assert model.container_ends(running("c9", 0)) is None  # the RM's size holds to the end


def test_a_curve_that_frees_room_later_lets_a_container_in_only_where_it_fits_every_slot(
) -> None:
    # n1 has 4 vcores; c1 takes 3 now and 1 from the next slot. An ask of 2 vcores now and
    # 3 next does not fit (3 + 2 > 4 now); an ask of 1 now and 3 next fits (3 + 1, 1 + 3).
    book = Book({"c1": curve([3.0, 1.0, 1.0], [100.0] * 3)},
                {"big#1#0": curve([2.0, 3.0], [100.0, 100.0]),
                 "late#1#0": curve([1.0, 3.0], [100.0, 100.0])})
    picture = snapshot([node("n1", flat(4, 8192))],
                       [ask("big", flat(3, 100)), ask("late", flat(3, 100))],
                       containers=[running("c1", 0)])
    decision = schedule(picture, minfrag_policy(CurveDemandModel(book, NOW_MS, SLOT_MS)))
    assert [(p.ask, p.node) for p in decision.placements] == [("late#1#0", "n1")]
