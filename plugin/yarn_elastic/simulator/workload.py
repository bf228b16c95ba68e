"""The workload file format `yarn-elastic-workload/1`: parse, load and dump.

docs/simulator.md describes every field and workload.schema.json is its JSON Schema. A bad
document raises `WorkloadError`, whose message starts with the JSON path of the bad field and
says what belongs there, e.g. `$.apps[3].roles[1].usage.memory_mb[7]: expected a number >= 0,
got -1`.
"""

from __future__ import annotations

import difflib
import gzip
import json
import math
import numbers
import os
import zlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from yarn_elastic.resources import CurveArray
from yarn_elastic.simulator.model import (
    AM_ROLE,
    DEFAULT_AM_SHARE,
    FORMAT,
    USAGE_KEYS,
    AppSpec,
    NodeGroup,
    Request,
    RoleSpec,
    Workload,
)

TOP_KEYS = ("format", "slot_seconds", "nodes", "history", "apps", "am_share")
NODE_KEYS = ("name", "count", "vcores", "memory_mb", "disk_mb_per_s", "network_mb_per_s")
APP_KEYS = ("id", "name", "type", "queue", "user", "tags", "arrival_s", "input_mb", "roles",
            "deadline_s", "divisible")
ROLE_KEYS = ("role", "count", "request", "usage")
REQUEST_KEYS = ("vcores", "memory_mb")
_MISSING: object = object()  # what a reader gets for a required field that is absent


class WorkloadError(ValueError):
    """A workload document is unusable; the message starts with the JSON path of the bad field
    (or the file name) and says what is expected there."""


def _show(value: object) -> str:
    if value is _MISSING:
        return "nothing (the field is missing)"
    text = f"a value of type {type(value).__name__}"
    for render in (json.dumps, repr):  # repr for what JSON lacks; neither for 5000-digit ints
        try:
            text = render(value)
            break
        except (TypeError, ValueError, RecursionError):
            continue
    return text if len(text) <= 60 else text[:57] + "..."


def _fail(path: str, expected: str, value: object) -> WorkloadError:
    return WorkloadError(f"{path}: expected {expected}, got {_show(value)}")


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if key.isidentifier() else f"{path}[{json.dumps(key)}]"


def _object(value: object, path: str, what: str, allowed: tuple[str, ...]) -> dict[str, object]:
    if not isinstance(value, dict):
        raise _fail(path, what, value)
    for key in value:
        if not isinstance(key, str) or key not in allowed:
            label = key if isinstance(key, str) else _show(key)
            close = difflib.get_close_matches(label, allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise WorkloadError(f"{_child(path, label)}: unknown key{hint}; the keys allowed "
                                f"here are {', '.join(allowed)}")
    return value


def _number(value: object, path: str, strict: bool = False, or_null: str = "") -> float:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if math.isfinite(number) and (number > 0 if strict else number >= 0):
            return number
    raise _fail(path, f"a number {'>' if strict else '>='} 0{or_null}", value)


def _maybe_number(value: object, path: str, strict: bool = False) -> float | None:
    return None if value is None else _number(value, path, strict, or_null=" or null")


def _integer(value: object, path: str) -> int:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and int(value) >= 1:
        return int(value)
    raise _fail(path, "an integer >= 1", value)


def _string(value: object, path: str, nonempty: bool = True) -> str:
    if isinstance(value, str) and (value or not nonempty):
        return value
    raise _fail(path, "a non-empty string" if nonempty else "a string", value)


def _list(value: object, path: str, what: str, nonempty: bool = True) -> list[object]:
    if isinstance(value, list) and (value or not nonempty):
        return value
    raise _fail(path, what, value)


def _unique(items: Iterable[tuple[str, str]], what: str) -> None:
    """`items` are (path, key) pairs; a key seen before is an error at its second path."""
    seen: dict[str, str] = {}
    for path, key in items:
        if key in seen:
            raise WorkloadError(f"{path}: expected {what}, got {json.dumps(key)} again "
                                f"(first at {seen[key]})")
        seen[key] = path


def _curve(value: object, path: str) -> CurveArray:
    items = _list(value, path, "a non-empty list of numbers >= 0, one per slot")
    if all(type(v) is float or type(v) is int for v in items):  # the fast path
        try:
            array = np.array(items, dtype=np.float64)
            if bool(np.all(np.isfinite(array) & (array >= 0))):
                return array
        except OverflowError:
            pass
    return np.array([_number(v, f"{path}[{i}]") for i, v in enumerate(items)], dtype=np.float64)


def _usage(value: object, path: str) -> CurveArray:
    obj = _object(value, path, f"an object with the curves {', '.join(USAGE_KEYS)}", USAGE_KEYS)
    curves = [_curve(obj.get(key, _MISSING), f"{path}.{key}") for key in USAGE_KEYS]
    if len({len(curve) for curve in curves}) > 1:
        got = ", ".join(f"{key} {len(c)}" for key, c in zip(USAGE_KEYS, curves, strict=True))
        raise WorkloadError(f"{path}: expected the four curves to have the same number of "
                            f"slots, got {got}")
    return np.stack(curves)


def _role(value: object, path: str) -> RoleSpec:
    obj = _object(value, path, "a role object", ROLE_KEYS)
    role = _string(obj.get("role", _MISSING), path + ".role")
    count = _integer(obj.get("count", _MISSING), path + ".count")
    if role == AM_ROLE and count != 1:
        raise _fail(path + ".count", '1 for the "am" role (an app has one ApplicationMaster)',
                    count)
    where = path + ".request"
    req = _object(obj.get("request", _MISSING), where, "an object {vcores, memory_mb}",
                  REQUEST_KEYS)
    request = Request(_number(req.get("vcores", _MISSING), where + ".vcores", strict=True),
                      _number(req.get("memory_mb", _MISSING), where + ".memory_mb", strict=True))
    return RoleSpec(role, count, request, _usage(obj.get("usage", _MISSING), path + ".usage"))


def _roles(value: object, path: str) -> tuple[RoleSpec, ...]:
    items = _list(value, path, "a non-empty list of roles")
    roles = tuple(_role(item, f"{path}[{i}]") for i, item in enumerate(items))
    paths = [(f"{path}[{i}].role", r.role) for i, r in enumerate(roles)]
    _unique([p for p in paths if p[1] == AM_ROLE],
            'at most one role named "am" (the ApplicationMaster)')
    _unique(paths, "a role name unique within the app")
    if all(role.is_am for role in roles):
        raise WorkloadError(f'{path}: expected at least one executor role (a role not named '
                            f'"am"), got only the am role')
    return roles


def _tags(value: object, path: str) -> tuple[str, ...]:
    items = _list(value, path, "a list of strings", nonempty=False)
    return tuple(_string(tag, f"{path}[{i}]", nonempty=False) for i, tag in enumerate(items))


def _bool(value: object, path: str) -> bool:
    if isinstance(value, bool):
        return value
    raise _fail(path, "true or false", value)


def _app(value: object, path: str, in_history: bool) -> AppSpec:
    obj = _object(value, path, "an app object", APP_KEYS)
    at = f"{path}."
    return AppSpec(  # keyword arguments are evaluated, so checked, in this order
        id=_string(obj.get("id", _MISSING), at + "id"),
        name=_string(obj.get("name", _MISSING), at + "name"),
        type=_string(obj.get("type", "SPARK"), at + "type"),
        queue=_string(obj.get("queue", "default"), at + "queue"),
        user=_string(obj.get("user", ""), at + "user", nonempty=False),
        tags=_tags(obj.get("tags", []), at + "tags"),
        arrival_s=_number(obj.get("arrival_s", 0 if in_history else _MISSING), at + "arrival_s"),
        input_mb=_maybe_number(obj.get("input_mb"), at + "input_mb"),
        roles=_roles(obj.get("roles", _MISSING), at + "roles"),
        deadline_s=_maybe_number(obj.get("deadline_s"), at + "deadline_s", strict=True),
        divisible=_bool(obj.get("divisible", False), at + "divisible"),
    )


def _node(value: object, path: str) -> NodeGroup:
    obj = _object(value, path, "a node group object", NODE_KEYS)
    name = _string(obj.get("name", _MISSING), path + ".name")
    count = _integer(obj.get("count", _MISSING), path + ".count")
    vcores, memory, disk, network = (
        _number(obj.get(key, _MISSING), f"{path}.{key}", strict=True) for key in NODE_KEYS[2:])
    return NodeGroup(name, count, vcores, memory, disk, network)


def parse_workload(body: object, name: str = "") -> Workload:
    """Check a decoded `yarn-elastic-workload/1` document and return its typed form."""
    if not isinstance(body, dict):
        raise _fail("$", f"a JSON object (a {FORMAT} document)", body)
    fmt = body.get("format", _MISSING)
    if not (isinstance(fmt, str) and fmt == FORMAT):
        raise _fail("$.format", json.dumps(FORMAT), fmt)
    top = _object(body, "$", "a JSON object", TOP_KEYS)
    slot_seconds = _number(top.get("slot_seconds", _MISSING), "$.slot_seconds", strict=True)
    node_items = _list(top.get("nodes", _MISSING), "$.nodes", "a non-empty list of node groups")
    nodes = tuple(_node(item, f"$.nodes[{i}]") for i, item in enumerate(node_items))
    _unique(((f"$.nodes[{i}].name", g.name) for i, g in enumerate(nodes)), "a unique node name")
    history_items = _list(top.get("history", []), "$.history", "a list of apps (may be empty)",
                          nonempty=False)
    history = tuple(_app(item, f"$.history[{i}]", True) for i, item in enumerate(history_items))
    app_items = _list(top.get("apps", _MISSING), "$.apps", "a non-empty list of apps")
    apps = tuple(_app(item, f"$.apps[{i}]", False) for i, item in enumerate(app_items))
    _unique([(f"$.history[{i}].id", a.id) for i, a in enumerate(history)]
            + [(f"$.apps[{i}].id", a.id) for i, a in enumerate(apps)],
            "an app id unique across history and apps")
    am_share = _number(top.get("am_share", DEFAULT_AM_SHARE), "$.am_share", strict=True)
    if am_share > 1.0:
        raise _fail("$.am_share", "a share of the cluster in (0, 1]", am_share)
    return Workload(slot_seconds, nodes, history, apps, name, am_share)


def _read_document(file: Path) -> object:
    gz = file.name.endswith(".gz")
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise WorkloadError(f"{file}: cannot read the workload file ({exc.strerror or exc}); "
                            f"check the path and its permissions") from exc
    if gz:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise WorkloadError(f"{file}: not a valid gzip file ({exc}); a name ending in .gz "
                                f"must hold gzip-compressed JSON: recompress it or drop the .gz"
                                ) from exc
    hint = "; it looks gzip-compressed, so name it *.gz" if data[:2] == b"\x1f\x8b" else ""
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise WorkloadError(f"{file}: not valid JSON at line {exc.lineno} column {exc.colno} "
                            f"({exc.msg}); fix the file{hint}") from exc
    except (UnicodeDecodeError, RecursionError) as exc:
        raise WorkloadError(f"{file}: not valid UTF-8 JSON ({exc}); fix the file{hint}") from exc
    except ValueError as exc:  # an integer of more digits than Python will convert
        raise WorkloadError(f"{file}: a number in it is out of range ({exc}); fix the file"
                            ) from exc


def _stem(file: Path) -> str:
    name = file.name.removesuffix(".gz")
    return name.removesuffix(".json") if name.endswith(".json") else Path(name).stem


def load_workload(path: str | os.PathLike[str], name: str = "") -> Workload:
    """Read a workload file: JSON, gzip-compressed when the name ends in .gz. The workload's
    name is `name`, else the file name without .json/.gz."""
    file = Path(path)
    body = _read_document(file)
    try:
        return parse_workload(body, name or _stem(file))
    except WorkloadError as exc:
        raise WorkloadError(f"{exc} (in {file})") from None


def _scalar(value: float) -> int | float:
    number = float(value)
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _curve_json(row: CurveArray) -> list[int] | list[float]:
    """One curve to 6 significant digits (as integers when all are integral), vectorised:
    rint(x * 10**n) / 10**n is the double nearest the 6-digit decimal when 10**n is exact
    (|n| <= 22); values outside that range (below 1e-17 or above 1e27) are kept unrounded."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        shift = 5 - np.floor(np.log10(np.abs(row)))
        exact = np.isfinite(shift) & (np.abs(shift) <= 22)
        scale = 10.0 ** np.where(exact, np.abs(shift), 0)
        rounded = np.where(shift >= 0, np.rint(row * scale) / scale, np.rint(row / scale) * scale)
        rounded = np.where(exact & np.isfinite(rounded), rounded, row)
    if bool(np.all(rounded == np.rint(rounded)) and np.all(np.abs(rounded) < 2**53)):
        return [int(v) for v in rounded.astype(np.int64).tolist()]
    return [float(v) for v in rounded.tolist()]


def _role_json(role: RoleSpec) -> dict[str, object]:
    request = {"vcores": _scalar(role.request.vcores), "memory_mb": _scalar(role.request.memory_mb)}
    usage = {key: _curve_json(row) for key, row in zip(USAGE_KEYS, role.usage, strict=True)}
    return {"role": role.role, "count": int(role.count), "request": request, "usage": usage}


def _app_json(app: AppSpec) -> dict[str, object]:
    body: dict[str, object] = {
        "id": app.id, "name": app.name, "type": app.type, "queue": app.queue, "user": app.user,
        "tags": list(app.tags), "arrival_s": _scalar(app.arrival_s),
        "input_mb": None if app.input_mb is None else _scalar(app.input_mb),
        "roles": [_role_json(role) for role in app.roles]}
    if app.deadline_s is not None:
        body["deadline_s"] = _scalar(app.deadline_s)
    if app.divisible:
        body["divisible"] = True
    return body


def workload_to_json(workload: Workload) -> dict[str, object]:
    """The document `parse_workload` reads back as `workload` (curves to 6 significant digits)."""
    nodes = [{"name": g.name, "count": int(g.count),
              **{key: _scalar(getattr(g, key)) for key in NODE_KEYS[2:]}} for g in workload.nodes]
    body: dict[str, object] = {
        "format": FORMAT, "slot_seconds": _scalar(workload.slot_seconds), "nodes": nodes,
        "history": [_app_json(a) for a in workload.history],
        "apps": [_app_json(a) for a in workload.apps]}
    if workload.am_share != DEFAULT_AM_SHARE:
        body["am_share"] = _scalar(workload.am_share)
    return body


def dump_workload(workload: Workload, path: str | os.PathLike[str]) -> None:
    """Write `workload` as compact JSON, gzip-compressed (reproducibly) if the name ends .gz."""
    file = Path(path)
    data = (json.dumps(workload_to_json(workload), allow_nan=False, separators=(",", ":"))
            + "\n").encode()
    file.write_bytes(gzip.compress(data, mtime=0) if file.name.endswith(".gz") else data)
