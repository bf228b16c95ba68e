"""`elastic` decides with the live scheduling code, not a copy of it."""

from __future__ import annotations

import numpy as np
import pytest
from sim_builders import curve, simple_app, workload
from yarn_elastic.scheduling import drr
from yarn_elastic.simulator.model import NodeGroup, Workload
from yarn_elastic.simulator.replay import replay
from yarn_elastic.simulator.schedulers.elastic import ElasticScheduler


def mixed() -> Workload:
    """Two sizes of node and three jobs of different shapes, with three history runs each,
    so that where a container goes depends on the DRR score."""
    shapes = {"cpu": curve([2.0, 2.0, 1.0, 1.0], memory=[800.0, 900.0, 900.0, 300.0]),
              "mem": curve([0.5, 0.5, 0.5], memory=[2500.0, 3000.0, 3000.0]),
              "io": curve([0.5, 0.5], memory=500.0, disk=[40.0, 60.0])}
    def job(name: str, i: int, arrival: float) -> object:
        return simple_app(f"{name}-{i}", arrival, shapes[name], executors=2, vcores=2.0,
                          memory_mb=4096.0, name=name)
    history = [job(n, i, 0.0) for n in shapes for i in range(3)]
    apps = [job(n, 10 + i, 0.0) for i, n in enumerate(list(shapes) * 6)]
    base = workload(*apps, history=history)  # type: ignore[arg-type]
    # Small enough that asks of several jobs wait together and compete for each node.
    nodes = (NodeGroup("big", 1, 8.0, 16384.0, 200.0, 1000.0),
             NodeGroup("small", 2, 4.0, 6144.0, 100.0, 1000.0))
    return Workload(base.slot_seconds, nodes, base.history, base.apps, "mixed")


def placements(w: Workload) -> list[tuple[int, str, str, int]]:
    # No AM limit, so that many apps' executors wait at once and the score chooses among them.
    return replay(w, ["elastic"], am_share=1.0)["elastic"].launches


def competing() -> Workload:
    """A large and a small executor shape waiting together for two roomy nodes: DRR puts the
    large one first (it leaves the least behind), an inverted score the small one. Both use
    every resource: DRR is the largest remaining share, so a resource nobody uses would be
    the dominant one for every candidate and make them all score alike."""
    shapes = {"large": curve([3.5, 3.5, 3.5], memory=5000.0, disk=40.0, network=40.0),
              "small": curve([0.5, 0.5, 0.5], memory=500.0, disk=5.0, network=5.0)}
    sizes = {"large": (4.0, 6144.0), "small": (1.0, 1024.0)}

    def job(name: str, i: int) -> object:
        vcores, memory = sizes[name]
        return simple_app(f"{name}-{i}", 0.0, shapes[name], executors=3, vcores=vcores,
                          memory_mb=memory, name=name)

    history = [job(n, i) for n in shapes for i in range(3)]
    apps = [job(n, 10 + i) for i in range(4) for n in shapes]
    return workload(*apps, history=history, nodes=2, vcores=8.0,  # type: ignore[arg-type]
                    memory_mb=16384.0)


def test_changing_the_live_drr_score_changes_the_simulated_placements(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w = competing()
    before = placements(w)
    # The live DRR's own arithmetic, which the general loop and the curve packer both run.
    live = drr.drr_scores

    def inverted(*args: object, **kwargs: object) -> np.ndarray:
        return -live(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(drr, "drr_scores", inverted)
    after = placements(w)
    assert before != after
    monkeypatch.undo()
    assert placements(w) == before  # and the same again once the live score is back


def test_elastic_plans_with_predicted_curves_that_end() -> None:
    w = mixed()
    scheduler = ElasticScheduler()
    scheduler.prepare(w)
    executor = scheduler.curves[(w.apps[0].id, "executor")]
    assert executor.predicted
    # Capped at the request: never more than 2 vcores and 4096 MB.
    assert executor.allocation[0].max() <= 2.0
    assert executor.allocation[1].max() <= 4096.0


def test_an_unknown_job_gets_its_request_held_for_life() -> None:
    w = workload(simple_app("new", 0.0, vcores=2.0, memory_mb=2048.0))
    scheduler = ElasticScheduler()
    scheduler.prepare(w)
    unknown = scheduler.curves[("new", "executor")]
    assert not unknown.predicted
    assert unknown.allocation[:, 0].tolist() == [2.0, 2048.0, 0.0, 0.0]


def test_replays_are_deterministic_for_a_seed() -> None:
    w = mixed()
    first = replay(w, ["static", "elastic"], seed=3)
    again = replay(w, ["static", "elastic"], seed=3)
    for name in first:
        assert first[name].launches == again[name].launches
        assert first[name].makespan_s == again[name].makespan_s
