"""Run a small PySpark job on a local cluster with spark-submit from the pyspark package."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from yarn_elastic.devcluster.applications import ApplicationError, SubmittedApp, fresh_log_file
from yarn_elastic.devcluster.cluster import LocalCluster
from yarn_elastic.devcluster.layout import LOOPBACK
from yarn_elastic.devcluster.processes import Daemon

# Estimates pi, then groups the samples by bucket so that executors also shuffle data
# between themselves (without the NodeManager's external shuffle service).
PI_ESTIMATE_SCRIPT = '''\
import random
import sys

from pyspark.sql import SparkSession

samples = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
spark = SparkSession.builder.appName("yarn-elastic-pi").getOrCreate()
rdd = spark.sparkContext.parallelize(range(samples), 8)
hits = rdd.map(lambda _: (random.random() ** 2 + random.random() ** 2 <= 1.0)).cache()
pi = 4.0 * hits.filter(bool).count() / samples
buckets = rdd.map(lambda i: (i % 4, 1)).reduceByKey(lambda a, b: a + b).collect()
print(f"pi is roughly {pi:.4f}; bucket sizes {sorted(buckets)}")
spark.stop()
'''


@dataclass(frozen=True)
class SparkJobSpec:
    name: str = "spark-pi"
    num_executors: int = 2
    executor_memory_mb: int = 512
    executor_cores: int = 1
    driver_memory_mb: int = 512
    samples: int = 200000
    deploy_mode: str = "cluster"
    # Another PySpark script to run instead of the pi estimate, with its own arguments.
    script: Path | None = None
    args: tuple[str, ...] = ()

    def script_args(self) -> list[str]:
        return list(self.args) if self.script is not None else [str(self.samples)]


def pyspark_home() -> Path:
    """The pyspark package directory, which is a complete SPARK_HOME (jars/, bin/, python/)."""
    try:
        import pyspark
    except ImportError as exc:
        raise ApplicationError(
            "pyspark is not installed in this Python; run `make spark` (pyspark 4.0.1)"
        ) from exc
    return Path(pyspark.__file__).resolve().parent


def spark_submit_command(
    cluster: LocalCluster, job: SparkJobSpec, script: Path, spark_home: Path
) -> list[str]:
    run_dir = cluster.layout.run_dir
    python = sys.executable
    loopback_env = ("spark.yarn.appMasterEnv.SPARK_LOCAL_IP", "spark.executorEnv.SPARK_LOCAL_IP")
    conf = {
        # The jars are already on this (only) host: `local:` makes YARN containers read them in
        # place instead of every submit zipping and uploading ~440 MB of pyspark/jars.
        "spark.yarn.jars": f"local:{spark_home / 'jars'}/*",
        # pyspark bundles its own shaded Hadoop client; the cluster's jars would only clash.
        "spark.yarn.populateHadoopClasspath": "false",
        "spark.yarn.stagingDir": (run_dir / "spark-staging").as_uri(),
        "spark.pyspark.python": python,
        "spark.pyspark.driver.python": python,
        "spark.dynamicAllocation.enabled": "false",
        "spark.shuffle.service.enabled": "false",
        "spark.ui.enabled": "false",
        "spark.yarn.submit.waitAppCompletion": "true",
        "spark.yarn.maxAppAttempts": "1",
        **{key: LOOPBACK for key in loopback_env},
    }
    command = [
        str(spark_home / "bin" / "spark-submit"),
        "--master", "yarn",
        "--deploy-mode", job.deploy_mode,
        "--name", job.name,
        "--num-executors", str(job.num_executors),
        "--executor-memory", f"{job.executor_memory_mb}m",
        "--executor-cores", str(job.executor_cores),
        "--driver-memory", f"{job.driver_memory_mb}m",
    ]
    for key, value in conf.items():
        command += ["--conf", f"{key}={value}"]
    return [*command, str(script), *job.script_args()]


def submit_spark_job(cluster: LocalCluster, job: SparkJobSpec) -> SubmittedApp:
    spark_home = pyspark_home()
    if shutil.which("bash") is None:
        raise ApplicationError("spark-submit needs bash on PATH")
    apps_dir = cluster.layout.run_dir / "apps"
    apps_dir.mkdir(parents=True, exist_ok=True)
    if job.script is None:
        script = apps_dir / "pi_estimate.py"
        script.write_text(PI_ESTIMATE_SCRIPT)
    elif job.script.is_file():
        script = job.script.resolve()
    else:
        raise ApplicationError(f"{job.name}: the PySpark script {job.script} does not exist")
    env = cluster.client_env()
    env["SPARK_HOME"] = str(spark_home)
    env["SPARK_LOCAL_IP"] = LOOPBACK
    env["PYSPARK_PYTHON"] = sys.executable
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    command = spark_submit_command(cluster, job, script, spark_home)
    client = Daemon.start(
        f"spark-submit {job.name}", command, fresh_log_file(apps_dir, job.name), env,
        cluster.layout.run_dir,
    )
    return SubmittedApp(job.name, client, cluster.rest)
