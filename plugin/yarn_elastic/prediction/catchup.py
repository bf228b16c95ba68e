"""Catching up with applications that finished while the core was down: which ones to ask
the RM about, and what its report makes of them. Pure; the edges are `catchup_runner.py` (the
depository and the thread) and `rm_apps.py` (the RM's REST API).

The live path learns from an application when the cluster picture stops listing it; a core
that was down kept no picture, so it never sees those end. Their agents spooled and deliver
once the core is back, so the depository ends up holding their samples with no run stored
for them. Such an application is asked about once its samples have stopped arriving (the
same containers and newest sample times at two looks in a row): a run is stored once and
never corrected, so it must not be cut from a spool still being delivered.

What the depository lacks, the RM's report gives: name, type, queue, user, tags, state and
times. Not the executor size, which the RM forgets with the application's containers: it is
taken from the job's stored runs when they all have one size, and is unknown otherwise.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from yarn_elastic.messages import App
from yarn_elastic.picture import FinishedApp
from yarn_elastic.prediction.signature import JobSignature, make_signature

# The shim drops an application from the picture at any of YARN's final states, so the live
# path learns from failed and killed runs too; catch-up follows the same rule. An application
# in any other state has not ended: it is left for the picture or a later look.
LEARNT_STATES = frozenset({"FINISHED", "FAILED", "KILLED"})

Fingerprint = tuple[int, int]  # (containers with samples, sum of their newest sample times)


@dataclass(frozen=True)
class Measured:
    """An application with usage samples in the depository and no stored run."""

    app_id: str
    last_ms: int  # its newest sample
    fingerprint: Fingerprint  # changes with every report an agent delivers for it


@dataclass(frozen=True)
class RmReport:
    """The fields of the RM's `GET /ws/v1/cluster/apps/{id}` that a run needs."""

    app_id: str
    state: str
    final_status: str
    name: str
    app_type: str
    queue: str
    user: str
    tags: tuple[str, ...]
    priority: int
    started_ms: int
    finished_ms: int


def to_ask(measured: Sequence[Measured], previous: Mapping[str, Fingerprint],
           skip: Collection[str]) -> list[str]:
    """The applications to ask the RM about: measured ones whose samples did not change since
    the previous look, and that are not in `skip` (running in the picture, waiting in the
    recorder, or already dealt with)."""
    return sorted(m.app_id for m in measured
                  if m.app_id not in skip and previous.get(m.app_id) == m.fingerprint)


def finished_app(report: RmReport, known: Sequence[JobSignature]) -> FinishedApp | None:
    """What the live path would have handed the recorder, or None if the application has not
    ended (or has no name, which no signature can be made of). `known`: the stored
    signatures of the same application name."""
    if report.state not in LEARNT_STATES or not report.name:
        return None
    app = App(report.app_id, leaf_queue(report.queue), report.user, report.name,
              report.app_type, report.priority, report.started_ms, report.tags)
    cores, memory_mb = adopted_executor_size(app, known)
    return FinishedApp(app, cores, memory_mb)


def adopted_executor_size(app: App, known: Sequence[JobSignature]) -> tuple[int | None, int | None]:
    """The executor size of the job's stored runs (same name, type, queue, user and tags) when
    they all have one; (None, None) when the job has none or several: a guess between two
    settings would file the run under the wrong one."""
    job = make_signature(app.name, app.app_type, app.queue, app.user, tags=app.tags)
    sizes = {(s.executor_cores, s.executor_memory_mb) for s in known
             if replace(s, executor_cores=None, executor_memory_mb=None,
                        input_size_bucket=None) == job}
    sizes.discard((None, None))
    return next(iter(sizes)) if len(sizes) == 1 else (None, None)


def leaf_queue(queue: str) -> str:
    """The queue as the shim names it (its leaf name): an RM that tells queue paths
    (`root.a.b`) must not make a caught-up run another job than the live ones."""
    return queue.rsplit(".", 1)[-1]


def finish_time(report: RmReport, measured: Measured) -> int:
    """When the run ended, for ordering the job's runs: the RM's finish time, or the newest
    sample when the RM gives none."""
    return report.finished_ms if report.finished_ms > 0 else measured.last_ms
