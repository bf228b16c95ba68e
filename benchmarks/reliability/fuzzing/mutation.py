"""Bad JSON in all its forms, built from good documents: a field dropped, added or duplicated,
a value of the wrong type or out of range, strange unicode, and bytes that are not JSON at all
(truncated, damaged, nested too deep, integers too long to convert)."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import strategies as st

# Values a producer could send by mistake: edges of Java's and SQLite's integers, floats that
# JSON cannot carry, lone surrogates (valid as JSON escapes, invalid UTF-8), control characters.
EDGE_NUMBERS = st.sampled_from([
    0, -1, 1, 2**31 - 1, 2**31, -2**31 - 1, 2**53 + 1, 2**63 - 1, 2**63, 2**64 + 1, -2**63 - 1,
    10**30, 0.5, -0.0, 1e-320, 1e308, -1e308, float("inf"), float("-inf"), float("nan"),
])
EDGE_TEXT = st.sampled_from([
    "", " ", "\x00", "\ud800", "a\udfff", "\udc00b", "x\ud83d", "\u202e", "\ufeff", "é",
    "漢字", "\U0001f600", "a" * 5000, "null", "1", "true", "../../etc/passwd", "%00", "{}",
    "[]", "\n", "\\",
])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), EDGE_NUMBERS, EDGE_TEXT,
    st.text(max_size=12),
)
VALUES: st.SearchStrategy[Any] = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=4),
    st.dictionaries(st.text(max_size=6), SCALARS, max_size=3),
)
KEYS = st.one_of(st.text(max_size=8), EDGE_TEXT)

Path = tuple[Any, ...]


def places(node: Any, path: Path = ()) -> list[Path]:
    """Every path in a document, the root and containers included."""
    found = [path]
    if isinstance(node, dict):
        for key, child in node.items():
            found += places(child, (*path, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += places(child, (*path, index))
    return found


def _by_shape(doc: Any) -> list[list[Path]]:
    shapes: dict[tuple[Any, ...], list[Path]] = {}
    for path in places(doc):
        shapes.setdefault(tuple("*" if isinstance(s, int) else s for s in path), []).append(path)
    return list(shapes.values())


def _at(doc: Any, path: Path) -> Any:
    for step in path:
        doc = doc[step]
    return doc


STRANGE_TEXT = st.one_of(EDGE_TEXT, st.tuples(st.text(max_size=4), EDGE_TEXT).map("".join))
_ACTIONS = ("replace", "delete", "add", "duplicate", "same-type", "same-type")


def _same_type(draw: st.DrawFn, value: Any) -> Any:
    """A value of the type `value` has, at an edge: what passes a type check and fails later."""
    if isinstance(value, str):
        return draw(STRANGE_TEXT)
    if isinstance(value, bool) or value is None:
        return draw(VALUES)
    if isinstance(value, (int, float)):
        return draw(EDGE_NUMBERS)
    return [] if isinstance(value, list) else {}


def mutate(draw: st.DrawFn, doc: Any, steps: int) -> Any:
    """A deep copy of `doc` with `steps` changes. Each place is chosen by its shape first
    (`samples[*].node` is one shape however many samples there are), so a field met once in a
    document is as likely to be hit as one repeated in every sample."""
    doc = copy.deepcopy(doc)
    for _ in range(steps):
        path = draw(st.sampled_from(draw(st.sampled_from(_by_shape(doc)))))
        if not path:
            return draw(VALUES) if draw(st.booleans()) else doc
        parent = _at(doc, path[:-1])
        action = draw(st.sampled_from(_ACTIONS))
        if action == "replace":
            parent[path[-1]] = draw(VALUES)
        elif action == "same-type":
            parent[path[-1]] = _same_type(draw, parent[path[-1]])
        elif action == "delete":
            del parent[path[-1]]
        else:
            extra = draw(VALUES) if action == "add" else copy.deepcopy(parent[path[-1]])
            if isinstance(parent, dict):
                parent[draw(KEYS)] = extra
            else:
                parent.append(extra)
    return doc


def dumps(doc: Any) -> bytes:
    """JSON as Python writes it, NaN and Infinity included (Python reads them back: a producer
    in Python could send them), lone surrogates escaped."""
    return json.dumps(doc, allow_nan=True).encode()


@st.composite
def damaged(draw: st.DrawFn, text: bytes) -> bytes:
    """`text` truncated, with bytes flipped or inserted, or replaced by something else."""
    how = draw(st.sampled_from(["truncate", "flip", "insert", "binary", "deep", "digits",
                                "bom", "empty"]))
    if how == "truncate" and text:
        return text[: draw(st.integers(0, len(text) - 1))]
    if how == "flip" and text:
        at = draw(st.integers(0, len(text) - 1))
        return text[:at] + bytes([draw(st.integers(0, 255))]) + text[at + 1:]
    if how == "insert":
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(st.binary(min_size=1, max_size=8)) + text[at:]
    if how == "deep":
        depth = draw(st.sampled_from([100, 5_000, 200_000]))
        opener = draw(st.sampled_from([b"[", b'{"a":']))
        return opener * depth
    if how == "digits":
        return b'{"schema":' + b"9" * draw(st.sampled_from([400, 4_301, 20_000])) + b"}"
    if how == "bom":
        return b"\xef\xbb\xbf" + text
    if how == "empty":
        return b""
    return draw(st.binary(max_size=64))


@st.composite
def json_cases(draw: st.DrawFn, valid: st.SearchStrategy[Any]) -> bytes:
    """Bytes from a valid document: a third as they are, a half mutated, the rest damaged."""
    doc = draw(valid)
    roll = draw(st.integers(0, 5))
    if roll <= 1:
        return dumps(doc)
    if roll <= 4:
        return dumps(mutate(draw, doc, draw(st.integers(1, 3))))
    return draw(damaged(dumps(doc)))
