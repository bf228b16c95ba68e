"""Where the live cycle's predicted bands come from: one per job role, answered from memory.

The core's `ElasticDemand` asks a `BandLookup` for each application's AM and executor band;
the live core answers from the prediction it keeps per recurring job, the simulator from the
curves it learnt, and `NoBands` with none (every container keeps the RM's numbers).
"""

from __future__ import annotations

from typing import Protocol

from yarn_elastic.messages import App, is_am_container
from yarn_elastic.prediction.runs import AM_ROLE, EXECUTOR_ROLE
from yarn_elastic.resources import CurveArray


def role_of(container_id: str) -> str:
    return AM_ROLE if is_am_container(container_id) else EXECUTOR_ROLE


class BandLookup(Protocol):
    """A job role's predicted band, (4, slots of `band_slot_ms`) from the container's start,
    or None when there is none (yet). Called inside the cycle: it must answer from memory."""

    band_slot_ms: int

    def band(self, app: App, role: str, executor_size: tuple[float, float] | None
             ) -> CurveArray | None: ...

    def bump(self, app: App, role: str) -> None:
        """A container of the job role was killed for memory: from now on its memory band
        is its request."""
        ...


class NoBands:
    """No predictions: every container and ask keeps the RM's numbers."""

    band_slot_ms = 0

    def bump(self, app: App, role: str) -> None:
        pass

    def band(self, app: App, role: str, executor_size: tuple[float, float] | None
             ) -> CurveArray | None:
        return None
