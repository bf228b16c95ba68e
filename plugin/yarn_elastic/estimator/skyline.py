"""Resource skylines: a job's allocation over time as a run-length-encoded step function.

The representation follows YARN's RLESparseResourceAllocation exactly, because the estimator's
answers depend on its quirks: a step function is a sorted list of `(time, resource)` change
points, and every merge of two non-empty functions ends with a terminator (time = Long.MAX,
value = null). A function built by a single `add_interval` has no terminator; the solver's
preprocessing drops the last interval of such a function (see solver.py), so the flag is kept
and persisted rather than normalised away.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Java's Long.MAX_VALUE: the key of the terminator entry.
END_OF_TIME = 2**63 - 1


@dataclass(frozen=True, order=True)
class Resource:
    """A YARN resource vector: memory in MB and virtual cores."""

    memory: int
    vcores: int

    def __add__(self, other: Resource) -> Resource:
        return Resource(self.memory + other.memory, self.vcores + other.vcores)

    def times(self, count: int) -> Resource:
        return Resource(self.memory * count, self.vcores * count)


ZERO = Resource(0, 0)

# A change point; `None` only ever appears as the terminator's value.
_Entry = tuple[int, "Resource | None"]


@dataclass(frozen=True)
class RleSkyline:
    """A step function time -> Resource; times are seconds unless a caller says otherwise.

    `steps` are the change points in increasing time order; the value holds until the next
    change point. `terminated` says whether YARN's map would end with the null terminator.
    """

    steps: tuple[tuple[int, Resource], ...] = ()
    terminated: bool = False

    def __post_init__(self) -> None:
        times = [t for t, _ in self.steps]
        if any(b <= a for a, b in zip(times, times[1:], strict=False)):
            raise ValueError(f"skyline change points must be strictly increasing: {times}")
        if self.terminated and not self.steps:
            raise ValueError("an empty skyline cannot carry a terminator")

    @classmethod
    def from_intervals(cls, intervals: Iterable[tuple[int, int, Resource]]) -> RleSkyline:
        skyline = cls()
        for start, end, resource in intervals:
            skyline = skyline.add_interval(start, end, resource)
        return skyline

    def is_empty(self) -> bool:
        return not self.steps

    def capacity_at(self, time: int) -> Resource:
        """The value in force at `time` (YARN's getCapacityAtTime: floor entry, else zero)."""
        value = ZERO
        for step_time, resource in self.steps:
            if step_time > time:
                break
            value = resource
        return value

    def earliest_start(self) -> int:
        return self.steps[0][0] if self.steps else -1

    def latest_non_null(self) -> int:
        return self.steps[-1][0] if self.steps else -1

    def change_points(self) -> list[int]:
        """All keys of YARN's map, the terminator included."""
        keys = [t for t, _ in self.steps]
        if self.terminated:
            keys.append(END_OF_TIME)
        return keys

    def add_interval(self, start: int, end: int, resource: Resource) -> RleSkyline:
        """Add `resource` over `[start, end)`, with the same result YARN's merge would give."""
        if resource == ZERO:
            return self
        # Built like YARN builds it: the end point overwrites the start if they coincide.
        added: dict[int, Resource | None] = {start: resource}
        added[end] = ZERO
        addend: list[_Entry] = sorted(added.items())
        if not self.steps:
            return _from_entries(addend)
        entries: list[_Entry] = list(self.steps)
        if self.terminated:
            entries.append((END_OF_TIME, None))
        return _from_entries(_merge_add(entries, addend))


def _from_entries(entries: Sequence[_Entry]) -> RleSkyline:
    terminated = bool(entries) and entries[-1][1] is None
    body = entries[:-1] if terminated else entries
    steps: list[tuple[int, Resource]] = []
    for time, value in body:
        if value is None:
            raise AssertionError("null values appear only as the terminator")
        steps.append((time, value))
    return RleSkyline(tuple(steps), terminated)


def _combine(a: Resource | None, b: Resource | None) -> Resource | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _merge_add(a: list[_Entry], b: list[_Entry]) -> list[_Entry]:
    """Sweep two non-empty step functions and add them, as YARN's RLE merge does.

    Before a function's first change point its value is "absent" (not zero), so the sum takes
    the other side; the output keeps a point only where the value changes, and always ends
    with the terminator.
    """
    out: dict[int, Resource | None] = {}
    last_time: int | None = None

    def add_if_needed(time: int, value: Resource | None) -> None:
        nonlocal last_time
        last_value = out[last_time] if last_time is not None else None
        if last_time is None or value is None or (last_value is not None and last_value != value):
            out[time] = value
            last_time = time

    ia = ib = 0
    last_a: Resource | None = None
    last_b: Resource | None = None
    while ia < len(a) or ib < len(b):
        a_done, b_done = ia >= len(a), ib >= len(b)
        if b_done or (not a_done and a[ia][0] < b[ib][0]):
            time, last_a = a[ia]
            value = _combine(last_a, last_b)
            ia += 1
        elif a_done or a[ia][0] > b[ib][0]:
            time, last_b = b[ib]
            value = _combine(last_a, last_b)
            ib += 1
        else:
            time, last_a = a[ia]
            last_b = b[ib][1]
            value = _combine(last_a, last_b)
            ia += 1
            ib += 1
        add_if_needed(time, value)
    add_if_needed(END_OF_TIME, None)
    return sorted(out.items())


@dataclass(frozen=True, order=True)
class RecurrenceId:
    """Identifies one run of a recurring pipeline (Hadoop's RecurrenceId)."""

    pipeline_id: str
    run_id: str

    def __str__(self) -> str:
        return f"{{pipelineId: {self.pipeline_id}, runId: {self.run_id}}}"


@dataclass(frozen=True)
class ResourceSkyline:
    """One job's history: its skyline plus the metadata Hadoop keeps with it.

    Units follow Hadoop: `submission_time` is epoch milliseconds (0 for native logs) and the
    skyline's times are seconds since submission; `finish_time` is epoch milliseconds for
    ResourceManager logs but the skyline's last change point for native logs.
    """

    job_id: str
    input_size: float
    submission_time: int
    finish_time: int
    container_spec: Resource
    skyline: RleSkyline
