"""Decoding: strict where the contract says so (missing field, wrong type, empty curve, other
schema) and lenient where it says so (unknown fields are ignored). Every error names the field by
its JSON path, e.g. `nodes[0].capacity: curve 0 (cpu_vcores) is empty`, so whoever reads the
log line on either side knows which producer to fix.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from yarn_elastic.messages.schema import (
    HELLO_STATUSES,
    REPLY_STATUSES,
    REQUEST_KINDS,
    RESOURCE_NAMES,
    SCHEMA,
    SUPPORTED_SCHEMAS,
    App,
    Ask,
    Container,
    Curves,
    CycleReply,
    CycleRequest,
    Hello,
    HelloReply,
    Locality,
    MemoryKill,
    Message,
    MessageError,
    Node,
    Placement,
    Request,
    Resize,
)

T = TypeVar("T")



class _Fields:
    """Typed access to one JSON object's fields; errors carry the object's path."""

    def __init__(self, raw: object, path: str) -> None:
        if not isinstance(raw, dict):
            raise MessageError(f"{path or 'message'}: expected a JSON object, got {_kind(raw)}")
        self._raw: dict[str, Any] = raw
        self._path = path

    def _name(self, field: str) -> str:
        return f"{self._path}.{field}" if self._path else field

    def _get(self, field: str, default: object = ...) -> object:
        if field not in self._raw:
            if default is ...:
                raise MessageError(f"{self._name(field)}: required field is missing")
            return default
        return self._raw[field]

    def string(self, field: str, default: str | None = None) -> str:
        value = self._get(field, ... if default is None else default)
        if not isinstance(value, str):
            raise MessageError(f"{self._name(field)}: expected a string, got {_kind(value)}")
        return value

    def choice(self, field: str, choices: Sequence[str]) -> str:
        value = self.string(field)
        if value not in choices:
            raise MessageError(
                f"{self._name(field)}: {value!r} is not one of {', '.join(choices)}"
            )
        return value

    def integer(self, field: str, minimum: int | None = None, default: int | None = None) -> int:
        value = self._get(field, ... if default is None else default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise MessageError(f"{self._name(field)}: expected an integer, got {_kind(value)}")
        if minimum is not None and value < minimum:
            raise MessageError(f"{self._name(field)}: {value} is below the minimum {minimum}")
        return value

    def optional_integer(self, field: str) -> int | None:
        if self._get(field) is None:
            return None
        return self.integer(field)

    def number(self, field: str, default: float | None = None) -> float:
        value = self._get(field, ... if default is None else default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise MessageError(f"{self._name(field)}: expected a number, got {_kind(value)}")
        if not math.isfinite(value):
            raise MessageError(f"{self._name(field)}: must be a finite number")
        return float(value)

    def optional_number(self, field: str) -> float | None:
        if self._get(field, None) is None:
            return None
        return self.number(field)

    def boolean(self, field: str, default: bool | None = None) -> bool:
        value = self._get(field, ... if default is None else default)
        if not isinstance(value, bool):
            raise MessageError(f"{self._name(field)}: expected true or false, got {_kind(value)}")
        return value

    def strings(self, field: str, default: Sequence[str] | None = None) -> tuple[str, ...]:
        items = self._list(field, default)
        for index, item in enumerate(items):
            if not isinstance(item, str):
                raise MessageError(
                    f"{self._name(field)}[{index}]: expected a string, got {_kind(item)}"
                )
        return tuple(str(item) for item in items)

    def optional(self, field: str) -> object:
        """The raw value, None when the field is missing or null."""
        return self._raw.get(field)

    def objects(self, field: str, decode: Callable[[_Fields], T],
                default: Sequence[object] | None = None) -> tuple[T, ...]:
        items = self._list(field, default)
        name = self._name(field)
        return tuple(decode(_Fields(item, f"{name}[{i}]")) for i, item in enumerate(items))

    def obj(self, field: str) -> _Fields:
        return _Fields(self._get(field), self._name(field))

    def curves(self, field: str) -> Curves:
        return decode_curves(self._get(field), self._name(field))

    def _list(self, field: str, default: Sequence[object] | None) -> list[object]:
        value = self._get(field, ... if default is None else list(default))
        if not isinstance(value, list):
            raise MessageError(f"{self._name(field)}: expected an array, got {_kind(value)}")
        return value


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def decode_curves(raw: object, path: str) -> Curves:
    """Validate a resource quantity: four non-empty arrays of finite, non-negative numbers."""
    curves = _well_formed_curves(raw)
    return curves if curves is not None else _decode_curves_strictly(raw, path)


_NUMBER_TYPES = (int, float)


def _well_formed_curves(raw: object) -> Curves | None:
    """The curves of a well-formed quantity, or None to let the strict path name the problem.

    Tens of thousands of curves arrive in a full picture, so the usual case is checked with as
    few Python operations as possible: exact types (JSON gives plain int, float, list; bool is
    not a number here) and one range check per curve.
    """
    if type(raw) is not list or len(raw) != len(RESOURCE_NAMES):
        return None
    out = []
    for curve in raw:
        if type(curve) is not list or not curve:
            return None
        for value in curve:
            if type(value) not in _NUMBER_TYPES:
                return None
        try:
            values = tuple(map(float, curve))
        except OverflowError:
            return None
        # A NaN anywhere makes the sum NaN, and every comparison with NaN is false.
        if not (min(values) >= 0.0 and sum(values) <= _LARGEST):
            return None
        out.append(values)
    return tuple(out)


_LARGEST = 1.7976931348623157e308


def _decode_curves_strictly(raw: object, path: str) -> Curves:
    if not isinstance(raw, list) or len(raw) != len(RESOURCE_NAMES):
        raise MessageError(
            f"{path}: expected an array of {len(RESOURCE_NAMES)} curves "
            f"({', '.join(RESOURCE_NAMES)}), got {_kind(raw)}"
            + (f" of length {len(raw)}" if isinstance(raw, list) else "")
        )
    curves: list[tuple[float, ...]] = []
    for index, curve in enumerate(raw):
        label = f"curve {index} ({RESOURCE_NAMES[index]})"
        if not isinstance(curve, list):
            raise MessageError(f"{path}: {label} must be an array of numbers, got {_kind(curve)}")
        if not curve:
            raise MessageError(f"{path}: {label} is empty; a flat quantity is a 1-element array")
        for slot, value in enumerate(curve):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise MessageError(f"{path}: {label} slot {slot} is {_kind(value)}, not a number")
            if not math.isfinite(value) or value < 0:
                raise MessageError(
                    f"{path}: {label} slot {slot} is {value!r}; values must be finite and >= 0"
                )
        curves.append(tuple(float(value) for value in curve))
    return tuple(curves)


def _node(f: _Fields) -> Node:
    return Node(
        id=f.string("id"),
        rack=f.string("rack"),
        partition=f.string("partition"),
        capacity=f.curves("capacity"),
        allocated=f.curves("allocated"),
        utilization=f.curves("utilization"),
    )


def _app(f: _Fields) -> App:
    return App(
        id=f.string("id"),
        queue=f.string("queue"),
        user=f.string("user"),
        name=f.string("name"),
        app_type=f.string("app_type"),
        priority=f.integer("priority"),
        submit_ms=f.integer("submit_ms"),
        tags=f.strings("tags"),
    )


def _locality(f: _Fields) -> Locality:
    return Locality(nodes=f.strings("nodes"), racks=f.strings("racks"), relax=f.boolean("relax"))


def _ask(f: _Fields) -> Ask:
    return Ask(
        key=f.string("key"),
        app=f.string("app"),
        priority=f.integer("priority"),
        allocation_request_id=f.integer("allocation_request_id"),
        count=f.integer("count", minimum=0),
        demand=f.curves("demand"),
        am=f.boolean("am"),
        locality=_locality(f.obj("locality")),
        partition=f.string("partition"),
    )


def _container(f: _Fields) -> Container:
    return Container(
        id=f.string("id"),
        app=f.string("app"),
        node=f.string("node"),
        allocated=f.curves("allocated"),
        start_ms=f.integer("start_ms"),
        request=None if f.optional("request") is None else f.curves("request"),
        version=f.integer("version", minimum=0, default=0),
    )


def _cycle_request(f: _Fields) -> CycleRequest:
    kind = f.choice("kind", REQUEST_KINDS)
    base_seq = f.optional_integer("base_seq")
    if kind == "delta" and base_seq is None:
        raise MessageError("base_seq: a delta request needs the seq it applies on, got null")
    return CycleRequest(
        rm_id=f.string("rm_id"),
        seq=f.integer("seq", minimum=0),
        kind=kind,
        base_seq=base_seq,
        now_ms=f.integer("now_ms"),
        slot_ms=f.integer("slot_ms", minimum=1),
        nodes=f.objects("nodes", _node),
        removed_nodes=f.strings("removed_nodes"),
        apps=f.objects("apps", _app),
        removed_apps=f.strings("removed_apps"),
        asks=f.objects("asks", _ask),
        containers=f.objects("containers", _container),
        removed_containers=f.strings("removed_containers"),
        memory_kills=f.objects("memory_kills", _memory_kill, default=()),
    )


def _memory_kill(f: _Fields) -> MemoryKill:
    return MemoryKill(
        container=f.string("container"),
        app=f.string("app"),
        exit_status=f.integer("exit_status"),
        allocated_mb=f.integer("allocated_mb", minimum=0),
    )


def _placement(f: _Fields) -> Placement:
    return Placement(
        ask=f.string("ask"),
        node=f.string("node"),
        count=f.integer("count", minimum=1),
        score=f.number("score"),
    )


def _resize(f: _Fields) -> Resize:
    return Resize(
        container=f.string("container"),
        version=f.integer("version", minimum=0),
        vcores=f.integer("vcores", minimum=1),
        memory_mb=f.integer("memory_mb", minimum=1),
        reason=f.string("reason"),
    )


def _cycle_reply(f: _Fields) -> CycleReply:
    schema = f.integer("schema")
    return CycleReply(
        seq=f.integer("seq"),
        status=f.choice("status", REPLY_STATUSES),
        message=f.string("message"),
        placements=f.objects("placements", _placement),
        decide_ms=f.number("decide_ms"),
        handle_ms=f.optional_number("handle_ms"),
        resizes=f.objects("resizes", _resize, default=()) if schema >= 2 else (),
        schema=schema,
    )


def _hello(f: _Fields) -> Hello:
    schema = f.integer("schema")
    return Hello(
        rm_id=f.string("rm_id"),
        shim_version=f.string("shim_version"),
        capabilities=f.strings("capabilities", default=()) if schema >= 2 else (),
        schema=schema,
    )


def _hello_reply(f: _Fields) -> HelloReply:
    schema = f.integer("schema")
    return HelloReply(
        core_version=f.string("core_version"),
        status=f.choice("status", HELLO_STATUSES),
        message=f.string("message"),
        schema=schema,
        capabilities=f.strings("capabilities", default=()) if schema >= 2 else (),
    )


_DECODERS: Mapping[str, Callable[[_Fields], Message]] = {
    "cycle_request": _cycle_request,
    "cycle_reply": _cycle_reply,
    "hello": _hello,
    "hello_reply": _hello_reply,
}


def parse_json(data: bytes | bytearray | str) -> dict[str, Any]:
    """Parse UTF-8 JSON into an object, or raise MessageError saying why not."""
    try:
        raw = json.loads(data)
    except UnicodeDecodeError as exc:
        raise MessageError(f"message: not UTF-8 ({exc})") from exc
    except json.JSONDecodeError as exc:
        raise MessageError(f"message: not valid JSON ({exc})") from exc
    except RecursionError as exc:
        raise MessageError("message: nested too deeply to be a message") from exc
    except ValueError as exc:  # an integer of more digits than Python will convert
        raise MessageError(f"message: a number in it is out of range ({exc})") from exc
    if not isinstance(raw, dict):
        raise MessageError(f"message: expected a JSON object, got {_kind(raw)}")
    return raw


def message_type(raw: Mapping[str, Any]) -> str:
    """The `type` of a parsed message, after checking its `schema`."""
    fields = _Fields(dict(raw), "")
    schema = fields.integer("schema")
    if schema not in SUPPORTED_SCHEMAS:
        raise MessageError(
            f"schema: this core speaks schemas {SUPPORTED_SCHEMAS[0]} to {SCHEMA}, the message"
            f" has {schema}")
    return fields.choice("type", tuple(_DECODERS))


def decode_message(data: bytes | bytearray | str) -> Message:
    """Decode any message of a schema this core speaks (requests and replies alike)."""
    raw = parse_json(data)
    kind = message_type(raw)
    return _DECODERS[kind](_Fields(raw, ""))


def decode_request(data: bytes | bytearray | str) -> Request:
    """Decode what the shim sends: a `hello` or a `cycle_request`."""
    message = decode_message(data)
    if not isinstance(message, (CycleRequest, Hello)):
        raise MessageError(
            "type: the core accepts 'hello' and 'cycle_request', not a reply message"
        )
    return message


