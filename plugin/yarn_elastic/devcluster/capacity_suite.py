"""Hadoop's own CapacityScheduler test classes, run against ElasticScheduler (`make compat`).

ElasticScheduler claims to be a CapacityScheduler, so CapacityScheduler's own tests are the
strictest check of that claim. The classes come unchanged from Hadoop's 3.4.1
ResourceManager tests jar. Two mechanisms reach them: the yarn-site.xml written here names
ElasticScheduler for the tests that take Hadoop's default scheduler from configuration, and
java-shim/capacity-suite renames CapacityScheduler to ElasticScheduler in the test classes as
they load (SchedulerSubstitutionAgent), for the many that name the class in code
(`conf.setClass(RM_SCHEDULER, CapacityScheduler.class, ...)`, `new CapacityScheduler()`),
where no configuration reaches.

With the core absent the shim has nowhere to send its cycles: the address is a port where
nothing listens, so every allocation takes the fallback, which is stock CapacityScheduler.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from yarn_elastic.devcluster.cluster import project_root
from yarn_elastic.devcluster.compat_matrix import junit_outcome, replace_marked_section
from yarn_elastic.devcluster.conf_files import write_configuration_xml
from yarn_elastic.devcluster.elastic import fresh_secret, shim_jar
from yarn_elastic.devcluster.ports import free_loopback_ports
from yarn_elastic.devcluster.spec import CAPACITY_SCHEDULER, ELASTIC_SCHEDULER

SUITE_POM = Path("java-shim/capacity-suite/pom.xml")
# One class per area the issue names: queues, ACLs, reservations, container updates,
# preemption, recovery.
SUITE_CLASSES = (
    "TestQueueParsing",
    "TestCapacitySchedulerQueueACLs",
    "TestReservations",
    "TestContainerResizing",
    "TestCapacitySchedulerSurgicalPreemption",
    "TestWorkPreservingRMRestartForNodeLabel",
)
MARK_START = "<!-- capacity-suite: written by `make compat` -->"
MARK_END = "<!-- /capacity-suite -->"
DOC = Path("docs/compatibility.md")
# ResourceManager#createScheduler logs this before the class name.
USING_SCHEDULER = "Using Scheduler: "


@dataclass(frozen=True)
class ClassResult:
    name: str
    passed: int
    failed: tuple[str, ...]
    skipped: int
    seconds: float
    # ResourceManagers the class started, by the scheduler each logged it uses: proof of
    # which scheduler ran (tests that build a scheduler without an RM log nothing here).
    elastic_rms: int
    stock_rms: int


def core_absent_properties(out_dir: Path) -> dict[str, str]:
    """ElasticScheduler for the tests that take the scheduler from configuration, and the
    shim's keys for a core that never answers: a token, and a port nobody holds."""
    token = fresh_secret(out_dir, "core.token")
    (port,) = free_loopback_ports(1)
    return {
        "yarn.resourcemanager.scheduler.class": ELASTIC_SCHEDULER,
        "yarn.elastic.core.address": f"127.0.0.1:{port}",
        "yarn.elastic.core.auth-token-file": str(token),
        "yarn.elastic.core.retry.max-backoff-ms": "2000",
    }


def class_results(reports: Path) -> list[ClassResult]:
    results = []
    for report in sorted(reports.glob("TEST-*.xml")):
        suite = ElementTree.parse(report).getroot()
        passed, failed = junit_outcome(report)
        full_name = report.stem.removeprefix("TEST-")
        output = reports / f"{full_name}-output.txt"
        text = output.read_text(errors="replace") if output.exists() else ""
        results.append(ClassResult(
            full_name.rsplit(".", 1)[-1], passed, failed, int(suite.get("skipped", "0")),
            float(suite.get("time", "0")), text.count(f"{USING_SCHEDULER}{ELASTIC_SCHEDULER}"),
            text.count(f"{USING_SCHEDULER}{CAPACITY_SCHEDULER}"),
        ))
    return results


def results_table(results: Sequence[ClassResult], mode: str, day: str) -> str:
    rows = [
        f"Last run: {day}, Hadoop 3.4.1 tests jar, core {mode}.",
        "",
        "| class | passed | failed | skipped | seconds | RMs on ElasticScheduler / stock |",
        "|---|---|---|---|---|---|",
    ]
    rows += [
        f"| `{r.name}` | {r.passed} | {', '.join(f'`{f}`' for f in r.failed) or 0} |"
        f" {r.skipped} | {r.seconds:.0f} | {r.elastic_rms} / {r.stock_rms} |"
        for r in results
    ]
    return "\n".join(rows)


def run_suite(root: Path, out_dir: Path, classes: Sequence[str]) -> list[ClassResult]:
    conf_dir = out_dir / "conf"
    conf_dir.mkdir(parents=True, exist_ok=True)
    write_configuration_xml(conf_dir / "yarn-site.xml", core_absent_properties(out_dir),
                            "yarn_elastic.devcluster.capacity_suite (core absent)")
    pom = root / SUITE_POM
    reports = pom.parent / "target" / "surefire-reports"
    command = [
        "mvn", "-B", "-q", "-f", str(pom), "test", f"-Dshim.jar={shim_jar()}",
        f"-Dsuite.conf.dir={conf_dir}", f"-Dsuite.tests={','.join(classes)}",
    ]
    print(f"== CapacityScheduler's tests, core absent: {' '.join(command)}", flush=True)
    subprocess.run(command, cwd=root, env=dict(os.environ), check=False)
    return class_results(reports)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m yarn_elastic.devcluster.capacity_suite",
        description="Run Hadoop 3.4.1's CapacityScheduler test classes against ElasticScheduler"
        " with the core absent, and report passed and failed per class.",
    )
    parser.add_argument("--class", dest="classes", action="append",
                        help=f"only these test classes (default: {', '.join(SUITE_CLASSES)})")
    parser.add_argument("--out", type=Path, default=Path("build/capacity-suite"),
                        help="where its yarn-site.xml and token go (default build/capacity-suite)")
    parser.add_argument("--write-docs", action="store_true", help=f"put the table into {DOC}")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    root = project_root()
    started = time.strftime("%Y-%m-%d")
    results = run_suite(root, (root / args.out).resolve(), args.classes or SUITE_CLASSES)
    if not results:
        print("no surefire reports: the suite did not run (see the Maven output above)",
              file=sys.stderr)
        return 2
    table = results_table(results, "absent (fallback)", started)
    print(table)
    if args.write_docs:
        path = root / DOC
        path.write_text(replace_marked_section(path.read_text(), table, str(DOC), MARK_START,
                                               MARK_END))
    return 0 if all(not r.failed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
