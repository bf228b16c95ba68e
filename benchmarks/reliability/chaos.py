"""Chaos on real YARN (issue 10, items 1 and 2): the core killed at random moments during a
workload of DistributedShell and Spark applications, then the RM itself killed mid-workload.

    .venv/bin/python -m benchmarks.reliability.chaos [--apps 20] [--spark 5] [--kills 10]

One local cluster (3 NodeManagers, the RM launching the core, an agent beside each NM, RM
recovery on) runs three phases:
1. baseline: the seeded workload with no kills;
2. chaos: the same workload again, the core SIGKILLed `--kills` times, each at a random
   moment while it is active; the RM restarts it each time;
3. RM restart: a few applications in flight when the RM is SIGKILLed and started again.

For phases 1 and 2 it records every application's final status, the RM's own latency of the
AM allocate call and of the node heartbeat per 10 s window (rpc_latency.py), the shim's
fallback and core-start counters, and which applications finished while the core was down and
whether the core learnt from them once back. Writes benchmarks/results/reliability.json.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yarn_elastic.devcluster.agents import NodeManagerAgents
from yarn_elastic.devcluster.applications import ApplicationError, SubmittedApp
from yarn_elastic.devcluster.cluster import LocalCluster, new_run_dir
from yarn_elastic.devcluster.distributed_shell import ShellAppSpec, submit_distributed_shell
from yarn_elastic.devcluster.elastic import (
    CoreSetup,
    elastic_spec,
    shim_metrics,
    wait_for_core_state,
)
from yarn_elastic.devcluster.spark_job import SparkJobSpec, submit_spark_job
from yarn_elastic.devcluster.spec import ClusterSpec

from benchmarks.reliability.core_killer import CoreKiller, now_ms
from benchmarks.reliability.results import merge
from benchmarks.reliability.rpc_latency import RPC_PROPERTIES, RpcLatencySampler

ACTIVE = 1
HEARTBEAT_MS = 1000  # yarn.resourcemanager.nodemanagers.heartbeat-interval-ms, Hadoop's default
AppSpec = ShellAppSpec | SparkJobSpec


@dataclass
class AppResult:
    name: str
    app_id: str
    final_status: str
    finished_ms: int  # wall clock


@dataclass
class Phase:
    name: str
    apps: list[AppResult] = field(default_factory=list)
    kills: list[tuple[int, int]] = field(default_factory=list)  # (killed, active again) ms
    latency: dict[str, Any] = field(default_factory=dict)
    shim: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    def finished_while_down(self) -> list[str]:
        return [a.app_id for a in self.apps if a.app_id and any(
            down <= a.finished_ms <= back for down, back in self.kills)]


def workload(apps: int, spark: int, mean_gap_s: float, seed: int
             ) -> list[tuple[float, AppSpec]]:
    """Seeded Poisson arrivals; the Spark jobs spread evenly among the DistributedShell ones."""
    rng = random.Random(seed)
    at, plan = 0.0, []
    every = max(1, apps // max(1, spark))
    for i in range(apps):
        app: AppSpec
        if spark and i % every == every - 1 and sum(isinstance(a, SparkJobSpec)
                                                    for _, a in plan) < spark:
            app = SparkJobSpec(name=f"chaos-spark-{i}", num_executors=2)
        else:
            app = ShellAppSpec(f"chaos-ds-{i}", num_containers=rng.choice((2, 3, 4)),
                               memory_mb=rng.choice((512, 768, 1024)), vcores=1,
                               sleep_seconds=rng.randint(15, 35))
        plan.append((round(at, 2), app))
        at += rng.expovariate(1.0 / mean_gap_s)
    return plan


def submit(cluster: LocalCluster, app: AppSpec) -> SubmittedApp:
    if isinstance(app, SparkJobSpec):
        return submit_spark_job(cluster, app)
    return submit_distributed_shell(cluster, app)


def run_apps(cluster: LocalCluster, plan: Sequence[tuple[float, AppSpec]]) -> list[AppResult]:
    """Submit each app at its time from its own thread; wait for all of them."""
    results: list[AppResult] = []
    lock = threading.Lock()
    started = time.monotonic()

    def one(at: float, app: AppSpec) -> None:
        time.sleep(max(0.0, started + at - time.monotonic()))
        try:
            report = submit(cluster, app).wait(timeout_seconds=1800,
                                               submit_timeout_seconds=600)
            result = AppResult(app.name, report.app_id, report.final_status, now_ms())
        except ApplicationError as exc:  # counted as not succeeded, never dropped
            print(f"  {app.name}: {exc}", flush=True)
            result = AppResult(app.name, "", "NOT_RUN", now_ms())
        with lock:
            results.append(result)

    threads = [threading.Thread(target=one, args=item, daemon=True) for item in plan]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


SHIM_COUNTERS = ("Fallbacks", "CoreStarts", "CycleFailures", "FallbackAllocations",
                 "PlannedAllocations")


def shim_counters(cluster: LocalCluster) -> dict[str, float]:
    time.sleep(12)  # past the metrics cache's refresh, so the counters include the phase
    found = shim_metrics(cluster)
    return {k: found.get(k, 0.0) for k in SHIM_COUNTERS}


def run_phase(name: str, cluster: LocalCluster, core: CoreSetup,
              plan: Sequence[tuple[float, AppSpec]], kills: int, seed: int) -> Phase:
    print(f"{name}: {len(plan)} applications, {kills} core kills", flush=True)
    phase = Phase(name)
    before = shim_counters(cluster)
    layout = cluster.layout
    ports = {"am_allocate": layout.rm_ports.scheduler,
             "node_heartbeat": layout.rm_ports.resource_tracker}
    done = threading.Event()
    killer = CoreKiller(core, kills, random.Random(seed), done)
    started = time.monotonic()
    with RpcLatencySampler(layout.rm_web_url, ports) as sampler:
        killer.start()
        phase.apps = run_apps(cluster, plan)
        done.set()
        killer.join(timeout=300)
        phase.latency = sampler.summary()
    phase.seconds = round(time.monotonic() - started, 1)
    phase.kills = killer.record
    after = shim_counters(cluster)
    phase.shim = {k: after[k] - before[k] for k in SHIM_COUNTERS}
    return phase


def rm_restart_phase(cluster: LocalCluster, apps: int, seed: int) -> list[AppResult]:
    """`apps` DistributedShell applications and one Spark job in flight when the RM is
    SIGKILLed; it restarts on the same state store and every one must still succeed."""
    rng = random.Random(seed)
    plan: list[AppSpec] = [SparkJobSpec(name="restart-spark", num_executors=2)]
    plan += [ShellAppSpec(f"restart-ds-{i}", num_containers=2, memory_mb=512, vcores=1,
                          sleep_seconds=rng.randint(40, 60)) for i in range(apps)]
    print(f"rm restart: {len(plan)} applications in flight", flush=True)
    submitted = [submit(cluster, app) for app in plan]
    for app in submitted:
        app.app_id(timeout_seconds=600)
    wait_until_running(cluster, [s.app_id() for s in submitted])
    cluster.restart_resource_manager(crash=True)
    results = []
    for app, spec in zip(submitted, plan, strict=True):
        try:
            report = app.wait(timeout_seconds=900)
            results.append(AppResult(spec.name, report.app_id, report.final_status, now_ms()))
        except ApplicationError as exc:
            print(f"  {spec.name}: {exc}", flush=True)
            results.append(AppResult(spec.name, "", "NOT_RUN", now_ms()))
    return results


def wait_until_running(cluster: LocalCluster, app_ids: list[str], timeout_s: float = 600
                       ) -> None:
    deadline = time.monotonic() + timeout_s
    while set(cluster.rest.running_apps()) < set(app_ids) or any(
            cluster.rest.app(a).state != "RUNNING" for a in app_ids):
        if time.monotonic() > deadline:
            raise TimeoutError(f"not all of {app_ids} RUNNING after {timeout_s} s")
        time.sleep(1)
    time.sleep(10)  # their containers start a few heartbeats after the AMs register


def learnt_runs(db: Path, app_ids: Sequence[str], timeout_s: float = 120) -> set[str]:
    """Which of `app_ids` the core has stored as runs, once its learner has caught up."""
    wanted, found = set(app_ids), set()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            found = {row[0] for row in conn.execute("SELECT run_id FROM prediction_runs")}
        if wanted <= found:
            break
        time.sleep(5)
    return wanted & found


def elastic_cluster() -> tuple[ClusterSpec, CoreSetup, Path]:
    run_dir = new_run_dir("chaos")
    properties = {**RPC_PROPERTIES, "yarn.elastic.prediction.settle-seconds": "5"}
    spec, core = elastic_spec(ClusterSpec(extra_properties=properties, rm_recovery=True),
                              run_dir)
    return spec, core, run_dir


def phase_figures(phase: Phase, learnt: set[str]) -> dict[str, Any]:
    down = phase.finished_while_down()
    return {
        "apps": len(phase.apps),
        "succeeded": sum(a.final_status == "SUCCEEDED" for a in phase.apps),
        "not_succeeded": {a.name: a.final_status for a in phase.apps
                          if a.final_status != "SUCCEEDED"},
        "seconds": phase.seconds,
        "core_kills": len(phase.kills),
        "seconds_to_core_back": [round((back - down) / 1000, 1) for down, back in phase.kills],
        "latency_ms": phase.latency,
        "shim_counters": phase.shim,
        "finished_while_core_down": len(down),
        "finished_while_core_down_learnt": len(set(down) & learnt),
        "learnt": len(learnt),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.reliability.chaos", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apps", type=int, default=20, help="applications per phase (20)")
    parser.add_argument("--spark", type=int, default=5, help="of which Spark jobs (5)")
    parser.add_argument("--kills", type=int, default=10, help="core kills in the chaos phase")
    parser.add_argument("--mean-gap-s", type=float, default=8.0,
                        help="mean seconds between arrivals (8)")
    parser.add_argument("--restart-apps", type=int, default=4,
                        help="DistributedShell applications in flight at the RM restart (4)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    plan = workload(args.apps, args.spark, args.mean_gap_s, args.seed)
    spec, core, run_dir = elastic_cluster()
    with LocalCluster.start(spec, run_dir, ready_timeout_seconds=240) as cluster:
        wait_for_core_state(cluster, ACTIVE, timeout_seconds=120)
        with NodeManagerAgents.start(cluster, core.http_url, interval_ms=1000):
            baseline = run_phase("baseline", cluster, core, plan, 0, args.seed)
            chaos = run_phase("chaos", cluster, core, plan, args.kills, args.seed)
            learnt = learnt_runs(run_dir.resolve() / "core.db",
                                 [a.app_id for a in chaos.apps if a.app_id])
            restarted = rm_restart_phase(cluster, args.restart_apps, args.seed)
    return report(args, baseline, chaos, learnt, restarted, run_dir)


def report(args: argparse.Namespace, baseline: Phase, chaos: Phase, learnt: set[str],
           restarted: list[AppResult], run_dir: Path) -> int:
    figures = {"baseline": phase_figures(baseline, set()),
               "chaos": phase_figures(chaos, learnt)}
    stall = chaos.latency.get("am_allocate", {}).get("p99_ms_max")
    beat = chaos.latency.get("node_heartbeat", {}).get("p99_ms_max")
    restart_ok = sum(a.final_status == "SUCCEEDED" for a in restarted)
    merge({
        "core_kills": len(chaos.kills), "apps": len(chaos.apps),
        "apps_succeeded": figures["chaos"]["succeeded"],
        "max_allocate_stall_ms": stall,
        "rm_restart_apps_succeeded": restart_ok,
        "chaos": {
            **figures, "max_node_heartbeat_stall_ms": beat, "heartbeat_ms": HEARTBEAT_MS,
            "stall_is": "the largest 99th percentile of the RM's RpcResponseTime over any 10 s"
                        " window (the RM publishes no maximum)",
            "rm_restart": {"apps": len(restarted), "succeeded": restart_ok,
                           "not_succeeded": {a.name: a.final_status for a in restarted
                                             if a.final_status != "SUCCEEDED"}},
            "command": "python -m benchmarks.reliability.chaos " + " ".join(
                f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items()),
            "machine": f"{os.cpu_count()} cores, {platform.platform()}",
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "run_dir": str(run_dir),
        },
    })
    ok = (figures["chaos"]["succeeded"] == len(chaos.apps) and restart_ok == len(restarted)
          and (stall is None or stall <= HEARTBEAT_MS))
    print(f"chaos: {figures['chaos']['succeeded']}/{len(chaos.apps)} succeeded with"
          f" {len(chaos.kills)} core kills; allocate p99 max {stall} ms, heartbeat {beat} ms;"
          f" rm restart {restart_ok}/{len(restarted)}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
