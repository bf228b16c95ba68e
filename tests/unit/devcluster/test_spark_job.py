"""spark-submit command lines and the NMs' shuffle-service configuration, without starting YARN."""

from __future__ import annotations

from pathlib import Path

import pytest
from yarn_elastic.devcluster.applications import ApplicationError
from yarn_elastic.devcluster.cluster import LocalCluster
from yarn_elastic.devcluster.layout import allocate_layout, first_shuffle_port, nm_properties
from yarn_elastic.devcluster.spark_job import (
    DynamicAllocation,
    SparkJobSpec,
    pyspark_home,
    spark_submit_command,
)
from yarn_elastic.devcluster.spec import ClusterSpec

AUX = "yarn.nodemanager.aux-services"


def conf_of(command: list[str]) -> dict[str, str]:
    pairs = [command[i + 1] for i, word in enumerate(command) if word == "--conf"]
    return dict(pair.split("=", 1) for pair in pairs)


def test_no_shuffle_classpath_means_no_aux_service(tmp_path: Path) -> None:
    spec = ClusterSpec()
    layout = allocate_layout(spec, tmp_path, tmp_path / "lib")

    assert AUX not in nm_properties(layout, spec, layout.nodes[0])


def test_each_nodemanager_runs_the_shuffle_service_on_a_port_of_its_own(tmp_path: Path) -> None:
    spec = ClusterSpec(spark_shuffle_classpath=("/s/yarn-shuffle/*", "/s/jars/*"))
    layout = allocate_layout(spec, tmp_path, tmp_path / "lib")

    props = [nm_properties(layout, spec, node) for node in layout.nodes]

    assert {p[AUX] for p in props} == {"spark_shuffle"}
    assert props[0][f"{AUX}.spark_shuffle.class"] == (
        "org.apache.spark.network.yarn.YarnShuffleService")
    # Hadoop's ApplicationClassLoader splits on ':' and expands each `dir/*`.
    assert props[0][f"{AUX}.spark_shuffle.classpath"] == "/s/yarn-shuffle/*:/s/jars/*"
    ports = [p["spark.shuffle.service.port"] for p in props]
    assert len(set(ports)) == len(ports)
    assert ports[0] == str(first_shuffle_port(layout))


def test_a_dynamic_job_names_bounds_and_the_first_shuffle_port_and_no_executor_count(
    tmp_path: Path,
) -> None:
    spec = ClusterSpec(spark_shuffle_classpath=("/s/jars/*",))
    cluster = LocalCluster(spec, allocate_layout(spec, tmp_path, tmp_path / "lib"), tmp_path)
    job = SparkJobSpec(dynamic_allocation=DynamicAllocation(min_executors=1, max_executors=3))

    command = spark_submit_command(cluster, job, tmp_path / "job.py", tmp_path / "spark")

    conf = conf_of(command)
    assert "--num-executors" not in command  # it would pin the initial count
    assert conf["spark.dynamicAllocation.enabled"] == "true"
    assert conf["spark.shuffle.service.enabled"] == "true"
    assert conf["spark.shuffle.service.port"] == str(first_shuffle_port(cluster.layout))
    assert (conf["spark.dynamicAllocation.minExecutors"],
            conf["spark.dynamicAllocation.maxExecutors"]) == ("1", "3")


def test_a_fixed_job_keeps_its_executor_count_and_no_shuffle_service(tmp_path: Path) -> None:
    spec = ClusterSpec()
    cluster = LocalCluster(spec, allocate_layout(spec, tmp_path, tmp_path / "lib"), tmp_path)

    command = spark_submit_command(cluster, SparkJobSpec(num_executors=2), tmp_path / "j.py",
                                   tmp_path / "spark")

    assert command[command.index("--num-executors") + 1] == "2"
    assert conf_of(command)["spark.dynamicAllocation.enabled"] == "false"


def test_spark_home_override_must_hold_spark_submit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YARN_ELASTIC_SPARK_HOME", str(tmp_path))
    with pytest.raises(ApplicationError, match="YARN_ELASTIC_SPARK_HOME.*bin/spark-submit"):
        pyspark_home()

    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "spark-submit").write_text("")
    assert pyspark_home() == tmp_path
