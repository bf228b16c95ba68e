"""The agent -> depository usage report (schema 1): its shape, and its validation.

Pure code: it turns decoded JSON into typed rows or raises `ReportError` carrying the HTTP
status and a message that names the offending field. Nothing here touches storage, so a report
is either wholly valid before the first row is written, or rejected whole. docs/depository.md
describes the format for people; this module is the definition.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SCHEMA = 1
REPORT_TYPE = "usage_report"

CONTAINER_ID = re.compile(r"container_(?:e\d+_)?(\d+)_(\d+)_\d+_\d+")
APP_ID = re.compile(r"application_\d+_\d+")
BATCH_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

# How a sample's network figures were measured. "node" means the figures are the whole node's,
# because nothing finer was available: an upper bound for the container, never to be summed.
NET_METHODS = ("netns", "ss", "node", "none")

# Epoch milliseconds before 2001-09-09 are almost surely seconds sent by mistake.
_MIN_PLAUSIBLE_MS = 1_000_000_000_000
# SQLite's INTEGER is 64-bit signed; anything larger is refused before a row is written.
_MAX_INTEGER = 2**63 - 1


class ReportError(ValueError):
    """A report that must be refused; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Limits:
    max_samples: int
    max_clock_skew_ms: int


@dataclass(frozen=True)
class AppInfo:
    app_id: str
    name: str | None
    app_type: str | None
    user: str | None
    queue: str | None


@dataclass(frozen=True)
class ContainerInfo:
    container_id: str
    app_id: str
    user: str | None


# Column order of a container sample row, shared with the store's SQL.
SAMPLE_COLUMNS = (
    "ts_ms", "cpu_cores", "rss_bytes", "pss_bytes", "disk_read_bps", "disk_write_bps",
    "net_rx_bps", "net_tx_bps", "net_method", "progress", "pids",
)
NODE_SAMPLE_COLUMNS = (
    "ts_ms", "cpu_cores_used", "cpu_cores_total", "mem_used_bytes", "mem_total_bytes",
    "mem_available_bytes", "disk_read_bps", "disk_write_bps", "net_rx_bps", "net_tx_bps",
)

ContainerSampleRow = tuple[str, int, float, int, int | None, float | None, float | None,
                           float | None, float | None, str, float | None, int]
NodeSampleRow = tuple[int, float, float, int, int, int, float | None, float | None,
                      float | None, float | None]


@dataclass(frozen=True)
class Report:
    batch_id: str
    node: str
    apps: list[AppInfo]
    containers: list[ContainerInfo]
    samples: list[ContainerSampleRow]  # (container_id, *SAMPLE_COLUMNS)
    node_samples: list[NodeSampleRow]

    @property
    def sample_count(self) -> int:
        return len(self.samples) + len(self.node_samples)


def app_id_of(container_id: str) -> str:
    """The application a container belongs to, from YARN's container id format."""
    match = CONTAINER_ID.fullmatch(container_id)
    if match is None:
        raise ValueError(f"{container_id!r} is not a YARN container id")
    return f"application_{match.group(1)}_{match.group(2)}"


def parse_report(payload: Any, now_ms: int, limits: Limits, sent_at_ms: int | None) -> Report:
    """Validate a decoded report. `sent_at_ms` is the agent's clock at send time, if it said."""
    if not isinstance(payload, dict):
        raise ReportError(400, "the report must be a JSON object")
    if payload.get("schema") != SCHEMA or payload.get("type") != REPORT_TYPE:
        raise ReportError(
            400,
            f"unsupported report: schema={payload.get('schema')!r} type={payload.get('type')!r}; "
            f"this depository reads schema {SCHEMA} type {REPORT_TYPE!r}",
        )
    if sent_at_ms is not None and abs(sent_at_ms - now_ms) > limits.max_clock_skew_ms:
        raise ReportError(
            422,
            f"clock skew: the agent's clock ({sent_at_ms}) is {abs(sent_at_ms - now_ms)} ms "
            f"from the core's ({now_ms}), over yarn.elastic.depository.max-clock-skew-ms="
            f"{limits.max_clock_skew_ms}; synchronise the node's clock (NTP)",
        )
    batch_id = _string(payload, "batch_id", "report")
    if not BATCH_ID.fullmatch(batch_id):
        raise ReportError(400, "batch_id must be 1-128 characters of [A-Za-z0-9._:-]")
    node = _string(payload, "node", "report")
    raw_samples = _list(payload, "samples")
    raw_node_samples = _list(payload, "node_samples")
    count = len(raw_samples) + len(raw_node_samples)
    if count > limits.max_samples:
        raise ReportError(
            413,
            f"batch {batch_id} has {count} samples, over yarn.elastic.depository.max-batch-samples"
            f"={limits.max_samples}; send smaller batches",
        )
    apps = [_app(item, f"apps[{i}]") for i, item in enumerate(_list(payload, "apps"))]
    containers = [
        _container(item, f"containers[{i}]") for i, item in enumerate(_list(payload, "containers"))
    ]
    latest_ok = now_ms + limits.max_clock_skew_ms
    samples = well_formed_samples(raw_samples, latest_ok)
    if samples is None:  # something is off: the strict path finds and names it
        samples = [_sample(item, i, latest_ok) for i, item in enumerate(raw_samples)]
    node_samples = [_node_sample(item, i, latest_ok) for i, item in enumerate(raw_node_samples)]
    return Report(batch_id, node, apps, containers, samples, node_samples)


def undeclared_containers(report: Report) -> set[str]:
    """Containers that samples name but the report does not declare; the store must know them."""
    declared = {c.container_id for c in report.containers}
    return {row[0] for row in report.samples} - declared


def _where(context: str, key: str) -> str:
    return f"{context}.{key}"


def _string(obj: Mapping[str, Any], key: str, context: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise ReportError(400, f"{_where(context, key)} must be a non-empty string, got {value!r}")
    return _unicode(value, key, context)


def _optional_string(obj: Mapping[str, Any], key: str, context: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return value
    if isinstance(value, str):
        return _unicode(value, key, context)
    raise ReportError(400, f"{_where(context, key)} must be a string or null, got {value!r}")


def _unicode(value: str, key: str, context: str) -> str:
    """JSON may escape a lone surrogate (`"\\ud800"`); SQLite cannot store one, so it is refused
    here, before the report's first row is written, rather than failing the insert."""
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ReportError(400, f"{_where(context, key)} is not valid Unicode: a lone "
                                   f"surrogate at character {exc.start}, got {value!r}") from None
    return value


def _list(payload: Mapping[str, Any], key: str) -> list[Any]:
    value = payload.get(key, [])
    if not isinstance(value, list):
        raise ReportError(400, f"report.{key} must be an array, got {type(value).__name__}")
    return value


def _object(item: Any, context: str) -> Mapping[str, Any]:
    if not isinstance(item, dict):
        raise ReportError(400, f"{context} must be an object, got {type(item).__name__}")
    return item


def _app(item: Any, context: str) -> AppInfo:
    obj = _object(item, context)
    app_id = _string(obj, "app_id", context)
    if not APP_ID.fullmatch(app_id):
        raise ReportError(400, f"{context}.app_id {app_id!r} is not a YARN application id")
    return AppInfo(
        app_id,
        _optional_string(obj, "name", context),
        _optional_string(obj, "type", context),
        _optional_string(obj, "user", context),
        _optional_string(obj, "queue", context),
    )


def _container(item: Any, context: str) -> ContainerInfo:
    obj = _object(item, context)
    container_id = _string(obj, "container_id", context)
    try:
        derived = app_id_of(container_id)
    except ValueError as exc:
        raise ReportError(400, f"{context}.container_id: {exc}") from None
    declared = _optional_string(obj, "app_id", context)
    if declared is not None and declared != derived:
        raise ReportError(
            400, f"{context}: app_id {declared!r} does not own container {container_id!r}"
        )
    return ContainerInfo(container_id, derived, _optional_string(obj, "user", context))


def _number(obj: Mapping[str, Any], key: str, context: str) -> float:
    value = obj.get(key)
    # bool is an int subclass; true/false is never a measurement.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise ReportError(400, f"{_where(context, key)} must be a number, got {value!r}")
    if value < 0:
        raise ReportError(400, f"{_where(context, key)} must not be negative, got {value!r}")
    try:
        return float(value)
    except OverflowError:
        raise ReportError(400, f"{_where(context, key)} is too large, got {value!r}") from None


def _optional_number(obj: Mapping[str, Any], key: str, context: str) -> float | None:
    if obj.get(key) is None:
        return None
    return _number(obj, key, context)


def _integer(obj: Mapping[str, Any], key: str, context: str) -> int:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ReportError(400, f"{_where(context, key)} must be an integer, got {value!r}")
    if value < 0:
        raise ReportError(400, f"{_where(context, key)} must not be negative, got {value!r}")
    if value > _MAX_INTEGER:
        raise ReportError(400, f"{_where(context, key)} is over 2^63-1, got {value!r}")
    return value


def _optional_integer(obj: Mapping[str, Any], key: str, context: str) -> int | None:
    if obj.get(key) is None:
        return None
    return _integer(obj, key, context)


def _timestamp(obj: Mapping[str, Any], context: str, latest_ok: int) -> int:
    ts = _integer(obj, "ts_ms", context)
    if ts < _MIN_PLAUSIBLE_MS:
        raise ReportError(
            400, f"{context}.ts_ms={ts} is before 2001; timestamps are epoch milliseconds"
        )
    if ts > latest_ok:
        raise ReportError(
            422,
            f"clock skew: {context}.ts_ms={ts} is in the future by more than "
            "yarn.elastic.depository.max-clock-skew-ms; synchronise the node's clock (NTP)",
        )
    return ts


def _sample(item: Any, index: int, latest_ok: int) -> ContainerSampleRow:
    context = f"samples[{index}]"
    obj = _object(item, context)
    container_id = _string(obj, "container_id", context)
    if not CONTAINER_ID.fullmatch(container_id):
        raise ReportError(400, f"{context}.container_id {container_id!r} is not a container id")
    method = obj.get("net_method")
    if method not in NET_METHODS:
        raise ReportError(
            400, f"{context}.net_method must be one of {', '.join(NET_METHODS)}, got {method!r}"
        )
    progress = _optional_number(obj, "progress", context)
    if progress is not None and progress > 1.0:
        raise ReportError(400, f"{context}.progress must be within 0..1, got {progress}")
    return (
        container_id,
        _timestamp(obj, context, latest_ok),
        _number(obj, "cpu_cores", context),
        _integer(obj, "rss_bytes", context),
        _optional_integer(obj, "pss_bytes", context),
        _optional_number(obj, "disk_read_bps", context),
        _optional_number(obj, "disk_write_bps", context),
        _optional_number(obj, "net_rx_bps", context),
        _optional_number(obj, "net_tx_bps", context),
        method,
        progress,
        _integer(obj, "pids", context),
    )


def _node_sample(item: Any, index: int, latest_ok: int) -> NodeSampleRow:
    context = f"node_samples[{index}]"
    obj = _object(item, context)
    return (
        _timestamp(obj, context, latest_ok),
        _number(obj, "cpu_cores_used", context),
        _number(obj, "cpu_cores_total", context),
        _integer(obj, "mem_used_bytes", context),
        _integer(obj, "mem_total_bytes", context),
        _integer(obj, "mem_available_bytes", context),
        _optional_number(obj, "disk_read_bps", context),
        _optional_number(obj, "disk_write_bps", context),
        _optional_number(obj, "net_rx_bps", context),
        _optional_number(obj, "net_tx_bps", context),
    )


# ---- fast path --------------------------------------------------------------------------------
# Checking each field of each sample in Python costs more than storing it. An agent's report is
# almost always well formed, so the common case is checked a column at a time with C-level
# builtins (type sets, min, max, sum); anything unexpected returns None and the per-sample path
# above runs, which either accepts the report too or names the offending field. The fast path
# may refuse more than the strict one, never less, and yields the same rows.

_SAMPLE_FIELDS = operator.itemgetter("container_id", *SAMPLE_COLUMNS)
_NUMBER = frozenset({int, float})
_OPTIONAL_NUMBER = frozenset({int, float, type(None)})
_INTEGER = frozenset({int})
_OPTIONAL_INTEGER = frozenset({int, type(None)})
_NET_METHOD_SET = frozenset(NET_METHODS)
_INDEX = {name: i for i, name in enumerate(("container_id", *SAMPLE_COLUMNS))}


def well_formed_samples(raw: Sequence[Any], latest_ok: int) -> list[ContainerSampleRow] | None:
    """The rows of `raw` if every sample is valid (as `_sample` would find), else None."""
    if not raw:
        return []
    if {type(item) for item in raw} != {dict}:
        return None
    try:
        rows: list[Any] = list(map(_SAMPLE_FIELDS, raw))
        columns = list(zip(*rows, strict=True))
        converted = _check_columns(columns, latest_ok)
    except (KeyError, TypeError, OverflowError):  # missing field, unhashable value, huge int
        return None
    if converted is None:
        return None
    if converted:
        rows = list(zip(*columns, strict=True))
    return rows


def _check_columns(columns: list[Any], latest_ok: int) -> bool | None:
    """None if any column is off; else whether an int in a float column had to be converted
    (the strict path stores `float(value)`)."""
    ids = set(columns[0])
    if any(type(c) is not str or CONTAINER_ID.fullmatch(c) is None for c in ids):
        return None
    if not set(columns[_INDEX["net_method"]]) <= _NET_METHOD_SET:
        return None
    ts = columns[_INDEX["ts_ms"]]
    if {type(t) for t in ts} != _INTEGER or min(ts) < _MIN_PLAUSIBLE_MS or max(ts) > latest_ok:
        return None
    for name in ("rss_bytes", "pids"):
        column = columns[_INDEX[name]]
        if {type(v) for v in column} != _INTEGER or min(column) < 0 or max(column) > _MAX_INTEGER:
            return None
    pss = columns[_INDEX["pss_bytes"]]
    pss_types = {type(v) for v in pss}
    if not pss_types <= _OPTIONAL_INTEGER:
        return None
    present = _present(pss, pss_types)
    if min(present, default=0) < 0 or max(present, default=0) > _MAX_INTEGER:
        return None
    converted = False
    for name in ("cpu_cores", "disk_read_bps", "disk_write_bps", "net_rx_bps", "net_tx_bps",
                 "progress"):
        index = _INDEX[name]
        column = columns[index]
        types = {type(v) for v in column}
        if not types <= (_NUMBER if name == "cpu_cores" else _OPTIONAL_NUMBER):
            return None
        values = _present(column, types)
        total = sum(values)
        # NaN poisons the sum; with none present, min and max are trustworthy.
        if total != total or min(values, default=0.0) < 0:
            return None
        if name == "progress" and max(values, default=0.0) > 1.0:
            return None
        if int in types:
            columns[index] = tuple(v if v is None else float(v) for v in column)
            converted = True
    return converted


def _present(column: Sequence[Any], types: set[type]) -> Sequence[Any]:
    return [v for v in column if v is not None] if type(None) in types else column
