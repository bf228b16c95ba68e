"""A real local YARN cluster: one ResourceManager and N NodeManagers as separate JVMs.

Used as a context manager, so an exception or Ctrl-C in the caller still stops every JVM:

    with LocalCluster.start(ClusterSpec(), run_dir) as cluster:
        run_distributed_shell(cluster, ...)
"""

from __future__ import annotations

import atexit
import logging
import os
import time
from pathlib import Path
from types import TracebackType

from yarn_elastic.devcluster.conf_files import write_cluster_conf
from yarn_elastic.devcluster.jvm import classpath, find_java_home, java_command
from yarn_elastic.devcluster.layout import LOOPBACK, ClusterLayout, allocate_layout
from yarn_elastic.devcluster.placement import PlacementRecorder
from yarn_elastic.devcluster.processes import Daemon, reap_processes_under, stop_all
from yarn_elastic.devcluster.rm_rest import NmRestClient, NodeReport, RmRestClient, RmRestError
from yarn_elastic.devcluster.spec import ClusterSpec

log = logging.getLogger(__name__)

RM_MAIN = "org.apache.hadoop.yarn.server.resourcemanager.ResourceManager"
NM_MAIN = "org.apache.hadoop.yarn.server.nodemanager.NodeManager"
RM_NAME = "resourcemanager"


class ClusterStartError(RuntimeError):
    pass


class SourceCheckoutRequired(ClusterStartError):
    pass


def project_root() -> Path:
    """The source checkout the dev cluster runs from, for conf/, build/hadoop and the shim jar:
    $YARN_ELASTIC_HOME if set, else the checkout an editable install points into. An
    installed wheel has none of those, so it is told where to find them, or refused."""
    home = os.environ.get("YARN_ELASTIC_HOME")
    root = Path(home).expanduser() if home else Path(__file__).resolve().parents[3]
    if (root / "pyproject.toml").is_file() and (root / "java-shim").is_dir():
        return root
    where = f"YARN_ELASTIC_HOME={home} is not" if home else "this installation is not in"
    raise SourceCheckoutRequired(
        f"the dev cluster (yarn-elastic demo, the integration tests) runs from a yarn-elastic"
        f" source checkout, for its conf/, build/hadoop and shim jar, and {where} one: run"
        f" `make demo` in a checkout, or set YARN_ELASTIC_HOME to one")


def default_hadoop_lib() -> Path:
    return Path(os.environ.get("YARN_ELASTIC_HADOOP_LIB", project_root() / "build/hadoop/lib"))


def default_conf_dir() -> Path:
    return project_root() / "conf"


def new_run_dir(prefix: str) -> Path:
    """A fresh build/devcluster/<prefix>-<time>-<pid> directory; runs never share one."""
    base = project_root() / "build" / "devcluster"
    run_dir = base / f"{prefix}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    run_dir.mkdir(parents=True)
    return run_dir


class LocalCluster:
    def __init__(self, spec: ClusterSpec, layout: ClusterLayout, java_home: Path) -> None:
        self.spec = spec
        self.layout = layout
        self.java_home = java_home
        self.rest = RmRestClient(layout.rm_web_url)
        self.daemons: list[Daemon] = []
        self._stopped = False

    @classmethod
    def start(
        cls,
        spec: ClusterSpec,
        run_dir: Path,
        *,
        hadoop_lib: Path | None = None,
        conf_dir: Path | None = None,
        ready_timeout_seconds: float = 180.0,
    ) -> LocalCluster:
        """Write the run's configuration, start RM and NMs, and wait until all NMs are RUNNING."""
        lib = hadoop_lib or default_hadoop_lib()
        if not any(lib.glob("hadoop-yarn-server-resourcemanager-*.jar")):
            raise ClusterStartError(
                f"no Hadoop ResourceManager jar in {lib}; run `make hadoop` first "
                "(or set YARN_ELASTIC_HADOOP_LIB to a directory of Hadoop 3.4.1 jars)"
            )
        for jar in spec.rm_extra_classpath:
            if not jar.exists():
                raise ClusterStartError(f"RM classpath entry {jar} does not exist")
        layout = allocate_layout(spec, run_dir, lib)
        write_cluster_conf(layout, spec, conf_dir or default_conf_dir())
        cluster = cls(spec, layout, find_java_home())
        atexit.register(cluster.stop)
        try:
            cluster._start_daemons()
            cluster.wait_until_ready(ready_timeout_seconds)
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def __enter__(self) -> LocalCluster:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def client_conf_dir(self) -> Path:
        return self.layout.client_conf_dir

    def node_manager_clients(self) -> list[NmRestClient]:
        return [NmRestClient(f"http://{LOOPBACK}:{n.ports.web}") for n in self.layout.nodes]

    def placement_recorder(self, interval_seconds: float = 0.5) -> PlacementRecorder:
        """Records every container's node while apps run; use it as a context manager."""
        return PlacementRecorder(self.rest, self.node_manager_clients(), interval_seconds)

    def node_name(self, node_id: str) -> str:
        """The spec name (nm1, ...) of the NM the RM calls `node_id`."""
        for node in self.layout.nodes:
            if node.is_node(node_id):
                return node.spec.name
        raise KeyError(f"{node_id} is not a NodeManager of this cluster")

    def client_env(self) -> dict[str, str]:
        """Environment for Hadoop/Spark clients talking to this cluster."""
        env = dict(os.environ)
        env["JAVA_HOME"] = str(self.java_home)
        env["HADOOP_CONF_DIR"] = str(self.client_conf_dir)
        env["YARN_CONF_DIR"] = str(self.client_conf_dir)
        return env

    def _start_resource_manager(self) -> Daemon:
        layout, spec = self.layout, self.spec
        layout.rm_home.mkdir(parents=True, exist_ok=True)
        rm_cp = classpath(layout.rm_conf_dir, layout.hadoop_lib, spec.rm_extra_classpath)
        rm_cmd = java_command(
            self.java_home, RM_MAIN, rm_cp, spec.rm_heap_mb, layout.rm_home,
            system_properties=["-Dproc_resourcemanager"],
        )
        return Daemon.start(RM_NAME, rm_cmd, layout.rm_log_file, self.client_env(),
                            layout.rm_home)

    def restart_resource_manager(self, *, crash: bool = True,
                                 ready_timeout_seconds: float = 180.0) -> None:
        """Stop the RM (SIGKILL when `crash`, else SIGTERM) and start it again on the same
        ports, configuration and state store; wait until every NodeManager is RUNNING again.
        With `spec.rm_recovery`, applications and their running containers survive."""
        if not self.spec.rm_recovery:
            log.warning("restarting an RM without rm_recovery: every application is lost")
        old = next(d for d in self.daemons if d.name == RM_NAME)
        if crash:
            old.kill()
        else:
            old.stop()
        self.daemons[self.daemons.index(old)] = self._start_resource_manager()
        self.wait_until_ready(ready_timeout_seconds)

    def _start_daemons(self) -> None:
        layout, spec = self.layout, self.spec
        env = self.client_env()
        self.daemons.append(self._start_resource_manager())
        for node in layout.nodes:
            node.home.mkdir(parents=True, exist_ok=True)
            nm_cp = classpath(node.conf_dir, layout.hadoop_lib)
            nm_cmd = java_command(
                self.java_home, NM_MAIN, nm_cp, spec.nm_heap_mb, node.home,
                system_properties=["-Dproc_nodemanager"],
            )
            self.daemons.append(
                Daemon.start(f"nodemanager {node.spec.name}", nm_cmd, node.log_file, env, node.home)
            )

    def wait_until_ready(self, timeout_seconds: float) -> list[NodeReport]:
        """Poll the RM until every NodeManager is RUNNING; fail fast if a daemon dies."""
        deadline = time.monotonic() + timeout_seconds
        last_seen = "the RM web service has not answered yet"
        while time.monotonic() < deadline:
            self._check_daemons_alive()
            try:
                nodes = self.rest.nodes()
            except RmRestError as exc:
                last_seen = str(exc)
            else:
                ours = [n for n in nodes if self._is_ours(n.node_id)]
                running = [n for n in ours if n.state == "RUNNING"]
                if len(running) == len(self.layout.nodes):
                    log.info("cluster ready: %d NodeManagers RUNNING at %s",
                             len(running), self.layout.rm_web_url)
                    return running
                last_seen = f"{len(running)} of {len(self.layout.nodes)} NodeManagers RUNNING"
            time.sleep(1.0)
        logs = ", ".join(str(d.log_file) for d in self.daemons)
        raise ClusterStartError(
            f"cluster not ready after {timeout_seconds:.0f} s ({last_seen}); see {logs}"
        )

    def _is_ours(self, node_id: str) -> bool:
        return any(node.is_node(node_id) for node in self.layout.nodes)

    def _check_daemons_alive(self) -> None:
        for daemon in self.daemons:
            if not daemon.is_running():
                raise ClusterStartError(
                    f"{daemon.name} exited with code {daemon.process.returncode}; "
                    f"see {daemon.log_file}. Last lines:\n{daemon.log_tail()}"
                )

    def stop(self) -> None:
        """Stop NMs first (they stop their containers), then the RM; then reap leftovers."""
        if self._stopped:
            return
        self._stopped = True
        node_managers = [d for d in self.daemons if d.name != RM_NAME]
        rm_alive = any(d.name == RM_NAME and d.is_running() for d in self.daemons)
        # NMs spend up to ~17 s in shutdown hooks (7 s waiting for apps, 10 s for log-deletion
        # timers), in parallel. Without an RM they sit in its connect-retry loop and ignore
        # SIGTERM, and there is nothing left to unregister from: kill them sooner.
        stop_all(node_managers, grace_seconds=30 if rm_alive else 3)
        stop_all([d for d in self.daemons if d not in node_managers])
        reap_processes_under(self.layout.run_dir)
        atexit.unregister(self.stop)
