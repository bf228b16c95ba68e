"""The `yarn-elastic` command: one entry point, one module per subcommand.

Each subcommand lives in `yarn_elastic.commands.<name>` and exposes `add_arguments(parser)`
and `run(args) -> int`. They are imported lazily so that `yarn-elastic --help` stays fast and
a subcommand's heavy imports (numpy, xgboost) are paid only by the command that needs them.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from yarn_elastic import __version__

# name -> (module, one-line help). The order is the order `--help` lists them in.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "core": ("yarn_elastic.commands.core", "run the scheduling core (Py4J endpoint + HTTP API)"),
    "usage": ("yarn_elastic.commands.usage", "show an application's measured per-container usage"),
    "predict": ("yarn_elastic.commands.predict", "predict an application's demand curves"),
    "explain": (
        "yarn_elastic.commands.explain",
        "why a running container has its size and its node (curve, resizes, DRR)",
    ),
    "estimator": (
        "yarn_elastic.commands.estimator",
        "run the Hadoop-Resource-Estimator-compatible REST service on its own",
    ),
    "simulate": (
        "yarn_elastic.commands.simulate",
        "replay a workload under several schedulers (the live core's among them) and compare",
    ),
    "workload": (
        "yarn_elastic.commands.workload",
        "write a simulator workload file: a shipped one, or a converted Rumen/SLS trace",
    ),
    "demo": ("yarn_elastic.commands.demo", "start a local YARN cluster and run the demo jobs"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="yarn-elastic",
        description="yarn-elastic: elastic, prediction-driven scheduling for Hadoop YARN.",
    )
    parser.add_argument("--version", action="version", version=f"yarn-elastic {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        sub_parser.set_defaults(_module=module_name)
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            sub_parser.set_defaults(_missing=True)
            continue
        module.add_arguments(sub_parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if getattr(args, "_missing", False):
        print(f"yarn-elastic: the '{args.command}' command is not built yet", file=sys.stderr)
        return 2
    module = importlib.import_module(args._module)
    result: int = module.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
