"""What a simulated scheduler sees each cycle and what it answers.

A scheduler is a policy over the same engine: each cycle it gets a `ClusterView` (nodes, the
pending asks in submission order, the running containers) and returns a `SimDecision` that
holds every action, launches and resizes, each with its own applier in the engine. When a
container starts, the scheduler also says what it is given (`Allocation`): what YARN's ledger
counts against the node, and the limits the node enforces. The engine checks every launch and
every increase against the ledger, so no scheduler can over-commit a node.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from yarn_elastic.scheduling.resize import Resize
from yarn_elastic.scheduling.tables import FloatArray
from yarn_elastic.simulator.model import AppSpec, RoleSpec, Workload

UNLIMITED = np.inf


@dataclass(frozen=True)
class Allocation:
    """Per slot of the container's own progress (last column holding): `ledger` is what the
    node counts as given out, `limit` the most the container may use (inf: not enforced).
    Memory use above `limit` gets the container killed; CPU, disk and network above it are
    throttled."""

    ledger: FloatArray  # (4, S)
    limit: FloatArray  # (4, S)
    # Set for a container that is resized: its vcores and memory at start, which then only
    # resizes change (they override the two curves' CPU and memory rows).
    size: tuple[float, float] | None = None

    def at(self, slot: int) -> tuple[FloatArray, FloatArray]:
        column = min(slot, self.ledger.shape[1] - 1)
        return self.ledger[:, column], self.limit[:, column]


def booked(allocation: Allocation) -> FloatArray:
    """What a container is counted for in its first slot: its ledger there, with its start
    size for vcores and memory when it has one."""
    need: FloatArray = allocation.at(0)[0].copy()
    if allocation.size is not None:
        need[:2] = allocation.size
    return need


def flat_allocation(ledger: FloatArray, limit: FloatArray) -> Allocation:
    return Allocation(ledger.reshape(-1, 1).astype(np.float64),
                      limit.reshape(-1, 1).astype(np.float64))


def enforced(ledger: FloatArray) -> FloatArray:
    """The limits a YARN node enforces on an allocation: CPU (cgroups) and memory (the
    NodeManager's monitor); disk and network are counted, never throttled."""
    limit: FloatArray = ledger.astype(np.float64, copy=True)
    limit[2:] = UNLIMITED
    return limit


def request_allocation(role: RoleSpec) -> Allocation:
    """YARN's own: the request held for life; CPU capped there (cgroups, as Elasecutor's
    baselines are), memory enforced by the NodeManager, disk and network neither counted nor
    limited because YARN does not request them."""
    return flat_allocation(role.requested, enforced(role.requested))


@dataclass
class PendingAsk:
    key: str  # unique for the life of the simulation
    app_index: int
    app: AppSpec
    role: RoleSpec
    count: int
    asked_slot: int


@dataclass(eq=False)  # one object per container: compared by identity
class RunningContainer:
    id: str
    app_index: int
    app: AppSpec
    role: RoleSpec
    node: int
    start_slot: int
    order: int  # start order across the cluster: the largest is the youngest
    allocation: Allocation
    progress: float = 0.0  # slots of its curve done
    size: tuple[float, float] | None = None  # vcores and memory, for a resized container
    measured_memory_mb: float | None = None  # what it used in the last slot

    @property
    def allocated(self) -> tuple[float, float]:
        """Its vcores and memory now."""
        if self.size is not None:
            return self.size
        ledger = self.allocation.at(self.position)[0]
        return float(ledger[0]), float(ledger[1])

    @property
    def position(self) -> int:
        """The curve slot it is in; an AM past its curve stays in the last one."""
        return min(int(self.progress), int(self.role.usage.shape[1]) - 1)


@dataclass(frozen=True)
class ClusterView:
    slot: int
    slot_seconds: float
    node_names: tuple[str, ...]
    capacity: FloatArray  # (N, 4)
    ledger: FloatArray  # (N, 4) what is given out now, by the running containers' ledgers
    used: FloatArray  # (N, 4) what the nodes measured in the last slot
    pending: Sequence[PendingAsk]  # in ask order (re-asks after kills come last)
    running: Sequence[RunningContainer]


@dataclass(frozen=True)
class Launch:
    ask: str
    node: int
    count: int = 1


@dataclass(frozen=True)
class SimDecision:
    launches: Sequence[Launch] = ()
    resizes: Sequence[Resize] = ()


class SimScheduler(Protocol):
    name: str
    resizes: bool  # True: it resizes running containers, so it decides every slot

    def prepare(self, workload: Workload) -> None:
        """Learn what it needs from the workload's `history` (run once, before slot 0)."""
        ...

    def decide(self, view: ClusterView) -> SimDecision: ...

    def allocation(self, app: AppSpec, role: RoleSpec) -> Allocation: ...

    def killed(self, app: AppSpec, role: RoleSpec) -> None:
        """One of the app's containers of this role was killed for memory."""
        ...

    def cycle_ms(self) -> float:
        """The decision time of the last `place`, for the speed report."""
        ...


class LaunchesOnly:
    """For schedulers that only place: their decision is their launches."""

    resizes = False

    def place(self, view: ClusterView) -> Sequence[Launch]:
        raise NotImplementedError

    def decide(self, view: ClusterView) -> SimDecision:
        return SimDecision(launches=tuple(self.place(view)))
