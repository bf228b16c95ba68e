"""The agent's main loop: sample every interval, batch, spool, and let the sender deliver."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from yarn_elastic.depository.report import app_id_of

from yarn_elastic_agent.config import AgentSettings
from yarn_elastic_agent.cpu_limits import CgroupCpu, CpuLimiter
from yarn_elastic_agent.reports import build_reports, encode
from yarn_elastic_agent.rm_apps import RmApps
from yarn_elastic_agent.sampling import Sampler
from yarn_elastic_agent.sender import Sender
from yarn_elastic_agent.spool import Spool

LOG = logging.getLogger(__name__)


class Agent:
    def __init__(self, settings: AgentSettings, sampler: Sampler | None = None) -> None:
        self.settings = settings
        self.sampler = sampler or Sampler(
            settings.local_dirs, settings.network_method, settings.collect_pss
        )
        self.spool = Spool(settings.spool_dir, settings.spool_max_bytes)
        self.sender = Sender(self.spool, settings.reports_url, settings.token,
                             settings.request_timeout_s, settings.max_backoff_s)
        self.rm = RmApps(settings.rm_url) if settings.rm_url else None
        limits = settings.cpu_limits
        self.cpu = None if limits is None else CpuLimiter(
            limits.nm_url, CgroupCpu(limits.mount, limits.hierarchy, limits.node))
        self._samples: list[dict[str, Any]] = []
        self._node_samples: list[dict[str, Any]] = []
        self._users: dict[str, str | None] = {}
        self.ticks = 0
        # Samples taken of each live container (one per tick); logged when it goes away.
        self.samples_taken: dict[str, int] = {}

    def tick(self) -> None:
        """Take one sample of every container and queue it for the next report."""
        _, samples, node = self.sampler.sample()
        self.ticks += 1
        live = {s["container_id"] for s in samples}
        for container_id in live - self.samples_taken.keys():
            LOG.info("container %s found", container_id)
        for container_id in self.samples_taken.keys() - live:
            # Operators (and the integration test) compare this count with the depository's.
            LOG.info("container %s gone after %d samples", container_id,
                     self.samples_taken.pop(container_id))
        for container_id in live:
            self.samples_taken[container_id] = self.samples_taken.get(container_id, 0) + 1
        self._users.update(self.sampler.users)
        self._samples.extend(samples)
        if node is not None:
            self._node_samples.append(node)

    def flush(self) -> int:
        """Turn queued samples into spooled batches; returns how many batches."""
        if not self._samples and not self._node_samples:
            return 0
        app_ids = {app_id_of(s["container_id"]) for s in self._samples}
        apps = self.rm.refresh(app_ids) if self.rm else {}
        for sample in self._samples:
            info = apps.get(app_id_of(sample["container_id"]))
            if info is not None and sample["progress"] is None:
                sample["progress"] = info.get("progress")
        reports = build_reports(self.settings.node_id, self._samples, self._node_samples,
                                self._users, apps, self.settings.max_batch_samples)
        for report in reports:
            self.spool.put(report["batch_id"], encode(report))
        self._samples, self._node_samples = [], []
        self._users = {c: u for c, u in self._users.items() if c in self.sampler.users}
        return len(reports)

    def run(self, stop: threading.Event) -> None:
        LOG.info("agent on %s: sampling every %.1f s, reporting to %s, spool %s",
                 self.settings.node_id, self.settings.interval_s, self.settings.reports_url,
                 self.settings.spool_dir)
        if self.settings.token is None:
            LOG.warning("yarn.elastic.depository.token-file is not set: reports go without a "
                        "token, and a core started without --insecure refuses them (401); "
                        "they wait in the spool until the token is set")
        if not any(Path(d).is_dir() for d in self.settings.local_dirs):
            LOG.warning("none of the NodeManager's local dirs %s exists here; containers are "
                        "found by command line, working directory or CONTAINER_ID only, and "
                        "another NodeManager's on this host would be counted too "
                        "(set yarn.nodemanager.local-dirs)", ",".join(self.settings.local_dirs))
        self.sender.start()
        if self.cpu is not None:
            self.cpu.start(self.settings.report_interval_s)
        next_tick = next_report = time.monotonic()
        try:
            while not stop.is_set():
                started = time.monotonic()
                self.tick()
                if started >= next_report:
                    self.flush()
                    next_report += self.settings.report_interval_s
                took = time.monotonic() - started
                if took > self.settings.interval_s:
                    LOG.warning("a sample took %.1f s, longer than the %.1f s interval",
                                took, self.settings.interval_s)
                next_tick = max(next_tick + self.settings.interval_s, time.monotonic())
                stop.wait(max(0.0, next_tick - time.monotonic()))
        finally:
            if self.cpu is not None:
                self.cpu.stop()
            self.flush()
            self.sender.stop(drain_s=min(5.0, self.settings.request_timeout_s))
            for container_id, taken in sorted(self.samples_taken.items()):
                LOG.info("container %s still running at stop: %d samples", container_id, taken)
            LOG.info("agent stopped; %d batches left in the spool for next time", len(self.spool))
