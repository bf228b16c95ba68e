"""Encoding: compact UTF-8 JSON, whole numbers as integers, and a cycle_reply's placements
written without a dict per placement."""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Callable
from typing import Any

from yarn_elastic.messages.schema import (
    SCHEMA,
    Container,
    Curves,
    CycleReply,
    CycleRequest,
    Hello,
    HelloReply,
    Message,
    Reply,
)


def _number(value: float) -> int | float:
    """Whole numbers go out as JSON integers: shorter, and Java reads them as either."""
    if isinstance(value, int):
        return value
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def encode_curves(curves: Curves) -> list[list[int | float]]:
    return [[_number(v) for v in curve] for curve in curves]


def _to_json(message: Message) -> dict[str, Any]:
    if isinstance(message, CycleReply):
        reply: dict[str, Any] = {
            "schema": message.schema,
            "type": "cycle_reply",
            "seq": message.seq,
            "status": message.status,
            "message": message.message,
            "decide_ms": round(message.decide_ms, 3),
        }
        if message.schema >= 2:
            reply["resizes"] = [dataclasses.asdict(r) for r in message.resizes]
        # `placements` last: the fast encoder splices the list in at the end.
        reply["placements"] = [
            {"ask": p.ask, "node": p.node, "count": p.count, "score": round(p.score, 6)}
            for p in message.placements
        ]
        if message.handle_ms is not None:
            reply["handle_ms"] = round(message.handle_ms, 3)
        return reply
    if isinstance(message, HelloReply):
        hello_reply: dict[str, Any] = {
            "schema": message.schema,
            "type": "hello_reply",
            "core_version": message.core_version,
            "status": message.status,
            "message": message.message,
        }
        if message.schema >= 2:
            hello_reply["capabilities"] = list(message.capabilities)
        return hello_reply
    if isinstance(message, Hello):
        hello: dict[str, Any] = {
            "schema": message.schema,
            "type": "hello",
            "rm_id": message.rm_id,
            "shim_version": message.shim_version,
        }
        if message.schema >= 2:
            hello["capabilities"] = list(message.capabilities)
        return hello
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
        "containers": [_container_json(c) for c in r.containers],
        "removed_containers": list(r.removed_containers),
        **({"memory_kills": [dataclasses.asdict(k) for k in r.memory_kills]}
           if r.memory_kills else {}),
    }


def _container_json(c: Container) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": c.id, "app": c.app, "node": c.node, "allocated": encode_curves(c.allocated),
    }
    if c.request is not None:
        out["request"] = encode_curves(c.request)
    out["version"] = c.version
    out["start_ms"] = c.start_ms
    return out


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


