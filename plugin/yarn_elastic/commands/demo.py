"""`yarn-elastic demo`: start a local real YARN cluster under yarn-elastic, run DistributedShell
and Spark, stop.

The ResourceManager loads the shim and launches the core itself, as an operator's would. For
each container the demo prints the node it landed on, its size, and the dominant remaining
resource (DRR) score the core gave that node when it chose it. `--scheduler-class` runs the
same jobs under another scheduler (e.g. stock CapacityScheduler) for comparison.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from types import FrameType

from yarn_elastic.devcluster.applications import ApplicationError
from yarn_elastic.devcluster.cluster import (
    ClusterStartError,
    LocalCluster,
    SourceCheckoutRequired,
    new_run_dir,
)
from yarn_elastic.devcluster.distributed_shell import ShellAppSpec, submit_distributed_shell
from yarn_elastic.devcluster.elastic import (
    CoreSetup,
    DecisionRecorder,
    elastic_spec,
    wait_for_core_state,
)
from yarn_elastic.devcluster.jvm import JavaNotFoundError
from yarn_elastic.devcluster.placement import ContainerPlacement
from yarn_elastic.devcluster.report import nodes_table, placements_table
from yarn_elastic.devcluster.rm_rest import RmRestError
from yarn_elastic.devcluster.spark_job import SparkJobSpec, submit_spark_job
from yarn_elastic.devcluster.spec import ELASTIC_SCHEDULER, ClusterSpec

log = logging.getLogger("yarn_elastic.demo")

# Two concurrent DistributedShell apps give nine workers of two sizes (DS has one size per app).
DEMO_SHELL_APPS = (
    ShellAppSpec("ds-small", num_containers=5, memory_mb=512, vcores=1),
    ShellAppSpec("ds-large", num_containers=4, memory_mb=1024, vcores=2),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scheduler-class",
        default=ELASTIC_SCHEDULER,
        help="yarn.resourcemanager.scheduler.class for the RM (default: yarn-elastic's"
        " ElasticScheduler, with the core launched by the RM)",
    )
    parser.add_argument(
        "--rm-classpath",
        action="append",
        type=Path,
        default=[],
        metavar="JAR",
        help="extra jar or directory for the RM's classpath, e.g. the shim jar (repeatable)",
    )
    parser.add_argument(
        "--run-dir",
        type=Path,
        help="directory for the run's confs and logs (default: a new build/devcluster/demo-*)",
    )
    parser.add_argument("--no-spark", action="store_true", help="skip the Spark on YARN job")
    parser.add_argument(
        "--hold",
        action="store_true",
        help="keep the cluster running after the jobs until Ctrl-C (to browse the RM web UI)",
    )


def _stop_on_sigterm() -> None:
    """Turn SIGTERM into KeyboardInterrupt so the cluster's context manager stops the JVMs."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, handler)


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    _stop_on_sigterm()
    spec = ClusterSpec(
        scheduler_class=args.scheduler_class,
        rm_extra_classpath=tuple(p.resolve() for p in args.rm_classpath),
    )
    try:
        run_dir = args.run_dir.resolve() if args.run_dir else new_run_dir("demo")
    except SourceCheckoutRequired as exc:
        print(f"yarn-elastic demo: {exc}", file=sys.stderr)
        return 2
    run_dir.mkdir(parents=True, exist_ok=True)
    try:
        core: CoreSetup | None = None
        if spec.scheduler_class == ELASTIC_SCHEDULER:
            spec, core = elastic_spec(spec, run_dir)
        return _run_demo(spec, core, run_dir, with_spark=not args.no_spark, hold=args.hold)
    except (ClusterStartError, ApplicationError, JavaNotFoundError, RmRestError) as exc:
        print(f"yarn-elastic demo: {exc}", file=sys.stderr)
        print(f"yarn-elastic demo: configuration and logs are in {run_dir}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("yarn-elastic demo: interrupted; the cluster has been stopped", file=sys.stderr)
        return 130


def _run_demo(
    spec: ClusterSpec, core: CoreSetup | None, run_dir: Path, *, with_spark: bool, hold: bool
) -> int:
    log.info("starting a local YARN cluster in %s with %s", run_dir, spec.scheduler_class)
    with LocalCluster.start(spec, run_dir) as cluster:
        print(f"\nResourceManager: {cluster.layout.rm_web_url}  (conf: {cluster.client_conf_dir})")
        if core is not None:
            wait_for_core_state(cluster, 1, timeout_seconds=120)
            print(f"yarn-elastic core: {core.http_url}/ws/v1/elastic/status"
                  f"  (log: {core.log_file})")
        print(nodes_table(cluster.rest.nodes(), cluster.node_name), "\n")
        app_names: dict[str, str] = {}
        failed: list[str] = []
        with ExitStack() as recording:
            decisions = (recording.enter_context(DecisionRecorder(core))
                         if core is not None else None)
            recorder = recording.enter_context(cluster.placement_recorder())
            submitted = [submit_distributed_shell(cluster, app) for app in DEMO_SHELL_APPS]
            reports = [s.wait(timeout_seconds=300) for s in submitted]
            if with_spark:
                reports.append(submit_spark_job(cluster, SparkJobSpec()).wait(timeout_seconds=420))
            recorder.poll_once()
        for report in reports:
            app_names[report.app_id] = report.name
            log.info("%s (%s): %s", report.name, report.app_id, report.final_status)
            if report.final_status != "SUCCEEDED":
                failed.append(f"{report.name} ({report.app_id}): {report.diagnostics}")
        placements = [p for p in recorder.placements() if p.app_id in app_names]
        print("\nContainers and where they ran:")
        print(placements_table(placements, app_names, cluster.node_name,
                               _score_of(decisions)), "\n")
        if hold:
            print("Cluster is up; press Ctrl-C to stop it.")
            signal.pause()
    for failure in failed:
        print(f"yarn-elastic demo: {failure}", file=sys.stderr)
    return 1 if failed else 0


def _score_of(decisions: DecisionRecorder | None) -> Callable[[ContainerPlacement], str]:
    def score(placement: ContainerPlacement) -> str:
        if decisions is None:
            return "-"
        decision = decisions.decided(placement.app_id, placement.node_id)
        return f"{decision.score:.3f}" if decision is not None else "not decided"

    return score
