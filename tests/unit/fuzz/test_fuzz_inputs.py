"""Every external input, fuzzed as benchmarks/reliability/fuzz.py does it but with a few
hundred cases each, so `make test` keeps them crash-free (docs/testing.md has the full run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.reliability.fuzzing import engine
from benchmarks.reliability.fuzzing.services import FAMILIES

CASES = 200


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_every_case_is_accepted_or_refused_naming_the_input(name: str, tmp_path: Path) -> None:
    family = FAMILIES[name](tmp_path)
    try:
        tally = engine.run(name, family.cases, family.handle, CASES, seed=1)
        lost = family.changed()
    finally:
        family.close()
    assert tally.cases == CASES
    assert tally.accepted > 0 and tally.refused > 0  # the generators reach both outcomes
    assert (tally.crashes, tally.unclear, lost) == (0, 0, []), tally.examples


def test_a_crash_is_counted_not_raised() -> None:
    from hypothesis import strategies as st

    def handle(case: int) -> engine.Outcome:
        if case % 2:
            raise KeyError(case)
        return engine.refused("x: wrong", lambda m: m.startswith("x:"))

    tally = engine.run("odd", st.integers(0, 10**6), handle, 50, seed=1)
    assert tally.cases == 50 and tally.crashes > 0 and tally.refused > 0
    assert tally.examples[0].startswith("crash: KeyError")
