"""Pure parts of the local-cluster harness: layout, generated configuration, reports."""

from __future__ import annotations

from pathlib import Path

import pytest
from yarn_elastic.devcluster.cluster import ClusterStartError, LocalCluster
from yarn_elastic.devcluster.conf_files import write_cluster_conf
from yarn_elastic.devcluster.layout import allocate_layout, nm_properties, rm_properties
from yarn_elastic.devcluster.placement import ContainerPlacement
from yarn_elastic.devcluster.report import placements_table
from yarn_elastic.devcluster.spec import (
    CAPACITY_SCHEDULER,
    ELASTIC_SCHEDULER,
    ClusterSpec,
    NodeSpec,
)
from yarn_elastic.hadoop_conf import read_configuration

CONF_DIR = Path(__file__).resolve().parents[3] / "conf"


def test_every_daemon_gets_its_own_distinct_loopback_ports(tmp_path: Path) -> None:
    layout = allocate_layout(ClusterSpec(), tmp_path, tmp_path / "lib")

    ports = [*vars(layout.rm_ports).values()]
    for node in layout.nodes:
        ports += [*vars(node.ports).values()]
    assert len(ports) == len(set(ports)) == 5 + 4 * 3  # RM 5; per NM rpc, localizer, web, shuffle


def test_nodemanager_properties_carry_its_size_ports_and_dirs(tmp_path: Path) -> None:
    spec = ClusterSpec()
    layout = allocate_layout(spec, tmp_path, tmp_path / "lib")
    node = layout.nodes[2]

    props = nm_properties(layout, spec, node)

    assert props["yarn.nodemanager.resource.memory-mb"] == "4096"
    assert props["yarn.nodemanager.resource.cpu-vcores"] == "2"
    assert props["yarn.nodemanager.address"] == f"127.0.0.1:{node.ports.rpc}"
    assert props["yarn.nodemanager.local-dirs"].startswith(str(node.home))
    assert props["yarn.scheduler.include-port-in-node-name"] == "true"
    assert props["yarn.nodemanager.vmem-check-enabled"] == "false"
    assert node.is_node(f"localhost:{node.ports.rpc}")
    assert not node.is_node(f"localhost:{layout.nodes[0].ports.rpc}")


def test_scheduler_class_and_extra_properties_override_the_project_conf(tmp_path: Path) -> None:
    spec = ClusterSpec(
        scheduler_class=CAPACITY_SCHEDULER, extra_properties={"yarn.elastic.test.key": "42"}
    )
    layout = allocate_layout(spec, tmp_path, tmp_path / "lib")

    write_cluster_conf(layout, spec, CONF_DIR)

    rm_conf = read_configuration([layout.rm_conf_dir / "yarn-site.xml"])
    assert rm_conf["yarn.resourcemanager.scheduler.class"] == CAPACITY_SCHEDULER
    assert rm_conf["yarn.elastic.test.key"] == "42"
    assert rm_conf == {**rm_conf, **rm_properties(layout, spec)}
    assert (layout.rm_conf_dir / "capacity-scheduler.xml").exists()
    assert (layout.nodes[0].conf_dir / "log4j.properties").exists()
    client = read_configuration([layout.client_conf_dir / "yarn-site.xml"])
    assert client["yarn.resourcemanager.address"] == layout.rm_address


def test_rm_recovery_keeps_the_rms_state_in_the_run_dir(tmp_path: Path) -> None:
    layout = allocate_layout(ClusterSpec(), tmp_path, tmp_path / "lib")
    assert rm_properties(layout, ClusterSpec())["yarn.resourcemanager.recovery.enabled"] == (
        "false")

    props = rm_properties(layout, ClusterSpec(rm_recovery=True))

    assert props["yarn.resourcemanager.recovery.enabled"] == "true"
    assert props["yarn.resourcemanager.store.class"].endswith(".FileSystemRMStateStore")
    assert props["yarn.resourcemanager.fs.state-store.uri"] == (
        (tmp_path.resolve() / "rm-state").as_uri())
    # NodeManagers need no recovery of their own for the RM's: they stay up and resync.
    node = layout.nodes[0]
    assert nm_properties(layout, ClusterSpec(rm_recovery=True), node)[
        "yarn.nodemanager.recovery.enabled"] == "false"


def test_elastic_scheduler_is_one_field_away() -> None:
    spec = ClusterSpec(scheduler_class=ELASTIC_SCHEDULER, rm_extra_classpath=(Path("shim.jar"),))
    assert spec.scheduler_class == "org.yarnelastic.shim.ElasticScheduler"


@pytest.mark.parametrize(
    "make",
    [
        lambda: NodeSpec("nm1", memory_mb=0, vcores=1),
        lambda: ClusterSpec(nodes=()),
        lambda: ClusterSpec(nodes=(NodeSpec("a", 1024, 1), NodeSpec("a", 2048, 2))),
    ],
)
def test_bad_cluster_specs_are_rejected_with_a_reason(make: object) -> None:
    with pytest.raises(ValueError, match="must|needs"):
        make()  # type: ignore[operator]


def test_placement_table_names_node_role_and_size() -> None:
    app = "application_1_0001"
    placements = [
        ContainerPlacement(app, "container_1_0001_01_000001", "h:1", 256, 1, True),
        ContainerPlacement(app, "container_1_0001_01_000002", "h:2", 512, 1, True),
        ContainerPlacement(app, "container_1_0001_01_000003", "h:2", 512, 1, False),
    ]

    table = placements_table(placements, {"application_1_0001": "ds"}, lambda n: f"nm{n[-1]}")

    lines = table.splitlines()
    assert lines[0].split() == ["app", "container", "role", "node", "memory", "vcores", "DRR",
                                "score"]
    assert "AM" in lines[1] and "nm1 (h:1)" in lines[1]
    assert "worker" in lines[2] and "512 MB" in lines[2]
    assert "released" in lines[3]


def test_start_without_hadoop_jars_says_to_run_make_hadoop(tmp_path: Path) -> None:
    empty_lib = tmp_path / "lib"
    empty_lib.mkdir()

    with pytest.raises(ClusterStartError, match="make hadoop"):
        LocalCluster.start(ClusterSpec(), tmp_path / "run", hadoop_lib=empty_lib)


def test_start_with_a_missing_rm_jar_names_it(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "hadoop-yarn-server-resourcemanager-3.4.1.jar").touch()
    spec = ClusterSpec(rm_extra_classpath=(tmp_path / "missing-shim.jar",))

    with pytest.raises(ClusterStartError, match="missing-shim.jar"):
        LocalCluster.start(spec, tmp_path / "run", hadoop_lib=lib)
