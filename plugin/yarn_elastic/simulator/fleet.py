"""The running containers as parallel arrays, so that a slot is a few numpy calls.

Every curve a container follows (its usage, its ledger, its limit) is stacked once into one
(rows, 4) table; a container is three offsets into it, a length per curve, a node and its
progress. Reading what every container uses, is counted for and may use in this slot is then
one fancy index per table, whatever the number of containers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from yarn_elastic.scheduling.tables import FloatArray, IntArray
from yarn_elastic.simulator.schedulers.base import RunningContainer


class CurveTable:
    """(4, S) curves stacked as rows of one (rows, 4) array; each curve is added once."""

    def __init__(self) -> None:
        self._blocks: list[FloatArray] = []
        self._where: dict[int, tuple[int, int, FloatArray]] = {}  # id -> offset, length, curve
        self._rows = 0
        self._array: FloatArray = np.zeros((0, 4))

    def place(self, curve: FloatArray) -> tuple[int, int]:
        found = self._where.get(id(curve))
        if found is None:
            found = (self._rows, int(curve.shape[1]), curve)  # the curve kept: its id stays
            self._where[id(curve)] = found
            self._blocks.append(np.ascontiguousarray(curve.T, dtype=np.float64))
            self._rows += int(curve.shape[1])
        return found[0], found[1]

    @property
    def array(self) -> FloatArray:
        if self._array.shape[0] != self._rows:
            self._array = np.concatenate(self._blocks) if self._blocks else np.zeros((0, 4))
        return self._array


class Fleet:
    """The arrays of `containers`, in the same order; rebuilt whenever that list changes."""

    def __init__(self, table: CurveTable, containers: Sequence[RunningContainer]) -> None:
        self.containers = list(containers)
        slots = [(table.place(c.role.usage), table.place(c.allocation.ledger),
                  table.place(c.allocation.limit)) for c in containers]
        columns = np.array([[u[0], u[1], g[0], g[1], m[0], m[1]] for u, g, m in slots],
                           dtype=np.int64).reshape(-1, 6)
        self.usage_at, self.length = columns[:, 0], columns[:, 1]
        self.ledger_at, self.ledger_length = columns[:, 2], columns[:, 3]
        self.limit_at, self.limit_length = columns[:, 4], columns[:, 5]
        self.node: IntArray = np.array([c.node for c in containers], dtype=np.int64)
        self.is_am = np.array([c.role.is_am for c in containers], dtype=bool)
        self.progress: FloatArray = np.array([c.progress for c in containers], dtype=np.float64)
        # Vcores and memory of resized containers (NaN: the allocation's curves decide).
        self.size: FloatArray = np.array(
            [c.size if c.size is not None else (np.nan, np.nan) for c in containers],
            dtype=np.float64).reshape(-1, 2)
        self.rows = {id(c): row for row, c in enumerate(containers)}
        self._now: tuple[FloatArray, FloatArray, FloatArray] | None = None
        self.table = table

    def __len__(self) -> int:
        return len(self.containers)

    def position(self) -> IntArray:
        """The curve slot each container is in; an AM past its curve stays in the last one."""
        position: IntArray = np.minimum(self.progress.astype(np.int64), self.length - 1)
        return position

    def now(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(K, 4) each, read only: what each container uses, is counted for, and may use,
        this slot. Kept until progress or a size changes: a slot reads them several times
        (the view's ledger, the appliers, the kills, the sharing)."""
        if self._now is None:
            self._now = self._read_now()
            for array in self._now:
                array.setflags(write=False)
        return self._now

    def _read_now(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        table, position = self.table.array, self.position()
        usage = table[self.usage_at + position]
        ledger = table[self.ledger_at + np.minimum(position, self.ledger_length - 1)]
        limit = table[self.limit_at + np.minimum(position, self.limit_length - 1)]
        resized = ~np.isnan(self.size[:, 0])
        if resized.any():
            ledger[resized, :2] = self.size[resized]
            limit[resized, :2] = self.size[resized]
        return usage, ledger, limit

    def resize(self, container: RunningContainer, size: tuple[float, float]) -> None:
        container.size = size
        self.size[self.rows[id(container)]] = size
        self._now = None

    def advance(self, rates: FloatArray) -> FloatArray:
        """Move every container on by its rate; returns the progress before."""
        before = self.progress
        self.progress = before + rates
        self._now = None
        return before

    def per_node(self, values: FloatArray, nodes: int) -> FloatArray:
        """(nodes, R) sums of (K, R) per-container values."""
        out = np.zeros((nodes, values.shape[1]))
        np.add.at(out, self.node, values)
        return out

    def write_back(self, memory: FloatArray) -> None:
        """Progress, and the memory each used in this slot, onto the container objects, which
        the schedulers see."""
        for container, progress, used in zip(self.containers, self.progress.tolist(),
                                             memory.tolist(), strict=True):
            container.progress = progress
            container.measured_memory_mb = used
