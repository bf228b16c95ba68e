"""The core's elastic-allocation keys (yarn-site.xml), documented in docs/configuration.md.

`yarn.elastic.resize.enabled` is the shim's switch (it then offers no resizes in hello); these
are the core's: what it places by, and the resize planner's rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from yarn_elastic.scheduling.resize import ResizeRules
from yarn_elastic.settings import (
    Key,
    between,
    boolean,
    fraction,
    non_negative_int,
    one_of,
    positive_float,
)

margin = between(0.0, 10.0)


DEMAND = Key(
    "yarn.elastic.demand.curves", "predicted", one_of("predicted", "requested"),
    "predicted or requested",
    "What the core places and resizes by: each job role's predicted band where one is known"
    " (the RM's request elsewhere), or the RM's requests only, as stock CapacityScheduler.",
)
LEAD_SLOTS = Key(
    "yarn.elastic.resize.lead-slots", 1, non_negative_int, "a whole number of slots >= 0",
    "How many slots ahead of its band a container is grown, so an increase lands before the"
    " rise it serves.",
)
MEMORY_MARGIN = Key(
    "yarn.elastic.resize.memory-margin", 0.10, margin, "a fraction from 0 to 10",
    "Memory never drops below the last measured RSS plus this fraction of it.",
)
GROW_AT = Key(
    "yarn.elastic.resize.grow-at", 0.95, fraction, "a fraction from 0 to 1",
    "A container whose measured RSS passes this fraction of its allocation is grown to its"
    " request at once, before the NodeManager's memory monitor would kill it.",
)
MIN_CHANGE = Key(
    "yarn.elastic.resize.min-change", 0.05, fraction, "a fraction from 0 to 1",
    "A decrease is issued only if it frees more than this fraction of the request.",
)
ROOM_FOR_NEW_CONTAINERS = Key(
    "yarn.elastic.resize.room-for-new-containers", False, boolean, "true or false",
    "Whether a container placed this cycle also keeps a step free on its node for its own"
    " predicted one-resource increases (one step per node, shared with the running"
    " containers' room). Off: fewer kills on CPU-bound mixes, but a longer makespan on small"
    " nodes (benchmarks/README.md, 'Room for new containers').",
)
MEMORY_STEP_MB = Key(
    "yarn.scheduler.minimum-allocation-mb", 1024.0, positive_float, "MB > 0",
    "Hadoop's own key: targets are whole multiples of it, as CapacityScheduler allocates.",
)
VCORES_STEP = Key(
    "yarn.scheduler.minimum-allocation-vcores", 1.0, positive_float, "vcores > 0",
    "Hadoop's own key: targets are whole multiples of it.",
)

OVER_PLAN_MARGIN = Key(
    "yarn.elastic.demand.over-plan-margin", 0.10, margin, "a fraction from 0 to 10",
    "A node whose predicted containers the agents measure above their bands by more than"
    " this fraction gets no new container until they are back within it.",
)

KEYS = (DEMAND, OVER_PLAN_MARGIN, LEAD_SLOTS, MEMORY_MARGIN, GROW_AT, MIN_CHANGE,
        ROOM_FOR_NEW_CONTAINERS, MEMORY_STEP_MB, VCORES_STEP)


# Each resize key and the `ResizeRules` field it sets.
RULE_FIELDS = ((LEAD_SLOTS, "lead_slots"), (MEMORY_MARGIN, "memory_margin"),
               (GROW_AT, "grow_at"), (MIN_CHANGE, "min_change"),
               (VCORES_STEP, "vcores_step"), (MEMORY_STEP_MB, "memory_step_mb"),
               (ROOM_FOR_NEW_CONTAINERS, "room_for_new_containers"))


def resize_rules(conf: Mapping[str, str], base: ResizeRules | None = None) -> ResizeRules:
    """The rules yarn-site.xml sets. Without a `base`, a key not set takes its default; with
    one, it keeps the base's value (the simulator's rules, which step memory by 128 MB)."""
    # Any: each field has its key's own type, which one dict cannot spell.
    values: dict[str, Any] = {field: key.read(conf) for key, field in RULE_FIELDS
                              if base is None or key.name in conf}
    return ResizeRules(**values) if base is None else replace(base, **values)
