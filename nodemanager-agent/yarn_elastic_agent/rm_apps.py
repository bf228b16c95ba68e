"""Application name, type, user, queue and progress from the ResourceManager's REST API.

Name, type, user and queue let the depository group the runs of a recurring job; progress
feeds reprovisioning. A missing or slow RM never stops sampling: answers are cached, failures
back off, and the fields are simply null.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import requests

LOG = logging.getLogger(__name__)
FAILURE_BACKOFF_S = 60.0


def parse_app(payload: Any) -> dict[str, Any] | None:
    """The fields we keep from `GET /ws/v1/cluster/apps/{id}`; progress scaled to 0..1."""
    app = payload.get("app") if isinstance(payload, dict) else None
    if not isinstance(app, dict):
        return None
    progress = app.get("progress")
    progress = (
        min(1.0, max(0.0, float(progress) / 100))
        if isinstance(progress, (int, float)) and not isinstance(progress, bool) else None
    )

    def text(key: str) -> str | None:
        value = app.get(key)
        return value if isinstance(value, str) else None

    return {"name": text("name"), "type": text("applicationType"), "user": text("user"),
            "queue": text("queue"), "progress": progress}


class RmApps:
    def __init__(self, base_url: str, timeout_s: float = 1.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._session = requests.Session()
        self._cache: dict[str, dict[str, Any]] = {}
        self._down_until = 0.0

    def refresh(self, app_ids: set[str]) -> dict[str, dict[str, Any]]:
        for gone in self._cache.keys() - app_ids:
            del self._cache[gone]
        if time.monotonic() >= self._down_until:
            for app_id in sorted(app_ids):
                info = self._fetch(app_id)
                if info is None:
                    break
                self._cache[app_id] = info
        return {a: self._cache[a] for a in app_ids if a in self._cache}

    def _fetch(self, app_id: str) -> dict[str, Any] | None:
        url = f"{self.base_url}/ws/v1/cluster/apps/{app_id}"
        try:
            response = self._session.get(url, timeout=self.timeout_s)
            response.raise_for_status()
            return parse_app(response.json())
        except (requests.RequestException, ValueError) as exc:
            LOG.warning("no application info from the RM (%s); retrying in %.0f s", exc,
                        FAILURE_BACKOFF_S)
            self._down_until = time.monotonic() + FAILURE_BACKOFF_S
            return None
