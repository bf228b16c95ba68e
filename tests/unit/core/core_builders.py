"""Builders for small pictures in the core's tests."""

from __future__ import annotations

from types import MappingProxyType

from yarn_elastic.messages import App, Ask, Container, Curves, Locality, Node, flat
from yarn_elastic.picture import PictureSnapshot

NOW_MS = 1_700_000_000_000
SLOT_MS = 1000
ANYWHERE = Locality()


def node(
    node_id: str,
    capacity: Curves,
    allocated: Curves | None = None,
    rack: str = "/r1",
    partition: str = "",
) -> Node:
    zero = flat(0, 0)
    return Node(node_id, rack, partition, capacity, allocated or zero, zero)


def app(app_id: str, priority: int = 0, submit_ms: int = NOW_MS - 10_000) -> App:
    return App(app_id, "root.default", "alice", app_id, "YARN", priority, submit_ms)


def ask(
    app_id: str,
    demand: Curves,
    count: int = 1,
    priority: int = 1,
    request_id: int = 0,
    locality: Locality = ANYWHERE,
    partition: str = "",
) -> Ask:
    return Ask(
        f"{app_id}#{priority}#{request_id}",
        app_id,
        priority,
        request_id,
        count,
        demand,
        False,
        locality,
        partition,
    )


def snapshot(
    nodes: list[Node],
    asks: list[Ask],
    apps: list[App] | None = None,
    containers: list[Container] | None = None,
    add_missing_apps: bool = True,
) -> PictureSnapshot:
    known = {a.id: a for a in (apps or [])}
    for pending in asks if add_missing_apps else []:
        known.setdefault(pending.app, app(pending.app))
    return PictureSnapshot(
        rm_id="rm-test",
        seq=1,
        now_ms=NOW_MS,
        slot_ms=SLOT_MS,
        nodes=tuple(sorted(nodes, key=lambda n: n.id)),
        apps=MappingProxyType(known),
        asks=tuple(sorted(asks, key=lambda a: a.key)),
        containers=tuple(sorted(containers or [], key=lambda c: c.id)),
    )
