"""`yarn-elastic explain CONTAINER_ID`: why a running container has its size and its node.

Asks the core's HTTP API (`/ws/v1/elastic/containers/ID`) and prints the container's
predicted curve (or that it runs at the RM's numbers), every resize with its reason, the
placements of its application on its node, and its node's DRR against the next three
candidates on the core's last picture.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from yarn_elastic.hadoop_conf import ConfigurationError, read_configuration


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("container_id", metavar="CONTAINER_ID",
                        help="a running container, e.g. container_1700000000000_0001_01_000002")
    parser.add_argument("--core-url", default=None,
                        help="the core's HTTP API (default: http://127.0.0.1:<yarn.elastic.core"
                        ".http-port> from --conf)")
    parser.add_argument("--conf", action="append", default=[], metavar="FILE",
                        help="Hadoop XML configuration file (yarn-site.xml); repeat to layer")
    parser.add_argument("--json", action="store_true", help="print the core's JSON answer")


def run(args: argparse.Namespace) -> int:
    import requests

    from yarn_elastic.commands.core import HTTP_PORT

    try:
        url = args.core_url or f"http://127.0.0.1:{HTTP_PORT.read(read_configuration(args.conf))}"
    except ConfigurationError as exc:
        print(f"yarn-elastic explain: {exc}", file=sys.stderr)
        return 2
    try:
        response = requests.get(f"{url.rstrip('/')}/ws/v1/elastic/containers/"
                                f"{args.container_id}", timeout=10)
    except requests.RequestException as exc:
        print(f"yarn-elastic explain: cannot reach the core at {url} ({exc}); is it running? "
              "Pass --core-url or --conf with yarn.elastic.core.http-port", file=sys.stderr)
        return 1
    body: dict[str, Any] = response.json() if response.content else {}
    if response.status_code != 200:
        print(f"yarn-elastic explain: {body.get('message', response.text)}", file=sys.stderr)
        return 1
    print(json.dumps(body, indent=2) if args.json else render(body))
    return 0


def render(found: dict[str, Any]) -> str:
    vcores, memory = found["allocated"][0], found["allocated"][1]
    lines = [
        f"{found['container']} of {found['app']} on {found['node']}, "
        f"{found['position']} slot(s) of {found['slot_ms']} ms in",
        f"  allocated {vcores:g} vcores, {memory:g} MB; requested {found['request'][0]:g} "
        f"vcores, {found['request'][1]:g} MB",
    ]
    curve = found["curve"]
    if found["predicted"]:
        lines.append("  predicted curve from its start (what the placement counts):")
        for name, values in curve.items():
            shown = " ".join(f"{v:g}" for v in values[:24])
            more = " ..." if len(values) > 24 else ""
            lines.append(f"    {name:<17} {shown}{more}")
    else:
        lines.append("  no band for its job role: it is counted at the RM's numbers for life")
    lines.append("  resizes:" if found["resizes"] else "  resizes: none")
    for r in found["resizes"]:
        lines.append(f"    cycle {r['seq']}: {r['vcores']} vcores, {r['memory_mb']} MB"
                     f" ({r['reason']})")
    lines.append("  placed on this node by:" if found["placements"] else
                 "  placed on this node by: no placement in the decision log (older, or "
                 "placed while the core was away)")
    for p in found["placements"]:
        lines.append(f"    cycle {p['seq']}: {p['count']} of {p['ask']}, DRR after {p['score']:g}")
    lines.append("  its node against the next best, on the core's last picture "
                 "(DRR left after placing it; lower packs tighter):")
    for i, n in enumerate(found["nodes"]):
        mark = "its node" if i == 0 else "         "
        lines.append(f"    {mark} {n['node']:<24} DRR {n['drr']:.4f}"
                     f"{'' if n['fits'] else '  (does not fit at every slot)'}")
    return "\n".join(lines)
