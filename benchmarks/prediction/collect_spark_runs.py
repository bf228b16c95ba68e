"""Collect real Spark-on-YARN usage curves for the prediction benchmark.

    .venv/bin/python -m benchmarks.prediction.collect_spark_runs [--quick] [--max-minutes 45]

Starts a local cluster under yarn-elastic (the RM loads the shim and launches the core) with
one `yarn-elastic-agent` per NodeManager sampling every second, then runs a HiBench-like mix of
PySpark jobs (benchmarks/prediction/spark_jobs/) one at a time: each job at two or (--full)
four settings of input size and executor size, repeated. Repeats go round by round (all
settings once, then again), so a run that hits the time budget still holds whole rounds,
and slow periods of the shared machine spread over the settings instead of hitting one.
After each job it waits until the agents' samples of every container are in the core's usage
depository, then exports them (by application) into a compact gzip JSON, rewritten after
every job so an interrupted run keeps what it measured. Inputs are generated inside the jobs
from a seed; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
JOBS_DIR = Path(__file__).resolve().parent / "spark_jobs"
DEFAULT_OUT = ROOT / "tests" / "data" / "prediction" / "spark-runs.json.gz"
FORMAT = "yarn-elastic spark-runs v1"
# Per sample: seconds since the container's first sample, then the agent's measurements.
COLUMNS = ("t_s", "cpu_cores", "rss_mb", "disk_read_mbps", "disk_write_mbps",
           "net_rx_mbps", "net_tx_mbps")
MB = float(1 << 20)
EXECUTORS = 2
DRIVER_MEMORY_MB = 512


@dataclass(frozen=True)
class JobKind:
    """One job of the mix: its script, the records of its small input and their nominal size."""

    name: str
    script: str
    small_records: int
    record_bytes: int  # nominal bytes per generated record, for the input-size feature


MIX: tuple[JobKind, ...] = (
    JobKind("wordcount", "wordcount.py", 200_000, 70),
    JobKind("sort", "sort.py", 300_000, 50),
    JobKind("terasort", "terasort.py", 250_000, 100),
    JobKind("pagerank", "pagerank.py", 40_000, 60),
    JobKind("kmeans", "kmeans.py", 150_000, 160),
    JobKind("logistic-regression", "logistic_regression.py", 150_000, 240),
    JobKind("sql-aggregation", "sql_aggregation.py", 700_000, 40),
)
INPUT_SCALES = {"small": 1, "large": 2}
EXECUTOR_SIZES = ((1, 1024), (2, 2048))  # (cores, MB); 2 of either fit the 3 local NMs


@dataclass(frozen=True)
class PlannedRun:
    job: JobKind
    size: str
    executor_cores: int
    executor_memory_mb: int
    run_index: int

    @property
    def records(self) -> int:
        return self.job.small_records * INPUT_SCALES[self.size]

    @property
    def input_bytes(self) -> int:
        return self.records * self.job.record_bytes

    @property
    def app_name(self) -> str:
        return f"hibench-{self.job.name}"

    def describe(self) -> str:
        return (f"{self.job.name} {self.size} ({self.records} records) "
                f"{EXECUTORS}x{self.executor_cores}c/{self.executor_memory_mb}MB "
                f"run {self.run_index}")


def settings_of(index: int, full: bool) -> list[tuple[str, int, int]]:
    """(input size, executor cores, executor MB) of the `index`-th job of the mix.

    The full grid (2 sizes x 2 executor sizes) takes about 90 minutes at 3 repeats on this
    machine, so by default each job runs its small input on 1-core executors plus one variation
    that alternates along the mix: a larger input (even jobs) or larger executors (odd jobs).
    Every setting then has a neighbour that differs in one thing only."""
    if full:
        return [(size, cores, memory) for size in INPUT_SCALES for cores, memory in EXECUTOR_SIZES]
    (small_cores, small_memory), (big_cores, big_memory) = EXECUTOR_SIZES
    variation = ("large", small_cores, small_memory) if index % 2 == 0 else (
        "small", big_cores, big_memory)
    return [("small", small_cores, small_memory), variation]


def plan(repeats: int, quick: bool = False, jobs: Sequence[str] = (),
         full: bool = False) -> list[PlannedRun]:
    """The runs in order: round by round, every setting once per round."""
    if repeats < 1:
        raise ValueError(f"--repeats must be at least 1, got {repeats}")
    known = {kind.name for kind in MIX}
    unknown = sorted(set(jobs) - known)
    if unknown:
        raise ValueError(f"unknown job(s) {unknown}; choose from {sorted(known)}")
    chosen = [(i, kind) for i, kind in enumerate(MIX) if not jobs or kind.name in jobs]
    if quick and not jobs:
        chosen = [(0, MIX[0]), (4, MIX[4])]  # one Python-heavy and one JVM (MLlib) job
    return [
        PlannedRun(kind, size, cores, memory, run_index)
        for run_index in range(repeats)
        for i, kind in chosen
        for size, cores, memory in (settings_of(i, full)[:1] if quick else settings_of(i, full))
    ]


def compact_run(planned: PlannedRun, usage: Mapping[str, Any], report: Mapping[str, Any]
                ) -> dict[str, Any]:
    """The dataset's record of one application, from the depository's `/usage/apps/{id}`."""
    from yarn_elastic.prediction.history import role_of

    containers = []
    for entry in sorted(usage.get("container_curves", []), key=lambda c: c["container_id"]):
        points = sorted(entry.get("curve") or [], key=lambda p: int(p["ts_ms"]))
        if not points:
            continue
        start = int(points[0]["ts_ms"])
        containers.append({
            "container_id": entry["container_id"],
            "node": entry.get("node"),
            "role": role_of(entry["container_id"]),
            "start_ms": start,
            "samples": [compact_sample(p, start) for p in points],
        })
    return {
        "app_id": usage.get("app_id", report.get("app_id")),
        "name": planned.app_name,
        "type": usage.get("type") or "SPARK",
        "job": planned.job.name,
        "size": planned.size,
        "records": planned.records,
        "input_bytes": planned.input_bytes,
        "executors": EXECUTORS,
        "executor_cores": planned.executor_cores,
        "executor_memory_mb": planned.executor_memory_mb,
        "run_index": planned.run_index,
        "state": report.get("state"),
        "final_status": report.get("final_status"),
        "elapsed_s": report.get("elapsed_s"),
        "containers": containers,
    }


def compact_sample(point: Mapping[str, Any], start_ms: int) -> list[float]:
    def rate(key: str) -> float:
        return round(float(point.get(key) or 0.0) / MB, 4)

    return [
        round((int(point["ts_ms"]) - start_ms) / 1000.0, 3),
        round(float(point.get("cpu_cores") or 0.0), 4),
        round(float(point.get("rss_bytes") or 0) / MB, 2),
        rate("disk_read_bps"), rate("disk_write_bps"), rate("net_rx_bps"), rate("net_tx_bps"),
    ]


def write_dataset(path: Path, header: Mapping[str, Any], runs: list[dict[str, Any]]) -> None:
    """Write atomically (temp file, then rename): an interrupted write never loses the last."""
    body = {"format": FORMAT, **header, "columns": list(COLUMNS), "runs": runs}
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with gzip.open(temporary, "wt", encoding="utf-8", compresslevel=9) as out:
        json.dump(body, out, separators=(",", ":"))
    temporary.replace(path)


def collected_header(args: argparse.Namespace, argv: Sequence[str]) -> dict[str, Any]:
    import pyspark

    return {
        "collected": {
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "command": "python -m benchmarks.prediction.collect_spark_runs " + " ".join(argv),
            "machine": f"{platform.machine()} {os.cpu_count()} cores, "
                       f"{_memory_gib():.0f} GiB, {platform.system()} {platform.release()}",
            "python": platform.python_version(),
            "spark": pyspark.__version__,
            "hadoop": "3.4.1 (build/hadoop/lib), scheduler: yarn-elastic shim + core",
            "agent_interval_ms": args.interval_ms,
            "executors_per_job": EXECUTORS,
            "driver_memory_mb": DRIVER_MEMORY_MB,
            "repeats": args.repeats,
            "full_grid": args.full,
            "quick": args.quick,
        }
    }


def _memory_gib() -> float:
    try:
        import psutil
        return float(psutil.virtual_memory().total) / (1 << 30)
    except ImportError:
        return 0.0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.prediction.collect_spark_runs",
        description=__doc__.split("\n\n")[2].replace("\n", " "),
    )
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 2 jobs, small input, 1-core executors, once each")
    parser.add_argument("--full", action="store_true",
                        help="every job at both input sizes x both executor sizes "
                             "(about twice as long as the default mix)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="runs per setting (default 3; 1 with --quick)")
    parser.add_argument("--jobs", nargs="*", default=[], metavar="JOB",
                        help=f"only these jobs ({', '.join(k.name for k in MIX)})")
    parser.add_argument("--max-minutes", type=float, default=45.0,
                        help="start no new job after this many minutes (default 45)")
    parser.add_argument("--interval-ms", type=int, default=1000,
                        help="the agents' sampling interval (default 1000)")
    parser.add_argument("--job-timeout", type=float, default=600.0,
                        help="seconds one job may run before it counts as failed (default 600)")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"dataset file (default {DEFAULT_OUT.relative_to(ROOT)}; "
                             "with --quick build/spark-runs-quick.json.gz)")
    args = parser.parse_args(argv)
    args.repeats = args.repeats if args.repeats is not None else (1 if args.quick else 3)
    try:
        runs = plan(args.repeats, args.quick, args.jobs, args.full)
    except ValueError as exc:
        parser.error(str(exc))
    out = args.out or (ROOT / "build" / "spark-runs-quick.json.gz" if args.quick else DEFAULT_OUT)
    return collect(runs, out, collected_header(args, argv), args)


def collect(runs: list[PlannedRun], out: Path, header: dict[str, Any],
            args: argparse.Namespace) -> int:
    """Start the cluster and agents, run `runs` one at a time, export each into `out`."""
    from yarn_elastic.devcluster.agents import NodeManagerAgents
    from yarn_elastic.devcluster.cluster import LocalCluster, new_run_dir
    from yarn_elastic.devcluster.elastic import elastic_spec, wait_for_core_state
    from yarn_elastic.devcluster.spec import ClusterSpec

    started = time.monotonic()
    run_dir = new_run_dir("spark-runs")
    spec, core = elastic_spec(ClusterSpec(), run_dir)
    print(f"{len(runs)} jobs planned; cluster and logs in {run_dir}", flush=True)
    exported: list[dict[str, Any]] = []
    failed = 0
    with LocalCluster.start(spec, run_dir, ready_timeout_seconds=240) as cluster:
        wait_for_core_state(cluster, 1, timeout_seconds=120)
        fleet = NodeManagerAgents.start(cluster, core.http_url, interval_ms=args.interval_ms)
        with fleet as agents:
            token = core.usage_token_file.read_text().strip()
            print(f"cluster up in {time.monotonic() - started:.0f} s", flush=True)
            for number, planned in enumerate(runs, 1):
                elapsed_min = (time.monotonic() - started) / 60
                if elapsed_min > args.max_minutes:
                    print(f"time budget of {args.max_minutes:g} min spent after "
                          f"{number - 1} jobs; the remaining {len(runs) - number + 1} not run",
                          flush=True)
                    break
                job_started = time.monotonic()
                record = run_one(cluster, agents, core.http_url, token, planned, run_dir,
                                 args.job_timeout)
                if record is not None and record["app_id"] in {r["app_id"] for r in exported}:
                    # A run must never be stored twice under two settings.
                    print(f"  {record['app_id']} was already exported; not recorded again",
                          flush=True)
                    record = None
                if record is None or record["final_status"] != "SUCCEEDED":
                    failed += 1
                if record is not None:
                    exported.append(record)
                    header["collected"]["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
                    write_dataset(out, header, exported)
                status = "no record" if record is None else (
                    f"{record['final_status']}, {len(record['containers'])} containers, "
                    f"{sum(len(c['samples']) for c in record['containers'])} samples")
                print(f"[{number}/{len(runs)} {elapsed_min:5.1f} min] {planned.describe()}: "
                      f"{status} in {time.monotonic() - job_started:.0f} s", flush=True)
    size_kb = out.stat().st_size / 1024 if out.exists() else 0.0
    print(f"{len(exported)} runs ({failed} failed or unrecorded) in {out} ({size_kb:.0f} KiB), "
          f"{(time.monotonic() - started) / 60:.1f} min in all", flush=True)
    return 0 if exported and not failed else 1


def run_one(cluster: Any, agents: Any, core_url: str, token: str, planned: PlannedRun,
            run_dir: Path, timeout: float) -> dict[str, Any] | None:
    """Submit one job, wait for it and for its samples to reach the depository; its record."""
    from yarn_elastic.devcluster.applications import ApplicationError
    from yarn_elastic.devcluster.spark_job import SparkJobSpec, submit_spark_job

    output = run_dir / "job-output" / f"{planned.job.name}-{planned.run_index}"
    job = SparkJobSpec(
        name=planned.app_name, num_executors=EXECUTORS,
        executor_memory_mb=planned.executor_memory_mb, executor_cores=planned.executor_cores,
        driver_memory_mb=DRIVER_MEMORY_MB, script=JOBS_DIR / planned.job.script,
        args=(str(planned.records), str(1000 + planned.run_index), output.resolve().as_uri()),
    )
    submitted_at = time.monotonic()
    try:
        submitted = submit_spark_job(cluster, job)
        report = submitted.wait(timeout_seconds=timeout)
    except ApplicationError as exc:
        print(f"  {planned.describe()} failed: {exc}", flush=True)
        return None
    finally:
        shutil.rmtree(output, ignore_errors=True)  # job output only fills the disk
    usage = wait_until_stored(agents, core_url, token, report.app_id)
    if usage is None:
        print(f"  {report.app_id}: the depository has no record of it", flush=True)
        return None
    return compact_run(planned, usage, {
        "app_id": report.app_id, "state": report.state, "final_status": report.final_status,
        # From spark-submit to the client's exit: the job as its user waits for it.
        "elapsed_s": round(time.monotonic() - submitted_at, 1),
    })


def wait_until_stored(agents: Any, core_url: str, token: str, app_id: str,
                      timeout_seconds: float = 60.0) -> dict[str, Any] | None:
    """The app's usage once every container's agent has logged its end and the depository holds
    exactly that many samples of it (or, after the timeout, whatever it holds)."""
    from yarn_elastic.devcluster.agents import usage_of_app

    deadline = time.monotonic() + timeout_seconds
    usage = None
    while True:
        usage = usage_of_app(core_url, token, app_id)
        stored = {c["container_id"]: len(c.get("curve") or [])
                  for c in (usage or {}).get("container_curves", [])}
        taken: dict[str, int] = {}
        for agent in agents.agents:
            for container_id, count in agent.samples_taken().items():
                if container_id in stored:
                    taken[container_id] = count
        if stored and taken == stored:
            return usage
        if time.monotonic() > deadline:
            print(f"  {app_id}: agents took {taken} samples, the depository holds {stored}; "
                  "exporting what it holds", flush=True)
            return usage
        time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
