"""Posts spooled batches to the core, oldest first, retrying with exponential backoff.

Outcomes: 200 (stored, or a duplicate the core already had) removes the batch; a refusal of
the batch itself (400, 413, 415, 422) moves it to `rejected/` so one bad batch cannot block the
queue; everything else (no connection, 5xx, 401/403 until the token is fixed, 408, 429) keeps
it and waits before trying again, so order is preserved and nothing is dropped.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass, field

import requests
from yarn_elastic.web.auth import bearer

from yarn_elastic_agent.spool import Spool, SpooledBatch

LOG = logging.getLogger(__name__)
REFUSED = frozenset({400, 413, 415, 422})


@dataclass
class SenderStats:
    sent: int = 0
    duplicates: int = 0
    rejected: int = 0
    failures: int = 0
    last_error: str | None = None
    bytes_sent: list[int] = field(default_factory=list)


class Sender:
    def __init__(
        self, spool: Spool, url: str, token: str | None, timeout_s: float, max_backoff_s: float,
        session: requests.Session | None = None,
    ) -> None:
        self.spool = spool
        self.url = url
        self.token = token
        self.timeout_s = timeout_s
        self.max_backoff_s = max_backoff_s
        self.stats = SenderStats()
        self._session = session or requests.Session()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="usage-sender", daemon=True)
        self._thread.start()

    def stop(self, drain_s: float = 0.0) -> None:
        deadline = time.monotonic() + drain_s
        while drain_s and len(self.spool) and time.monotonic() < deadline:
            time.sleep(0.05)
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout_s + 1)

    def send_one(self, batch: SpooledBatch) -> str:
        """Try one batch once: 'sent', 'duplicate', 'rejected' or 'retry'."""
        headers = {
            "Content-Type": "application/json", "Content-Encoding": "gzip",
            "Idempotency-Key": batch.batch_id, "X-Sent-At": str(time.time_ns() // 1_000_000),
            **spool_headers(self.spool), **bearer(self.token),
        }
        try:
            response = self._session.post(
                self.url, data=batch.body, headers=headers, timeout=self.timeout_s
            )
        except requests.RequestException as exc:
            self._failed(f"cannot reach the core at {self.url}: {exc}")
            return "retry"
        if response.status_code == 200:
            duplicate = bool(_json(response).get("duplicate"))
            self.spool.remove(batch)
            if duplicate:
                self.stats.duplicates += 1
            else:
                self.stats.sent += 1
                self.stats.bytes_sent.append(len(batch.body))
                del self.stats.bytes_sent[:-100]
            self.stats.last_error = None
            return "duplicate" if duplicate else "sent"
        message = _json(response).get("message", response.text[:200])
        if response.status_code in REFUSED:
            LOG.error("the core refused batch %s (%d): %s; kept in %s/rejected",
                      batch.batch_id, response.status_code, message, self.spool.directory)
            self.spool.quarantine(batch)
            self.stats.rejected += 1
            return "rejected"
        self._failed(f"the core answered {response.status_code}: {message}")
        return "retry"

    def _failed(self, error: str) -> None:
        # Drop pooled keep-alive connections: the next try must reach whichever core is up
        # now, not a half-closed connection to one that went away.
        self._session.close()
        self.stats.failures += 1
        if error != self.stats.last_error:
            LOG.warning("%s; batches stay in the spool and are retried", error)
        self.stats.last_error = error

    def _run(self) -> None:
        backoff = 0.0
        while not self._stop.is_set():
            batch = self.spool.oldest(wait_s=0.5)
            if batch is None:
                continue
            if self.send_one(batch) == "retry":
                backoff = min(self.max_backoff_s, max(0.5, backoff * 2))
                # Jitter spreads a cluster's agents apart when the core comes back.
                self._stop.wait(backoff * random.uniform(0.75, 1.0))
            else:
                backoff = 0.0


def spool_headers(spool: Spool) -> dict[str, str]:
    """The spool's depth as the core's depository reads it (docs/depository.md): the agent
    has no HTTP server to scrape, so its health rides on the posts it makes anyway."""
    batches, size, dropped = spool.depth()
    return {"X-Spool-Batches": str(batches), "X-Spool-Bytes": str(size),
            "X-Spool-Dropped": str(dropped)}


def _json(response: requests.Response) -> dict[str, object]:
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
