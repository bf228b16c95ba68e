"""Run the local cluster under yarn-elastic: the shim in the RM, the real core beside it.

The integration tests and `yarn-elastic demo` need the same pieces:
- a ClusterSpec that loads the shim from the project's jar;
- the core, either launched by the RM (`yarn.elastic.core.command`) or run on its own;
- the shim's state as the RM's `/jmx` publishes it;
- the core's decisions, as its HTTP API logs them, to check every container against them.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import requests

from yarn_elastic.devcluster.cluster import ClusterStartError, LocalCluster, project_root
from yarn_elastic.devcluster.layout import rm_home_of
from yarn_elastic.devcluster.placement import ContainerPlacement
from yarn_elastic.devcluster.polling import BackgroundPoller
from yarn_elastic.devcluster.ports import free_loopback_ports
from yarn_elastic.devcluster.spec import ELASTIC_SCHEDULER, ClusterSpec
from yarn_elastic.web.auth import bearer

SHIM_JAR = Path("java-shim/target/yarn-elastic-shim-0.1.0.jar")
SHIM_METRICS_QUERY = "Hadoop:service=ResourceManager,name=ElasticScheduler"


def shim_jar() -> Path:
    jar = project_root() / SHIM_JAR
    if not jar.is_file():
        raise ClusterStartError(f"the shim jar {jar} is missing; run `make shim` first")
    return jar


def core_command() -> list[str]:
    """The `yarn-elastic core` of this Python environment, as an argument list."""
    return [sys.executable, "-m", "yarn_elastic.cli", "core"]


def fresh_secret(run_dir: Path, name: str) -> Path:
    """A new random token file in `run_dir`, readable only by its owner, as the token
    readers require."""
    path = run_dir.resolve() / name
    path.write_text(secrets.token_hex(32))
    path.chmod(0o600)
    return path


@dataclass(frozen=True)
class CoreSetup:
    """Where the core listens and how it is guarded, for one local cluster."""

    py4j_port: int
    http_port: int
    token_file: Path  # the shim's and the core's Py4J secret
    usage_token_file: Path  # the agents' secret for the depository
    estimator_token_file: Path  # the secret of the estimator's writes
    log_file: Path
    launched_by_rm: bool
    conf_dir: Path  # the RM's own conf dir: the core reads the same yarn-site.xml

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def usage_headers(self) -> dict[str, str]:
        return bearer(self.usage_token_file.read_text().strip())

    def standalone_command(self) -> list[str]:
        return [
            *core_command(),
            "--conf-dir", str(self.conf_dir),
            "--port", str(self.py4j_port),
            "--auth-token-file", str(self.token_file),
            "--http-port", str(self.http_port),
        ]


def elastic_spec(
    base: ClusterSpec, run_dir: Path, *, launched_by_rm: bool = True
) -> tuple[ClusterSpec, CoreSetup]:
    """`base` with the shim loaded and the core wired in.

    With `launched_by_rm`, the RM starts and supervises the core. Otherwise the RM only
    connects, and the caller starts the core (`start_standalone_core`) when it wants.
    """
    run_dir.mkdir(parents=True, exist_ok=True)
    py4j_port, http_port = free_loopback_ports(2)
    # The core reads the RM's own yarn-site.xml, as an operator's would.
    rm_conf_dir = rm_home_of(run_dir.resolve()) / "conf"
    setup = CoreSetup(
        py4j_port, http_port, fresh_secret(run_dir, "core.token"),
        fresh_secret(run_dir, "usage.token"), fresh_secret(run_dir, "estimator.token"),
        run_dir / "core.log", launched_by_rm, rm_conf_dir,
    )
    properties = {
        "yarn.elastic.core.address": f"127.0.0.1:{py4j_port}",
        "yarn.elastic.core.auth-token-file": str(setup.token_file),
        "yarn.elastic.depository.token-file": str(setup.usage_token_file),
        "yarn.elastic.estimator.token-file": str(setup.estimator_token_file),
        "yarn.elastic.core.log-file": str(setup.log_file),
        # Launched: the RM appends --port and --auth-token-file. Standalone: no command.
        "yarn.elastic.core.command": " ".join(
            [*core_command(), "--conf-dir", str(rm_conf_dir), "--http-port", str(http_port)]
        ) if launched_by_rm else "",
        "yarn.elastic.core.http-port": str(http_port),
        "yarn.elastic.depository.path": str(run_dir.resolve() / "core.db"),
        # A local cluster recovers from a killed core quickly rather than politely.
        "yarn.elastic.core.retry.max-backoff-ms": "2000",
        **base.extra_properties,
    }
    spec = replace(
        base,
        scheduler_class=ELASTIC_SCHEDULER,
        rm_extra_classpath=(*base.rm_extra_classpath, shim_jar()),
        extra_properties=properties,
    )
    return spec, setup


def start_standalone_core(
    setup: CoreSetup, timeout_seconds: float = 60.0
) -> subprocess.Popen[bytes]:
    """Start `yarn-elastic core` on its own and wait until its HTTP API answers."""
    log = setup.log_file.open("ab")
    process = subprocess.Popen(
        setup.standalone_command(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
    )
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ClusterStartError(
                f"yarn-elastic core exited with {process.returncode}; see {setup.log_file}"
            )
        if core_status(setup) is not None:
            return process
        time.sleep(0.3)
    process.kill()
    raise ClusterStartError(f"yarn-elastic core did not answer in {timeout_seconds} s")


def core_status(setup: CoreSetup) -> dict[str, Any] | None:
    try:
        response = requests.get(f"{setup.http_url}/ws/v1/elastic/status", timeout=2)
    except requests.RequestException:
        return None
    if response.status_code != 200:
        return None
    body: dict[str, Any] = response.json()
    return body


def core_pids(setup: CoreSetup) -> list[int]:
    """Processes of this cluster's core, found by the Py4J port on their command line."""
    marker = f"--port {setup.py4j_port}"
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "yarn_elastic.cli core" in cmdline and marker in cmdline:
            pids.append(int(entry.name))
    return pids


def shim_metrics(cluster: LocalCluster) -> dict[str, float]:
    """The shim's metrics2 record from the RM's /jmx (CoreState, Fallbacks, ...)."""
    response = requests.get(
        f"{cluster.layout.rm_web_url}/jmx", params={"qry": SHIM_METRICS_QUERY}, timeout=10
    )
    response.raise_for_status()
    beans = response.json().get("beans", [])
    if not beans:
        raise ClusterStartError("the RM publishes no ElasticScheduler metrics; is the shim loaded?")
    return {k: float(v) for k, v in beans[0].items() if isinstance(v, int | float)}


def wait_for_core_state(cluster: LocalCluster, state: int, timeout_seconds: float) -> None:
    """Wait until the shim's CoreState gauge is `state` (1 active, 0 fallback)."""
    deadline = time.monotonic() + timeout_seconds
    last: float | None = None
    while time.monotonic() < deadline:
        last = shim_metrics(cluster).get("CoreState")
        if last == state:
            return
        time.sleep(0.5)
    raise TimeoutError(
        f"the shim's CoreState stayed {last}, not {state}, for {timeout_seconds} s; "
        f"see {cluster.layout.rm_log_file}"
    )


@dataclass
class Decision:
    app_id: str
    node_id: str
    ask: str
    score: float
    seq: int


class DecisionRecorder(BackgroundPoller):
    """Collects the core's placements from its HTTP API in the background.

    The core keeps a bounded in-memory log that starts afresh when the core restarts, so the
    recorder polls continuously. Sequence numbers are the shim's cycle numbers, which keep
    rising across a core restart; a lower one means a new RM, and the recorder starts over.
    It polls once more when stopped, so decisions of the last moments are kept.
    """

    def __init__(self, setup: CoreSetup, interval_seconds: float = 0.3) -> None:
        super().__init__("decision-recorder", interval_seconds)
        self.setup = setup
        self._decisions: dict[tuple[str, str], Decision] = {}
        self._since = -1
        self._lock = threading.Lock()

    def stop(self) -> None:
        super().stop()
        self.poll_once()

    def poll_once(self) -> None:
        status = core_status(self.setup)
        if status is None:
            return
        seq = status.get("seq")
        if isinstance(seq, int) and seq < self._since:
            self._since = -1  # the core restarted and numbers its cycles afresh
        try:
            response = requests.get(
                f"{self.setup.http_url}/ws/v1/elastic/decisions",
                params={"since": self._since},
                timeout=10,
            )
            entries = response.json()["decisions"] if response.status_code == 200 else []
        except (requests.RequestException, ValueError, KeyError):
            return
        with self._lock:
            for entry in entries:
                app_id = str(entry["ask"]).split("#", 1)[0]
                key = (app_id, str(entry["node"]))
                if key not in self._decisions:
                    self._decisions[key] = Decision(
                        app_id, key[1], str(entry["ask"]), float(entry["score"]), int(entry["seq"])
                    )
                self._since = max(self._since, int(entry["seq"]))

    def decided(self, app_id: str, node_id: str) -> Decision | None:
        with self._lock:
            return self._decisions.get((app_id, node_id))

    def decisions(self) -> Mapping[tuple[str, str], Decision]:
        with self._lock:
            return dict(self._decisions)

    def not_chosen(self, placements: Sequence[ContainerPlacement]) -> list[str]:
        """Each placement on a node the core never chose for its app, with what it did choose."""
        decided = self.decisions()
        return [
            f"{p.container_id} of {p.app_id} landed on {p.node_id}, which the core never chose"
            f" for that application; core decided: {sorted(k for k in decided if k[0] == p.app_id)}"
            for p in placements
            if (p.app_id, p.node_id) not in decided
        ]

