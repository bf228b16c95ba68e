"""Workload files for the simulator (`yarn-elastic-workload/1`, docs/simulator.md), read from
disk by `load_workload` as `yarn-elastic simulate` reads them: JSON or gzip-compressed JSON.
A refusal must be a WorkloadError starting with the JSON path of the bad field, or the file's
name for a file that is not JSON at all; an accepted workload must dump and re-read to itself.
The simulator is not run on the accepted ones: this fuzzes the file, not the engine."""

from __future__ import annotations

import gzip
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from yarn_elastic.simulator.model import FORMAT
from yarn_elastic.simulator.workload import WorkloadError, load_workload, workload_to_json

from benchmarks.reliability.fuzzing.engine import ACCEPTED, Family, Outcome, crash, refused
from benchmarks.reliability.fuzzing.mutation import dumps, json_cases

_amount = st.one_of(st.integers(0, 10**6), st.floats(0, 1e6))
_positive = st.one_of(st.integers(1, 10**6), st.floats(0.5, 1e6))
_name = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)


@st.composite
def _usage(draw: st.DrawFn) -> dict[str, list[Any]]:
    slots = draw(st.integers(1, 6))
    curve = st.lists(_amount, min_size=slots, max_size=slots)
    return {k: draw(curve) for k in ("cpu_vcores", "memory_mb", "disk_mb_per_s",
                                     "network_mb_per_s")}


def _role(role: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({
        "role": st.just(role), "count": st.just(1) if role == "am" else st.integers(1, 50),
        "request": st.fixed_dictionaries({"vcores": _positive, "memory_mb": _positive}),
        "usage": _usage()})


_app = st.fixed_dictionaries(
    {"id": _name, "name": _name, "arrival_s": _amount,
     "roles": st.tuples(_role("am"), _role("executor")).map(list)},
    optional={"type": st.sampled_from(["SPARK", "MAPREDUCE"]), "queue": _name, "user": _name,
              "tags": st.lists(_name, max_size=2), "input_mb": st.none() | _amount,
              "deadline_s": _positive, "divisible": st.booleans()})
_node = st.fixed_dictionaries({"name": _name, "count": st.integers(1, 100),
                               "vcores": _positive, "memory_mb": _positive,
                               "disk_mb_per_s": _positive, "network_mb_per_s": _positive})


def _unique_ids(doc: dict[str, Any]) -> dict[str, Any]:
    """Ids and node-group names made unique: a clash is a refusal, which mutation finds."""
    for key, field in (("apps", "id"), ("history", "id"), ("nodes", "name")):
        for i, item in enumerate(doc.get(key, [])):
            item[field] = f"{item[field]}-{i}"
    return doc


VALID = st.fixed_dictionaries(
    {"format": st.just(FORMAT), "slot_seconds": _positive,
     "nodes": st.lists(_node, min_size=1, max_size=2), "apps": st.lists(_app, min_size=1,
                                                                         max_size=3)},
    optional={"history": st.lists(_app, max_size=2),
              "am_share": st.floats(0.01, 1)}).map(_unique_ids)
CASES = st.tuples(json_cases(VALID), st.booleans())


def handler(directory: Path) -> Callable[[tuple[bytes, bool]], Outcome]:
    numbers = itertools.count()

    def handle(case: tuple[bytes, bool]) -> Outcome:
        data, gz = case
        path = directory / f"w{next(numbers)}.json{'.gz' if gz else ''}"
        path.write_bytes(gzip.compress(data, compresslevel=1) if gz else data)
        try:
            workload = load_workload(path)
        except WorkloadError as exc:
            return refused(str(exc), lambda m: m.startswith(("$", str(path))))
        finally:
            path.unlink()
        again = directory / "again.json"
        again.write_bytes(dumps(workload_to_json(workload)))
        if workload_to_json(load_workload(again, workload.name)) != workload_to_json(workload):
            return crash("the workload did not dump and re-read to itself")
        return ACCEPTED

    return handle


def family(directory: Path) -> Family:
    return Family(CASES, handler(directory))
