"""Recurring-job identity: which past runs count as earlier runs of the same job.

Elasecutor calls an application recurring when its type, dataset size and CPU/memory settings
match. YARN and Spark expose a little more (name, queue, user, tags), and the input size of two
runs of the same job is rarely byte-identical, so sizes are compared in buckets of a factor of
two in bytes (log2, rounded).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

# Tags YARN sets per submission that would make every run look new.
_VOLATILE_TAG_PREFIXES = ("runid:", "run_id:", "attempt:", "submission:")


@dataclass(frozen=True)
class JobSignature:
    """What identifies a recurring job. `None` means "not known", which matches only `None`."""

    app_name: str
    app_type: str = "SPARK"
    queue: str | None = None
    user: str | None = None
    executor_cores: int | None = None
    executor_memory_mb: int | None = None
    input_size_bucket: int | None = None
    tags: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.app_name:
            raise ValueError("a job signature needs a non-empty application name")
        object.__setattr__(self, "tags", normalise_tags(self.tags))

    @property
    def key(self) -> str:
        """A stable short id for storage and logs: same fields, same key, across restarts."""
        text = "\x1f".join(
            "" if value is None else str(value)
            for value in (
                self.app_name, self.app_type, self.queue, self.user, self.executor_cores,
                self.executor_memory_mb, self.input_size_bucket, ",".join(self.tags),
            )
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def describe(self) -> str:
        parts = [f"name={self.app_name}", f"type={self.app_type}"]
        for label, value in (
            ("queue", self.queue), ("user", self.user), ("cores", self.executor_cores),
            ("memory_mb", self.executor_memory_mb), ("input_bucket", self.input_size_bucket),
        ):
            if value is not None:
                parts.append(f"{label}={value}")
        if self.tags:
            parts.append(f"tags={','.join(self.tags)}")
        return " ".join(parts)


def input_size_bucket(input_bytes: float | None) -> int | None:
    """log2 bucket of an input size; sizes within about ±41 % of each other share a bucket."""
    if input_bytes is None or input_bytes <= 0 or not math.isfinite(input_bytes):
        return None
    return round(math.log2(input_bytes))


def normalise_tags(tags: tuple[str, ...] | list[str] | frozenset[str]) -> tuple[str, ...]:
    """Lower-cased, sorted, without duplicates and without per-run tags."""
    cleaned = {t.strip().lower() for t in tags if t.strip()}
    return tuple(sorted(t for t in cleaned if not t.startswith(_VOLATILE_TAG_PREFIXES)))


def make_signature(
    app_name: str, app_type: str = "SPARK", queue: str | None = None, user: str | None = None,
    executor_cores: int | None = None, executor_memory_mb: int | None = None,
    input_bytes: float | None = None, tags: tuple[str, ...] | list[str] = (),
) -> JobSignature:
    return JobSignature(
        app_name, app_type, queue, user, executor_cores, executor_memory_mb,
        input_size_bucket(input_bytes), tuple(tags),
    )


@dataclass(frozen=True)
class RecurrenceRun:
    """Hadoop's RecurrenceId seen from our side: the job's signature plus which run it was."""

    signature: JobSignature
    run_id: str


def from_recurrence_id(pipeline_id: str, run_id: str, app_type: str = "MAPREDUCE") -> RecurrenceRun:
    """Map the Resource Estimator's (pipelineId, runId) onto a signature.

    The estimator knows nothing but the pipeline id (Hadoop fills it from the job name, or an
    explicit pipeline tag), so it becomes the application name, and the run id stays the run's
    identity within the signature.
    """
    if not pipeline_id:
        raise ValueError("a RecurrenceId needs a non-empty pipelineId")
    return RecurrenceRun(JobSignature(app_name=pipeline_id, app_type=app_type), run_id)


def to_recurrence_id(run: RecurrenceRun) -> tuple[str, str]:
    """(pipelineId, runId) for the estimator's REST paths; the inverse of `from_recurrence_id`.

    A signature with more than a name and type gets its key appended, which keeps runs of
    different settings of the same name apart in the estimator's store."""
    signature = run.signature
    if signature == JobSignature(signature.app_name, signature.app_type):
        return signature.app_name, run.run_id
    return f"{signature.app_name}@{signature.key}", run.run_id
