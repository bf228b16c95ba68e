"""A background thread that polls something until stopped, for the harness's recorders."""

from __future__ import annotations

import threading
from typing import TypeVar

P = TypeVar("P", bound="BackgroundPoller")


class BackgroundPoller:
    """Calls `poll_once` every `interval_seconds` in a daemon thread, while used as a context
    manager. A failed poll is the subclass's to handle in `poll_quietly`; the thread goes on."""

    def __init__(self, name: str, interval_seconds: float) -> None:
        self._interval = interval_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def __enter__(self: P) -> P:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def poll_once(self) -> None:
        raise NotImplementedError

    def poll_quietly(self) -> None:
        self.poll_once()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.poll_quietly()
            self._stop.wait(self._interval)
