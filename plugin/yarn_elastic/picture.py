"""The cluster picture the core keeps between cycles, built from full and delta cycle_requests.

The shim sends the whole picture once (`kind: "full"`) and then only what changed. A delta is
applied only on the exact picture it was computed against: same RM incarnation (`rm_id`),
`base_seq` equal to the picture's seq, and `seq == base_seq + 1`. Anything else means the two
sides disagree about the cluster, so the picture is dropped and the shim is told `need_full`;
deciding on a half-known cluster would be worse than waiting one cycle.

Within one delta, upserts are applied before removals, so an id listed in both is removed:
a container that started and finished between two cycles must not linger for ever.

An application is reported finished when a delta removes it, and also when a full picture
from the same RM incarnation no longer lists it: one that ended while the two sides were
resynchronising (a fallback, a reset) is still learnt from. A new `rm_id` reports nothing,
as a restarted RM may list its recovered applications later.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeVar

from yarn_elastic.messages import App, Ask, Container, CycleRequest, Node, is_am_container

_T = TypeVar("_T")


@dataclass(frozen=True)
class PictureSnapshot:
    """An immutable view of the picture: what one scheduling decision is made on."""

    rm_id: str
    seq: int
    now_ms: int
    slot_ms: int
    nodes: tuple[Node, ...]  # sorted by id
    apps: MappingProxyType[str, App]
    asks: tuple[Ask, ...]  # pending (count > 0), sorted by key
    containers: tuple[Container, ...]  # sorted by id
    # Optional, from a `ClusterPicture`: the containers on each node (sorted by id), and a
    # revision per node (aligned with `nodes`) that changes whenever the node or the set of
    # containers on it does. Revisions are unique within `revision_source`, so a consumer that
    # kept per-node work can tell what changed without comparing objects.
    running: Mapping[str, tuple[Container, ...]] | None = None
    node_revisions: tuple[int, ...] | None = None
    revision_source: object = None


@dataclass(frozen=True)
class FinishedApp:
    """An application the RM stopped listing, with what its record lacks and a prediction
    signature needs: the size of its executors (its largest non-AM container seen)."""

    app: App
    executor_vcores: int | None
    executor_memory_mb: int | None


@dataclass(frozen=True)
class ApplyOutcome:
    applied: bool
    reason: str = ""  # why the picture was reset, when not applied
    finished: tuple[FinishedApp, ...] = ()


@dataclass
class ClusterPicture:
    rm_id: str | None = None
    seq: int | None = None
    now_ms: int = 0
    slot_ms: int = 1000
    nodes: dict[str, Node] = field(default_factory=dict)
    apps: dict[str, App] = field(default_factory=dict)
    asks: dict[str, Ask] = field(default_factory=dict)
    containers: dict[str, Container] = field(default_factory=dict)
    resets: int = 0
    # Sorted keys of nodes, asks and containers with their values in the same order, kept in
    # step by insert and delete so that a snapshot of 5000 nodes and tens of thousands of
    # containers is a list copy, with no sort and no lookups per cycle; a bulk removal (an
    # application or node gone) drops the lists and the next snapshot sorts.
    _sorted: dict[str, tuple[list[str], list[Any]]] = field(default_factory=dict, repr=False)
    # Containers by node, each node's revision, and the nodes whose running tuple is stale.
    _on_node: dict[str, dict[str, Container]] = field(default_factory=dict, repr=False)
    _running: dict[str, tuple[Container, ...]] = field(default_factory=dict, repr=False)
    _revision: dict[str, int] = field(default_factory=dict, repr=False)
    _stale: set[str] = field(default_factory=set, repr=False)
    _revisions: itertools.count[int] = field(default_factory=itertools.count, repr=False)
    _source: object = field(default_factory=object, repr=False)
    # Per application, the most vcores and memory MB of its non-AM containers seen so far.
    _executor_size: dict[str, tuple[float, float]] = field(default_factory=dict, repr=False)
    # The applications of the last picture dropped, with their RM incarnation: what the next
    # full picture is compared with, to report those that ended in between.
    _dropped: _DroppedApps | None = field(default=None, repr=False)

    def apply(self, request: CycleRequest) -> ApplyOutcome:
        if request.kind == "full":
            self._clear()
        else:
            problem = self._delta_problem(request)
            if problem:
                self._clear()
                self.resets += 1
                return ApplyOutcome(False, problem)
        self.rm_id, self.seq = request.rm_id, request.seq
        self.now_ms, self.slot_ms = request.now_ms, request.slot_ms
        self._upsert(request)
        ended_unseen = self._ended_while_dropped() if request.kind == "full" else ()
        return ApplyOutcome(True, finished=ended_unseen + self._remove(request))

    def _ended_while_dropped(self) -> tuple[FinishedApp, ...]:
        dropped, self._dropped = self._dropped, None
        if dropped is None or dropped.rm_id != self.rm_id:
            return ()
        return tuple(_finished(app, dropped.executor_size.get(app_id))
                     for app_id, app in sorted(dropped.apps.items()) if app_id not in self.apps)

    def _delta_problem(self, request: CycleRequest) -> str:
        if self.seq is None:
            return "the core has no picture (just started or reset); send a full request"
        if request.rm_id != self.rm_id:
            return f"rm_id changed from {self.rm_id!r} to {request.rm_id!r}; send a full request"
        if request.base_seq != self.seq:
            return (
                f"delta base_seq {request.base_seq} does not match the picture's seq {self.seq}"
            )
        if request.seq != self.seq + 1:
            return f"gap in seq: expected {self.seq + 1}, got {request.seq}"
        return ""

    def _clear(self) -> None:
        if self.rm_id is not None:
            self._dropped = _DroppedApps(self.rm_id, self.apps, self._executor_size)
        self.rm_id = self.seq = None
        self.nodes, self.apps, self.asks, self.containers = {}, {}, {}, {}
        self._executor_size = {}
        self._sorted.clear()
        self._on_node, self._running, self._revision, self._stale = {}, {}, {}, set()

    def _upsert(self, request: CycleRequest) -> None:
        for node in request.nodes:
            self._put(self.nodes, "nodes", node.id, node)
            self._touch(node.id)
        for app in request.apps:
            self.apps[app.id] = app
        for ask in request.asks:
            if ask.count > 0:
                self._put(self.asks, "asks", ask.key, ask)
            elif self.asks.pop(ask.key, None) is not None:
                self._forget("asks", ask.key)
        for container in request.containers:
            previous = self.containers.get(container.id)
            if previous is not None:
                self._off_node(previous)
            self._put(self.containers, "containers", container.id, container)
            self._on_node.setdefault(container.node, {})[container.id] = container
            self._touch(container.node)
            if not is_am_container(container.id):
                asked = container.request or container.allocated  # a resize must not rename it
                vcores, memory = asked[0][0], asked[1][0]
                seen = self._executor_size.get(container.app, (vcores, memory))
                self._executor_size[container.app] = (max(vcores, seen[0]), max(memory, seen[1]))

    def _off_node(self, container: Container) -> None:
        on_node = self._on_node.get(container.node)
        if on_node is not None and on_node.pop(container.id, None) is not None:
            self._touch(container.node)

    def _touch(self, node_id: str) -> None:
        self._revision[node_id] = next(self._revisions)
        self._stale.add(node_id)

    def _put(self, table: dict[str, _T], name: str, key: str, value: _T) -> None:
        order = self._sorted.get(name)
        if order is not None:
            keys, values = order
            index = bisect.bisect_left(keys, key)
            if key in table:
                values[index] = value
            else:
                keys.insert(index, key)
                values.insert(index, value)
        table[key] = value

    def _forget(self, name: str, key: str) -> None:
        order = self._sorted.get(name)
        if order is not None:
            keys, values = order
            index = bisect.bisect_left(keys, key)
            del keys[index], values[index]

    def _sorted_values(self, table: dict[str, _T], name: str) -> tuple[_T, ...]:
        """Values in key order; the order is kept up to date, not re-sorted, between cycles."""
        order = self._sorted.get(name)
        if order is None or len(order[0]) != len(table):
            keys = sorted(table)
            order = self._sorted[name] = (keys, [table[k] for k in keys])
        return tuple(order[1])

    def _remove(self, request: CycleRequest) -> tuple[FinishedApp, ...]:
        for container_id in request.removed_containers:
            removed = self.containers.pop(container_id, None)
            if removed is not None:
                self._forget("containers", container_id)
                self._off_node(removed)
        gone_nodes = {n for n in request.removed_nodes if self.nodes.pop(n, None) is not None}
        for node_id in gone_nodes:
            self._forget("nodes", node_id)
        gone_apps = set(request.removed_apps)
        finished = []
        for app_id in sorted(gone_apps):
            app = self.apps.pop(app_id, None)
            size = self._executor_size.pop(app_id, None)
            if app is not None:
                finished.append(_finished(app, size))
        if gone_apps:
            self.asks = {k: a for k, a in self.asks.items() if a.app not in gone_apps}
            self._sorted.pop("asks", None)
        if gone_apps or gone_nodes:
            self._sorted.pop("containers", None)
            self.containers = {
                cid: c
                for cid, c in self.containers.items()
                if c.app not in gone_apps and c.node not in gone_nodes
            }
            self._regroup()
        return tuple(finished)

    def _regroup(self) -> None:
        """Containers by node from scratch, after a bulk removal; every node counts as changed."""
        self._on_node, self._running, self._revision, self._stale = {}, {}, {}, set()
        for container in self.containers.values():
            self._on_node.setdefault(container.node, {})[container.id] = container
        for node_id in self.nodes.keys() | self._on_node.keys():
            self._touch(node_id)

    def _running_by_node(self) -> dict[str, tuple[Container, ...]]:
        for node_id in self._stale:
            on_node = self._on_node.get(node_id)
            if on_node:
                self._running[node_id] = tuple(on_node[k] for k in sorted(on_node))
            else:
                self._on_node.pop(node_id, None)
                self._running.pop(node_id, None)
        self._stale.clear()
        return dict(self._running)

    @property
    def has_picture(self) -> bool:
        return self.seq is not None

    def snapshot(self) -> PictureSnapshot:
        nodes = self._sorted_values(self.nodes, "nodes")
        revision = self._revision
        return PictureSnapshot(
            rm_id=self.rm_id or "",
            seq=self.seq if self.seq is not None else -1,
            now_ms=self.now_ms,
            slot_ms=self.slot_ms,
            nodes=nodes,
            apps=MappingProxyType(dict(self.apps)),
            asks=self._sorted_values(self.asks, "asks"),
            containers=self._sorted_values(self.containers, "containers"),
            running=MappingProxyType(self._running_by_node()),
            node_revisions=tuple([revision[n.id] for n in nodes]),
            revision_source=self._source,
        )

    def sizes(self) -> dict[str, int]:
        return {
            "nodes": len(self.nodes),
            "apps": len(self.apps),
            "asks": len(self.asks),
            "containers": len(self.containers),
        }


@dataclass(frozen=True)
class _DroppedApps:
    rm_id: str
    apps: dict[str, App]
    executor_size: dict[str, tuple[float, float]]


def _finished(app: App, executor_size: tuple[float, float] | None) -> FinishedApp:
    if executor_size is None:
        return FinishedApp(app, None, None)
    return FinishedApp(app, round(executor_size[0]), round(executor_size[1]))
