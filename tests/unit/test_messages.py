"""The message contract (docs/interface.md) as the Python core reads and writes it.

The same example files are read by the Java shim's tests, so both sides agree on one schema.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from yarn_elastic.messages import (
    CycleReply,
    CycleRequest,
    Hello,
    HelloReply,
    MessageError,
    Placement,
    decode_message,
    decode_request,
    encode_message,
    encode_reply,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "interface"
VALID = sorted(p for p in EXAMPLES.glob("*.json") if not p.name.startswith("invalid_"))
INVALID = sorted(EXAMPLES.glob("invalid_*.json"))


def test_examples_exist() -> None:
    assert len(VALID) >= 5 and len(INVALID) >= 4


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_example_decodes_and_reencodes_to_the_same_json(path: Path) -> None:
    original = path.read_bytes()
    message = decode_message(original)
    encoded = encode_message(message)
    assert json.loads(encoded) == json.loads(original)
    assert decode_message(encoded) == message
    assert encoded == json.dumps(json.loads(encoded), separators=(",", ":")).encode()  # compact


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_example_is_rejected_naming_the_field(path: Path) -> None:
    expected = json.loads(path.read_bytes())["_expect_error"]
    with pytest.raises(MessageError) as error:
        decode_message(path.read_bytes())
    assert expected in str(error.value)


def test_full_request_fields() -> None:
    request = decode_request((EXAMPLES / "cycle_request_full.json").read_bytes())
    assert isinstance(request, CycleRequest)
    assert request.kind == "full" and request.base_seq is None
    assert request.nodes[0].capacity == ((8.0,), (16384.0,), (200.0,), (1250.0,))
    assert request.asks[0].locality.relax is True
    assert request.apps[0].submit_ms == 1700000000500


def test_hello_is_a_request() -> None:
    assert isinstance(decode_request((EXAMPLES / "hello.json").read_bytes()), Hello)


def test_a_reply_is_not_a_request() -> None:
    with pytest.raises(MessageError, match="type"):
        decode_request((EXAMPLES / "cycle_reply_ok.json").read_bytes())


def _full() -> dict[str, object]:
    raw: dict[str, object] = json.loads((EXAMPLES / "cycle_request_full.json").read_bytes())
    return raw


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda m: m["nodes"][0].__setitem__("capacity", [[1], [1], [1]]), "nodes[0].capacity"),
        (lambda m: m["nodes"][1]["allocated"].__setitem__(1, []), "nodes[1].allocated: curve 1"),
        (lambda m: m["asks"][0]["demand"][0].__setitem__(0, -1), "asks[0].demand: curve 0"),
        (lambda m: m["asks"][0]["demand"][3].__setitem__(0, "x"), "network_mb_per_s"),
        (lambda m: m["asks"][0].__setitem__("count", -1), "asks[0].count"),
        (lambda m: m["asks"][0].__setitem__("count", True), "asks[0].count"),
        (lambda m: m["asks"][0]["locality"].pop("relax"), "asks[0].locality.relax"),
        (lambda m: m["apps"][0].__setitem__("tags", "x"), "apps[0].tags"),
        (lambda m: m.__setitem__("kind", "partial"), "kind"),
        (lambda m: m.update(kind="delta", base_seq=None), "base_seq"),
        (lambda m: m.__setitem__("slot_ms", 0), "slot_ms"),
        (lambda m: m.pop("type"), "type"),
        (lambda m: m.__setitem__("type", "gossip"), "type"),
        (lambda m: m.pop("schema"), "schema"),
        (lambda m: m.__setitem__("schema", "1"), "schema"),
        (lambda m: m["containers"][0].pop("start_ms"), "containers[0].start_ms"),
        (lambda m: m.__setitem__("removed_nodes", [1]), "removed_nodes[0]"),
        (lambda m: m.__setitem__("nodes", {}), "nodes"),
    ],
)
def test_bad_request_names_the_field(mutate: object, expected: str) -> None:
    raw = _full()
    mutate(raw)  # type: ignore[operator]
    with pytest.raises(MessageError) as error:
        decode_request(json.dumps(raw).encode())
    assert expected in str(error.value)


@pytest.mark.parametrize(
    "data", [b"", b"{", b"[1,2]", b"\xff\xfe", b"null", b'"hello"', b'{"schema":1}']
)
def test_garbage_is_a_message_error_not_a_crash(data: bytes) -> None:
    with pytest.raises(MessageError):
        decode_request(data)


# Found by benchmarks/reliability/fuzz.py: both escaped json.loads as RecursionError and
# ValueError, which the endpoint does not expect, instead of a MessageError naming the message.
@pytest.mark.parametrize("data", [b"[" * 100_000, b'{"schema":' + b"9" * 5000 + b"}"])
def test_too_deep_or_too_long_a_number_is_a_message_error(data: bytes) -> None:
    with pytest.raises(MessageError, match=r"^message: "):
        decode_request(data)


def test_unknown_fields_are_ignored() -> None:
    raw = _full()
    raw["future_field"] = {"x": 1}
    raw["nodes"][0]["gpu"] = 3  # type: ignore[index]
    assert isinstance(decode_request(json.dumps(raw).encode()), CycleRequest)


def test_reply_encoding_is_compact_and_typed() -> None:
    reply = CycleReply(7, "ok", "", (Placement("app#1#0", "n:1", 2, 0.25),), decide_ms=1.23456)
    data = encode_reply(reply)
    assert data.startswith(b'{"schema":2,"type":"cycle_reply","seq":7')
    assert decode_message(data) == CycleReply(
        7, "ok", "", (Placement("app#1#0", "n:1", 2, 0.25),), 1.235
    )
    hello = encode_reply(HelloReply("0.1.0", "ok"))
    assert json.loads(hello)["type"] == "hello_reply"
