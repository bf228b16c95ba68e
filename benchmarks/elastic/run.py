"""Elastic allocation on the real local cluster: stock CapacityScheduler against yarn-elastic.

    .venv/bin/python -m benchmarks.elastic.run [--apps 20] [--reps 2] [--mean-gap-s 8]

1. Learn: the project's Spark jobs (benchmarks/prediction/spark_jobs/) run `--learn-runs`
   times each under yarn-elastic with agents on every NodeManager, and the core stores each
   run (the live learning loop, nothing offline).
2. Measure: the same mix of `--apps` jobs, with the same seeded Poisson arrivals and the same
   requests, runs once under stock CapacityScheduler and once under yarn-elastic per
   repetition, the order alternating. Learning is off while measuring, so every elastic run
   predicts from the same history. Agents measure in both (the stock runs' core only keeps
   their usage, it places nothing).

Requests are set the way users set them: `--executor-memory-mb` (default 2048, Spark's
`--executor-memory 2g`) for jobs whose executors' measured peak RSS is a few hundred MB; the
ratio of request to measured peak is reported. The three NodeManagers advertise 6 GB and 8
vcores each (the cluster is memory-bound, as most YARN clusters are); both schedulers get the
same cluster. The host has 2 cores, so CPU bounds any real speed-up.

Writes benchmarks/results/elastic_yarn.json and, per scheduler, a PNG of allocated and used
memory over time (benchmarks/results/elastic-yarn/).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
JOBS_DIR = ROOT / "benchmarks" / "prediction" / "spark_jobs"
OUT = ROOT / "benchmarks" / "results" / "elastic_yarn.json"
PLOTS = ROOT / "benchmarks" / "results" / "elastic-yarn"
# (name, script, records): small inputs, so a job is seconds of work on this host.
JOBS = (("wordcount", "wordcount.py", 200_000), ("sort", "sort.py", 300_000),
        ("kmeans", "kmeans.py", 150_000))
KILLED = re.compile(r"Container \[pid=\d+,containerID=(container_\w+)\] is running \d+B beyond")


@dataclass
class AppResult:
    name: str
    app_id: str
    arrival_s: float
    finished_s: float
    final_status: str


@dataclass
class Run:
    scheduler: str
    rep: int
    apps: list[AppResult] = field(default_factory=list)
    timeline: list[tuple[float, int, float]] = field(default_factory=list)  # t, running, MB
    used: list[tuple[float, float]] = field(default_factory=list)  # t, MB measured
    killed: int = 0
    executor_peaks_mb: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        done = [a for a in self.apps if a.final_status == "SUCCEEDED"]
        return {
            "makespan_s": round(max(a.finished_s for a in self.apps), 1),
            "median_act_s": round(statistics.median(a.finished_s - a.arrival_s
                                                    for a in self.apps), 1),
            "max_running_containers": max((n for _, n, _ in self.timeline), default=0),
            "killed_containers": self.killed,
            "succeeded": len(done),
            "apps": len(self.apps),
        }


def spark_job(name: str, script: str, records: int, executor_mb: int, seed: int,
              output: Path) -> Any:
    from yarn_elastic.devcluster.spark_job import SparkJobSpec

    return SparkJobSpec(name=f"bench-{name}", num_executors=2, executor_memory_mb=executor_mb,
                        executor_cores=1, driver_memory_mb=512, script=JOBS_DIR / script,
                        args=(str(records), str(seed), output.resolve().as_uri()))


def arrivals(apps: int, mean_gap_s: float, seed: int) -> list[tuple[float, int]]:
    """(seconds after the start, job index) of each app: seeded Poisson, jobs in turn."""
    rng = random.Random(seed)
    at, out = 0.0, []
    for i in range(apps):
        out.append((round(at, 2), i % len(JOBS)))
        at += rng.expovariate(1.0 / mean_gap_s)
    return out


def cluster_spec(run_dir: Path, db: Path, elastic: bool, learning: bool) -> tuple[Any, Any]:
    from yarn_elastic.devcluster.elastic import elastic_spec
    from yarn_elastic.devcluster.spec import CAPACITY_SCHEDULER, ClusterSpec, NodeSpec

    nodes = tuple(NodeSpec(f"nm{i}", memory_mb=6144, vcores=8) for i in (1, 2, 3))
    properties = {
        "yarn.elastic.depository.path": str(db),
        "yarn.elastic.prediction.learn-from-finished-apps": str(learning).lower(),
        "yarn.elastic.prediction.settle-seconds": "5",
    }
    spec, core = elastic_spec(ClusterSpec(nodes=nodes, extra_properties=properties), run_dir,
                              launched_by_rm=elastic)
    if not elastic:
        spec = replace(spec, scheduler_class=CAPACITY_SCHEDULER)
    return spec, core


class Cluster:
    """A local cluster with agents; under `stock` a standalone core only keeps usage."""

    def __init__(self, run_dir: Path, db: Path, elastic: bool, learning: bool) -> None:
        self.run_dir, self.elastic = run_dir, elastic
        self.spec, self.core = cluster_spec(run_dir, db, elastic, learning)
        self._stack: list[Any] = []

    def __enter__(self) -> Cluster:
        from yarn_elastic.devcluster.agents import NodeManagerAgents
        from yarn_elastic.devcluster.cluster import LocalCluster
        from yarn_elastic.devcluster.elastic import start_standalone_core, wait_for_core_state

        self.cluster = LocalCluster.start(self.spec, self.run_dir, ready_timeout_seconds=240)
        self.cluster.__enter__()
        if self.elastic:
            wait_for_core_state(self.cluster, 1, timeout_seconds=120)
        else:  # it reads the RM's yarn-site.xml, which the cluster's start wrote
            self.standalone = start_standalone_core(self.core)
        self.agents = NodeManagerAgents.start(self.cluster, self.core.http_url,
                                              interval_ms=1000)
        self.agents.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.agents.__exit__(None, None, None)
        self.cluster.__exit__(None, None, None)
        if not self.elastic:
            self.standalone.terminate()
            self.standalone.wait(timeout=30)


def run_mix(cluster: Cluster, plan: Sequence[tuple[float, int]], executor_mb: int,
            scheduler: str, rep: int) -> Run:
    from yarn_elastic.devcluster.applications import ApplicationError
    from yarn_elastic.devcluster.spark_job import submit_spark_job

    run = Run(scheduler, rep)
    results: list[AppResult] = []
    lock = threading.Lock()
    started = time.monotonic()
    wall_start = time.time()

    def one(index: int, at: float, job: int) -> None:
        time.sleep(max(0.0, started + at - time.monotonic()))
        name, script, records = JOBS[job]
        output = cluster.run_dir / "job-output" / f"{scheduler}-{rep}-{index}"
        spec = spark_job(name, script, records, executor_mb, 1000 + index, output)
        try:
            # Twenty clients starting JVMs on two cores take minutes to submit.
            report = submit_spark_job(cluster.cluster, spec).wait(timeout_seconds=3600,
                                                                  submit_timeout_seconds=900)
            app_id, status = report.app_id, report.final_status
        except ApplicationError as exc:  # counted as not succeeded, never dropped
            print(f"  {spec.name} #{index}: {exc}", flush=True)
            app_id, status = "", "NOT_RUN"
        shutil.rmtree(output, ignore_errors=True)
        with lock:
            results.append(AppResult(spec.name, app_id, at, time.monotonic() - started,
                                     status))

    threads = [threading.Thread(target=one, args=(i, at, job), daemon=True)
               for i, (at, job) in enumerate(plan)]
    with cluster.cluster.placement_recorder(interval_seconds=1.0) as recorder:
        for thread in threads:
            thread.start()
        while any(t.is_alive() for t in threads):
            live = recorder.live()
            run.timeline.append((time.monotonic() - started, len(live),
                                 float(sum(memory for memory in live.values()))))
            time.sleep(1.0)
        ids = [p.container_id for p in recorder.placements()]
    run.apps = sorted(results, key=lambda a: a.arrival_s)
    run.used, run.executor_peaks_mb = measured_memory(cluster, ids, wall_start)
    run.killed = killed_containers(cluster.run_dir)
    return run


def measured_memory(cluster: Cluster, container_ids: Sequence[str], wall_start: float
                    ) -> tuple[list[tuple[float, float]], list[float]]:
    """The agents' RSS of every container summed per second since the start, and each
    executor's peak."""
    import requests
    from yarn_elastic.messages import is_am_container

    cluster.agents.wait_spools_empty(timeout_seconds=60)
    per_second: dict[int, float] = {}
    peaks = []
    for container in container_ids:
        response = requests.get(f"{cluster.core.http_url}/ws/v1/usage/containers/{container}",
                                headers=cluster.core.usage_headers, timeout=30)
        if response.status_code != 200:
            continue
        curve = response.json().get("curve") or []
        rss = {int(p["ts_ms"] / 1000 - wall_start): float(p.get("rss_bytes") or 0) / (1 << 20)
               for p in curve}
        for second, mb in rss.items():
            per_second[second] = per_second.get(second, 0.0) + mb
        if rss and not is_am_container(container):
            peaks.append(max(rss.values()))
    return sorted((float(s), mb) for s, mb in per_second.items()), peaks


def killed_containers(run_dir: Path) -> int:
    found = set()
    for log in run_dir.glob("nm*/nodemanager.log"):
        found.update(KILLED.findall(log.read_text(errors="replace")))
    return len(found)


def learn(run_dir: Path, db: Path, runs: int, executor_mb: int) -> int:
    """Run every job `runs` times under yarn-elastic (two at a time); how many it learnt."""
    from yarn_elastic.devcluster.elastic import core_status
    from yarn_elastic.devcluster.spark_job import submit_spark_job

    with Cluster(run_dir, db, elastic=True, learning=True) as cluster:
        plan = [(job, r) for r in range(runs) for job in range(len(JOBS))]
        ids = []
        for first in range(0, len(plan), 2):
            batch = []
            for job, r in plan[first:first + 2]:
                name, script, records = JOBS[job]
                output = run_dir / "job-output" / f"learn-{name}-{r}"
                batch.append(submit_spark_job(cluster.cluster, spark_job(
                    name, script, records, executor_mb, 500 + r, output)))
            for submitted in batch:
                report = submitted.wait(timeout_seconds=900)
                print(f"  learn {report.name}: {report.final_status}", flush=True)
                ids.append(report.app_id)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            recent = ((core_status(cluster.core) or {}).get("prediction") or {}).get(
                "runs_stored", 0)
            if recent >= len(ids):
                break
            time.sleep(2)
        return int(recent)


def plot(runs: Sequence[Run], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(runs), figsize=(6 * len(runs), 4), sharey=True,
                                squeeze=False)
    for axis, run in zip(axes[0], runs, strict=True):
        axis.plot([t for t, _, _ in run.timeline], [mb / 1024 for _, _, mb in run.timeline],
                  label="allocated")
        axis.plot([t for t, _ in run.used], [mb / 1024 for _, mb in run.used],
                  label="used (agents' RSS)")
        axis.axhline(18, color="grey", linestyle=":", label="cluster memory")
        axis.set_title(f"{run.scheduler} (rep {run.rep})")
        axis.set_xlabel("seconds")
        axis.legend()
    axes[0][0].set_ylabel("GB")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.elastic.run",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", type=int, default=20, help="apps per measured run (20)")
    parser.add_argument("--reps", type=int, default=2, help="repetitions of the pair (2)")
    parser.add_argument("--mean-gap-s", type=float, default=8.0,
                        help="mean of the Poisson inter-arrival gap, seconds (8)")
    parser.add_argument("--learn-runs", type=int, default=3, help="history runs per job (3)")
    parser.add_argument("--executor-memory-mb", type=int, default=2048,
                        help="Spark --executor-memory of every job, MB (2048)")
    parser.add_argument("--seed", type=int, default=0, help="arrival seed (0)")
    parser.add_argument("--out", type=Path, default=OUT, help="result JSON")
    parser.add_argument("--schedulers", default="stock,elastic",
                        help="which to measure, comma-separated (stock,elastic)")
    parser.add_argument("--db", type=Path, default=None,
                        help="reuse this core database's learnt runs instead of learning")
    args = parser.parse_args(argv)
    from yarn_elastic.devcluster.cluster import new_run_dir

    base = new_run_dir("bench-elastic")
    started = time.monotonic()
    if args.db is not None:
        db = base / "core.db"
        shutil.copy(args.db, db)
        learnt = -1
        print(f"reusing the runs learnt in {args.db}", flush=True)
    else:
        db = base / "core.db"
        print(f"learning in {base}", flush=True)
        learnt = learn(base / "learn", db, args.learn_runs, args.executor_memory_mb)
        print(f"learnt {learnt} runs in {time.monotonic() - started:.0f} s", flush=True)
    plan = arrivals(args.apps, args.mean_gap_s, args.seed)
    runs: list[Run] = []
    for rep in range(args.reps):
        order = ("stock", "elastic") if rep % 2 == 0 else ("elastic", "stock")
        for scheduler in [s for s in order if s in args.schedulers.split(",")]:
            with Cluster(base / f"{scheduler}-{rep}", db, scheduler == "elastic",
                         learning=False) as cluster:
                run = run_mix(cluster, plan, args.executor_memory_mb, scheduler, rep)
            runs.append(run)
            print(f"{scheduler} rep {rep}: {run.summary()}", flush=True)
            # Written after every run, so that a run cut short keeps what it measured.
            if {r.scheduler for r in runs} == {"stock", "elastic"}:
                result = summarise(runs, args, learnt, time.monotonic() - started)
            else:
                result = {"runs": [run_record(r) for r in runs]}
            args.out.write_text(json.dumps(result, indent=2) + "\n")
            # One figure, every run so far side by side, rewritten as runs finish.
            plot(runs, PLOTS / "memory_allocated_vs_used.png")
    print(json.dumps({k: result[k] for k in ("stock", "elastic", "concurrency_ratio",
                                             "makespan_ratio")}, indent=2))
    return 0


def run_record(run: Run) -> dict[str, Any]:
    """One run's summary, with its memory over time (allocated, by the RM; used, by the
    agents) for later plots."""
    return {"scheduler": run.scheduler, "rep": run.rep, **run.summary(),
            "executor_peaks_mb": [round(p, 1) for p in run.executor_peaks_mb],
            "allocated_mb": [[round(t, 1), round(mb)] for t, _, mb in run.timeline],
            "running": [[round(t, 1), n] for t, n, _ in run.timeline],
            "used_mb": [[t, round(mb)] for t, mb in run.used]}


def summarise(runs: Sequence[Run], args: argparse.Namespace, learnt: int,
              wall_s: float) -> dict[str, Any]:
    def median_of(scheduler: str) -> dict[str, Any]:
        ours = [r.summary() for r in runs if r.scheduler == scheduler]
        return {key: statistics.median(s[key] for s in ours) for key in ours[0]}

    stock, elastic = median_of("stock"), median_of("elastic")
    peaks = [p for r in runs for p in r.executor_peaks_mb]
    container_mb = args.executor_memory_mb + max(384, args.executor_memory_mb // 10)
    return {
        "stock": stock,
        "elastic": elastic,
        "concurrency_ratio": round(elastic["max_running_containers"]
                                   / max(stock["max_running_containers"], 1), 3),
        "makespan_ratio": round(elastic["makespan_s"] / stock["makespan_s"], 3),
        "median_act_ratio": round(elastic["median_act_s"] / stock["median_act_s"], 3),
        "runs": [run_record(r) for r in runs],
        "setting": {
            "apps": args.apps, "reps": args.reps,
            "reps_completed": len({(r.rep) for r in runs if r.scheduler == "elastic"}),
            "mean_gap_s": args.mean_gap_s,
            "seed": args.seed, "jobs": [j[0] for j in JOBS], "learn_runs": args.learn_runs,
            "runs_learnt": learnt, "executor_memory_mb": args.executor_memory_mb,
            "executor_container_mb": container_mb,
            "executor_peak_rss_mb_median": round(statistics.median(peaks), 1) if peaks else None,
            "request_to_peak_ratio": round(container_mb / statistics.median(peaks), 2)
            if peaks else None,
            "nodes": "3 NodeManagers x 6144 MB, 8 vcores (DominantResourceCalculator)",
        },
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.system()} "
                   f"{platform.release()}, load {os.getloadavg()[0]:.1f} at the end",
        "wall_s": round(wall_s),
        "command": "python -m benchmarks.elastic.run " + " ".join(sys.argv[1:]),
    }


if __name__ == "__main__":
    sys.exit(main())
