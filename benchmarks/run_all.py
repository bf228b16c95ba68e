"""`make bench`: every benchmark, one after another; each writes its results/*.json."""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = (
    "benchmarks.scheduling.run",
    "benchmarks.cycle.core_only",
    "benchmarks.agent.run",
    "benchmarks.prediction.run",
    "benchmarks.simulator.run",
)


def main() -> int:
    failed = []
    for module in BENCHMARKS:
        print(f"== {module}", flush=True)
        if subprocess.run([sys.executable, "-m", module]).returncode != 0:
            failed.append(module)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
