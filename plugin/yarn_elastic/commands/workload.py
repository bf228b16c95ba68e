"""`yarn-elastic workload`: write a simulator workload file, a shipped one or a converted trace.

    yarn-elastic workload elasecutor-mix --seed 3 --out mix.json.gz
    yarn-elastic workload --from-rumen job-history.json --nodes 35 --out trace.json

The file is `yarn-elastic-workload/1` (docs/simulator.md), for `yarn-elastic simulate` or for
editing: change the nodes, drop apps, shift arrivals.
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("name", nargs="?", metavar="NAME",
                        help="a shipped workload: elasecutor-mix, real-spark")
    source.add_argument("--from-rumen", metavar="TRACE",
                        help="a Hadoop Rumen job-history trace (as Hadoop SLS replays), or its "
                        "compact form from benchmarks/prediction/convert_rumen.py")
    parser.add_argument("--out", required=True, metavar="FILE",
                        help="where to write it (.json, or .json.gz for gzip)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of a shipped workload's generator (default: 0)")
    rumen = parser.add_argument_group("cluster for --from-rumen (Rumen has none)")
    rumen.add_argument("--nodes", type=int, default=35, help="node count (default: 35)")
    rumen.add_argument("--vcores", type=float, default=16.0, help="per node (default: 16)")
    rumen.add_argument("--memory-mb", type=float, default=65536.0,
                       help="per node (default: 65536)")
    rumen.add_argument("--history-jobs", type=int, default=0,
                       help="the first N jobs become history, the predictors' training runs, "
                       "instead of apps to schedule (default: 0)")


def run(args: argparse.Namespace) -> int:
    from yarn_elastic.simulator.builtin import BUILTIN_WORKLOADS, open_workload
    from yarn_elastic.simulator.rumen import from_rumen
    from yarn_elastic.simulator.workload import WorkloadError, dump_workload

    try:
        if args.from_rumen:
            workload = from_rumen(args.from_rumen, node_count=args.nodes, vcores=args.vcores,
                                  memory_mb=args.memory_mb, history_jobs=args.history_jobs)
        elif args.name in BUILTIN_WORKLOADS:
            workload = open_workload(args.name, args.seed)
        else:
            raise WorkloadError(f"{args.name}: not a shipped workload; the shipped ones are "
                                f"{', '.join(BUILTIN_WORKLOADS)}")
        dump_workload(workload, args.out)
    except (WorkloadError, ValueError, KeyError, OSError) as exc:
        print(f"yarn-elastic workload: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}: {len(workload.apps)} apps, {len(workload.history)} history runs, "
          f"{workload.node_count} nodes")
    return 0
