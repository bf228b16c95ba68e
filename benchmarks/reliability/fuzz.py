"""Fuzz every external input of yarn-elastic (issue 10 item 4) -> the fuzz figures of
results/reliability.json.

Run: .venv/bin/python -m benchmarks.reliability.fuzz [--cases N] [--seed S] [--java]
Each input family (benchmarks/reliability/fuzzing/) draws N cases with Hypothesis and feeds
them to the real code in-process: the message decoder and encoder, the depository's ingest, the
routers `yarn-elastic core` and `yarn-elastic estimator` build, the translator behind its
route, the configuration readers and the workload loader. Stored inputs run against SQLite
files seeded with records that are compared afterwards. `--java` also runs the shim's codec
property test under Maven and records the count it prints. docs/testing.md explains it all.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks.reliability.results import merge

ROOT = Path(__file__).resolve().parents[2]
JAVA_TEST = "MessageCodecFuzzTest"
JAVA_LINE = re.compile(r"FUZZ (\w+) cases=(\d+) accepted=(\d+) refused=(\d+) crashes=(\d+)")


def run_family(name: str, cases: int, seed: int) -> dict[str, Any]:
    """One family in this process, in a scratch directory of its own; its figures."""
    from benchmarks.reliability.fuzzing import engine
    from benchmarks.reliability.fuzzing.services import FAMILIES

    # Refusals are logged as warnings by design; thousands of them would bury the summary.
    logging.disable(logging.CRITICAL)
    scratch = "/dev/shm" if os.path.isdir("/dev/shm") else None  # no fsync per fuzz case
    with tempfile.TemporaryDirectory(prefix=f"fuzz-{name}-", dir=scratch) as work:
        family = FAMILIES[name](Path(work))
        try:
            tally = engine.run(name, family.cases, family.handle, cases, seed)
            lost = family.changed()
            tally.records_changed = len(lost)
            tally.examples += lost[:5]
        finally:
            family.close()
    return tally.figures() | {"examples": tally.examples}


def run_java(cases: int, seed: int) -> dict[str, dict[str, Any]]:
    """The shim's property test under Maven: one entry per FUZZ line it prints."""
    command = ["mvn", "-q", "-B", "-f", str(ROOT / "java-shim" / "pom.xml"), "test",
               f"-Dtest={JAVA_TEST}", f"-Dfuzz.cases={cases}", f"-Dfuzz.seed={seed}"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = round(time.perf_counter() - started, 1)
    found = {}
    for line in JAVA_LINE.finditer(done.stdout + done.stderr):
        found[line[1]] = {"cases": int(line[2]), "accepted": int(line[3]),
                          "refused": int(line[4]), "crashes": int(line[5]),
                          "unclear_refusals": 0, "records_changed": 0, "seconds": seconds,
                          "examples": []}
    if done.returncode != 0 and not any(f["crashes"] for f in found.values()):
        print(done.stdout[-3000:], done.stderr[-3000:], file=sys.stderr)
        return {}  # Maven failed for another reason: no figure is better than a wrong one
    return found


def main(argv: list[str] | None = None) -> int:
    from benchmarks.reliability.fuzzing.services import FAMILIES

    parser = argparse.ArgumentParser(prog="python -m benchmarks.reliability.fuzz",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000, help="cases per input (10000)")
    parser.add_argument("--seed", type=int, default=20261202, help="Hypothesis seed")
    parser.add_argument("--only", nargs="+", choices=sorted(FAMILIES), metavar="INPUT",
                        help=f"fuzz only these inputs: {', '.join(FAMILIES)}")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="inputs fuzzed at once, one process each (default: the cores)")
    parser.add_argument("--java", action="store_true",
                        help=f"also run the shim's {JAVA_TEST} under Maven (needs mvn)")
    parser.add_argument("--no-write", action="store_true",
                        help="print the figures, leave results/reliability.json alone")
    args = parser.parse_args(argv)
    names = args.only or list(FAMILIES)
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {n: pool.submit(run_family, n, args.cases, args.seed) for n in names}
        figures = {n: f.result() for n, f in futures.items()}
    if args.java:
        java = run_java(args.cases, args.seed)
        if not java:
            print(f"{JAVA_TEST} printed no FUZZ line; see above", file=sys.stderr)
            return 2
        figures |= java
    report(figures)
    failures = sum(f["crashes"] + f["unclear_refusals"] + f["records_changed"]
                   for f in figures.values())
    if not args.no_write:
        write(figures, args, time.perf_counter() - started)
    return 0 if failures == 0 else 1


def report(figures: dict[str, dict[str, Any]]) -> None:
    print(f"{'input':18} {'cases':>7} {'accepted':>9} {'refused':>8} {'unclear':>8} "
          f"{'crashes':>8} {'changed':>8} {'seconds':>8}")
    for name, f in figures.items():
        print(f"{name:18} {f['cases']:7d} {f['accepted']:9d} {f['refused']:8d} "
              f"{f['unclear_refusals']:8d} {f['crashes']:8d} {f['records_changed']:8d} "
              f"{f['seconds']:8.1f}")
        for example in f["examples"]:
            print(f"    {example}")


def write(figures: dict[str, dict[str, Any]], args: argparse.Namespace, seconds: float) -> None:
    command = "python -m benchmarks.reliability.fuzz" + (
        f" --cases {args.cases}" if args.cases != 10_000 else "") + (
        f" --only {' '.join(args.only)}" if args.only else "") + (" --java" if args.java else "")
    merge({
        "fuzz_cases": {name: f["cases"] for name, f in figures.items()},
        "fuzz_crashes": sum(f["crashes"] for f in figures.values()),
        "fuzz_unclear_refusals": sum(f["unclear_refusals"] for f in figures.values()),
        "fuzz_records_changed": sum(f["records_changed"] for f in figures.values()),
        "fuzz": {"inputs": {n: {k: v for k, v in f.items() if k != "examples"}
                            for n, f in figures.items()},
                 "seed": args.seed, "command": command, "seconds": round(seconds),
                 "cores": os.cpu_count(),
                 "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())},
    })


if __name__ == "__main__":
    sys.exit(main())
