"""The shim <-> core messages (docs/interface.md), as the core reads them: every message type
in both schemas, generated from the contract and from the example files the Java tests read
too, then mutated or damaged. An accepted message must also encode and decode back to itself,
so the core's replies are fuzzed on the way out as well."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from yarn_elastic.messages import (
    HELLO_STATUSES,
    REPLY_STATUSES,
    MessageError,
    decode_message,
    decode_request,
    encode_message,
)

from benchmarks.reliability.fuzzing.engine import ACCEPTED, Outcome, crash, refused
from benchmarks.reliability.fuzzing.mutation import json_cases

EXAMPLES = Path(__file__).resolve().parents[3] / "tests" / "data" / "interface"
# Every refusal starts with the JSON path of the field it is about, or `message` for the whole.
NAMED = re.compile(r"^(message|[A-Za-z_]\w*(\[\d+\])*(\.[A-Za-z_]\w*(\[\d+\])*)*): \S")

ids = st.text(max_size=12)
counts = st.integers(0, 2**40)
curve = st.lists(st.one_of(st.integers(0, 10**6), st.floats(0, 1e9)), min_size=1, max_size=4)
curves = st.lists(curve, min_size=4, max_size=4)
names = st.lists(ids, max_size=3)


def _examples() -> list[dict[str, Any]]:
    found = []
    for path in sorted(EXAMPLES.glob("*.json")):
        doc = json.loads(path.read_bytes())
        doc.pop("_expect_error", None)
        found.append(doc)
    return found


def _obj(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(fields)


node = _obj(id=ids, rack=ids, partition=ids, capacity=curves, allocated=curves,
            utilization=curves)
app = _obj(id=ids, queue=ids, user=ids, name=ids, app_type=ids, priority=st.integers(),
           submit_ms=counts, tags=names)
ask = _obj(key=ids, app=ids, priority=st.integers(), allocation_request_id=counts,
           count=st.integers(0, 100), demand=curves, am=st.booleans(),
           locality=_obj(nodes=names, racks=names, relax=st.booleans()), partition=ids)
container = _obj(id=ids, app=ids, node=ids, allocated=curves, start_ms=counts,
                 request=st.none() | curves, version=st.integers(0, 2**31))
kill = _obj(container=ids, app=ids, exit_status=st.integers(), allocated_mb=counts)
schema = st.sampled_from([1, 2])

cycle_request = _obj(
    schema=schema, type=st.just("cycle_request"), rm_id=ids, seq=counts, kind=st.just("full"),
    base_seq=st.none() | counts, now_ms=counts, slot_ms=st.integers(1, 60_000),
    nodes=st.lists(node, max_size=3), removed_nodes=names, apps=st.lists(app, max_size=2),
    removed_apps=names, asks=st.lists(ask, max_size=3),
    containers=st.lists(container, max_size=3), removed_containers=names,
    memory_kills=st.lists(kill, max_size=2))
placement = _obj(ask=ids, node=ids, count=st.integers(1, 2**31 - 1), score=st.floats(-1e9, 1e9))
resize = _obj(container=ids, version=st.integers(0, 2**31 - 1), vcores=st.integers(1, 64),
              memory_mb=st.integers(1, 2**40), reason=ids)
cycle_reply = _obj(
    schema=schema, type=st.just("cycle_reply"), seq=counts, status=st.sampled_from(REPLY_STATUSES),
    message=ids, placements=st.lists(placement, max_size=4), decide_ms=st.floats(0, 1e6),
    resizes=st.lists(resize, max_size=3))
hello = _obj(schema=schema, type=st.just("hello"), rm_id=ids, shim_version=ids,
             capabilities=st.lists(st.sampled_from(["resize", "other"]), max_size=2))
hello_reply = _obj(schema=schema, type=st.just("hello_reply"), core_version=ids,
                   status=st.sampled_from(HELLO_STATUSES), message=ids,
                   capabilities=st.lists(st.sampled_from(["resize", "other"]), max_size=2))

VALID = st.one_of(st.sampled_from(_examples()), cycle_request, cycle_reply, hello, hello_reply)
CASES = st.tuples(json_cases(VALID), st.booleans())


def handle(case: tuple[bytes, bool]) -> Outcome:
    """Decode as the core does (requests only, or any message); an accepted message must
    survive encode -> decode -> encode unchanged."""
    data, as_request = case
    try:
        message = decode_request(data) if as_request else decode_message(data)
    except MessageError as exc:
        return refused(str(exc), lambda m: bool(NAMED.match(m)))
    encoded = encode_message(message)
    again = encode_message(decode_message(encoded))
    if again != encoded:
        return crash(f"round trip changed the message: {encoded[:200]!r} -> {again[:200]!r}")
    return ACCEPTED
