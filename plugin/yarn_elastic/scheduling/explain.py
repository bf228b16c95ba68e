"""Why a running container looks as it does: its band, its position on it, and how its node
scores against the next best ones, by the same DRR the placement uses.

Pure, over one cycle's snapshot and demand model. The node comparison is made on the picture
as it is now (the container's own node without it, as if it were being placed again), which
is what an operator can check; the placement's own score at the time is in the decision log.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from yarn_elastic.messages import Container, Node
from yarn_elastic.picture import PictureSnapshot
from yarn_elastic.resources import CurveArray, align, prefix_integral, shift, to_array
from yarn_elastic.scheduling.demand import DemandModel
from yarn_elastic.scheduling.drr import drr_after_placement
from yarn_elastic.scheduling.tables import FIT_TOLERANCE


@dataclass(frozen=True)
class NodeScore:
    node: str
    drr: float  # the dominant remaining resource it would be left with (lower packs tighter)
    fits: bool  # the container's curve fits the node's free curve at every slot


@dataclass(frozen=True)
class ContainerExplanation:
    container: str
    app: str
    node: str
    position: int  # slots since it started
    allocated: tuple[float, ...]  # vcores, memory MB, disk MB/s, network MB/s now
    request: tuple[float, ...]
    curve: CurveArray  # what the placement counts it as, from its start
    predicted: bool  # False: the RM's numbers (no band for its job role)
    scores: tuple[NodeScore, ...]  # its own node first, then the best others


def explain_container(snapshot: PictureSnapshot, demand: DemandModel, container_id: str,
                      others: int = 3) -> ContainerExplanation | None:
    by_id = {c.id: c for c in snapshot.containers}
    container = by_id.get(container_id)
    if container is None:
        return None
    slot_ms = max(snapshot.slot_ms, 1)
    position = max(0, (snapshot.now_ms - container.start_ms) // slot_ms)
    curve = demand.container_demand(container)
    rm_numbers = to_array(container.allocated)
    predicted = not (curve.shape == rm_numbers.shape and np.array_equal(curve, rm_numbers))
    from_now = shift(curve, -position)
    on_node: dict[str, list[Container]] = {}
    for other in snapshot.containers:
        if other.id != container_id:
            on_node.setdefault(other.node, []).append(other)
    scores = [_score(demand, node, on_node.get(node.id, []), from_now)
              for node in snapshot.nodes]
    own = next(s for s in scores if s.node == container.node)
    rest = sorted((s for s in scores if s.node != container.node),
                  key=lambda s: (not s.fits, s.drr, s.node))[:others]
    return ContainerExplanation(
        container.id, container.app, container.node, int(position),
        tuple(float(c[0]) for c in container.allocated),
        tuple(float(c[0]) for c in (container.request or container.allocated)),
        curve, predicted, (own, *rest))


def _score(demand: DemandModel, node: Node, others: list[Container], from_now: CurveArray
           ) -> NodeScore:
    """The container's DRR and fit on `node` holding `others` (the container itself left out,
    as if it were placed again)."""
    committed = demand.node_committed(node, others)
    horizon = max(committed.shape[1], from_now.shape[1], 1)
    capacity = align(to_array(node.capacity), horizon)
    available = np.maximum(capacity - align(committed, horizon), 0.0)
    need = align(from_now, horizon)
    fits = bool(np.all(need <= available + FIT_TOLERANCE))
    theta = drr_after_placement(
        prefix_integral(available), prefix_integral(capacity), horizon,
        prefix_integral(need)[None], np.array([horizon]), np.ones(4, dtype=bool))
    return NodeScore(node.id, float(theta[0]), fits)
