"""Run a family's generated cases through its real handler and count what came of each.

Every case ends one of three ways. Accepted; refused, with the project's own error whose
message names the bad input; or a crash: any other exception, a 5xx, or a refusal whose message
names nothing (counted apart, as `unclear`). The cases come from Hypothesis with its generate
phase only: a fuzz run wants every case run and counted, not the first failure shrunk.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as fixed_seed
from hypothesis import strategies as st

T = TypeVar("T")
Kind = Literal["accepted", "refused", "unclear", "crash"]
_EXAMPLES_KEPT = 5


@dataclass(frozen=True)
class Outcome:
    kind: Kind
    detail: str = ""


ACCEPTED = Outcome("accepted")


def refused(message: str, names: Callable[[str], bool]) -> Outcome:
    """A refusal; `unclear` when its message is empty or `names` finds no input named in it."""
    return Outcome("refused" if message.strip() and names(message) else "unclear", message)


def crash(detail: str) -> Outcome:
    return Outcome("crash", detail)


@dataclass
class Tally:
    name: str
    accepted: int = 0
    refused: int = 0
    unclear: int = 0
    crashes: int = 0
    records_changed: int = 0
    seconds: float = 0.0
    slowest_ms: float = 0.0
    examples: list[str] = field(default_factory=list)

    @property
    def cases(self) -> int:
        return self.accepted + self.refused + self.unclear + self.crashes

    def add(self, outcome: Outcome, case: object, elapsed_ms: float) -> None:
        setattr(self, _COUNTER[outcome.kind], getattr(self, _COUNTER[outcome.kind]) + 1)
        self.slowest_ms = max(self.slowest_ms, elapsed_ms)
        if outcome.kind in ("crash", "unclear") and len(self.examples) < _EXAMPLES_KEPT:
            self.examples.append(f"{outcome.kind}: {outcome.detail[:600]} <- {_show(case)}")

    def figures(self) -> dict[str, Any]:
        return {"cases": self.cases, "accepted": self.accepted, "refused": self.refused,
                "unclear_refusals": self.unclear, "crashes": self.crashes,
                "records_changed": self.records_changed, "seconds": round(self.seconds, 1),
                "slowest_case_ms": round(self.slowest_ms, 1)}


_COUNTER = {"accepted": "accepted", "refused": "refused", "unclear": "unclear",
            "crash": "crashes"}


def _show(case: object) -> str:
    text = repr(case)
    return text if len(text) <= 300 else text[:300] + "..."


def run(name: str, cases: st.SearchStrategy[T], handle: Callable[[T], Outcome], count: int,
        seed: int) -> Tally:
    """Draw `count` cases (fewer only if Hypothesis finds the space exhausted) and tally them."""
    tally = Tally(name)

    @settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), print_blob=False)
    @fixed_seed(seed)
    @given(cases)
    def one(case: T) -> None:
        started = time.perf_counter()
        try:
            outcome = handle(case)
        except Exception as exc:  # the whole point: any escape is a crash, counted, not raised
            outcome = crash("".join(traceback.format_exception_only(exc)).strip()
                            + " at " + _where(exc))
        tally.add(outcome, case, (time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    one()
    tally.seconds = time.perf_counter() - started
    return tally


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"


@dataclass
class Family:
    """One external input: its cases, the real code that takes them, and, for inputs that are
    stored, how many records stored before the fuzz are now lost or changed."""

    cases: st.SearchStrategy[Any]
    handle: Callable[[Any], Outcome]
    changed: Callable[[], list[str]] = list  # the kept records lost or altered
    close: Callable[[], None] = lambda: None
