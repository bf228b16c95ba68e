"""The fast path of curve decoding hands every malformed curve to the strict path, which names
the field and the slot (docs/interface.md: errors name the field)."""

from __future__ import annotations

import pytest
from yarn_elastic.messages import MessageError, decode_curves


@pytest.mark.parametrize(
    ("curve", "expected"),
    [
        ([1, float("nan")], "slot 1 is nan"),
        ([float("nan"), 1], "slot 0 is nan"),
        ([2, float("inf")], "slot 1 is inf"),
        ([3, -0.5], "slot 1 is -0.5"),
        ([1, True], "slot 1 is a boolean"),
        ([1, "2"], "slot 1 is the string '2'"),
        ([], "is empty"),
    ],
)
def test_bad_values_anywhere_in_a_curve_are_named(curve: list[object], expected: str) -> None:
    with pytest.raises(MessageError) as error:
        decode_curves([[1], [2], [0], curve], "asks[0].demand")
    assert f"asks[0].demand: curve 3 (network_mb_per_s) {expected}" in str(error.value)


def test_well_formed_curves_decode_to_floats() -> None:
    assert decode_curves([[1], [2.5], [0], [3, 0]], "x") == ((1.0,), (2.5,), (0.0,), (3.0, 0.0))
