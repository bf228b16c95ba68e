"""Hadoop's TestLpSolver / TestSolver expectations and the preprocessing quirks."""

from __future__ import annotations

from pathlib import Path

import pytest
from yarn_elastic.estimator.skyline import RecurrenceId, Resource, ResourceSkyline, RleSkyline
from yarn_elastic.estimator.solver import (
    InvalidInputError,
    SolverParams,
    build_lp,
    discrete_skyline,
    estimate,
    job_length,
    merge_run,
    to_container_count,
)
from yarn_elastic.estimator.translator import NativeLineParser, translate

HADOOP_TEST_PARAMS = SolverParams(alpha=0.1, beta=0.1, min_job_runs=2, time_interval=5)
ONE = Resource(1024, 1)


def native_history(path: Path) -> dict[RecurrenceId, list[ResourceSkyline]]:
    with path.open() as lines:
        return translate(lines, NativeLineParser(5)).records


def containers_at(skyline: RleSkyline, t: int) -> int:
    return skyline.capacity_at(t).memory // 1024


def test_tpch_q12_gives_hadoops_answer(data_dir: Path) -> None:
    history = native_history(data_dir / "lp" / "tpch_q12.txt")
    assert len(history) == 13
    answer = [int(v) for v in (data_dir / "lp" / "answer.txt").read_text().split()]
    assert answer == [1, 1, 1738, 2535, 2484, 2478, 2468]
    result = estimate(history, HADOOP_TEST_PARAMS)
    assert list(result.containers) == answer
    assert [containers_at(result.skyline, 5 * k) for k in range(7)] == answer
    assert result.objective == pytest.approx(50.20019, abs=1e-4)
    assert result.runs == 13


def test_tiny_sample_is_degenerate_so_compare_objective(data_dir: Path) -> None:
    history = native_history(data_dir / "lp" / "tinySample.txt")
    result = estimate(history, HADOOP_TEST_PARAMS)
    assert result.objective == pytest.approx(15.050132, abs=1e-5)
    x = result.containers
    # Hadoop's service test saw (1, ., 1058, 2538, 2484); every optimum has these bounds.
    assert (x[0], x[1], x[4]) == (1, 1, 2484)
    assert 1058 <= x[2] <= 1074 and 2522 <= x[3] <= 2538
    assert x[2] + x[3] == 1058 + 2538


def test_no_history_is_invalid_input() -> None:
    with pytest.raises(InvalidInputError, match="Job ResourceSkyline history is invalid"):
        estimate(None, HADOOP_TEST_PARAMS)
    with pytest.raises(InvalidInputError):
        estimate({}, HADOOP_TEST_PARAMS)


def test_too_few_runs(data_dir: Path) -> None:
    history = native_history(data_dir / "trace" / "nativeLog.txt")
    with pytest.raises(InvalidInputError, match="less job runs than 2"):
        estimate(history, HADOOP_TEST_PARAMS)


def test_non_positive_time_interval() -> None:
    history = {RecurrenceId("p", "r"): [job(RleSkyline().add_interval(0, 5, ONE))]}
    with pytest.raises(InvalidInputError, match="timeInterval is non-positive"):
        estimate(history, SolverParams(time_interval=0))


def job(skyline: RleSkyline, submission: int = 0, job_id: str = "j") -> ResourceSkyline:
    return ResourceSkyline(job_id, 0.0, submission, 0, ONE, skyline)


def test_single_interval_skyline_loses_its_only_interval_like_hadoop() -> None:
    lone = job(RleSkyline().add_interval(0, 5, ONE))
    assert merge_run([lone]).skyline.is_empty()


def test_merge_shifts_by_submission_offset_in_seconds() -> None:
    first = job(RleSkyline.from_intervals([(0, 5, ONE), (5, 10, ONE.times(2))]), 1_000)
    second = job(RleSkyline.from_intervals([(0, 5, ONE), (5, 10, ONE)]), 4_500, "k")
    merged = merge_run([first, second]).skyline
    # second starts (4500 - 1000) // 1000 = 3 s later; its [0, 10) of 1 merges to one interval
    assert merged.steps == (
        (0, ONE),
        (3, ONE.times(2)),
        (5, ONE.times(3)),
        (10, ONE),
        (13, Resource(0, 0)),
    )


def test_discrete_skyline_takes_peak_per_interval_from_second_zero() -> None:
    skyline = RleSkyline.from_intervals([(2, 4, ONE.times(3)), (2, 12, ONE)])
    # lifespan = 12 - 2 = 10 s, sampled at seconds 0..9
    assert discrete_skyline(skyline, 5, 1024, 3) == [4, 1, 0]
    runs = [merge_run([job(skyline)])]
    assert job_length(runs, 5) == 2


def test_lp_model_size() -> None:
    model = build_lp([[1, 2, 3], [0, 2, 4]], 0.1, 0.1)
    runs, length = 2, 3
    assert model.cost.size == length + 3 * runs * length + 1
    assert model.upper.shape[0] == 3 * runs * length + 1


def test_run_without_usage_does_not_break_the_lp() -> None:
    used = RleSkyline.from_intervals([(0, 5, ONE), (5, 10, ONE.times(2))])
    idle = RleSkyline.from_intervals([(0, 5, Resource(512, 1)), (5, 10, Resource(512, 1))])
    history = {
        RecurrenceId("p", "a"): [job(used)],
        RecurrenceId("p", "b"): [job(idle, job_id="k")],
    }
    result = estimate(history, SolverParams(min_job_runs=2))
    assert len(result.containers) == 2


def test_container_count_truncates_like_java_after_snapping() -> None:
    assert to_container_count(1737.9999999999) == 1738
    assert to_container_count(1737.6) == 1737
    assert to_container_count(0.0) == 0
