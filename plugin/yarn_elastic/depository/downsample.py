"""How raw samples become 1-minute rows once they are older than the raw retention.

The rule is data (`CONTAINER_RULE`, `NODE_RULE`): each 1-minute column is the mean or the
maximum of one raw column, and `n` counts the raw samples. The store turns these rules into SQL
so that downsampling runs inside SQLite at ingest speed; `downsample` is the same rule in plain
Python, the reference the store is tested against. Means ignore missing (null) values, as
SQL's AVG does. Rates and CPU are averaged; peaks of CPU and memory are kept because sizing
a container needs the peak, not only the mean.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

MINUTE_MS = 60_000

Aggregate = Literal["mean", "max", "same"]


@dataclass(frozen=True)
class Column:
    output: str
    source: str
    how: Aggregate


CONTAINER_RULE: tuple[Column, ...] = (
    Column("cpu_cores", "cpu_cores", "mean"),
    Column("cpu_cores_max", "cpu_cores", "max"),
    Column("rss_bytes", "rss_bytes", "mean"),
    Column("rss_bytes_max", "rss_bytes", "max"),
    Column("pss_bytes", "pss_bytes", "mean"),
    Column("disk_read_bps", "disk_read_bps", "mean"),
    Column("disk_write_bps", "disk_write_bps", "mean"),
    Column("net_rx_bps", "net_rx_bps", "mean"),
    Column("net_tx_bps", "net_tx_bps", "mean"),
    # One method for the minute if all samples agree, else "mixed".
    Column("net_method", "net_method", "same"),
    Column("progress", "progress", "max"),
    Column("pids", "pids", "max"),
)

NODE_RULE: tuple[Column, ...] = (
    Column("cpu_cores_used", "cpu_cores_used", "mean"),
    Column("cpu_cores_total", "cpu_cores_total", "max"),
    Column("mem_used_bytes", "mem_used_bytes", "mean"),
    Column("mem_total_bytes", "mem_total_bytes", "max"),
    Column("mem_available_bytes", "mem_available_bytes", "mean"),
    Column("disk_read_bps", "disk_read_bps", "mean"),
    Column("disk_write_bps", "disk_write_bps", "mean"),
    Column("net_rx_bps", "net_rx_bps", "mean"),
    Column("net_tx_bps", "net_tx_bps", "mean"),
)

Value = float | int | str | None


def minute_of(ts_ms: int) -> int:
    return ts_ms - ts_ms % MINUTE_MS


def retention_cutoff(now_ms: int, raw_retention_days: float) -> int:
    """Raw samples before this instant are downsampled; always a minute boundary, so that a
    minute is never split between raw and downsampled rows."""
    return minute_of(now_ms - int(raw_retention_days * 86_400_000))


def downsample(
    rows: Iterable[Mapping[str, Value]], rule: tuple[Column, ...]
) -> dict[int, dict[str, Value]]:
    """Reference: group raw rows (each with `ts_ms`) by minute and apply `rule`."""
    groups: dict[int, list[Mapping[str, Value]]] = {}
    for row in rows:
        ts = row["ts_ms"]
        assert isinstance(ts, int)
        groups.setdefault(minute_of(ts), []).append(row)
    result: dict[int, dict[str, Value]] = {}
    for minute, members in groups.items():
        out: dict[str, Value] = {"n": len(members)}
        for column in rule:
            values = [m[column.source] for m in members if m[column.source] is not None]
            out[column.output] = _aggregate(column.how, values)
        result[minute] = out
    return result


def merge(
    old: Mapping[str, Value], new: Mapping[str, Value], rule: tuple[Column, ...]
) -> dict[str, Value]:
    """Fold a late-arriving group into an existing minute row; means are weighted by `n`."""
    n_old, n_new = old["n"], new["n"]
    assert isinstance(n_old, int) and isinstance(n_new, int)
    out: dict[str, Value] = {"n": n_old + n_new}
    for column in rule:
        a, b = old[column.output], new[column.output]
        if a is None or b is None:
            out[column.output] = b if a is None else a
        elif column.how == "mean":
            assert isinstance(a, (int, float)) and isinstance(b, (int, float))
            out[column.output] = (a * n_old + b * n_new) / (n_old + n_new)
        elif column.how == "max":
            assert isinstance(a, (int, float)) and isinstance(b, (int, float))
            out[column.output] = max(a, b)
        else:
            out[column.output] = a if a == b else "mixed"
    return out


def _aggregate(how: Aggregate, values: list[Value]) -> Value:
    if not values:
        return None
    if how == "same":
        return values[0] if all(v == values[0] for v in values) else "mixed"
    numbers = [v for v in values if isinstance(v, (int, float))]
    if how == "max":
        return max(numbers)
    return sum(numbers) / len(numbers)
