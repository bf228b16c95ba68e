"""The demand model: how much of each resource an ask or a running container takes over time.

This is the seam where predicted curves replace the RM's flat numbers. The spine model,
`RmAllocatedDemandModel`, believes the messages as they are: an ask takes its `demand`, a
running container its `allocated`, and a node has `capacity - allocated` left. A prediction-driven
model will instead sum the running containers' predicted curves (shifted to their start) to get
what a node has committed, and give asks the curve predicted for their application.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from yarn_elastic.messages import App, Ask, Container, Node, Resize
from yarn_elastic.picture import PictureSnapshot
from yarn_elastic.resources import RESOURCES, CurveArray, align, finish_slot, shift, to_array
from yarn_elastic.scheduling.headroom import with_headroom


@dataclass(frozen=True)
class NodeCommitments:
    """Every node's `node_committed` at once, from a model that computes them as arrays: (N,
    4, W) in the snapshot's node order, and each node row's earliest predicted finish in slots
    from now (absent: none), as `node_cache` reads `container_ends`."""

    committed: CurveArray
    finish: Mapping[int, int]
    room: CurveArray | None = None  # (N, 4, W') the part of `committed` kept as room


class DemandModel(Protocol):
    def ask_demand(self, ask: Ask, app: App | None) -> CurveArray:
        """Per-container demand of an ask, slot 0 being the container's start."""
        ...

    def container_demand(self, container: Container) -> CurveArray:
        """A running container's demand, slot 0 being its start (`start_ms`)."""
        ...

    def node_committed(self, node: Node, containers: Sequence[Container]) -> CurveArray:
        """What the node has already given out, slot 0 being now."""
        ...

    def container_ends(self, container: Container) -> int | None:
        """The slot (from the container's start) from which its demand is 0 for ever, None if
        it never ends: `finish_slot(container_demand(c))`, asked of every running container
        every cycle, so worth answering without building the curve."""
        ...

    def resizes(self) -> tuple[Resize, ...]:
        """The running containers this cycle resizes along their curves (none, for a model
        that only believes the RM)."""
        ...


class RmAllocatedDemandModel:
    """Trust the RM's numbers: asks need their size, nodes have capacity minus allocated."""

    def ask_demand(self, ask: Ask, app: App | None) -> CurveArray:
        return to_array(ask.demand)

    def container_demand(self, container: Container) -> CurveArray:
        return to_array(container.allocated)

    def node_committed(self, node: Node, containers: Sequence[Container]) -> CurveArray:
        return to_array(node.allocated)

    def container_ends(self, container: Container) -> int | None:
        if any(curve[-1] != 0 for curve in container.allocated):
            return None  # the RM's allocation holds until the container finishes
        return finish_slot(self.container_demand(container))

    def resizes(self) -> tuple[Resize, ...]:
        return ()


class CurveSource(Protocol):
    """Where predicted curves come from: a (4, slots) per-container curve, slot 0 being the
    container's start, whose last column holds until the container exits (zeros: it ends
    there), or None when there is no prediction (the RM's numbers are used instead)."""

    def for_ask(self, ask: Ask, app: App | None) -> CurveArray | None: ...

    def for_container(self, container: Container) -> CurveArray | None: ...

    def resizes(self) -> tuple[Resize, ...]:
        """What the source decided to resize along the curves it gave (may be none)."""
        ...


class CurveDemandModel:
    """Demand over time from predicted curves, falling back to the RM's numbers per ask or
    container that has no prediction.

    A node's commitment is the sum of its containers' curves, each re-origined from its start
    to now, so the model is bound to one cycle's `now_ms`: the next cycle makes a new model,
    which is also what tells the table cache that every node's commitment moved. A source
    that resizes may also keep room free for the increases it foresees (`room_kept`, see
    `headroom`): the placement counts that room as committed, and an ask's own room
    (`room_of_ask`) as far as its node does not keep it already (`node_commitment`,
    `ask_room`).
    """

    def __init__(self, curves: CurveSource, now_ms: int, slot_ms: int) -> None:
        self.curves = curves
        self.now_ms = now_ms
        self.slot_ms = max(slot_ms, 1)
        self._flat = RmAllocatedDemandModel()

    def ask_demand(self, ask: Ask, app: App | None) -> CurveArray:
        curve = self.curves.for_ask(ask, app)
        return self._flat.ask_demand(ask, app) if curve is None else curve

    def container_demand(self, container: Container) -> CurveArray:
        curve = self.curves.for_container(container)
        return self._flat.container_demand(container) if curve is None else curve

    def node_committed(self, node: Node, containers: Sequence[Container]) -> CurveArray:
        return self.node_commitment(node, containers)[0]

    def node_commitment(self, node: Node, containers: Sequence[Container]
                        ) -> tuple[CurveArray, CurveArray | None]:
        """`node_committed`, and the part of it kept as room (None when none is), from one
        pass over the node's containers."""
        remaining = [shift(self.container_demand(c), -((self.now_ms - c.start_ms)
                                                       // self.slot_ms)) for c in containers]
        committed = np.zeros((RESOURCES, max((r.shape[1] for r in remaining), default=1)))
        for curve in remaining:
            # In place, each curve's last value held to the end: `add` without the copies.
            committed[:, : curve.shape[1]] += curve
            committed[:, curve.shape[1] :] += curve[:, -1:]
        room = self._room(containers, remaining, committed.shape[1])
        return (committed, None) if room is None else (with_headroom(committed, room), room)

    def ask_room(self, demand: CurveArray) -> CurveArray | None:
        """The room an ask of this demand needs on its node (see `headroom`), or None."""
        room_of_ask = getattr(self.curves, "room_of_ask", None)
        if room_of_ask is None:
            return None
        room: CurveArray | None = room_of_ask(demand)
        return room if room is not None and room.any() else None

    def _room(self, containers: Sequence[Container], remaining: list[CurveArray], width: int
              ) -> CurveArray | None:
        room_kept = getattr(self.curves, "room_kept", None)
        if room_kept is None or not remaining:
            return None
        room: CurveArray = room_kept(
            np.stack([align(r, width) for r in remaining]),
            np.array([to_array(c.allocated)[:2, 0] for c in containers]))
        return room if room.any() else None

    def container_ends(self, container: Container) -> int | None:
        return finish_slot(self.container_demand(container))

    def resizes(self) -> tuple[Resize, ...]:
        return self.curves.resizes()

    def node_commitments(self, snapshot: PictureSnapshot) -> NodeCommitments | None:
        """All nodes' commitments at once when the curve source can give them as arrays for
        this snapshot and time (`node_cache` then skips the per-node path), else None."""
        batch = getattr(self.curves, "node_commitments", None)
        if batch is None:
            return None
        found: NodeCommitments | None = batch(snapshot, self.now_ms, self.slot_ms)
        return found
