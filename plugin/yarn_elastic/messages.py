"""The shim <-> core messages of docs/interface.md (schema 1) as frozen, typed dataclasses.

Decoding is strict where the contract says so (missing field, wrong type, empty curve, other
schema) and lenient where it says so (unknown fields are ignored). Every error names the field by
its JSON path, e.g. `nodes[0].capacity: curve 0 (cpu_vcores) is empty`, so whoever reads the
log line on either side knows which producer to fix.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

SCHEMA = 1
RESOURCE_NAMES = ("cpu_vcores", "memory_mb", "disk_mb_per_s", "network_mb_per_s")

# Four curves in RESOURCE_NAMES order; each is a non-empty tuple whose last value holds forever.
Curves = tuple[tuple[float, ...], ...]

REQUEST_KINDS = ("full", "delta")
REPLY_STATUSES = ("ok", "need_full", "error")
HELLO_STATUSES = ("ok", "incompatible")


def is_am_container(container_id: str) -> bool:
    """YARN gives an application attempt's first container, `..._000001`, to its
    ApplicationMaster (for Spark in cluster mode, the driver)."""
    return container_id.endswith("_000001")


class MessageError(ValueError):
    """A message does not follow docs/interface.md; the text names the offending field."""


@dataclass(frozen=True)
class Locality:
    nodes: tuple[str, ...] = ()
    racks: tuple[str, ...] = ()
    relax: bool = True

    @property
    def is_strict(self) -> bool:
        """True when the ask may only go to the named nodes or racks."""
        return not self.relax and bool(self.nodes or self.racks)


@dataclass(frozen=True)
class Node:
    id: str
    rack: str
    partition: str
    capacity: Curves
    allocated: Curves
    utilization: Curves


@dataclass(frozen=True)
class App:
    id: str
    queue: str
    user: str
    name: str
    app_type: str
    priority: int
    submit_ms: int
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ask:
    key: str
    app: str
    priority: int
    allocation_request_id: int
    count: int
    demand: Curves
    am: bool = False
    locality: Locality = Locality()
    partition: str = ""


@dataclass(frozen=True)
class Container:
    id: str
    app: str
    node: str
    allocated: Curves
    start_ms: int


@dataclass(frozen=True)
class CycleRequest:
    rm_id: str
    seq: int
    kind: str
    base_seq: int | None
    now_ms: int
    slot_ms: int
    nodes: tuple[Node, ...] = ()
    removed_nodes: tuple[str, ...] = ()
    apps: tuple[App, ...] = ()
    removed_apps: tuple[str, ...] = ()
    asks: tuple[Ask, ...] = ()
    containers: tuple[Container, ...] = ()
    removed_containers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Placement:
    ask: str
    node: str
    count: int
    score: float


@dataclass(frozen=True)
class CycleReply:
    seq: int
    status: str
    message: str = ""
    placements: tuple[Placement, ...] = ()
    decide_ms: float = 0.0
    handle_ms: float | None = None  # optional: the core's whole handling, decode to encoded


@dataclass(frozen=True)
class Hello:
    rm_id: str
    shim_version: str


@dataclass(frozen=True)
class HelloReply:
    core_version: str
    status: str
    message: str = ""
    schema: int = SCHEMA


Message = CycleRequest | CycleReply | Hello | HelloReply
Request = CycleRequest | Hello
Reply = CycleReply | HelloReply

T = TypeVar("T")


# ----------------------------------------------------------------------------------- decoding


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

    def objects(self, field: str, decode: Callable[[_Fields], T]) -> tuple[T, ...]:
        items = self._list(field, None)
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
    )


def _placement(f: _Fields) -> Placement:
    return Placement(
        ask=f.string("ask"),
        node=f.string("node"),
        count=f.integer("count", minimum=1),
        score=f.number("score"),
    )


def _cycle_reply(f: _Fields) -> CycleReply:
    return CycleReply(
        seq=f.integer("seq"),
        status=f.choice("status", REPLY_STATUSES),
        message=f.string("message"),
        placements=f.objects("placements", _placement),
        decide_ms=f.number("decide_ms"),
        handle_ms=f.optional_number("handle_ms"),
    )


def _hello(f: _Fields) -> Hello:
    return Hello(rm_id=f.string("rm_id"), shim_version=f.string("shim_version"))


def _hello_reply(f: _Fields) -> HelloReply:
    return HelloReply(
        core_version=f.string("core_version"),
        status=f.choice("status", HELLO_STATUSES),
        message=f.string("message"),
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
    if not isinstance(raw, dict):
        raise MessageError(f"message: expected a JSON object, got {_kind(raw)}")
    return raw


def message_type(raw: Mapping[str, Any]) -> str:
    """The `type` of a parsed message, after checking its `schema`."""
    fields = _Fields(dict(raw), "")
    schema = fields.integer("schema")
    if schema != SCHEMA:
        raise MessageError(f"schema: this core speaks schema {SCHEMA}, the message has {schema}")
    return fields.choice("type", tuple(_DECODERS))


def decode_message(data: bytes | bytearray | str) -> Message:
    """Decode any schema-1 message (requests and replies alike)."""
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


# ----------------------------------------------------------------------------------- encoding


def _number(value: float) -> int | float:
    """Whole numbers go out as JSON integers: shorter, and Java reads them as either."""
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def encode_curves(curves: Curves) -> list[list[int | float]]:
    return [[_number(v) for v in curve] for curve in curves]


def _to_json(message: Message) -> dict[str, Any]:
    if isinstance(message, CycleReply):
        reply = {
            "schema": SCHEMA,
            "type": "cycle_reply",
            "seq": message.seq,
            "status": message.status,
            "message": message.message,
            "decide_ms": round(message.decide_ms, 3),
            "placements": [
                {"ask": p.ask, "node": p.node, "count": p.count, "score": round(p.score, 6)}
                for p in message.placements
            ],
        }
        if message.handle_ms is not None:
            reply["handle_ms"] = round(message.handle_ms, 3)
        return reply
    if isinstance(message, HelloReply):
        return {
            "schema": message.schema,
            "type": "hello_reply",
            "core_version": message.core_version,
            "status": message.status,
            "message": message.message,
        }
    if isinstance(message, Hello):
        return {
            "schema": SCHEMA,
            "type": "hello",
            "rm_id": message.rm_id,
            "shim_version": message.shim_version,
        }
    return _cycle_request_json(message)


def _cycle_request_json(r: CycleRequest) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "type": "cycle_request",
        "rm_id": r.rm_id,
        "seq": r.seq,
        "kind": r.kind,
        "base_seq": r.base_seq,
        "now_ms": r.now_ms,
        "slot_ms": r.slot_ms,
        "nodes": [
            {
                "id": n.id,
                "rack": n.rack,
                "partition": n.partition,
                "capacity": encode_curves(n.capacity),
                "allocated": encode_curves(n.allocated),
                "utilization": encode_curves(n.utilization),
            }
            for n in r.nodes
        ],
        "removed_nodes": list(r.removed_nodes),
        "apps": [
            {
                "id": a.id,
                "queue": a.queue,
                "user": a.user,
                "name": a.name,
                "app_type": a.app_type,
                "priority": a.priority,
                "submit_ms": a.submit_ms,
                "tags": list(a.tags),
            }
            for a in r.apps
        ],
        "removed_apps": list(r.removed_apps),
        "asks": [
            {
                "key": a.key,
                "app": a.app,
                "priority": a.priority,
                "allocation_request_id": a.allocation_request_id,
                "count": a.count,
                "demand": encode_curves(a.demand),
                "am": a.am,
                "locality": {
                    "nodes": list(a.locality.nodes),
                    "racks": list(a.locality.racks),
                    "relax": a.locality.relax,
                },
                "partition": a.partition,
            }
            for a in r.asks
        ],
        "containers": [
            {
                "id": c.id,
                "app": c.app,
                "node": c.node,
                "allocated": encode_curves(c.allocated),
                "start_ms": c.start_ms,
            }
            for c in r.containers
        ],
        "removed_containers": list(r.removed_containers),
    }


def encode_message(message: Message) -> bytes:
    """Compact UTF-8 JSON, as the interface prescribes."""
    if isinstance(message, CycleReply) and message.placements:
        return _encode_cycle_reply(message)
    return json.dumps(_to_json(message), separators=(",", ":")).encode()


_json_string: Callable[[str], str] = json.encoder.encode_basestring_ascii


def _encode_cycle_reply(reply: CycleReply) -> bytes:
    """The same bytes as `json.dumps(_to_json(reply))`, without a dict per placement.

    A plan at 5000 nodes has thousands of placements; writing each as text directly (node ids
    escaped once per node, each distinct score written once) takes half the time of building
    a dict per placement. `placements` is the last key of the reply object, so the rest is
    encoded as usual and the list is spliced in.
    """
    head = json.dumps({**_to_json(dataclasses.replace(reply, placements=())),
                       "placements": None}, separators=(",", ":"))
    escaped: dict[str, str] = {}
    # Scores repeat a lot (a hundred distinct values in thousands of placements); a nonzero
    # float's text depends only on its value (0.0 and -0.0 are equal keys but print apart).
    scores: dict[float, str] = {}
    items = []
    for p in reply.placements:
        node = escaped.get(p.node)
        if node is None:
            node = escaped[p.node] = _json_string(p.node)
        cacheable = type(p.score) is float and p.score != 0.0 and p.score == p.score
        score = scores.get(p.score) if cacheable else None
        if score is None:
            rounded = round(p.score, 6)
            score = repr(rounded) if math.isfinite(rounded) else json.dumps(rounded)
            if cacheable:
                scores[p.score] = score
        items.append(
            f'{{"ask":{_json_string(p.ask)},"node":{node},"count":{p.count:d},"score":{score}}}'
        )
    return (head[: -len("null}")] + "[" + ",".join(items) + "]}").encode()


def encode_reply(reply: Reply, started: float | None = None) -> bytes:
    """Encode a reply. Given `started` (a `time.perf_counter()` reading taken when the request
    arrived), a cycle_reply also carries `handle_ms`: the time from then to the end of this
    encoding, so the shim can tell the core's own time from the Py4J crossing."""
    encoded = encode_message(reply)
    if started is None or not isinstance(reply, CycleReply):
        return encoded
    handle_ms = round((time.perf_counter() - started) * 1000.0, 3)
    # Appended to the finished bytes rather than encoded with the rest, so that encoding the
    # plan itself is inside the figure. `encoded` is one compact JSON object ending in "}".
    return encoded[:-1] + b',"handle_ms":' + repr(handle_ms).encode() + b"}"


def flat(cpu_vcores: float, memory_mb: float, disk: float = 0.0, network: float = 0.0) -> Curves:
    """A constant quantity, for tests and synthetic loads."""
    return ((cpu_vcores,), (memory_mb,), (disk,), (network,))
