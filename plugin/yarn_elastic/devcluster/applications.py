"""Submit real YARN applications (DistributedShell, Spark) to a local cluster and await them.

Both clients are started as child processes that block until their application finishes, and
both print "Submitted application <id>", which is how the app id is learned.
"""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from yarn_elastic.devcluster.processes import Daemon
from yarn_elastic.devcluster.rm_rest import AppReport, RmRestClient, RmRestError

_SUBMITTED = re.compile(r"Submitted application (application_\d+_\d+)")


class ApplicationError(RuntimeError):
    pass


@dataclass
class SubmittedApp:
    """A client process that has submitted (or is submitting) one application."""

    name: str
    client: Daemon
    rest: RmRestClient

    @property
    def log_file(self) -> Path:
        return self.client.log_file

    def app_id(self, timeout_seconds: float = 120.0) -> str:
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            match = _SUBMITTED.search(self.log_file.read_text(errors="replace"))
            if match:
                return match.group(1)
            if not self.client.is_running():
                break
            time.sleep(0.5)
        raise ApplicationError(
            f"{self.name}: no application was submitted; see {self.log_file}. "
            f"Last lines:\n{self.client.log_tail()}"
        )

    def wait(self, timeout_seconds: float, submit_timeout_seconds: float = 120.0) -> AppReport:
        """Wait for the client to exit, then return the RM's final report of the app."""
        app_id = self.app_id(submit_timeout_seconds)
        try:
            self.client.process.wait(timeout=timeout_seconds)
        except subprocess.TimeoutExpired:
            self.client.stop()
            raise ApplicationError(
                f"{self.name} ({app_id}) still running after {timeout_seconds:.0f} s; "
                f"client log: {self.log_file}"
            ) from None
        deadline = time.monotonic() + 30
        while True:
            try:
                report = self.rest.app(app_id)
            except RmRestError:
                report = None
            if report is not None and report.finished:
                return report
            if time.monotonic() > deadline:
                raise ApplicationError(
                    f"{self.name} ({app_id}): client exited with "
                    f"{self.client.process.returncode} but the RM reports "
                    f"{report.state if report else 'nothing'}; client log: {self.log_file}"
                )
            time.sleep(0.5)


def fresh_log_file(apps_dir: Path, name: str) -> Path:
    """A client log no earlier submission wrote: the app id is read from it, and a second job
    of the same name appending to the first's log would be taken for the first."""
    candidate = apps_dir / f"{name}.client.log"
    number = 1
    while candidate.exists():
        number += 1
        candidate = apps_dir / f"{name}-{number}.client.log"
    return candidate
