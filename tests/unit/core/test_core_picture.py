"""The cluster picture: full and delta requests, and when it must ask for a full one."""

from __future__ import annotations

from dataclasses import replace

from core_builders import app, ask, node
from yarn_elastic.messages import Container, CycleRequest, flat
from yarn_elastic.picture import ClusterPicture


def full(seq: int = 1, rm_id: str = "rm-1") -> CycleRequest:
    return CycleRequest(
        rm_id, seq, "full", None, 1000, 1000,
        nodes=(node("n:1", flat(8, 8192)), node("n:2", flat(4, 4096))),
        apps=(app("app_1"),),
        asks=(ask("app_1", flat(1, 1024), 3),),
        containers=(Container("c1", "app_1", "n:1", flat(1, 1024), 900),),
    )


def delta(seq: int, base: int | None, rm_id: str = "rm-1", **changes: object) -> CycleRequest:
    return CycleRequest(rm_id, seq, "delta", base, 2000, 1000, **changes)  # type: ignore[arg-type]


def test_full_then_delta_applies() -> None:
    picture = ClusterPicture()
    assert picture.apply(full()).applied
    outcome = picture.apply(
        delta(2, 1, nodes=(node("n:3", flat(2, 2048)),), removed_nodes=("n:2",),
              asks=(ask("app_1", flat(1, 1024), 0),))
    )
    assert outcome.applied
    snap = picture.snapshot()
    assert [n.id for n in snap.nodes] == ["n:1", "n:3"]
    assert snap.asks == ()  # count 0 removes the ask
    assert snap.seq == 2 and snap.now_ms == 2000


def test_delta_without_picture_needs_full() -> None:
    outcome = ClusterPicture().apply(delta(5, 4))
    assert not outcome.applied and "full" in outcome.reason


def test_gap_in_seq_resets_and_needs_full() -> None:
    picture = ClusterPicture()
    picture.apply(full())
    outcome = picture.apply(delta(3, 2))
    assert not outcome.applied and "base_seq 2" in outcome.reason
    assert not picture.has_picture and picture.sizes()["nodes"] == 0
    # ...and the next delta is refused too, until a full one arrives
    assert not picture.apply(delta(4, 3)).applied
    assert picture.apply(full(seq=5)).applied


def test_seq_must_be_base_plus_one() -> None:
    picture = ClusterPicture()
    picture.apply(full())
    outcome = picture.apply(delta(3, 1))
    assert not outcome.applied and "gap in seq" in outcome.reason


def test_new_rm_id_resets() -> None:
    picture = ClusterPicture()
    picture.apply(full())
    outcome = picture.apply(delta(2, 1, rm_id="rm-2"))
    assert not outcome.applied and "rm_id" in outcome.reason
    assert picture.apply(full(seq=1, rm_id="rm-2")).applied


def test_removing_an_app_removes_its_asks_and_containers() -> None:
    picture = ClusterPicture()
    picture.apply(full())
    picture.apply(delta(2, 1, removed_apps=("app_1",)))
    assert picture.sizes() == {"nodes": 2, "apps": 0, "asks": 0, "containers": 0}


def test_removal_wins_over_upsert_in_the_same_delta() -> None:
    picture = ClusterPicture()
    picture.apply(full())
    c2 = Container("c2", "app_1", "n:2", flat(1, 1024), 1500)
    picture.apply(delta(2, 1, containers=(c2,), removed_containers=("c2",)))
    assert [c.id for c in picture.snapshot().containers] == ["c1"]


def test_removing_a_node_drops_its_containers() -> None:
    picture = ClusterPicture()
    picture.apply(full())
    picture.apply(delta(2, 1, removed_nodes=("n:1",)))
    assert picture.snapshot().containers == ()


def test_snapshot_order_stays_sorted_through_many_deltas() -> None:
    import random

    rng = random.Random(5)
    picture = ClusterPicture()
    picture.apply(full())
    live: set[str] = {"c1"}
    for seq in range(2, 60):
        new = [Container(f"c{rng.randrange(500)}", "app_1", rng.choice(["n:1", "n:2"]),
                         flat(1, 1024), 1500) for _ in range(rng.randrange(4))]
        gone = tuple(rng.sample(sorted(live), min(len(live), rng.randrange(3))))
        nodes = (node(f"n:{rng.randrange(3, 9)}", flat(2, 2048)),)
        picture.apply(delta(seq, seq - 1, containers=tuple(new), removed_containers=gone,
                            nodes=nodes, removed_nodes=(f"n:{rng.randrange(3, 9)}",)))
        live = (live | {c.id for c in new}) - set(gone)
        snap = picture.snapshot()
        assert [c.id for c in snap.containers] == sorted(c.id for c in snap.containers)
        assert [n.id for n in snap.nodes] == sorted(picture.nodes)
        assert len(snap.containers) == len(picture.containers)


def test_a_removed_app_is_reported_finished_with_its_largest_executor() -> None:
    picture = ClusterPicture()
    picture.apply(full())
    am = Container("container_1_0001_01_000001", "app_1", "n:1", flat(1, 512), 900)
    small = Container("container_1_0001_01_000002", "app_1", "n:1", flat(2, 2048), 950)
    large = Container("container_1_0001_01_000003", "app_1", "n:2", flat(2, 4096), 960)
    picture.apply(delta(2, 1, containers=(am, small, large)))
    # Containers finish first; the size seen while they ran is kept for the app.
    picture.apply(delta(3, 2, removed_containers=(small.id, large.id)))
    outcome = picture.apply(delta(4, 3, removed_apps=("app_1", "app_never_seen")))
    assert outcome.applied
    (finished,) = outcome.finished  # an id the picture never held is not reported
    assert finished.app.id == "app_1"
    # The AM's 1 vcore / 512 MB is not an executor; the largest executor is 2 vcores, 4096 MB.
    assert (finished.executor_vcores, finished.executor_memory_mb) == (2, 4096)
    assert picture.apply(delta(5, 4)).finished == ()


def with_second_app(seq: int = 1, rm_id: str = "rm-1") -> CycleRequest:
    request = full(seq, rm_id)
    return replace(request, apps=(*request.apps, app("app_2")), containers=(
        *request.containers,
        Container("container_e1_0002_01_000002", "app_2", "n:2", flat(3, 3072), 950)))


def test_an_app_that_ended_while_the_picture_was_dropped_is_reported_by_the_full_one() -> None:
    picture = ClusterPicture()
    picture.apply(with_second_app())
    assert not picture.apply(delta(3, 2)).applied  # the picture is dropped: gap in seq
    # app_2 ended during the resync: the next full picture no longer lists it.
    (finished,) = picture.apply(full(seq=4)).finished
    assert finished.app.id == "app_2"
    assert (finished.executor_vcores, finished.executor_memory_mb) == (3, 3072)
    assert picture.apply(full(seq=5)).finished == ()  # reported once


def test_a_full_picture_without_an_app_reports_it_finished() -> None:
    picture = ClusterPicture()
    picture.apply(with_second_app())
    assert [f.app.id for f in picture.apply(full(seq=2)).finished] == ["app_2"]


def test_a_new_rm_incarnation_reports_no_app_finished() -> None:
    # A restarted RM may list its recovered applications only later.
    picture = ClusterPicture()
    picture.apply(with_second_app())
    assert picture.apply(full(seq=1, rm_id="rm-2")).finished == ()
