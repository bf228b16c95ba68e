"""The pure scheduling core: `schedule(snapshot, policy) -> SchedulingDecision`.

See docs/algorithms.md for DRR / MinFrag as implemented, the node order and the tie-breaking
rule.
"""

from __future__ import annotations

from yarn_elastic.scheduling.demand import DemandModel, RmAllocatedDemandModel
from yarn_elastic.scheduling.framework import Policy
from yarn_elastic.scheduling.minfrag import SchedulingDecision, schedule
from yarn_elastic.scheduling.plugins import (
    DominantRemainingResource,
    FitsEverySlot,
    LeastRemainingFirst,
    PartitionMatch,
    PriorityThenSubmitOrder,
    StrictLocality,
)


def minfrag_policy(demand_model: DemandModel | None = None) -> Policy:
    """Elasecutor's DRR / MinFrag packing, the default policy."""
    return Policy(
        name="minfrag",
        queue_sort=PriorityThenSubmitOrder(),
        node_order=LeastRemainingFirst(),
        filters=(PartitionMatch(), StrictLocality(), FitsEverySlot()),
        score=DominantRemainingResource(),
        demand_model=demand_model or RmAllocatedDemandModel(),
    )


POLICIES = {"minfrag": minfrag_policy}

__all__ = ["POLICIES", "Policy", "SchedulingDecision", "minfrag_policy", "schedule"]
