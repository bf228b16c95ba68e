"""The schedulers compared, by the name `yarn-elastic simulate --schedulers` takes."""

from __future__ import annotations

from collections.abc import Callable

from yarn_elastic.simulator.schedulers.base import SimScheduler
from yarn_elastic.simulator.schedulers.elastic import ElasticScheduler
from yarn_elastic.simulator.schedulers.peak import DrfScheduler, TetrisScheduler
from yarn_elastic.simulator.schedulers.requests import CapacityScheduler, StaticScheduler


def _oracle(seed: int) -> SimScheduler:
    return ElasticScheduler(seed, truth=True)


SCHEDULERS: dict[str, Callable[[int], SimScheduler]] = {
    "static": StaticScheduler,
    "capacity": CapacityScheduler,
    "tetris": TetrisScheduler,
    "drf": DrfScheduler,
    "elastic": ElasticScheduler,
    "oracle": _oracle,
}

__all__ = ["SCHEDULERS", "SimScheduler"]
