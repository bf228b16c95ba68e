"""The CapacityScheduler suite runner's pure parts: its yarn-site keys and its report."""

from __future__ import annotations

from pathlib import Path

from yarn_elastic.devcluster.capacity_suite import (
    ELASTIC_CORE_ABSENT,
    ClassResult,
    class_results,
    core_absent_properties,
    results_table,
)

PREFIX = "org.apache.hadoop.yarn.server.resourcemanager.scheduler.capacity"


def test_the_absent_core_has_a_token_and_an_address_but_no_command(tmp_path: Path) -> None:
    props = core_absent_properties(tmp_path)

    assert Path(props["yarn.elastic.core.auth-token-file"]).read_text()
    assert props["yarn.elastic.core.address"].startswith("127.0.0.1:")
    assert "yarn.elastic.core.command" not in props  # nothing launches a core


def test_reports_give_counts_per_class_and_which_schedulers_ran(tmp_path: Path) -> None:
    (tmp_path / f"TEST-{PREFIX}.TestReservations.xml").write_text(
        '<testsuite name="x" skipped="1" time="12.5">'
        '<testcase name="testA"/><testcase name="testB"><failure/></testcase>'
        '<testcase name="testC"><skipped/></testcase></testsuite>'
    )
    (tmp_path / f"{PREFIX}.TestReservations-output.txt").write_text(
        "INFO shim.CoreSession - yarn-elastic shim 0.1.0 starting: core at 127.0.0.1:1 (external)\n"
        "INFO shim.CoreSession - yarn-elastic shim 0.1.0 starting: core at 127.0.0.1:1 (external)\n"
        "INFO shim.CoreSession - yarn-elastic core 0.1.0 connected at 127.0.0.1:1 (schema 3)\n"
        f"INFO ResourceManager - Using Scheduler: {PREFIX}.CapacityScheduler\n"
    )

    (result,) = class_results(tmp_path)

    assert result == ClassResult("TestReservations", 1, ("testB",), 1, 12.5, 2, 1, 1)
    table = results_table([(ELASTIC_CORE_ABSENT, [result])], "2026-12-03")
    assert (f"| `TestReservations` | {ELASTIC_CORE_ABSENT.name} | 1 | `testB` | 1 | 12 | 2 | 1 |"
            in table)
