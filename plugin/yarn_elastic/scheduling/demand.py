"""The demand model: how much of each resource an ask or a running container takes over time.

This is the seam where predicted curves replace the RM's flat numbers. The spine model,
`RmAllocatedDemandModel`, believes the messages as they are: an ask takes its `demand`, a
running container its `allocated`, and a node has `capacity - allocated` left. A prediction-driven
model will instead sum the running containers' predicted curves (shifted to their start) to get
what a node has committed, and give asks the curve predicted for their application.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from yarn_elastic.messages import App, Ask, Container, Node
from yarn_elastic.resources import CurveArray, finish_slot, to_array


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
