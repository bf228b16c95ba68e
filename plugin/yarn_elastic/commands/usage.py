"""`yarn-elastic usage --app APP_ID`: an application's measured per-container usage curves.

Reads the depository's database file directly (`--db`, default from yarn-site.xml) or asks a
running core over HTTP (`--url`). `--plot FILE.png` draws CPU, memory, disk and network.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import requests

from yarn_elastic.depository import config
from yarn_elastic.depository.report import APP_ID
from yarn_elastic.depository.store import UsageStore
from yarn_elastic.hadoop_conf import ConfigurationError, read_configuration
from yarn_elastic.web.auth import bearer

MB = 1024 * 1024


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--app", required=True, metavar="APP_ID",
                        help="application id, e.g. application_1700000000000_0001")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--db", type=Path, help="the depository database file "
                        "(default: yarn.elastic.depository.path from yarn-site.xml)")
    source.add_argument("--url", help="base URL of a running core, e.g. http://rm-host:8089")
    parser.add_argument("--conf-dir", type=Path,
                        default=Path(os.environ.get("HADOOP_CONF_DIR", "/etc/hadoop/conf")),
                        help="where yarn-site.xml is (default: $HADOOP_CONF_DIR)")
    parser.add_argument("--plot", type=Path, metavar="FILE.png",
                        help="also draw CPU, memory, disk and network over time")


def run(args: argparse.Namespace) -> int:
    if not APP_ID.fullmatch(args.app):
        print(f"yarn-elastic usage: {args.app!r} is not an application id "
              "(application_<cluster timestamp>_<number>)", file=sys.stderr)
        return 2
    try:
        app = _fetch(args)
    except (ConfigurationError, RuntimeError, requests.RequestException) as exc:
        print(f"yarn-elastic usage: {exc}", file=sys.stderr)
        return 1
    if app is None:
        print(f"yarn-elastic usage: no usage recorded for {args.app}", file=sys.stderr)
        return 1
    print(render_table(app))
    if args.plot:
        plot(app, args.plot)
        print(f"plot written to {args.plot}")
    return 0


def _conf(conf_dir: Path) -> dict[str, str]:
    site = conf_dir / "yarn-site.xml"
    return read_configuration([site]) if site.is_file() else {}


def _fetch(args: argparse.Namespace) -> dict[str, Any] | None:
    conf = _conf(args.conf_dir)
    if args.url:
        token = config.read_token(conf)
        response = requests.get(f"{args.url.rstrip('/')}/ws/v1/usage/apps/{args.app}",
                                headers=bearer(token), timeout=30)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise RuntimeError(f"the core answered {response.status_code}: {response.text[:300]}")
        result: dict[str, Any] = response.json()
        return result
    path = args.db or Path(config.DEPOSITORY_PATH.read(conf))
    if not path.is_file():
        raise RuntimeError(f"database {path} does not exist; pass --db or --url")
    store = UsageStore(path)
    try:
        app = store.app(args.app)
        if app is None:
            return None
        containers = store.app_containers(args.app)
        for container in containers:
            container["curve"] = store.container_curve(container["container_id"])
        return {**app, "container_curves": containers}
    finally:
        store.close()


def _mb(value: float | None) -> str:
    return "-" if value is None else f"{value / MB:.1f}"


def render_table(app: dict[str, Any]) -> str:
    lines = [f"{app['app_id']}  name={app.get('name') or '-'}  type={app.get('type') or '-'}  "
             f"user={app.get('user') or '-'}  queue={app.get('queue') or '-'}  "
             f"containers={app.get('containers')}"]
    header = (f"{'time (UTC)':<20} {'res':>4} {'cpu':>6} {'rss MB':>8} {'rd MB/s':>8} "
              f"{'wr MB/s':>8} {'rx MB/s':>8} {'tx MB/s':>8} {'net':>6} {'prog':>5}")
    for container in app["container_curves"]:
        curve = container.get("curve") or []
        lines += ["", f"{container['container_id']}  node={container.get('node') or '-'}  "
                  f"samples={len(curve)}", header]
        for p in curve:
            when = datetime.fromtimestamp(p["ts_ms"] / 1000, timezone.utc).strftime(
                "%Y-%m-%d %H:%M:%S")
            progress = "-" if p.get("progress") is None else f"{p['progress']:.2f}"
            lines.append(
                f"{when:<20} {'1m' if p['resolution_ms'] else 'raw':>4} {p['cpu_cores']:>6.2f} "
                f"{_mb(p['rss_bytes']):>8} {_mb(p['disk_read_bps']):>8} "
                f"{_mb(p['disk_write_bps']):>8} {_mb(p['net_rx_bps']):>8} "
                f"{_mb(p['net_tx_bps']):>8} {p['net_method']:>6} {progress:>5}"
            )
    return "\n".join(lines)


def plot(app: dict[str, Any], target: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [("CPU (cores)", ["cpu_cores"], 1.0), ("memory RSS (MB)", ["rss_bytes"], MB),
              ("disk (MB/s, read + write)", ["disk_read_bps", "disk_write_bps"], MB),
              ("network (MB/s, rx + tx)", ["net_rx_bps", "net_tx_bps"], MB)]
    figure, axes = plt.subplots(len(panels), 1, figsize=(10, 10), sharex=True)
    start = min((p["ts_ms"] for c in app["container_curves"] for p in c.get("curve") or []),
                default=0)
    for axis, (title, keys, scale) in zip(axes, panels, strict=True):
        for container in app["container_curves"]:
            curve = container.get("curve") or []
            xs = [(p["ts_ms"] - start) / 1000 for p in curve]
            ys = [sum(p[k] or 0 for k in keys) / scale for p in curve]
            axis.plot(xs, ys, label=container["container_id"][-16:])
        axis.set_ylabel(title)
    axes[-1].set_xlabel("seconds since the first sample")
    axes[0].legend(fontsize="small", loc="upper right")
    figure.suptitle(f"{app['app_id']} ({app.get('name') or 'unnamed'})")
    figure.tight_layout()
    figure.savefig(target, dpi=90)
    plt.close(figure)
