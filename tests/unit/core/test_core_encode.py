"""The cycle_reply fast encoder writes exactly the bytes json.dumps writes for the reply."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from yarn_elastic.messages import CycleReply, Placement, encode_message, encode_reply
from yarn_elastic.messages.encode import _to_json

PLACEMENTS = st.builds(
    Placement,
    ask=st.text(max_size=12),
    node=st.sampled_from(["n:1", "host\"2", "hôte-3", "n\\4\n", ""]),
    count=st.integers(1, 10**6),
    score=st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -0.0, 0.25])
    | st.integers(-3, 3),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(PLACEMENTS, max_size=30), st.text(max_size=10), st.floats(0, 1e6),
       st.integers(-1, 10**9))
def test_cycle_reply_bytes_are_json_dumps_bytes(
    placements: list[Placement], message: str, decide_ms: float, seq: int
) -> None:
    reply = CycleReply(seq, "ok", message, tuple(placements), decide_ms)
    expected = json.dumps(_to_json(reply), separators=(",", ":")).encode()
    assert encode_message(reply) == expected


def test_handle_ms_is_still_appended_after_the_placements() -> None:
    reply = CycleReply(3, "ok", "", (Placement("a#1#1", "n:1", 2, 0.125),), 1.5)
    decoded = json.loads(encode_reply(reply, started=0.0))
    assert decoded["placements"] == [{"ask": "a#1#1", "node": "n:1", "count": 2, "score": 0.125}]
    assert decoded["handle_ms"] > 0
