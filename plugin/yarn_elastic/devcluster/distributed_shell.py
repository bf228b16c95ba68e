"""Run Hadoop's DistributedShell on a local cluster.

DistributedShell asks for one container size per application, so mixed sizes come from
running several applications side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from yarn_elastic.devcluster.applications import ApplicationError, SubmittedApp, fresh_log_file
from yarn_elastic.devcluster.cluster import LocalCluster
from yarn_elastic.devcluster.jvm import JDK17_FLAGS, classpath
from yarn_elastic.devcluster.processes import Daemon

DS_CLIENT = "org.apache.hadoop.yarn.applications.distributedshell.Client"


@dataclass(frozen=True)
class ShellAppSpec:
    name: str
    num_containers: int
    memory_mb: int
    vcores: int
    sleep_seconds: int = 15
    am_memory_mb: int = 256
    queue: str = "default"
    # A command each container runs instead of `sleep sleep_seconds`.
    shell_command: str | None = None


def distributed_shell_jar(hadoop_lib: Path) -> Path:
    jars = sorted(hadoop_lib.glob("hadoop-yarn-applications-distributedshell-*.jar"))
    if not jars:
        raise ApplicationError(
            f"no DistributedShell jar in {hadoop_lib}; run `make hadoop` first"
        )
    return jars[-1]


def client_command(cluster: LocalCluster, app: ShellAppSpec, timeout_seconds: float) -> list[str]:
    layout = cluster.layout
    return [
        str(cluster.java_home / "bin" / "java"),
        "-Xmx192m",
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        # DistributedShell stages its AM jar in the FileSystem home dir; keep it in the run.
        f"-Duser.home={layout.run_dir / 'client-home'}",
        *JDK17_FLAGS,
        "-cp",
        classpath(layout.client_conf_dir, layout.hadoop_lib),
        DS_CLIENT,
        "-jar", str(distributed_shell_jar(layout.hadoop_lib)),
        "-appname", app.name,
        "-queue", app.queue,
        "-shell_command", app.shell_command or f"sleep {app.sleep_seconds}",
        "-num_containers", str(app.num_containers),
        "-container_memory", str(app.memory_mb),
        "-container_vcores", str(app.vcores),
        "-master_memory", str(app.am_memory_mb),
        "-master_vcores", "1",
        "-timeout", str(int(timeout_seconds * 1000)),
    ]


def submit_distributed_shell(
    cluster: LocalCluster, app: ShellAppSpec, timeout_seconds: float = 300.0
) -> SubmittedApp:
    """Start the DistributedShell client; `.wait()` on the result for the final report."""
    apps_dir = cluster.layout.run_dir / "apps"
    apps_dir.mkdir(parents=True, exist_ok=True)
    # Its own log even for a name submitted before: the app id is read from it.
    log_file = fresh_log_file(apps_dir, app.name)
    command = client_command(cluster, app, timeout_seconds)
    client = Daemon.start(
        f"distributedshell {app.name}", command, log_file, cluster.client_env(),
        cluster.layout.run_dir,
    )
    return SubmittedApp(app.name, client, cluster.rest)
