"""`yarn-elastic simulate`: replay a workload under several schedulers and compare them.

The workload is a `yarn-elastic-workload/1` file (docs/simulator.md) or the name of a shipped
one. Every scheduler replays the same workload on the same modelled cluster; `elastic` and
`oracle` decide with the live core's scheduling code. Writes summary.json, apps.csv and PNG
plots to --out.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TextIO

from yarn_elastic.hadoop_conf import ConfigurationError
from yarn_elastic.scheduling.config import RULE_FIELDS, resize_rules
from yarn_elastic.scheduling.resize import ResizeRules

DEFAULT_SCHEDULERS = "static,capacity,tetris,drf,elastic,oracle"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "workload", metavar="WORKLOAD",
        help="a yarn-elastic-workload/1 JSON file (.json or .json.gz), or the name of a shipped "
        "workload: elasecutor-mix, real-spark")
    parser.add_argument(
        "--schedulers", default=DEFAULT_SCHEDULERS,
        help=f"comma-separated schedulers to compare (default: {DEFAULT_SCHEDULERS})")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="directory for summary.json, apps.csv and the plots (created)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed for random placement (static) and shipped workloads "
                        "(default: 0); the same seed gives the same results")
    parser.add_argument(
        "--am-share", type=_share, default=None, metavar="SHARE",
        help="the most of the cluster's vcores and memory that AMs may hold, as "
        "yarn.scheduler.capacity.maximum-am-resource-percent (default: the workload's "
        "am_share, else 0.1, Hadoop's default)")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", dest="settings",
        help="a yarn.elastic.resize.* key as in yarn-site.xml, for elastic and oracle "
        "(repeatable; e.g. yarn.elastic.resize.room-for-new-containers=true)")
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bar and no table, only errors")


def _share(text: str) -> float:
    value = float(text)
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not a share in (0, 1]")
    return value


def _rules(settings: list[str]) -> ResizeRules | None:
    """The simulator's resize rules with the `--set` pairs over them, or None for none;
    ConfigurationError names a bad key or value."""
    # Not yarn.scheduler.minimum-allocation-*: the modelled RM's steps are fixed (engine.py).
    known = {key.name for key, _ in RULE_FIELDS if key.name.startswith("yarn.elastic.")}
    conf: dict[str, str] = {}
    for setting in settings:
        key, equals, value = setting.partition("=")
        if not equals or key.strip() not in known:
            raise ConfigurationError(
                f"--set {setting!r}: expected KEY=VALUE with KEY one of {', '.join(sorted(known))}")
        conf[key.strip()] = value
    return resize_rules(conf, ResizeRules()) if conf else None


def _fail(message: str) -> int:
    print(f"yarn-elastic simulate: {message}", file=sys.stderr)
    return 2


class ProgressBar:
    """One line per scheduler on a terminal, redrawn in place; silent elsewhere."""

    def __init__(self, stream: TextIO, enabled: bool) -> None:
        self.stream, self.enabled = stream, enabled and stream.isatty()
        self.current = ""
        self.shown = -1

    def __call__(self, scheduler: str, slot: int, limit: int) -> None:
        if not self.enabled:
            return
        if scheduler != self.current:
            self.finish()
            self.current, self.shown = scheduler, -1
        if slot - self.shown >= 50:
            self.shown = slot
            self.stream.write(f"\r{scheduler:<9} slot {slot:>7}")
            self.stream.flush()

    def finish(self) -> None:
        if self.enabled and self.current:
            self.stream.write(f"\r{self.current:<9} done{' ' * 12}\n")
            self.stream.flush()


def run(args: argparse.Namespace) -> int:
    from yarn_elastic.simulator import outputs
    from yarn_elastic.simulator.bound import lower_bound_s
    from yarn_elastic.simulator.builtin import open_workload
    from yarn_elastic.simulator.replay import UnknownScheduler, check_names, replay
    from yarn_elastic.simulator.workload import WorkloadError

    names = [n.strip() for n in args.schedulers.split(",") if n.strip()]
    try:
        names = check_names(names)
        rules = _rules(args.settings)
        workload = open_workload(args.workload, args.seed)
    except (UnknownScheduler, WorkloadError, ConfigurationError) as exc:
        return _fail(str(exc))
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return _fail(f"cannot create --out {out}: {exc.strerror}")
    bar = ProgressBar(sys.stderr, not args.quiet)
    began = time.perf_counter()
    am_share = workload.am_share if args.am_share is None else args.am_share
    runs = replay(workload, names, args.seed, bar, am_share, rules)
    bar.finish()
    bound = lower_bound_s(workload)
    body = outputs.summary(runs, bound, {
        "workload": workload.name, "apps": len(workload.apps), "nodes": workload.node_count,
        "seed": args.seed, "am_share": am_share, "wall_s": round(time.perf_counter() - began, 2)})
    outputs.write_summary(body, out / "summary.json")
    outputs.write_apps_csv(runs, out / "apps.csv")
    plots = [] if args.no_plots else outputs.write_plots(runs, out)
    if not args.quiet:
        print(render_table(body))
        print(f"wrote {out / 'summary.json'}, {out / 'apps.csv'}"
              + "".join(f", {p}" for p in plots))
    return 0


def render_table(body: dict[str, object]) -> str:
    schedulers = body["schedulers"]
    assert isinstance(schedulers, dict)
    lines = [f"workload {body.get('workload')}: {body.get('apps')} apps on {body.get('nodes')} "
             f"nodes; makespan lower bound {body['lower_bound_s']} s",
             f"{'scheduler':<10}{'makespan s':>11}{'x bound':>8}{'median ACT':>11}"
             f"{'p90 ACT':>9}{'cpu':>6}{'mem':>6}{'disk':>6}{'net':>6}{'kills':>7}"]
    for name, s in schedulers.items():
        util = s["util"]
        lines.append(
            f"{name:<10}{_show(s['makespan_s']):>11}{_show(s['makespan_over_lower_bound']):>8}"
            f"{_show(s['median_act_s']):>11}{_show(s['p90_act_s']):>9}"
            + "".join(f"{_percent(util[r]):>6}" for r in util)
            + f"{s['killed_containers']:>7}")
    return "\n".join(lines)


def _show(value: object) -> str:
    return "-" if value is None else str(value)


def _percent(value: object) -> str:
    return "-" if not isinstance(value, float) else f"{100 * value:.0f}%"
