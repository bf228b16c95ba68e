"""Where a local cluster's daemons listen and keep their files, and the properties that say so.

A run directory holds one configuration directory per daemon (the RM and each NM need their
own ports and dirs, and Hadoop reads exactly one yarn-site.xml from the classpath) plus one
for clients. Building the property maps is pure; `conf_files` writes them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from yarn_elastic.devcluster.ports import free_loopback_ports
from yarn_elastic.devcluster.spec import ClusterSpec, NodeSpec

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class RmPorts:
    client: int
    scheduler: int
    resource_tracker: int
    admin: int
    web: int


@dataclass(frozen=True)
class NmPorts:
    rpc: int
    localizer: int
    web: int
    # Spark's external shuffle service, when the cluster runs it (ClusterSpec).
    spark_shuffle: int


@dataclass(frozen=True)
class NodeLayout:
    spec: NodeSpec
    ports: NmPorts
    home: Path

    def is_node(self, node_id: str) -> bool:
        """Whether the RM's node id names this NM.

        The NM builds its id from the canonical name of its bound address ("localhost" on most
        machines, whatever /etc/hosts says), so only the port is ours to predict.
        """
        return node_id.rsplit(":", 1)[-1] == str(self.ports.rpc)

    @property
    def conf_dir(self) -> Path:
        return self.home / "conf"

    @property
    def log_file(self) -> Path:
        return self.home / "nodemanager.log"

    @property
    def container_log_dir(self) -> Path:
        return self.home / "container-logs"


@dataclass(frozen=True)
class ClusterLayout:
    run_dir: Path
    hadoop_lib: Path
    rm_ports: RmPorts
    nodes: tuple[NodeLayout, ...]

    @property
    def rm_home(self) -> Path:
        return rm_home_of(self.run_dir)

    @property
    def rm_conf_dir(self) -> Path:
        return self.rm_home / "conf"

    @property
    def rm_log_file(self) -> Path:
        return self.rm_home / "resourcemanager.log"

    @property
    def client_conf_dir(self) -> Path:
        """HADOOP_CONF_DIR for clients (DistributedShell, spark-submit) and for containers."""
        return self.run_dir / "conf"

    @property
    def rm_web_url(self) -> str:
        return f"http://{LOOPBACK}:{self.rm_ports.web}"

    @property
    def rm_address(self) -> str:
        return f"{LOOPBACK}:{self.rm_ports.client}"


def rm_home_of(run_dir: Path) -> Path:
    """Where a run keeps the ResourceManager's conf dir and log; known before the layout is."""
    return run_dir / "resourcemanager"


def allocate_layout(spec: ClusterSpec, run_dir: Path, hadoop_lib: Path) -> ClusterLayout:
    per_node = len(fields(NmPorts))
    ports = free_loopback_ports(5 + per_node * len(spec.nodes))
    rm_ports = RmPorts(*ports[:5])
    nodes = tuple(
        NodeLayout(
            node, NmPorts(*ports[5 + per_node * i : 5 + per_node * (i + 1)]),
            run_dir / node.name,
        )
        for i, node in enumerate(spec.nodes)
    )
    return ClusterLayout(run_dir.resolve(), hadoop_lib.resolve(), rm_ports, nodes)


def client_properties(layout: ClusterLayout, spec: ClusterSpec) -> dict[str, str]:
    """What every daemon and client must agree on: where the RM is, what containers see."""
    rm = layout.rm_ports
    return {
        "yarn.resourcemanager.hostname": LOOPBACK,
        "yarn.resourcemanager.address": f"{LOOPBACK}:{rm.client}",
        "yarn.resourcemanager.scheduler.address": f"{LOOPBACK}:{rm.scheduler}",
        "yarn.resourcemanager.resource-tracker.address": f"{LOOPBACK}:{rm.resource_tracker}",
        "yarn.resourcemanager.admin.address": f"{LOOPBACK}:{rm.admin}",
        "yarn.resourcemanager.webapp.address": f"{LOOPBACK}:{rm.web}",
        "yarn.resourcemanager.scheduler.class": spec.scheduler_class,
        # Several NMs share 127.0.0.1; without the port their node ids would clash.
        "yarn.scheduler.include-port-in-node-name": "true",
        "yarn.scheduler.minimum-allocation-mb": str(spec.min_allocation_mb),
        "yarn.scheduler.maximum-allocation-mb": str(max(n.memory_mb for n in spec.nodes)),
        "yarn.scheduler.maximum-allocation-vcores": str(max(n.vcores for n in spec.nodes)),
        # Hadoop's default expects $HADOOP_*_HOME/share/...; we have a flat jar directory.
        # The client conf dir comes first so AMs find the RM's ephemeral ports.
        "yarn.application.classpath": f"{layout.client_conf_dir},{layout.hadoop_lib}/*",
        "yarn.log-aggregation-enable": "false",
        "hadoop.tmp.dir": str(layout.run_dir / "tmp"),
        # Advertised sizes exceed what one small machine could back with virtual memory. The
        # RM reads it too: the shim lowers container memory only where NMs do not check vmem.
        "yarn.nodemanager.vmem-check-enabled": "false",
    }


def rm_properties(layout: ClusterLayout, spec: ClusterSpec) -> dict[str, str]:
    props = client_properties(layout, spec)
    props["yarn.resourcemanager.recovery.enabled"] = str(spec.rm_recovery).lower()
    if spec.rm_recovery:
        props.update(recovery_properties(layout))
    props.update(spec.extra_properties)
    return props


def recovery_properties(layout: ClusterLayout) -> dict[str, str]:
    """A file-system state store in the run dir, as FileSystemRMStateStore keeps on HDFS."""
    return {
        "yarn.resourcemanager.store.class": (
            "org.apache.hadoop.yarn.server.resourcemanager.recovery.FileSystemRMStateStore"),
        "yarn.resourcemanager.fs.state-store.uri": (layout.run_dir / "rm-state").as_uri(),
        "yarn.resourcemanager.work-preserving-recovery.enabled": "true",
        # A restarted RM allocates nothing, increases included, until this has passed, so that
        # every NM can report its containers first (10 s by default); local NMs take a second.
        "yarn.resourcemanager.work-preserving-recovery.scheduling-wait-ms": "3000",
    }


def nm_properties(layout: ClusterLayout, spec: ClusterSpec, node: NodeLayout) -> dict[str, str]:
    props = client_properties(layout, spec)
    props.update(
        {
            "yarn.nodemanager.hostname": LOOPBACK,
            "yarn.nodemanager.address": f"{LOOPBACK}:{node.ports.rpc}",
            "yarn.nodemanager.localizer.address": f"{LOOPBACK}:{node.ports.localizer}",
            "yarn.nodemanager.webapp.address": f"{LOOPBACK}:{node.ports.web}",
            "yarn.nodemanager.resource.memory-mb": str(node.spec.memory_mb),
            "yarn.nodemanager.resource.cpu-vcores": str(node.spec.vcores),
            "yarn.nodemanager.local-dirs": str(node.home / "local"),
            "yarn.nodemanager.log-dirs": str(node.container_log_dir),
            "yarn.nodemanager.recovery.enabled": "false",
            # A nearly full developer disk must not mark every node unhealthy.
            "yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage": (
                "99.5"
            ),
        }
    )
    if spec.spark_shuffle_classpath:
        props.update(spark_shuffle_properties(spec.spark_shuffle_classpath, node))
    props.update(spec.extra_properties)
    return props


SPARK_SHUFFLE_SERVICE = "spark_shuffle"


def spark_shuffle_properties(classpath: tuple[str, ...], node: NodeLayout) -> dict[str, str]:
    """Spark's YarnShuffleService as an NM aux service, as Spark's "Running on YARN" page says.

    The classpath key gives it a classloader of its own, so Spark's Netty and Jackson never
    meet the NM's. Each NM of a one-host cluster needs its own port; executors all register
    with the first NM's (see `first_shuffle_port`), as they would with the one NM of a host.
    """
    key = f"yarn.nodemanager.aux-services.{SPARK_SHUFFLE_SERVICE}"
    return {
        "yarn.nodemanager.aux-services": SPARK_SHUFFLE_SERVICE,
        f"{key}.class": "org.apache.spark.network.yarn.YarnShuffleService",
        # ApplicationClassLoader splits on the path separator and expands `dir/*`.
        f"{key}.classpath": ":".join(classpath),
        "spark.shuffle.service.port": str(node.ports.spark_shuffle),
        # A service that fails to start then fails its NM, not each executor later.
        "spark.yarn.shuffle.stopOnFailure": "true",
    }


def first_shuffle_port(layout: ClusterLayout) -> int:
    """The shuffle service port executors use: all of them run on this one host."""
    return layout.nodes[0].ports.spark_shuffle


def core_properties(layout: ClusterLayout) -> dict[str, str]:
    return {
        "fs.defaultFS": "file:///",
        "hadoop.tmp.dir": str(layout.run_dir / "tmp"),
    }
