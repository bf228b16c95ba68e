"""What a local cluster looks like: its NodeManagers' sizes, the scheduler and the JVM limits.

The spec is plain data so that a test or the demo can say "stock CapacityScheduler" or
"ElasticScheduler with the shim jar" by changing one field, and so that generating the
configuration from it stays pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

CAPACITY_SCHEDULER = (
    "org.apache.hadoop.yarn.server.resourcemanager.scheduler.capacity.CapacityScheduler"
)
ELASTIC_SCHEDULER = "org.yarnelastic.shim.ElasticScheduler"


@dataclass(frozen=True)
class NodeSpec:
    """One NodeManager: the resources it advertises to the ResourceManager."""

    name: str
    memory_mb: int
    vcores: int

    def __post_init__(self) -> None:
        if self.memory_mb <= 0 or self.vcores <= 0:
            raise ValueError(
                f"node {self.name!r}: memory_mb and vcores must be positive, "
                f"got {self.memory_mb} MB / {self.vcores} vcores"
            )


# Unequal on purpose: placement by dominant remaining resource only shows on uneven nodes.
# These are advertised sizes; DistributedShell's `sleep` containers use almost no real memory.
DEFAULT_NODES: tuple[NodeSpec, ...] = (
    NodeSpec("nm1", memory_mb=8192, vcores=8),
    NodeSpec("nm2", memory_mb=6144, vcores=4),
    NodeSpec("nm3", memory_mb=4096, vcores=2),
)


@dataclass(frozen=True)
class ClusterSpec:
    """Everything that decides how a local cluster is configured and started."""

    nodes: tuple[NodeSpec, ...] = DEFAULT_NODES
    scheduler_class: str = CAPACITY_SCHEDULER
    # Put before Hadoop's jars on the RM's classpath only (the shim jar goes here).
    rm_extra_classpath: tuple[Path, ...] = ()
    # Set last in every daemon's yarn-site.xml, e.g. yarn.elastic.* keys for one test.
    extra_properties: Mapping[str, str] = field(default_factory=dict)
    rm_heap_mb: int = 512
    nm_heap_mb: int = 256
    min_allocation_mb: int = 128
    # Work-preserving RM restart: the RM keeps its state in the run dir and, restarted,
    # takes back the containers its NodeManagers still run.
    rm_recovery: bool = False
    # Non-empty: every NM runs Spark's external shuffle service as the `spark_shuffle` aux
    # service, loaded from these classpath entries (jars or `dir/*`) in its own classloader.
    spark_shuffle_classpath: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.nodes:
            raise ValueError("a cluster needs at least one NodeManager")
        names = [node.name for node in self.nodes]
        if len(set(names)) != len(names):
            raise ValueError(f"NodeManager names must be unique, got {names}")
