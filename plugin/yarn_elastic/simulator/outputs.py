"""What `yarn-elastic simulate` writes: summary.json, apps.csv and the plots.

The summary's shape is the one `benchmarks/results/simulator.json` keeps per workload:
`{"lower_bound_s": x, "schedulers": {name: {"makespan_s", "median_act_s", "p90_act_s",
"util": {resource: share}, "over_capacity_share": {resource: share}, "containers",
"killed_containers", ...}}}`. Utilization is the mean, over the slots up to the makespan, of
what the cluster used over its capacity; the over-capacity share is the share of those slots
in which some node's containers wanted more of the resource than the node has.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from yarn_elastic.messages import RESOURCE_NAMES
from yarn_elastic.simulator.results import SchedulerRun


def _rounded(value: float, digits: int = 4) -> float | None:
    return None if not math.isfinite(value) else round(float(value), digits)


def _horizon(run: SchedulerRun) -> int:
    """Slots up to the makespan (all slots when the makespan is unknown)."""
    if not math.isfinite(run.makespan_s):
        return run.slots
    return max(1, min(run.slots, math.ceil(run.makespan_s / run.slot_seconds)))


def scheduler_summary(run: SchedulerRun, lower_bound_s: float) -> dict[str, Any]:
    acts = [a.completion_s for a in run.apps if a.completion_s is not None]
    slots = _horizon(run)
    used = run.used[:, :slots]
    capacity = np.where(run.capacity > 0, run.capacity, 1.0)
    util = used.mean(axis=1) / capacity
    over = run.over_capacity[:, :slots].mean(axis=1)
    cycles = np.array(run.cycle_ms) if run.cycle_ms else np.zeros(1)
    return {
        "makespan_s": _rounded(run.makespan_s, 1),
        "median_act_s": _rounded(float(np.median(acts)) if acts else math.nan, 1),
        "p90_act_s": _rounded(float(np.percentile(acts, 90)) if acts else math.nan, 1),
        "util": dict(zip(RESOURCE_NAMES, (_rounded(float(u)) for u in util), strict=True)),
        "over_capacity_share": dict(zip(RESOURCE_NAMES, (_rounded(float(o)) for o in over),
                                        strict=True)),
        "containers": run.containers,
        "killed_containers": run.killed_containers,
        "resizes": dict(run.resizes),
        "unfinished_apps": sum(1 for a in run.apps if a.finish_s is None),
        "makespan_over_lower_bound": _rounded(run.makespan_s / lower_bound_s, 3)
        if lower_bound_s > 0 else None,
        "cycle_ms": {"p50": _rounded(float(np.percentile(cycles, 50)), 3),
                     "p99": _rounded(float(np.percentile(cycles, 99)), 3),
                     "cycles": len(run.cycle_ms)},
        "wall_s": _rounded(run.wall_s, 2),
        "prepare_s": _rounded(run.prepare_s, 2),
    }


def summary(runs: Mapping[str, SchedulerRun], lower_bound_s: float,
            extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"lower_bound_s": _rounded(lower_bound_s, 1)}
    out |= dict(extra or {})
    out["schedulers"] = {name: scheduler_summary(run, lower_bound_s)
                         for name, run in runs.items()}
    return out


APP_COLUMNS = ("scheduler", "app_id", "name", "arrival_s", "start_s", "finish_s",
               "completion_s", "containers", "kills")


def write_apps_csv(runs: Mapping[str, SchedulerRun], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(APP_COLUMNS)
        for name, run in runs.items():
            for a in run.apps:
                writer.writerow([name, a.app_id, a.name, a.arrival_s, _blank(a.start_s),
                                 _blank(a.finish_s), _blank(a.completion_s), a.containers,
                                 a.kills])


def _blank(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def write_summary(body: Mapping[str, Any], path: Path) -> None:
    path.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")


def write_plots(runs: Mapping[str, SchedulerRun], directory: Path) -> list[Path]:
    """The PNGs; none (and no error) when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    written = [_utilization_plot(plt, runs, directory / "utilization.png"),
               _completion_cdf(plt, runs, directory / "completion_cdf.png"),
               _memory_plot(plt, runs, directory / "memory_allocated_vs_used.png")]
    plt.close("all")
    return written


def _utilization_plot(plt: Any, runs: Mapping[str, SchedulerRun], path: Path) -> Path:
    figure, axes = plt.subplots(4, 1, figsize=(10, 10), sharex=True)
    for row, resource in enumerate(RESOURCE_NAMES):
        for name, run in runs.items():
            seconds = np.arange(run.slots) * run.slot_seconds
            capacity = run.capacity[row] if run.capacity[row] > 0 else 1.0
            axes[row].plot(seconds, 100.0 * run.used[row] / capacity, label=name, linewidth=0.8)
        axes[row].set_ylabel(f"{resource}\n% of cluster")
    axes[0].legend(loc="upper right", ncol=3, fontsize="small")
    axes[-1].set_xlabel("time (s)")
    figure.suptitle("Cluster utilization by resource")
    figure.savefig(path, dpi=100)
    return path


def _completion_cdf(plt: Any, runs: Mapping[str, SchedulerRun], path: Path) -> Path:
    figure, axis = plt.subplots(figsize=(8, 5))
    for name, run in runs.items():
        acts = np.sort([a.completion_s for a in run.apps if a.completion_s is not None])
        if acts.size:
            axis.step(acts, np.arange(1, acts.size + 1) / acts.size, where="post", label=name)
    axis.set_xlabel("application completion time (s)")
    axis.set_ylabel("share of applications")
    axis.legend()
    figure.savefig(path, dpi=100)
    return path


def _memory_plot(plt: Any, runs: Mapping[str, SchedulerRun], path: Path) -> Path:
    figure, axes = plt.subplots(len(runs), 1, figsize=(10, 2.2 * len(runs) + 1), sharex=True,
                                squeeze=False)
    for axis, (name, run) in zip(axes[:, 0], runs.items(), strict=True):
        seconds = np.arange(run.slots) * run.slot_seconds
        capacity = run.capacity[1] if run.capacity[1] > 0 else 1.0
        axis.plot(seconds, 100.0 * run.allocated[1] / capacity, label="allocated")
        axis.plot(seconds, 100.0 * run.used[1] / capacity, label="used")
        axis.set_ylabel(f"{name}\n% memory")
    axes[0, 0].legend(loc="upper right")
    axes[-1, 0].set_xlabel("time (s)")
    figure.suptitle("Memory allocated against used")
    figure.savefig(path, dpi=100)
    return path
