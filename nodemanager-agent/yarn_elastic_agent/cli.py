"""`yarn-elastic-agent`: run beside a NodeManager and report its containers' usage."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from yarn_elastic.hadoop_conf import ConfigurationError

from yarn_elastic_agent import __version__
from yarn_elastic_agent.config import load_conf, settings_from
from yarn_elastic_agent.sampling import Sampler


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="yarn-elastic-agent",
        description="Measure every YARN container on this node (CPU, memory, disk, network) "
        "and report it to the yarn-elastic core's usage depository.",
    )
    parser.add_argument("--version", action="version", version=f"yarn-elastic-agent {__version__}")
    parser.add_argument(
        "--conf-dir", type=Path,
        default=Path(os.environ.get("HADOOP_CONF_DIR", "/etc/hadoop/conf")),
        help="directory with the NodeManager's yarn-site.xml (default: $HADOOP_CONF_DIR "
        "or /etc/hadoop/conf)",
    )
    parser.add_argument(
        "--once", action="store_true",
        help="take one sample (two readings one interval apart), print it as JSON, send nothing",
    )
    parser.add_argument("--interval-ms", type=int, default=None,
                        help="override yarn.elastic.agent.interval-ms")
    parser.add_argument("--log-level", default="INFO",
                        choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = settings_from(load_conf(args.conf_dir))
    except ConfigurationError as exc:
        print(f"yarn-elastic-agent: {exc}", file=sys.stderr)
        return 2
    interval = args.interval_ms / 1000 if args.interval_ms else settings.interval_s
    if args.once:
        sampler = Sampler(settings.local_dirs, settings.network_method, settings.collect_pss)
        sampler.sample()
        time.sleep(interval)
        ts_ms, samples, node = sampler.sample()
        json.dump({"node": settings.node_id, "ts_ms": ts_ms, "samples": samples,
                   "node_sample": node, "users": sampler.users}, sys.stdout, indent=1)
        print()
        return 0
    from dataclasses import replace

    from yarn_elastic_agent.agent import Agent

    agent = Agent(replace(settings, interval_s=interval))
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    agent.run(stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
