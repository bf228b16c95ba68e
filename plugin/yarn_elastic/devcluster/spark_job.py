"""Run a small PySpark job on a local cluster with spark-submit from the pyspark package.

The default Spark is the pyspark in this Python (`make spark`, 4.0.1). Spark 3.5 lives in
build/spark-3.5.5 (`make spark-3.5`) with the jar of its YARN shuffle service beside it, for
dynamic allocation; YARN_ELASTIC_SPARK_HOME points every job at another Spark.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from yarn_elastic.devcluster.applications import ApplicationError, SubmittedApp, fresh_log_file
from yarn_elastic.devcluster.cluster import LocalCluster, project_root
from yarn_elastic.devcluster.jvm import find_javac
from yarn_elastic.devcluster.layout import LOOPBACK, first_shuffle_port
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


# Two bursts of one-second tasks with an idle gap between them: the backlog of each burst makes
# dynamic allocation ask for executors, and the gap is longer than their idle timeout, so they
# are released and asked for again. The shuffle files of the first burst outlive its executors
# only because the NodeManagers' shuffle service serves them.
BURSTS_SCRIPT = '''\
import sys
import time

from pyspark.sql import SparkSession

tasks, idle_seconds = int(sys.argv[1]), float(sys.argv[2])
spark = SparkSession.builder.appName("yarn-elastic-bursts").getOrCreate()
sc = spark.sparkContext


def busy(i):
    time.sleep(1.0)
    return (i % 4, 1)


first = sc.parallelize(range(tasks), tasks).map(busy).reduceByKey(lambda a, b: a + b)
first.count()
time.sleep(idle_seconds)
second = sc.parallelize(range(tasks), tasks).map(busy).reduceByKey(lambda a, b: a + b)
print(f"bursts {sorted(first.collect())} {sorted(second.collect())}")
spark.stop()
'''

SPARK_35_VERSION = "3.5.5"
JAVA_PI_SOURCE = Path(__file__).parent / "jobs" / "JavaPiEstimate.java"
JAVA_PI_CLASS = "JavaPiEstimate"


@dataclass(frozen=True)
class DynamicAllocation:
    """spark.dynamicAllocation.* for a job: executors follow its backlog between the bounds."""

    min_executors: int = 1
    max_executors: int = 3
    # Short, so that a test sees executors come and go within a minute or two.
    backlog_timeout_seconds: int = 1
    idle_timeout_seconds: int = 5

    def conf(self, shuffle_port: int) -> dict[str, str]:
        return {
            "spark.dynamicAllocation.enabled": "true",
            "spark.shuffle.service.enabled": "true",
            "spark.shuffle.service.port": str(shuffle_port),
            "spark.dynamicAllocation.minExecutors": str(self.min_executors),
            "spark.dynamicAllocation.initialExecutors": str(self.min_executors),
            "spark.dynamicAllocation.maxExecutors": str(self.max_executors),
            "spark.dynamicAllocation.schedulerBacklogTimeout": f"{self.backlog_timeout_seconds}s",
            "spark.dynamicAllocation.sustainedSchedulerBacklogTimeout": (
                f"{self.backlog_timeout_seconds}s"),
            "spark.dynamicAllocation.executorIdleTimeout": f"{self.idle_timeout_seconds}s",
        }


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
    # None: executors are fixed at num_executors.
    dynamic_allocation: DynamicAllocation | None = None
    # None: `pyspark_home()`.
    spark_home: Path | None = None
    # Set: `script` is a jar and this its main class (a JVM job, not PySpark).
    main_class: str | None = None

    def script_args(self) -> list[str]:
        return list(self.args) if self.script is not None else [str(self.samples)]


def pyspark_home() -> Path:
    """The pyspark package directory, which is a complete SPARK_HOME (jars/, bin/, python/)."""
    override = os.environ.get("YARN_ELASTIC_SPARK_HOME")
    if override:
        home = Path(override)
        if not (home / "bin" / "spark-submit").is_file():
            raise ApplicationError(
                f"YARN_ELASTIC_SPARK_HOME={override} has no bin/spark-submit; point it at a"
                " pyspark package directory such as build/spark-3.5.5/pyspark"
            )
        return home
    try:
        import pyspark
    except ImportError as exc:
        raise ApplicationError(
            "pyspark is not installed in this Python; run `make spark` (pyspark 4.0.1)"
        ) from exc
    return Path(pyspark.__file__).resolve().parent


def spark_35_home() -> Path:
    """SPARK_HOME of the Spark 3.5 that `make spark-3.5` puts in build/."""
    home = project_root() / "build" / f"spark-{SPARK_35_VERSION}" / "pyspark"
    if not (home / "bin" / "spark-submit").is_file():
        raise ApplicationError(f"{home} has no bin/spark-submit: run `make spark-3.5`")
    return home


def yarn_shuffle_classpath(spark_home: Path) -> tuple[str, ...]:
    """The aux-service classpath of Spark's shuffle service for one Spark install.

    Maven Central has spark-network-yarn only unshaded, so its dependencies come from the
    Spark's own jars/ (Netty, Jackson, the network-common and -shuffle modules).
    """
    shuffle_dir = spark_home.parent / "yarn-shuffle"
    if not list(shuffle_dir.glob("spark-network-yarn_*.jar")):
        raise ApplicationError(f"{shuffle_dir} has no spark-network-yarn jar: run `make spark-3.5`")
    return (f"{shuffle_dir}/*", f"{spark_home / 'jars'}/*")


def build_java_pi_jar(spark_home: Path, out_dir: Path) -> Path:
    """Compiles JavaPiEstimate against this Spark's jars, for Java 8 so that every JVM runs it."""
    classes = out_dir / "java-pi-classes"
    compiled = subprocess.run(
        [str(find_javac()), "--release", "8", "-nowarn", "-cp", f"{spark_home / 'jars'}/*",
         "-d", str(classes), str(JAVA_PI_SOURCE)],
        capture_output=True, text=True, check=False,
    )
    if compiled.returncode != 0:
        raise ApplicationError(f"javac {JAVA_PI_SOURCE} failed:\n{compiled.stderr}")
    jar = out_dir / "java-pi.jar"
    with zipfile.ZipFile(jar, "w") as archive:
        for class_file in sorted(classes.rglob("*.class")):
            archive.write(class_file, class_file.relative_to(classes).as_posix())
    return jar


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
        **(job.dynamic_allocation.conf(first_shuffle_port(cluster.layout))
           if job.dynamic_allocation else {}),
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
        *(["--num-executors", str(job.num_executors)] if job.dynamic_allocation is None else []),
        "--executor-memory", f"{job.executor_memory_mb}m",
        "--executor-cores", str(job.executor_cores),
        "--driver-memory", f"{job.driver_memory_mb}m",
        *(["--class", job.main_class] if job.main_class else []),
    ]
    for key, value in conf.items():
        command += ["--conf", f"{key}={value}"]
    return [*command, str(script), *job.script_args()]


def submit_spark_job(cluster: LocalCluster, job: SparkJobSpec) -> SubmittedApp:
    spark_home = job.spark_home or pyspark_home()
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
        raise ApplicationError(f"{job.name}: the job file {job.script} does not exist")
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
