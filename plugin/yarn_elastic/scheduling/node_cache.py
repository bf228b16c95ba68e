"""The node side of a cycle's tables, kept between cycles and updated row by row.

A delta cycle changes a few nodes out of thousands, so the per-node arrays (capacity and what
is committed, as the demand model sees them) are kept stacked between cycles and only the rows
of changed nodes are recomputed. What changed is told by the picture's node revisions when the
snapshot carries them (one integer comparison per node, in numpy), and otherwise by object
identity: the picture replaces a `Node` or `Container` object whenever the shim sends it again.

A demand model answers as a pure function of its arguments; one that learns is swapped in as a
new object, which empties the cache.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from yarn_elastic.messages import Container, Node
from yarn_elastic.picture import PictureSnapshot
from yarn_elastic.resources import RESOURCES, CurveArray, align, to_array
from yarn_elastic.scheduling.demand import DemandModel, NodeCommitments
from yarn_elastic.scheduling.headroom import zero_padded

_NO_REVISIONS = np.zeros(0, dtype=np.int64)


@dataclass
class _NodeEntry:
    node: Node
    running: tuple[Container, ...]
    capacity: CurveArray
    committed: CurveArray
    ends: tuple[tuple[int, int], ...]  # (slots from start, start_ms) of containers that end
    room: CurveArray | None = None  # the part of `committed` kept as room, if any

    @property
    def width(self) -> int:
        return int(max(self.capacity.shape[-1], self.committed.shape[-1]))


@dataclass(frozen=True)
class NodeColumns:
    """The nodes of one cycle before alignment to the cycle's horizon."""

    ids: tuple[str, ...]
    racks: tuple[str, ...]
    partitions: tuple[str, ...]
    capacity: npt.NDArray[np.float64]  # (N, 4, W), shorter curves extended; shared, read only
    committed: npt.NDArray[np.float64]  # (N, 4, W)
    finish: dict[int, int]  # row -> earliest predicted finish, slots from now; absent: none
    horizon: int  # slots the nodes themselves need (widest curve, one past any finish)
    room: npt.NDArray[np.float64] | None = None  # (N, 4, W'): kept in `committed` as room

    def aligned(self, stacked: npt.NDArray[np.float64], horizon: int) -> npt.NDArray[np.float64]:
        """A fresh copy of `capacity` or `committed` at `horizon` slots (>= self.horizon)."""
        width = stacked.shape[-1]
        if width >= horizon:
            # Every row is at most `horizon` wide, so the columns past it only repeat.
            truncated: npt.NDArray[np.float64] = stacked[:, :, :horizon].copy()
            return truncated
        extended: npt.NDArray[np.float64] = align(stacked, horizon)
        return extended


@dataclass
class NodeCache:
    model: DemandModel | None = None
    source: object = None  # the picture the revisions come from
    revisions: npt.NDArray[np.int64] = field(default_factory=lambda: _NO_REVISIONS)
    entries: list[_NodeEntry] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    racks: list[str] = field(default_factory=list)
    partitions: list[str] = field(default_factory=list)
    widths: npt.NDArray[np.int64] = field(default_factory=lambda: _NO_REVISIONS)
    capacity: npt.NDArray[np.float64] = field(
        default_factory=lambda: np.zeros((0, RESOURCES, 1))
    )
    committed: npt.NDArray[np.float64] = field(
        default_factory=lambda: np.zeros((0, RESOURCES, 1))
    )
    with_ends: set[int] = field(default_factory=set)  # rows where some container ends

    def columns(self, snapshot: PictureSnapshot, model: DemandModel) -> NodeColumns:
        running = snapshot.running
        if running is None:
            running = _group_by_node(snapshot.containers)
        batch = getattr(model, "node_commitments", None)
        commitments: NodeCommitments | None = None if batch is None else batch(snapshot)
        if commitments is not None:
            return self._take(snapshot, model, running, commitments)
        changed = self._changed_rows(snapshot, model, running)
        if changed is None:
            self._rebuild(snapshot.nodes, model, running)
        else:
            self._update(changed, snapshot.nodes, model, running)
        self.model, self.source = model, snapshot.revision_source
        self.revisions = (
            _NO_REVISIONS if snapshot.node_revisions is None
            else np.array(snapshot.node_revisions, dtype=np.int64)
        )
        finish: dict[int, int] = {}
        for row in self.with_ends:
            earliest = _earliest_finish(self.entries[row].ends, snapshot)
            if earliest is not None:
                finish[row] = earliest
        horizon = max([int(self.widths.max(initial=1))] + [f + 1 for f in finish.values()])
        return NodeColumns(
            tuple(self.ids), tuple(self.racks), tuple(self.partitions),
            self.capacity, self.committed, finish, horizon, self._stacked_room(),
        )

    def _stacked_room(self) -> npt.NDArray[np.float64] | None:
        """Every node's room as one array, or None when no node keeps any."""
        kept = [e.room for e in self.entries]
        if all(r is None for r in kept):
            return None
        width = max(r.shape[-1] for r in kept if r is not None)
        empty = np.zeros((RESOURCES, width))
        return np.stack([empty if r is None else zero_padded(r, width) for r in kept])

    def _take(
        self,
        snapshot: PictureSnapshot,
        model: DemandModel,
        running: Mapping[str, tuple[Container, ...]],
        commitments: NodeCommitments,
    ) -> NodeColumns:
        """The columns from a model that gave every node's commitment at once: only the
        capacities are kept from the last cycle, for the nodes that are the same objects."""
        nodes = snapshot.nodes
        committed = commitments.committed
        old = self.entries if len(self.entries) == len(nodes) else None
        entries, changed = [], []
        for row, node in enumerate(nodes):
            kept = None if old is None else old[row]
            if kept is not None and kept.node is node:
                capacity = kept.capacity
            else:
                capacity = to_array(node.capacity)
                changed.append(row)
            room = None if commitments.room is None else commitments.room[row]
            entries.append(_NodeEntry(node, running.get(node.id, ()), capacity, committed[row],
                                      (), room))
        self.entries = entries
        own = max((e.capacity.shape[-1] for e in entries), default=1)
        if old is None or self.capacity.shape[0] != len(nodes) or \
                self.capacity.shape[-1] < own:
            self.ids = [n.id for n in nodes]
            self.racks = [n.rack for n in nodes]
            self.partitions = [n.partition for n in nodes]
            self.capacity = (np.stack([align(e.capacity, own) for e in entries]) if entries
                             else np.zeros((0, RESOURCES, own)))
        else:
            # Only the nodes the shim sent again: the kept stack is at least `own` wide.
            width_kept = self.capacity.shape[-1]
            for row in changed:
                node = nodes[row]
                self.ids[row], self.racks[row] = node.id, node.rack
                self.partitions[row] = node.partition
                self.capacity[row] = align(entries[row].capacity, width_kept)
        self.with_ends = set()
        width = max(own, committed.shape[-1])
        # A kept stack may be wider than this cycle needs; past `own` it only repeats.
        capacity = self.capacity[:, :, :width] if self.capacity.shape[-1] >= width else \
            align(self.capacity, width)
        self.widths = np.full(len(nodes), width, dtype=np.int64)
        self.capacity, self.committed = capacity, align(committed, width)
        self.model, self.source = model, snapshot.revision_source
        self.revisions = (
            _NO_REVISIONS if snapshot.node_revisions is None
            else np.array(snapshot.node_revisions, dtype=np.int64)
        )
        finish = dict(commitments.finish)
        horizon = max([width] + [f + 1 for f in finish.values()])
        return NodeColumns(tuple(self.ids), tuple(self.racks), tuple(self.partitions),
                           self.capacity, self.committed, finish, horizon, commitments.room)

    def _changed_rows(
        self,
        snapshot: PictureSnapshot,
        model: DemandModel,
        running: Mapping[str, tuple[Container, ...]],
    ) -> list[int] | None:
        """Rows to recompute, or None when the whole table must be rebuilt."""
        nodes = snapshot.nodes
        if model is not self.model or len(nodes) != len(self.entries):
            return None
        revisions = snapshot.node_revisions
        if (
            revisions is not None
            and snapshot.revision_source is self.source
            and len(self.revisions) == len(nodes)
        ):
            # Revisions are unique within their source: a different node in a row, or the
            # same node changed, has a different number.
            new = np.array(revisions, dtype=np.int64)
            changed: list[int] = np.flatnonzero(new != self.revisions).tolist()
            return changed
        return [
            row for row, (entry, node) in enumerate(zip(self.entries, nodes, strict=True))
            if not _same_objects(entry, node, running.get(node.id, ()))
        ]

    def _rebuild(
        self,
        nodes: Sequence[Node],
        model: DemandModel,
        running: Mapping[str, tuple[Container, ...]],
    ) -> None:
        old = {e.node.id: e for e in self.entries} if model is self.model else {}
        self.entries = []
        for node in nodes:
            on_node = running.get(node.id, ())
            entry = old.get(node.id)
            if entry is None or not _same_objects(entry, node, on_node):
                entry = _entry(node, on_node, model)
            self.entries.append(entry)
        self.ids = [e.node.id for e in self.entries]
        self.racks = [e.node.rack for e in self.entries]
        self.partitions = [e.node.partition for e in self.entries]
        self.with_ends = {row for row, e in enumerate(self.entries) if e.ends}
        self._restack()

    def _restack(self) -> None:
        self.widths = np.array([e.width for e in self.entries], dtype=np.int64)
        width = int(self.widths.max(initial=1))
        if self.entries:
            self.capacity = np.stack([align(e.capacity, width) for e in self.entries])
            self.committed = np.stack([align(e.committed, width) for e in self.entries])
        else:
            self.capacity = self.committed = np.zeros((0, RESOURCES, width))

    def _update(
        self,
        rows: list[int],
        nodes: Sequence[Node],
        model: DemandModel,
        running: Mapping[str, tuple[Container, ...]],
    ) -> None:
        width = self.capacity.shape[-1]
        restack = False
        for row in rows:
            node = nodes[row]
            entry = _entry(node, running.get(node.id, ()), model)
            self.entries[row] = entry
            self.ids[row], self.racks[row] = node.id, node.rack
            self.partitions[row] = node.partition
            if entry.ends:
                self.with_ends.add(row)
            else:
                self.with_ends.discard(row)
            self.widths[row] = entry.width
            if entry.width > width:
                restack = True
            elif not restack:
                self.capacity[row] = align(entry.capacity, width)
                self.committed[row] = align(entry.committed, width)
        if restack:
            self._restack()


def _entry(node: Node, running: tuple[Container, ...], model: DemandModel) -> _NodeEntry:
    with_room = getattr(model, "node_commitment", None)
    committed, room = (model.node_committed(node, running), None) if with_room is None \
        else with_room(node, running)
    return _NodeEntry(node, running, to_array(node.capacity), committed,
                      _ends(running, model), room)


def _group_by_node(containers: Sequence[Container]) -> dict[str, tuple[Container, ...]]:
    by_node: dict[str, list[Container]] = defaultdict(list)
    for container in containers:
        by_node[container.node].append(container)
    return {node_id: tuple(on_node) for node_id, on_node in by_node.items()}


def _same_objects(entry: _NodeEntry, node: Node, running: tuple[Container, ...]) -> bool:
    return (
        entry.node is node
        and len(entry.running) == len(running)
        and all(a is b for a, b in zip(entry.running, running, strict=True))
    )


def _ends(running: Sequence[Container], model: DemandModel) -> tuple[tuple[int, int], ...]:
    found = ((model.container_ends(c), c.start_ms) for c in running)
    return tuple((ends, start) for ends, start in found if ends is not None)


def _earliest_finish(ends: Sequence[tuple[int, int]], snapshot: PictureSnapshot) -> int | None:
    """When the first running container on a node is predicted to end, in slots from now."""
    earliest: int | None = None
    for slots, start_ms in ends:
        relative = slots + (start_ms - snapshot.now_ms) // snapshot.slot_ms
        if relative <= 0:
            continue  # overran its prediction: no usable finish time
        earliest = relative if earliest is None else min(earliest, relative)
    return earliest
