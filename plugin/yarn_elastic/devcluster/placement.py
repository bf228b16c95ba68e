"""Record where every container of a running application landed, by polling the RM."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from yarn_elastic.devcluster.polling import BackgroundPoller
from yarn_elastic.devcluster.rm_rest import NmRestClient, RmRestClient, RmRestError
from yarn_elastic.messages import is_am_container

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ContainerPlacement:
    app_id: str
    container_id: str
    node_id: str
    memory_mb: int
    vcores: int
    # False for a container the AM got but released before launching it (DistributedShell
    # releases surplus allocations): only containers a NodeManager reported did any work.
    ran: bool

    @property
    def is_am(self) -> bool:
        """The first container of an attempt runs its ApplicationMaster."""
        return is_am_container(self.container_id)


class PlacementRecorder(BackgroundPoller):
    """Polls the RM in a background thread and keeps every container it has seen.

    The RM lists only an attempt's live containers, so a container that starts and finishes
    between two polls would be missed; callers check the count they expect (the jobs here run
    for many poll intervals).
    """

    def __init__(
        self,
        rest: RmRestClient,
        node_managers: Sequence[NmRestClient] = (),
        interval_seconds: float = 0.5,
    ) -> None:
        super().__init__("placement-recorder", interval_seconds)
        self._rest = rest
        self._node_managers = tuple(node_managers)
        self._launched: set[str] = set()
        self._seen: dict[str, ContainerPlacement] = {}
        # Each container's (seconds since the recorder started, memory MB, vcores), one entry
        # per size the RM reported: resizes show up here.
        self._sizes: dict[str, list[tuple[float, int, int]]] = {}
        self._started = time.monotonic()
        self._live: dict[str, int] = {}  # RUNNING containers at the last poll: id -> MB
        # Each running app's containers at the last poll, and those that have left a listing
        # of an app still running: released or finished before their app (Spark executors
        # that dynamic allocation removes).
        self._listed: dict[str, set[str]] = {}
        self._ended_early: set[str] = set()
        self._lock = threading.Lock()

    def poll_once(self) -> None:
        for nm in self._node_managers:
            launched = nm.container_ids()
            with self._lock:
                self._launched.update(launched)
        live: dict[str, int] = {}
        for app_id in self._rest.running_apps():
            listed: set[str] = set()
            for attempt_id in self._rest.attempt_ids(app_id):
                for c in self._rest.containers(app_id, attempt_id):
                    listed.add(c.container_id)
                    if c.state == "RUNNING":
                        live[c.container_id] = c.memory_mb
                    with self._lock:
                        earlier = self._seen.get(c.container_id)
                        if earlier is None:
                            log.debug("container %s on %s", c.container_id, c.node_id)
                        self._seen[c.container_id] = ContainerPlacement(
                            app_id, c.container_id, c.node_id, c.memory_mb, c.vcores, False
                        )
                        sizes = self._sizes.setdefault(c.container_id, [])
                        if not sizes or sizes[-1][1:] != (c.memory_mb, c.vcores):
                            sizes.append((time.monotonic() - self._started, c.memory_mb,
                                          c.vcores))
            if not any(is_am_container(c) for c in listed):
                continue  # the app ended between the two requests: its listing says nothing
            with self._lock:
                self._ended_early |= self._listed.get(app_id, set()) - listed
                self._listed[app_id] = listed
        with self._lock:
            self._live = live

    def poll_quietly(self) -> None:
        try:
            self.poll_once()
        except RmRestError as exc:
            # An app can finish between listing it and asking for its containers.
            log.debug("placement poll skipped: %s", exc)
        except Exception:  # the recorder's thread must outlive one bad poll, and say why
            log.exception("placement poll failed")

    def live(self) -> dict[str, int]:
        """The containers the RM listed as RUNNING at the last poll, with their MB."""
        with self._lock:
            return dict(self._live)

    def sizes(self, container_id: str) -> list[tuple[float, int, int]]:
        """The sizes the RM reported for the container, in order, with when."""
        with self._lock:
            return list(self._sizes.get(container_id, ()))

    def ended_early(self, app_id: str) -> list[str]:
        """The app's containers that the RM stopped listing while the app still ran."""
        with self._lock:
            return sorted(
                c for c in self._ended_early
                if c in self._seen and self._seen[c].app_id == app_id
            )

    def placements(self, app_id: str | None = None) -> list[ContainerPlacement]:
        with self._lock:
            found = [replace(p, ran=p.container_id in self._launched) for p in self._seen.values()]
        return sorted(
            (p for p in found if app_id is None or p.app_id == app_id),
            key=lambda p: p.container_id,
        )
