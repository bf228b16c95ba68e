"""What the depository knows of each agent's health: its spool depth and its last report.

The agent has no HTTP server of its own, so what only it knows (how much waits in its spool,
how many batches it dropped) travels as headers of the posts it makes anyway (docs/depository.md):
headers, not report fields, because a report is gzipped into the spool when it is built, and
the depth belongs to the moment it is sent (a batch retried for an hour carries a new depth
each time; its body, and so its batch id, stays the same). Every header is optional: an agent
from before them is accepted and shows only the age of its last report.

Kept in memory only: after a core restart a node appears again with its first batch.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from yarn_elastic.depository.report import ReportError

# Header -> what it counts, for the 400 that names a bad one.
SPOOL_HEADERS = {
    "X-Spool-Batches": "batches waiting in the agent's spool, this one included",
    "X-Spool-Bytes": "bytes of those batches on the agent's disk",
    "X-Spool-Dropped": "batches the agent dropped from its full spool since it started",
}
_DIGITS = re.compile(r"[0-9]{1,19}")
_INT64_MAX = (1 << 63) - 1


@dataclass(frozen=True)
class SpoolDepth:
    """What an agent said of its spool when it sent a batch; None where it did not say."""

    batches: int | None = None
    bytes: int | None = None
    dropped: int | None = None


@dataclass(frozen=True)
class AgentReport:
    last_report_ms: int
    spool: SpoolDepth


def spool_depth(headers: Mapping[str, str]) -> SpoolDepth:
    """The spool headers of a post (names in lower case, as the router keeps them), or a 400
    naming the header at fault."""
    values = [_count(name, headers.get(name.lower())) for name in SPOOL_HEADERS]
    return SpoolDepth(*values)


def _count(name: str, raw: str | None) -> int | None:
    if raw is None:
        return None
    text = raw.strip()
    # Digits only: int() would also take "+5", "1_000" and non-ASCII digits.
    if not _DIGITS.fullmatch(text) or int(text) > _INT64_MAX:
        raise ReportError(400, f"{name} must be a whole number >= 0 ({SPOOL_HEADERS[name]}),"
                               f" got {raw[:40]!r}")
    return int(text)


class AgentBook:
    """The last accepted report of each node; written by ingest threads, read by scrapes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._nodes: dict[str, AgentReport] = {}

    def record(self, node: str, now_ms: int, spool: SpoolDepth) -> None:
        # Replaced whole: an agent downgraded to one without the headers stops showing a
        # depth instead of showing its predecessor's forever.
        with self._lock:
            self._nodes[node] = AgentReport(now_ms, spool)

    def snapshot(self) -> dict[str, AgentReport]:
        with self._lock:
            return dict(self._nodes)
