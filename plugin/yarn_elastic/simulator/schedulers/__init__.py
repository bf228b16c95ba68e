"""The schedulers compared, by the name `yarn-elastic simulate --schedulers` takes."""

from __future__ import annotations

from collections.abc import Callable

from yarn_elastic.scheduling.resize import ResizeRules
from yarn_elastic.simulator.schedulers.base import SimScheduler
from yarn_elastic.simulator.schedulers.elastic import ElasticScheduler
from yarn_elastic.simulator.schedulers.peak import DrfScheduler, TetrisScheduler
from yarn_elastic.simulator.schedulers.requests import CapacityScheduler, StaticScheduler

# Each scheduler from the seed and the resize rules, which only `elastic` and `oracle` follow.
SchedulerFactory = Callable[[int, ResizeRules], SimScheduler]

SCHEDULERS: dict[str, SchedulerFactory] = {
    "static": lambda seed, rules: StaticScheduler(seed),
    "capacity": lambda seed, rules: CapacityScheduler(seed),
    "tetris": lambda seed, rules: TetrisScheduler(seed),
    "drf": lambda seed, rules: DrfScheduler(seed),
    "elastic": lambda seed, rules: ElasticScheduler(seed, rules=rules),
    "oracle": lambda seed, rules: ElasticScheduler(seed, truth=True, rules=rules),
}


def make_scheduler(name: str, seed: int = 0, rules: ResizeRules | None = None
                   ) -> SimScheduler:
    """The scheduler `name`, with the default resize rules unless `rules` are given."""
    return SCHEDULERS[name](seed, rules or ResizeRules())

__all__ = ["SCHEDULERS", "SimScheduler", "make_scheduler"]
