"""The workload format yarn-elastic-workload/1: what parses, what each mistake reads as, and
that dump then load gives the workload back."""

from __future__ import annotations

import copy
import gzip
import json
import math
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yarn_elastic.simulator.model import (
    FORMAT,
    USAGE_KEYS,
    AppSpec,
    NodeGroup,
    Request,
    RoleSpec,
    Workload,
)
from yarn_elastic.simulator.workload import (
    APP_KEYS,
    NODE_KEYS,
    ROLE_KEYS,
    TOP_KEYS,
    WorkloadError,
    dump_workload,
    load_workload,
    parse_workload,
    workload_to_json,
)

Doc = dict[str, Any]


def usage(slots: int, cpu: float = 1.0, memory: float = 512.0) -> dict[str, list[float]]:
    return {"cpu_vcores": [cpu] * slots, "memory_mb": [memory] * slots,
            "disk_mb_per_s": [0.0] * slots, "network_mb_per_s": [5.0] * slots}


def minimal() -> Doc:
    """The least a valid document holds: one node group, one app with one executor role."""
    return {"format": FORMAT, "slot_seconds": 3,
            "nodes": [{"name": "std", "count": 2, "vcores": 16, "memory_mb": 65536,
                       "disk_mb_per_s": 500, "network_mb_per_s": 1250}],
            "apps": [{"id": "a-1", "name": "a", "arrival_s": 0,
                      "roles": [{"role": "executor", "count": 2,
                                 "request": {"vcores": 1, "memory_mb": 1024},
                                 "usage": {"cpu_vcores": [0.5, 1, 0.25],
                                           "memory_mb": [100, 200, 300],
                                           "disk_mb_per_s": [0, 0, 7],
                                           "network_mb_per_s": [1, 2, 3]}}]}]}


def app(app_id: str, arrival: float | None, slots: int = 4) -> Doc:
    body: Doc = {"id": app_id, "name": app_id.split("-")[0], "type": "SPARK", "queue": "etl",
                 "user": "ana", "tags": [f"input={slots * 512}"], "input_mb": slots * 512,
                 "roles": [{"role": "am", "count": 1, "request": {"vcores": 1, "memory_mb": 1024},
                            "usage": usage(slots + 1, 0.2, 600)},
                           {"role": "executor", "count": 4,
                            "request": {"vcores": 2, "memory_mb": 4096},
                            "usage": usage(slots, 1.7, 3000.5)}]}
    if arrival is not None:
        body["arrival_s"] = arrival
    return body


def rich() -> Doc:
    """Every optional field used: two node groups, history (one app without arrival_s), an
    app with a deadline, a divisible one, an unknown input size."""
    doc = minimal()
    doc["nodes"].append({"name": "big", "count": 1, "vcores": 64, "memory_mb": 262144,
                         "disk_mb_per_s": 2000.5, "network_mb_per_s": 2500})
    doc["history"] = [app("etl-0", None), app("etl-1", 40.25, 6)]
    doc["apps"] = [app("etl-2", 12.3), app("etl-3", 99, 2)]
    doc["apps"][0]["deadline_s"] = 600
    doc["apps"][1].update(divisible=True, input_mb=None)
    return doc


EXAMPLES = {"minimal": minimal, "rich": rich}


def test_minimal_parses_to_the_right_arrays_and_defaults() -> None:
    workload = parse_workload(minimal(), name="m")
    assert (workload.name, workload.slot_seconds, workload.history) == ("m", 3.0, ())
    assert workload.node_count == 2
    assert workload.capacity().tolist() == [32, 131072, 1000, 2500]
    (spec,) = workload.apps
    assert (spec.type, spec.queue, spec.user, spec.tags, spec.input_mb) == (
        "SPARK", "default", "", (), None)
    assert (spec.deadline_s, spec.divisible, spec.am) == (None, False, None)
    (role,) = spec.executors
    assert (role.count, role.request.vcores, role.request.memory_mb) == (2, 1.0, 1024.0)
    assert role.usage.dtype == np.float64 and role.usage.shape == (len(USAGE_KEYS), 3)
    np.testing.assert_array_equal(role.usage, [[0.5, 1, 0.25], [100, 200, 300], [0, 0, 7],
                                               [1, 2, 3]])


def test_rich_keeps_file_order_and_optional_fields() -> None:
    workload = parse_workload(rich())
    assert [a.id for a in workload.history] == ["etl-0", "etl-1"]
    assert [a.id for a in workload.apps] == ["etl-2", "etl-3"]
    assert workload.history[0].arrival_s == 0.0  # absent in history
    first, second = workload.apps
    assert (first.arrival_s, first.deadline_s, first.input_mb, first.tags) == (
        12.3, 600.0, 2048.0, ("input=2048",))
    assert (second.divisible, second.input_mb) == (True, None)
    assert first.am is not None and first.am.usage.shape == (4, 5)
    assert [r.role for r in first.executors] == ["executor"]


def at(*path: str | int) -> Callable[[Doc], Any]:
    """The container holding the field at `path` (all but its last step)."""
    def get(doc: Doc) -> Any:
        node: Any = doc
        for step in path:
            node = node[step]
        return node
    return get


def setting(value: Any, *path: str | int) -> Callable[[Doc], None]:
    def edit(doc: Doc) -> None:
        at(*path[:-1])(doc)[path[-1]] = value
    return edit


def deleting(*path: str | int) -> Callable[[Doc], None]:
    def edit(doc: Doc) -> None:
        del at(*path[:-1])(doc)[path[-1]]
    return edit


def appending(value: Any, *path: str | int) -> Callable[[Doc], None]:
    def edit(doc: Doc) -> None:
        at(*path)(doc).append(copy.deepcopy(value))
    return edit


EXEC = ("apps", 0, "roles", 1)
USAGE = (*EXEC, "usage")
AM_ROLE = {"role": "am", "count": 1, "request": {"vcores": 1, "memory_mb": 1}, "usage": usage(1)}

# (case, edit of rich(), the message's start, whether the JSON Schema rejects it too)
BAD: list[tuple[str, Callable[[Doc], None], str, bool]] = [
    ("wrong format", setting("yarn-elastic-workload/2", "format"),
     '$.format: expected "yarn-elastic-workload/1", got "yarn-elastic-workload/2"', True),
    ("format absent", deleting("format"), "$.format: expected", True),
    ("not an object", lambda d: d.clear(), "$.format: expected", True),
    ("unknown top key", setting([], "app"), "$.app: unknown key (did you mean 'apps'?); the "
     "keys allowed here are format, slot_seconds, nodes, history, apps", True),
    ("non-string key", setting(1, 7), '$["7"]: unknown key', False),
    ("slot_seconds 0", setting(0, "slot_seconds"), "$.slot_seconds: expected a number > 0",
     True),
    ("missing nodes", deleting("nodes"),
     "$.nodes: expected a non-empty list of node groups, got nothing (the field is missing)", True),
    ("empty nodes", setting([], "nodes"), "$.nodes: expected a non-empty list", True),
    ("bool as number", setting(True, "nodes", 0, "vcores"),
     "$.nodes[0].vcores: expected a number > 0, got true", True),
    ("disk capacity 0", setting(0, "nodes", 1, "disk_mb_per_s"), "$.nodes[1].disk_mb_per_s:", True),
    ("node count 0", setting(0, "nodes", 0, "count"), "$.nodes[0].count: expected an integer >= 1",
     True),
    ("node count float", setting(2.0, "nodes", 0, "count"), "$.nodes[0].count: expected an "
     "integer >= 1, got 2.0", False),
    ("duplicate node name", setting("std", "nodes", 1, "name"), '$.nodes[1].name: expected a '
     'unique node name, got "std" again (first at $.nodes[0].name)', False),
    ("history not a list", setting({}, "history"), "$.history: expected a list of apps", True),
    ("empty apps", setting([], "apps"), "$.apps: expected a non-empty list of apps, got []", True),
    ("negative usage", setting(-1, *USAGE, "memory_mb", 2),
     "$.apps[0].roles[1].usage.memory_mb[2]: expected a number >= 0, got -1", True),
    ("NaN usage", setting(math.nan, *USAGE, "cpu_vcores", 0),
     "$.apps[0].roles[1].usage.cpu_vcores[0]: expected a number >= 0, got NaN", False),
    ("infinite usage", setting(math.inf, *USAGE, "disk_mb_per_s", 3),
     "$.apps[0].roles[1].usage.disk_mb_per_s[3]: expected a number", False),
    ("huge int usage", setting(10**400, *USAGE, "disk_mb_per_s", 1),
     "$.apps[0].roles[1].usage.disk_mb_per_s[1]: expected a number", False),
    ("5000-digit int", setting(10**5000, *USAGE, "cpu_vcores", 1),
     "$.apps[0].roles[1].usage.cpu_vcores[1]: expected a number >= 0, got a value of type int",
     False),
    ("string usage", setting("1", *USAGE, "network_mb_per_s", 0),
     "$.apps[0].roles[1].usage.network_mb_per_s[0]: expected a number", True),
    ("unequal usage lengths", appending(1.0, *USAGE, "memory_mb"),
     "$.apps[0].roles[1].usage: expected the four curves to have the same number of slots, got "
     "cpu_vcores 4, memory_mb 5, disk_mb_per_s 4, network_mb_per_s 4", False),
    ("unknown usage key", setting([1.0], *USAGE, "gpu"),
     "$.apps[0].roles[1].usage.gpu: unknown key; the keys allowed here are cpu_vcores, "
     "memory_mb, disk_mb_per_s, network_mb_per_s", True),
    ("missing usage key", deleting(*USAGE, "network_mb_per_s"),
     "$.apps[0].roles[1].usage.network_mb_per_s: expected a non-empty list of numbers", True),
    ("empty curve", setting([], *USAGE, "cpu_vcores"), "$.apps[0].roles[1].usage.cpu_vcores: "
     "expected a non-empty list of numbers >= 0, one per slot, got []", True),
    ("unknown app key", setting(1, "apps", 1, "arival_s"),
     "$.apps[1].arival_s: unknown key (did you mean 'arrival_s'?); the keys allowed here are id,",
     True),
    ("duplicate app id", setting("etl-0", "apps", 1, "id"), '$.apps[1].id: expected an app id '
     'unique across history and apps, got "etl-0" again (first at $.history[0].id)', False),
    ("two am roles", appending(AM_ROLE, "apps", 0, "roles"), '$.apps[0].roles[2].role: expected '
     'at most one role named "am" (the ApplicationMaster), got "am" again', True),
    ("am count 2", setting(2, "apps", 0, "roles", 0, "count"),
     '$.apps[0].roles[0].count: expected 1 for the "am" role', True),
    ("no executor role", deleting(*EXEC),
     "$.apps[0].roles: expected at least one executor role", True),
    ("duplicate role name", appending(rich()["apps"][0]["roles"][1], "apps", 0, "roles"),
     "$.apps[0].roles[2].role: expected a role name unique within the app", False),
    ("empty roles", setting([], "apps", 0, "roles"), "$.apps[0].roles: expected a non-empty", True),
    ("arrival missing in apps", deleting("apps", 0, "arrival_s"),
     "$.apps[0].arrival_s: expected a number >= 0, got nothing", True),
    ("arrival negative in history", setting(-5, "history", 1, "arrival_s"),
     "$.history[1].arrival_s: expected a number >= 0, got -5", True),
    ("empty name", setting("", "history", 0, "name"),
     '$.history[0].name: expected a non-empty string, got ""', True),
    ("null type", setting(None, "apps", 0, "type"), "$.apps[0].type: expected a non-empty "
     "string, got null", True),
    ("tag not a string", setting([1], "apps", 0, "tags"), "$.apps[0].tags[0]: expected a string",
     True),
    ("input_mb as string", setting("2048", "apps", 0, "input_mb"),
     '$.apps[0].input_mb: expected a number >= 0 or null, got "2048"', True),
    ("deadline 0", setting(0, "apps", 0, "deadline_s"), "$.apps[0].deadline_s: expected a "
     "number > 0 or null", True),
    ("divisible as string", setting("yes", "apps", 1, "divisible"), "$.apps[1].divisible: "
     'expected true or false, got "yes"', True),
    ("request missing", deleting(*EXEC, "request"), "$.apps[0].roles[1].request: expected an "
     "object {vcores, memory_mb}, got nothing", True),
    ("request vcores 0", setting(0, *EXEC, "request", "vcores"),
     "$.apps[0].roles[1].request.vcores: expected a number > 0, got 0", True),
    ("role count bool", setting(False, *EXEC, "count"), "$.apps[0].roles[1].count: expected an "
     "integer >= 1, got false", True),
]


@pytest.mark.parametrize(("edit", "message"), [c[1:3] for c in BAD], ids=[c[0] for c in BAD])
def test_each_mistake_names_its_json_path(edit: Callable[[Doc], None], message: str) -> None:
    doc = rich()
    edit(doc)
    with pytest.raises(WorkloadError) as caught:
        parse_workload(doc)
    assert str(caught.value).startswith(message), str(caught.value)


def test_a_document_that_is_not_an_object() -> None:
    with pytest.raises(WorkloadError, match=r"^\$: expected a JSON object"):
        parse_workload([minimal()])


FILES: list[tuple[str, str, bytes, str]] = [
    ("missing file", "nothing.json", b"", ": cannot read the workload file (No such file"),
    ("bad gzip", "w.json.gz", b'{"format": 1}', ": not a valid gzip file ("),
    ("truncated gzip", "w.json.gz", gzip.compress(b'{"format": "x"}')[:12],
     ": not a valid gzip file ("),
    ("bad JSON", "w.json", b'{"format": "yarn-elastic-workload/1",\n "nodes": [}',
     ": not valid JSON at line 2 column 12 ("),
    ("gzip named .json", "w.json", gzip.compress(b"{}"), ": not valid UTF-8 JSON ("),
    # Found by benchmarks/reliability/fuzz.py: json.loads' ValueError escaped as a crash.
    ("5000-digit number", "w.json", b'{"slot_seconds": ' + b"9" * 5000 + b"}",
     ": a number in it is out of range ("),
    ("field error in a file", "w.json", b'{"format": "yarn-elastic-workload/1"}',
     "$.slot_seconds: expected a number > 0, got nothing"),
]


@pytest.mark.parametrize(("name", "content", "message"), [c[1:] for c in FILES],
                         ids=[c[0] for c in FILES])
def test_file_mistakes_name_the_file(tmp_path: Path, name: str, content: bytes,
                                     message: str) -> None:
    file = tmp_path / name
    if name != "nothing.json":
        file.write_bytes(content)
    with pytest.raises(WorkloadError) as caught:
        load_workload(file)
    text = str(caught.value)
    if message.startswith("$"):
        assert text.startswith(message) and text.endswith(f"(in {file})"), text
    else:
        assert text.startswith(f"{file}{message}"), text
    if content[:2] == b"\x1f\x8b" and not name.endswith(".gz"):
        assert text.endswith("it looks gzip-compressed, so name it *.gz"), text


@pytest.mark.parametrize("suffix", [".json", ".json.gz"])
@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_dump_then_load_gives_the_workload_back(tmp_path: Path, suffix: str,
                                                example: str) -> None:
    doc = EXAMPLES[example]()
    doc["apps"][0]["roles"][-1]["usage"]["cpu_vcores"][0] = 1 / 3  # rounds to 0.333333
    original = parse_workload(doc)
    file = tmp_path / f"trace{suffix}"
    dump_workload(original, file)
    loaded = load_workload(file)
    assert loaded.name == "trace"
    assert workload_to_json(loaded) == workload_to_json(original)
    for old, new in zip(original.history + original.apps, loaded.history + loaded.apps,
                        strict=True):
        assert (old.id, old.arrival_s, old.input_mb, old.tags) == (
            new.id, new.arrival_s, new.input_mb, new.tags)
        for a, b in zip(old.roles, new.roles, strict=True):
            np.testing.assert_allclose(b.usage, a.usage, rtol=5e-6)
    assert loaded.apps[0].roles[-1].usage[0, 0] == 0.333333
    before = file.read_bytes()
    dump_workload(loaded, file)
    assert file.read_bytes() == before  # reproducible, gzip included


def test_a_workload_built_in_python_with_ints_dumps(tmp_path: Path) -> None:
    group = NodeGroup("std", 2, 16, 65536, 500, 1250)  # ints where the model says float
    role = RoleSpec("executor", 1, Request(1, 1024), np.ones((4, 2), dtype=np.float64))
    spec = AppSpec("a-1", "a", "SPARK", "default", "", (), 5, 0, (role,))
    dump_workload(Workload(3, (group,), (), (spec,)), tmp_path / "py.json")
    loaded = load_workload(tmp_path / "py.json", name="given")
    assert (loaded.name, loaded.nodes, loaded.apps[0].input_mb) == ("given", (group,), 0.0)
    assert json.loads((tmp_path / "py.json").read_text())["apps"][0]["roles"][0]["usage"][
        "memory_mb"] == [1, 1]


def test_the_example_in_the_docs_parses() -> None:
    text = (Path(__file__).parents[3] / "docs" / "simulator.md").read_text()
    section = text.split("## The workload format (yarn-elastic-workload/1)")[1].split("\n## ")[0]
    example = json.loads(section.split("```json\n")[1].split("```")[0])
    assert parse_workload(example).apps[0].roles[1].usage.shape == (4, 3)


# --- the JSON Schema ---------------------------------------------------------------------------

def schema() -> Doc:
    text = (resources.files("yarn_elastic.simulator") / "workload.schema.json").read_text()
    loaded: Doc = json.loads(text)
    return loaded


def test_schema_lists_the_same_keys_as_the_parser() -> None:
    defs = schema()["$defs"]
    assert tuple(schema()["properties"]) == TOP_KEYS
    assert tuple(defs["nodeGroup"]["properties"]) == NODE_KEYS
    assert set(defs["appFields"]["properties"]) == set(APP_KEYS)
    assert tuple(defs["role"]["properties"]) == ROLE_KEYS
    assert tuple(defs["role"]["properties"]["usage"]["properties"]) == USAGE_KEYS


def validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(schema())
    return jsonschema.Draft202012Validator(schema())


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_every_example_validates_against_the_schema(example: str) -> None:
    check = validator()
    doc = EXAMPLES[example]()
    check.validate(doc)
    check.validate(workload_to_json(parse_workload(doc)))


SCHEMA_BAD = [c for c in BAD if c[3]]


@pytest.mark.parametrize("edit", [c[1] for c in SCHEMA_BAD], ids=[c[0] for c in SCHEMA_BAD])
def test_the_schema_rejects_what_it_can_express(edit: Callable[[Doc], None]) -> None:
    check = validator()
    doc = rich()
    edit(doc)
    assert not check.is_valid(doc)


# --- property: any mutation parses or raises WorkloadError, nothing else --------------------------

KEY_NAMES = st.sampled_from([*TOP_KEYS, *APP_KEYS, *NODE_KEYS, *ROLE_KEYS, *USAGE_KEYS, "x"])
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.just(10**400) | st.floats()
    | st.text(max_size=4) | st.sampled_from(["am", "executor", "std", "etl-0", FORMAT]),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(KEY_NAMES | st.integers(0, 3), inner, max_size=3),
    max_leaves=6)


def places(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path in the document: containers (the root too) and leaves."""
    found = [path]
    for key, child in (node.items() if isinstance(node, dict) else enumerate(node)):
        found += places(child, (*path, key)) if isinstance(child, (dict, list)) else [(*path, key)]
    return found


def mutate(doc: Doc, data: st.DataObject) -> None:
    """At a place chosen uniformly over all paths: replace, delete, add a key or an item
    (a random one or a copy of a sibling). Deep places (curves) dominate, as in real files."""
    path = data.draw(st.sampled_from(places(doc)))
    action = data.draw(st.sampled_from(["replace", "delete", "add", "duplicate"]) if path
                       else st.just("add"))
    node: Any = at(*path[:-1])(doc) if path else doc
    value = data.draw(VALUES | st.integers(1, 100) | st.floats(0, 1e6))
    if action == "replace":
        node[path[-1]] = value
    elif action == "delete":
        del node[path[-1]]
    else:
        extra = value if action == "add" else copy.deepcopy(node[path[-1]])
        if isinstance(node, dict):
            node[data.draw(KEY_NAMES)] = extra
        else:
            node.append(extra)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_mutations_parse_or_raise_workload_error(data: st.DataObject) -> None:
    doc = rich()
    for _ in range(data.draw(st.integers(1, 3))):
        mutate(doc, data)
    try:
        workload = parse_workload(doc)
    except WorkloadError as exc:
        assert str(exc).startswith("$"), str(exc)
        return
    again = workload_to_json(parse_workload(workload_to_json(workload)))
    assert again == workload_to_json(workload)


@pytest.mark.parametrize(("share", "error"), [(0.0, True), (1.5, True), (True, True),
                                              (0.5, False), (1.0, False)])
def test_the_am_share_is_a_share_of_the_cluster(share: object, error: bool) -> None:
    body = minimal()
    body["am_share"] = share
    if error:
        with pytest.raises(WorkloadError, match=r"^\$\.am_share"):
            parse_workload(body)
    else:
        workload = parse_workload(body)
        assert workload.am_share == share
        assert parse_workload(workload_to_json(workload)).am_share == share
