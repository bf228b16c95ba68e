"""Run the two Java harnesses that measure the shim with the real core.

- `CycleBenchmark`: one scheduling cycle end to end (shim encoder, Py4J, core, decode, plan) at
  100, 1,000 and 5,000 nodes with 1,000 pending asks -> results/scheduling_cycle.json.
- `AllocationThroughputBenchmark`: containers allocated per second through the real
  CapacityScheduler and ElasticScheduler classes (MockRM) on one synthetic load
  -> results/allocation_throughput.json.

Both start the core from this Python environment. Usage:
    python -m benchmarks.scheduling.run [--nodes 100 1000 5000] [--skip-cycle] [--skip-allocation]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"
JVM_FLAGS = (
    "-Xmx3g --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED"
    " --add-opens=java.base/java.util.concurrent=ALL-UNNAMED"
)


def core_command() -> str:
    return f"{sys.executable} -m yarn_elastic.cli core --http-port 0"


def run_java(main_class: str, args: list[str]) -> None:
    quoted = " ".join(f"'{a}'" for a in args)
    command = [
        "mvn", "-q", "-B", "-f", str(ROOT / "java-shim" / "pom.xml"), "test-compile", "exec:exec",
        f"-Dexec.args={JVM_FLAGS} -classpath %classpath {main_class} {quoted}",
    ]
    subprocess.run(command, check=True, cwd=ROOT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--skip-cycle", action="store_true")
    parser.add_argument("--skip-allocation", action="store_true")
    parser.add_argument("--allocation-load", type=int, nargs=3, default=[100, 10, 150],
                        metavar=("NODES", "APPS", "CONTAINERS_PER_APP"))
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    if not args.skip_cycle:
        out = RESULTS / "scheduling_cycle.json"
        run_java("org.yarnelastic.shim.CycleBenchmark",
                 [core_command(), str(out), *map(str, args.nodes)])
        print(json.dumps(json.loads(out.read_text()), indent=2))
    if not args.skip_allocation:
        out = RESULTS / "allocation_throughput.json"
        run_java("org.yarnelastic.shim.AllocationThroughputBenchmark",
                 [core_command(), str(out), *map(str, args.allocation_load)])
        print(json.dumps(json.loads(out.read_text()), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
