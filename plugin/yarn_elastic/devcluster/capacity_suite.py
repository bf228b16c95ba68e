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
With the core active a real `yarn-elastic core` runs beside the tests, every ElasticScheduler
connects to it, and the core's plans gate placement as on a real cluster.
The same classes also run on stock CapacityScheduler (no agent, no scheduler key) as the
control: a test that fails there fails for this machine, not for ElasticScheduler.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from yarn_elastic.devcluster.cluster import project_root
from yarn_elastic.devcluster.compat_matrix import read_junit, replace_marked_section
from yarn_elastic.devcluster.conf_files import write_configuration_xml
from yarn_elastic.devcluster.elastic import (
    elastic_spec,
    fresh_secret,
    shim_jar,
    start_standalone_core,
)
from yarn_elastic.devcluster.ports import free_loopback_ports
from yarn_elastic.devcluster.spec import CAPACITY_SCHEDULER, ELASTIC_SCHEDULER, ClusterSpec

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
# CoreSession#logStart, once per ElasticScheduler started, whether or not an RM made it.
SHIM_STARTED = re.compile(r"yarn-elastic shim \S+ starting: ")


@dataclass(frozen=True)
class ClassResult:
    name: str
    passed: int
    failed: tuple[str, ...]
    skipped: int
    seconds: float
    # Proof of which scheduler ran: the ElasticSchedulers that started (CoreSession logs each),
    # those whose core answered, and the RMs that logged stock CapacityScheduler as theirs.
    elastic_started: int
    core_connected: int
    stock_rms: int


# The tests' NodeManagers are made-up hosts (h1, h2, ...) that no DNS here resolves, and with
# Hadoop's default (true) a container token needs its node's IP: every allocation on them
# would fail with UnknownHostException, on stock CapacityScheduler too.
CORE_SITE = {"hadoop.security.token.service.use_ip": "false"}


@dataclass(frozen=True)
class SuiteMode:
    name: str
    dir_name: str
    # False: stock CapacityScheduler, with neither the agent nor any yarn-elastic key.
    elastic: bool
    core_active: bool = False


ELASTIC_CORE_ABSENT = SuiteMode("ElasticScheduler, core absent (fallback)", "absent", True)
ELASTIC_CORE_ACTIVE = SuiteMode("ElasticScheduler, core active", "active", True, True)
STOCK = SuiteMode("stock CapacityScheduler (control)", "stock", False)
MODES = (ELASTIC_CORE_ABSENT, ELASTIC_CORE_ACTIVE, STOCK)
# CoreSession logs this once per ElasticScheduler whose core answered its hello.
CORE_CONNECTED = re.compile(r"yarn-elastic core \S+ connected at ")


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
        read = read_junit(report)
        full_name = report.stem.removeprefix("TEST-")
        output = reports / f"{full_name}-output.txt"
        text = output.read_text(errors="replace") if output.exists() else ""
        results.append(ClassResult(
            full_name.rsplit(".", 1)[-1], read.passed, read.failed, read.skipped,
            read.seconds, len(SHIM_STARTED.findall(text)),
            len(CORE_CONNECTED.findall(text)), text.count(f"{USING_SCHEDULER}{CAPACITY_SCHEDULER}"),
        ))
    return results


def results_table(runs: Sequence[tuple[SuiteMode, Sequence[ClassResult]]], day: str) -> str:
    rows = [
        f"Last run: {day}, test classes of Hadoop's 3.4.1 ResourceManager tests jar.",
        "",
        "| class | scheduler | passed | failed | skipped | seconds"
        " | ElasticSchedulers started | ... connected to the core | RMs on stock CS |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    rows += [
        f"| `{r.name}` | {mode.name} | {r.passed} | {', '.join(f'`{f}`' for f in r.failed) or 0}"
        f" | {r.skipped} | {r.seconds:.0f} | {r.elastic_started} | {r.core_connected}"
        f" | {r.stock_rms} |"
        for mode, results in runs
        for r in results
    ]
    return "\n".join(rows)


def run_suite(root: Path, out_dir: Path, mode: SuiteMode, classes: Sequence[str]
              ) -> list[ClassResult]:
    run_dir = out_dir / mode.dir_name
    conf_dir = run_dir / "conf"
    conf_dir.mkdir(parents=True, exist_ok=True)
    origin = f"yarn_elastic.devcluster.capacity_suite ({mode.name})"
    write_configuration_xml(conf_dir / "core-site.xml", CORE_SITE, origin)
    core: subprocess.Popen[bytes] | None = None
    if mode.core_active:
        spec, setup = elastic_spec(ClusterSpec(), run_dir, launched_by_rm=False)
        yarn_site = {"yarn.resourcemanager.scheduler.class": ELASTIC_SCHEDULER,
                     **spec.extra_properties}
        # The core reads the RM's yarn-site.xml from its own conf dir, as in a cluster.
        setup.conf_dir.mkdir(parents=True, exist_ok=True)
        write_configuration_xml(setup.conf_dir / "yarn-site.xml", yarn_site, origin)
        core = start_standalone_core(setup)
    else:
        yarn_site = core_absent_properties(run_dir) if mode.elastic else {}
    write_configuration_xml(conf_dir / "yarn-site.xml", yarn_site, origin)
    try:
        return run_maven(root, run_dir, conf_dir, mode, classes)
    finally:
        if core is not None:
            core.terminate()
            core.wait(timeout=30)


def run_maven(root: Path, run_dir: Path, conf_dir: Path, mode: SuiteMode,
              classes: Sequence[str]) -> list[ClassResult]:
    pom = root / SUITE_POM
    reports = pom.parent / "target" / "surefire-reports"
    command = [
        "mvn", "-B", "-q", "-f", str(pom), "clean", "test", f"-Dshim.jar={shim_jar()}",
        f"-Dsuite.conf.dir={conf_dir}", f"-Dsuite.tests={','.join(classes)}",
        *([] if mode.elastic else ["-Dsuite.agent="]),
    ]
    print(f"== CapacityScheduler's tests, {mode.name}: {' '.join(command)}", flush=True)
    subprocess.run(command, cwd=root, env=dict(os.environ), check=False)
    results = class_results(reports)
    kept = run_dir / "surefire-reports"
    if kept.exists():
        shutil.rmtree(kept)
    if reports.exists():
        shutil.copytree(reports, kept)
    return results


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m yarn_elastic.devcluster.capacity_suite",
        description="Run Hadoop 3.4.1's CapacityScheduler test classes against ElasticScheduler"
        " with the core absent, and report passed and failed per class.",
    )
    parser.add_argument("--class", dest="classes", action="append",
                        help=f"only these test classes (default: {', '.join(SUITE_CLASSES)})")
    parser.add_argument("--mode", action="append", choices=[m.dir_name for m in MODES],
                        help="only these runs (default: absent, active and the stock control)")
    parser.add_argument("--out", type=Path, default=Path("build/capacity-suite"),
                        help="where its yarn-site.xml and token go (default build/capacity-suite)")
    parser.add_argument("--write-docs", action="store_true", help=f"put the table into {DOC}")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    root = project_root()
    started = time.strftime("%Y-%m-%d")
    out_dir = (root / args.out).resolve()
    modes = [m for m in MODES if not args.mode or m.dir_name in args.mode]
    runs = [(mode, run_suite(root, out_dir, mode, args.classes or SUITE_CLASSES))
            for mode in modes]
    if not all(results for _, results in runs):
        print("no surefire reports: the suite did not run (see the Maven output above)",
              file=sys.stderr)
        return 2
    table = results_table(runs, started)
    print(table)
    if args.write_docs:
        path = root / DOC
        path.write_text(replace_marked_section(path.read_text(), table, str(DOC), MARK_START,
                                               MARK_END))
    # The control's failures belong to this machine; only ElasticScheduler's fail the run.
    return 0 if all(not r.failed for mode, results in runs if mode.elastic for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
