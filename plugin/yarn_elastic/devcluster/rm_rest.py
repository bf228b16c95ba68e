"""Small clients for the RM (/ws/v1/cluster) and NM (/ws/v1/node) REST APIs of Hadoop 3.4.1."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests


class RmRestError(RuntimeError):
    pass


@dataclass(frozen=True)
class NodeReport:
    node_id: str
    state: str
    memory_mb: int
    vcores: int


@dataclass(frozen=True)
class AppReport:
    app_id: str
    name: str
    state: str
    final_status: str
    diagnostics: str

    @property
    def finished(self) -> bool:
        return self.state in ("FINISHED", "FAILED", "KILLED")


@dataclass(frozen=True)
class ContainerReport:
    container_id: str
    node_id: str
    memory_mb: int
    vcores: int
    state: str


def _as_list(value: Any) -> list[dict[str, Any]]:
    """Jersey renders an empty list as null and a one-element list sometimes as an object."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    return list(value)


class _RestClient:
    prefix = ""

    def __init__(self, base_url: str, timeout_seconds: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_seconds = timeout_seconds
        self._session = requests.Session()

    def _get(self, path: str) -> dict[str, Any]:
        url = f"{self.base_url}{self.prefix}{path}"
        try:
            response = self._session.get(
                url, headers={"Accept": "application/json"}, timeout=self.timeout_seconds
            )
        except requests.RequestException as exc:
            raise RmRestError(f"GET {url} failed: {exc}") from exc
        if response.status_code != 200:
            raise RmRestError(f"GET {url} returned {response.status_code}: {response.text[:300]}")
        body: dict[str, Any] = response.json()
        return body


class NmRestClient(_RestClient):
    prefix = "/ws/v1/node"

    def container_ids(self) -> list[str]:
        """Containers this NM has launched and not yet forgotten (finished ones stay a while)."""
        return [c["id"] for c in self._containers()]

    def container_sizes(self) -> dict[str, tuple[int, int]]:
        """The (memory MB, vcores) this NM holds each of its containers to: what it reports to
        the RM, and what a restarted RM recovers."""
        return {c["id"]: (int(c["totalMemoryNeededMB"]), int(c["totalVCoresNeeded"]))
                for c in self._containers()}

    def _containers(self) -> list[dict[str, Any]]:
        body = self._get("/containers")
        return _as_list((body.get("containers") or {}).get("container"))


class RmRestClient(_RestClient):
    prefix = "/ws/v1/cluster"

    def nodes(self) -> list[NodeReport]:
        body = self._get("/nodes")
        return [
            NodeReport(
                node_id=node["id"],
                state=node["state"],
                memory_mb=int(node["totalResource"]["memory"]),
                vcores=int(node["totalResource"]["vCores"]),
            )
            for node in _as_list((body.get("nodes") or {}).get("node"))
        ]

    def app(self, app_id: str) -> AppReport:
        app = self._get(f"/apps/{app_id}")["app"]
        return AppReport(
            app_id=app["id"],
            name=app.get("name", ""),
            state=app["state"],
            final_status=app.get("finalStatus", ""),
            diagnostics=app.get("diagnostics", ""),
        )

    def running_apps(self) -> list[str]:
        body = self._get("/apps?states=ACCEPTED,RUNNING")
        return [app["id"] for app in _as_list((body.get("apps") or {}).get("app"))]

    def attempt_ids(self, app_id: str) -> list[str]:
        body = self._get(f"/apps/{app_id}/appattempts")
        attempts = _as_list((body.get("appAttempts") or {}).get("appAttempt"))
        return [a["appAttemptId"] for a in attempts if a.get("appAttemptId")]

    def containers(self, app_id: str, attempt_id: str) -> list[ContainerReport]:
        """The attempt's live containers; finished ones drop out, so poll while it runs."""
        body = self._get(f"/apps/{app_id}/appattempts/{attempt_id}/containers")
        return [
            ContainerReport(
                container_id=c["containerId"],
                node_id=c["assignedNodeId"],
                memory_mb=int(c["allocatedMB"]),
                vcores=int(c["allocatedVCores"]),
                state=c.get("containerState", ""),
            )
            for c in _as_list(body.get("container"))
        ]
