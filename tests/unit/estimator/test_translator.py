"""Hadoop's TestNativeParser and TestRmParser expectations, plus skip-and-count on bad lines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from yarn_elastic.estimator.skyline import RecurrenceId, Resource
from yarn_elastic.estimator.translator import (
    MalformedLine,
    NativeLineParser,
    RmLineParser,
    Translation,
    parse_rm_date,
    translate,
)


def rm(path: Path) -> Translation:
    with path.open() as lines:
        return translate(lines, RmLineParser())


def containers(translation: Translation, rid: RecurrenceId, spec_memory: int, t: int) -> int:
    return translation.records[rid][0].skyline.capacity_at(t).memory // spec_memory


def test_native_log(data_dir: Path) -> None:
    with (data_dir / "trace" / "nativeLog.txt").open() as lines:
        result = translate(lines, NativeLineParser(5))
    rid = RecurrenceId("tpch_q12", "tpch_q12_0")
    assert list(result.records) == [rid]
    (job,) = result.records[rid]
    assert (job.job_id, job.submission_time, job.finish_time) == ("tpch_q12_0", 0, 25)
    assert job.container_spec == Resource(1024, 1)
    assert job.input_size == 0
    expected = {**dict.fromkeys(range(0, 10), 1), **dict.fromkeys(range(10, 15), 1074)}
    expected |= {**dict.fromkeys(range(15, 20), 2538), **dict.fromkeys(range(20, 25), 2468)}
    expected[25] = 0
    for t, count in expected.items():
        assert containers(result, rid, 1024, t) == count
    assert result.skipped == []


def test_native_log_time_interval_comes_from_the_parser() -> None:
    result = translate(["p 1 0 0 0 p_0 x 2:0|"], NativeLineParser(7))
    job = result.records[RecurrenceId("p", "p_0")][0]
    assert job.skyline.steps[-1][0] == 7


def test_native_bad_lines_are_skipped_and_counted() -> None:
    lines = [
        "tpch 50 1 2 3 tpch_0 8192:0| 1:0|3:5|",
        "too few fields",
        "tpch 50 1 2 3 tpch_1 8192:0| 1:0|x:5|",
        "tpch 50 1 2 3 tpch_2 8192:0| 1:0|7|",
        "",
        "tpch 50 1 2 3 tpch_3 8192:0| 2:0|",
    ]
    result = translate(lines, NativeLineParser(5))
    assert [rid.run_id for rid in result.records] == ["tpch_0", "tpch_3"]
    assert [s.line_number for s in result.skipped] == [2, 3, 4]
    assert "expected 8" in result.skipped[0].reason
    assert "container count 'x'" in result.skipped[1].reason
    assert "containers:startSecond" in result.skipped[2].reason
    assert result.lines_read == 6


def test_rm_log(data_dir: Path) -> None:
    result = rm(data_dir / "trace" / "rmLog.txt")
    rid = RecurrenceId("FraudDetection", "1")
    assert list(result.records) == [rid]
    (job,) = result.records[rid]
    assert job.job_id == "application_1497832133857_0330"
    assert job.submission_time == parse_rm_date("06/21/2017 16:10:13")
    assert job.finish_time == parse_rm_date("06/21/2017 16:18:35")
    assert job.container_spec == Resource(1800, 1)
    assert job.input_size == 0
    for t in range(0, 502):
        assert containers(result, rid, 1800, t) == (2 if 142 <= t < 345 else 1)
    assert result.skipped == []


def test_rm_date_format() -> None:
    with pytest.raises(MalformedLine, match="MM/dd/yyyy"):
        parse_rm_date("2017.07.16 16:37:45")
    with pytest.raises(MalformedLine, match="not a valid date"):
        parse_rm_date("13/40/2017 16:37:45")
    utc = parse_rm_date("01/01/1970 00:00:10", dt.timezone.utc)
    assert utc == 10_000


def test_invalid_log1_repeat_submission_overwrites(data_dir: Path) -> None:
    result = rm(data_dir / "trace" / "invalidLog1.txt")
    job = result.records[RecurrenceId("Test", "1")][0]
    assert job.submission_time == parse_rm_date("06/21/2017 16:10:23")


def test_invalid_log2_submission_without_app_id(data_dir: Path) -> None:
    result = rm(data_dir / "trace" / "invalidLog2.txt")
    assert RecurrenceId("Test", "2") not in result.records
    assert len(result.skipped) == 1 and "APPID" in result.skipped[0].reason


@pytest.mark.parametrize("number", [3, 4])
def test_invalid_log3_4_allocation_without_ids(data_dir: Path, number: int) -> None:
    result = rm(data_dir / "trace" / f"invalidLog{number}.txt")
    job = result.records[RecurrenceId("Test", str(number))][0]
    assert job.skyline.steps == ()
    assert len(result.skipped) == 1 and "CONTAINERID" in result.skipped[0].reason


def test_invalid_log5_failure_without_attempt(data_dir: Path) -> None:
    result = rm(data_dir / "trace" / "invalidLog5.txt")
    job = result.records[RecurrenceId("Test", "5")][0]
    assert job.submission_time == parse_rm_date("06/21/2017 16:10:13")
    assert len(result.skipped) == 1 and "appattempt" in result.skipped[0].reason


@pytest.mark.parametrize("number", [6, 7])
def test_invalid_log6_7_summary_without_ids(data_dir: Path, number: int) -> None:
    result = rm(data_dir / "trace" / f"invalidLog{number}.txt")
    assert RecurrenceId("Test", str(number)) not in result.records
    assert len(result.skipped) == 1 and "ApplicationSummary" in result.skipped[0].reason
    assert result.unfinished == [f"application_{number}"]


@pytest.mark.parametrize("number", [8, 9])
def test_invalid_log8_9_spec_defaults(data_dir: Path, number: int) -> None:
    result = rm(data_dir / "trace" / f"invalidLog{number}.txt")
    job = result.records[RecurrenceId("Test", str(number))][0]
    assert job.container_spec == Resource(1024, 1)


def test_rm_bad_date_and_truncated_message_are_skipped(data_dir: Path) -> None:
    lines = (data_dir / "trace" / "rmLog.txt").read_text().splitlines()
    damaged = [lines[0].replace("06/21/2017", "2017.06.21"), *lines]
    damaged.insert(5, "1,06/21/2017 16:10:13,yarn,Tag,Pid=1 ApplicationSummary")
    result = translate(damaged, RmLineParser())
    assert [s.line_number for s in result.skipped] == [1, 6]
    assert "MM/dd/yyyy" in result.skipped[0].reason
    assert "no log message" in result.skipped[1].reason
    assert RecurrenceId("FraudDetection", "1") in result.records
