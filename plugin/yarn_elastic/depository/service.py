"""The depository as the core runs it: decode a posted report, validate, store, keep metrics.

Sits between the HTTP handlers (which only translate requests) and the store (which only does
SQL). The clock is injected so tests can play with skew and retention without waiting.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from yarn_elastic.depository.agents import AgentBook, spool_depth
from yarn_elastic.depository.report import Limits, ReportError, parse_report
from yarn_elastic.depository.store import IngestResult, UsageStore

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class DepositoryLimits:
    report: Limits
    max_body_bytes: int
    raw_retention_days: float
    retention_check_ms: int


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class Depository:
    def __init__(
        self, store: UsageStore, limits: DepositoryLimits, clock: Callable[[], int] = now_ms
    ) -> None:
        self.store = store
        self.limits = limits
        self._clock = clock
        self._metrics: Counter[str] = Counter()
        self._metrics_lock = threading.Lock()
        self._last_retention_ms = 0
        self._retention_lock = threading.Lock()
        self.agents = AgentBook()

    def ingest(
        self, body: bytes, content_encoding: str | None, sent_at: str | None,
        headers: Mapping[str, str] | None = None,
    ) -> IngestResult:
        """Store one posted report, or raise ReportError with the status to answer.
        `headers` (lower-case names) may carry the agent's spool depth (agents.py)."""
        try:
            payload = json.loads(self._decode(body, content_encoding))
        except ReportError:  # a ValueError too, already saying what is wrong with the body
            raise
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            self._count("rejected_malformed")
            raise ReportError(400, f"the report is not valid UTF-8 JSON: {exc}") from None
        except (RecursionError, ValueError) as exc:  # too deep, or an int of too many digits
            self._count("rejected_malformed")
            raise ReportError(400, f"the report is not a usage report: {exc}") from None
        now = self._clock()
        try:
            sent_at_ms = int(sent_at) if sent_at else None
        except ValueError:
            raise ReportError(
                400, f"X-Sent-At must be epoch milliseconds, got {sent_at!r}"
            ) from None
        try:
            spool = spool_depth(headers or {})
            report = parse_report(payload, now, self.limits.report, sent_at_ms)
            result = self.store.ingest(report, now)
        except ReportError as exc:
            self._count(f"rejected_{exc.status}")
            LOG.warning("refused a usage report (%d): %s", exc.status, exc.message)
            raise
        # A duplicate counts too: the agent is alive and said how deep its spool is.
        self.agents.record(report.node, now, spool)
        if result.duplicate:
            self._count("duplicate_batches")
            LOG.info("batch %s from %s was already stored; not counted again",
                     report.batch_id, report.node)
        else:
            self._count("batches")
            self._count("samples", result.samples_stored)
        self._maybe_apply_retention(now)
        return result

    def metrics(self) -> dict[str, int]:
        with self._metrics_lock:
            return dict(self._metrics)

    def _count(self, name: str, amount: int = 1) -> None:
        with self._metrics_lock:
            self._metrics[name] += amount

    def _decode(self, body: bytes, content_encoding: str | None) -> str:
        limit = self.limits.max_body_bytes
        encoding = (content_encoding or "identity").strip().lower()
        if encoding == "gzip":
            inflater = zlib.decompressobj(wbits=31)
            try:
                data = inflater.decompress(body, limit + 1)
            except zlib.error as exc:
                self._count("rejected_malformed")
                raise ReportError(400, f"the body is not valid gzip: {exc}") from None
            if len(data) > limit or inflater.unconsumed_tail:
                self._count("rejected_413")
                raise ReportError(
                    413, f"the report inflates to over {limit} bytes "
                    "(yarn.elastic.depository.max-batch-bytes); send smaller batches",
                )
            if not inflater.eof:
                self._count("rejected_malformed")
                raise ReportError(400, "the gzip body is truncated")
        elif encoding == "identity":
            if len(body) > limit:
                self._count("rejected_413")
                raise ReportError(413, f"the report is over {limit} bytes; send smaller batches")
            data = body
        else:
            raise ReportError(415, f"Content-Encoding {encoding!r} is not supported; use gzip")
        return data.decode("utf-8")

    def _maybe_apply_retention(self, now: int) -> None:
        if now - self._last_retention_ms < self.limits.retention_check_ms:
            return
        if not self._retention_lock.acquire(blocking=False):
            return
        try:
            self._last_retention_ms = now
            started = time.monotonic()
            folded = self.store.apply_retention(now, self.limits.raw_retention_days)
            if folded:
                LOG.info("retention: folded %d raw samples into 1-minute rows in %.1f s",
                         folded, time.monotonic() - started)
            self._count("retention_folded_samples", folded)
        except Exception:  # retention must never fail an ingest that already committed
            LOG.exception("retention pass failed; will retry at the next interval")
        finally:
            self._retention_lock.release()
