"""A bounded on-disk queue of compressed report batches, replayed oldest first.

Every batch goes through the spool, not only the ones that failed: a report is on disk before
anyone tries to send it, so neither a core outage nor an agent restart loses it. Files are
named `<sequence>-<batch id>.json.gz`; the sequence keeps the order across restarts. When the
spool outgrows its bound the oldest batches are dropped with an ERROR line: a bounded queue
must lose something eventually, and the oldest data is the least useful to a scheduler.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

LOG = logging.getLogger(__name__)
SUFFIX = ".json.gz"


@dataclass(frozen=True)
class SpooledBatch:
    path: Path
    batch_id: str
    body: bytes


class Spool:
    def __init__(self, directory: Path, max_bytes: int) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self.dropped_batches = 0
        self._lock = threading.Lock()
        self._available = threading.Condition(self._lock)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "rejected").mkdir(exist_ok=True)
        for leftover in directory.glob("*.tmp"):
            leftover.unlink(missing_ok=True)  # a write interrupted by a crash; never acknowledged
        files = self._files()
        self._next = int(files[-1].name.split("-", 1)[0]) + 1 if files else 0
        # Batches on disk, kept in step by put/remove/quarantine/drop, so that an idle sender
        # waits on the condition instead of listing the directory twice a second.
        self._queued = len(files)
        self._bytes = sum(f.stat().st_size for f in files)
        if files:
            LOG.info("spool %s holds %d batches from before; they are sent first",
                     directory, len(files))

    def put(self, batch_id: str, body: bytes) -> None:
        with self._lock:
            name = f"{self._next:016d}-{batch_id}{SUFFIX}"
            self._next += 1
            tmp = self.directory / (name + ".tmp")
            with open(tmp, "wb") as f:
                f.write(body)
                f.flush()
                os.fsync(f.fileno())
            tmp.rename(self.directory / name)
            self._queued += 1
            self._bytes += len(body)
            self._enforce_bound()
            self._available.notify_all()

    def oldest(self, wait_s: float = 0.0) -> SpooledBatch | None:
        with self._lock:
            if not self._queued and wait_s > 0:
                self._available.wait(wait_s)
            if not self._queued:
                return None
            files = self._files()
            if not files:
                self._queued = 0
                return None
            path = files[0]
            try:
                body = path.read_bytes()
            except OSError:
                return None
            batch_id = path.name[len("0000000000000000-"): -len(SUFFIX)]
            return SpooledBatch(path, batch_id, body)

    def remove(self, batch: SpooledBatch) -> None:
        with self._lock:
            self._forget(batch.path)

    def quarantine(self, batch: SpooledBatch) -> None:
        """Keep a batch the core refused as invalid for an operator to inspect."""
        with self._lock:
            size = batch.path.stat().st_size if batch.path.exists() else 0
            batch.path.replace(self.directory / "rejected" / batch.path.name)
            self._bytes -= size
            self._queued = max(0, self._queued - 1)
            rejected = sorted((self.directory / "rejected").iterdir())
            for old in rejected[:-100]:  # keep the newest 100 for diagnosis
                old.unlink(missing_ok=True)

    def __len__(self) -> int:
        with self._lock:
            return len(self._files())

    def depth(self) -> tuple[int, int, int]:
        """Batches queued, their bytes, and batches dropped since start, from the counters
        (no directory listing: the sender asks before every post)."""
        with self._lock:
            # Never negative, whatever a file removed behind our back did to the counters:
            # the core refuses a negative depth, and the batch with it.
            return max(0, self._queued), max(0, self._bytes), self.dropped_batches

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def _files(self) -> list[Path]:
        return sorted(self.directory.glob(f"*{SUFFIX}"))

    def _forget(self, path: Path) -> None:
        try:
            size = path.stat().st_size
            path.unlink()
            self._bytes -= size
            self._queued = max(0, self._queued - 1)
        except FileNotFoundError:
            pass

    def _enforce_bound(self) -> None:
        files = self._files()
        while self._bytes > self.max_bytes and len(files) > 1:
            victim = files.pop(0)
            self._forget(victim)
            self.dropped_batches += 1
            LOG.error("spool over %d bytes (yarn.elastic.agent.spool-max-mb): dropped the oldest "
                      "batch %s; the core has been unreachable too long", self.max_bytes,
                      victim.name)
