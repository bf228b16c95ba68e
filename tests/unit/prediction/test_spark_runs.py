"""The Spark-runs dataset: planning the mix, exporting depository records, loading them back."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

# The benchmarks are scripts of the checkout, not part of the installed distribution.
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from benchmarks.prediction.collect_spark_runs import (  # noqa: E402
    COLUMNS,
    MIX,
    PlannedRun,
    compact_run,
    plan,
    write_dataset,
)
from benchmarks.prediction.spark_runs import (  # noqa: E402
    DatasetError,
    SparkDataset,
    SparkSetting,
    load,
)

MB = 1 << 20


def depository_usage(app: str, seconds: int, cpu: float) -> dict[str, Any]:
    """The shape `/ws/v1/usage/apps/{id}` answers with: an AM and two executors."""
    def curve(level: float) -> list[dict[str, Any]]:
        return [{"ts_ms": 1_700_000_000_000 + 1000 * t, "cpu_cores": level, "rss_bytes": 300 * MB,
                 "disk_read_bps": 0.0, "disk_write_bps": 2.0 * MB, "net_rx_bps": None,
                 "net_tx_bps": 1.0 * MB} for t in range(seconds)]
    containers = [{"container_id": f"container_{app}_01_00000{i}", "node": "127.0.0.1:1",
                   "curve": curve(0.2 if i == 1 else cpu)} for i in (1, 2, 3)]
    return {"app_id": f"application_{app}", "type": "SPARK", "container_curves": containers}


def planned(run_index: int, size: str = "small", cores: int = 1) -> PlannedRun:
    return PlannedRun(MIX[0], size, cores, 1024 * cores, run_index)


def write(path: Path, records: list[dict[str, Any]]) -> None:
    write_dataset(path, {"collected": {"machine": "test"}}, records)


def record(run_index: int, seconds: int = 12, cpu: float = 0.9, **over: Any) -> dict[str, Any]:
    report = {"app_id": f"application_1_{run_index}", "state": "FINISHED",
              "final_status": "SUCCEEDED", "elapsed_s": 30.0} | over
    return compact_run(planned(run_index), depository_usage(f"1_{run_index}", seconds, cpu), report)


def test_plan_goes_round_by_round_over_every_setting() -> None:
    runs = plan(repeats=3)
    settings = len(MIX) * 2
    assert len(runs) == 3 * settings
    assert [r.run_index for r in runs] == [i for i in range(3) for _ in range(settings)]
    assert {r.job.name for r in runs} == {k.name for k in MIX}
    # Each job's variation differs from its base setting in one thing: input or executors.
    first_round = runs[:settings]
    assert {(r.size, r.executor_cores) for r in first_round} == {
        ("small", 1), ("large", 1), ("small", 2)}
    assert len(plan(repeats=3, full=True)) == 3 * len(MIX) * 4


def test_quick_plan_and_unknown_job() -> None:
    assert len(plan(1, quick=True)) == 2
    with pytest.raises(ValueError, match="unknown job.*'nope'.*wordcount"):
        plan(1, jobs=["nope"])
    with pytest.raises(ValueError, match="--repeats must be at least 1"):
        plan(0)


def test_exported_record_keeps_identity_and_every_sample() -> None:
    out = record(2)
    assert (out["name"], out["job"], out["run_index"]) == ("hibench-wordcount", "wordcount", 2)
    assert out["input_bytes"] == MIX[0].small_records * MIX[0].record_bytes
    assert [c["role"] for c in out["containers"]] == ["am", "executor", "executor"]
    samples = out["containers"][1]["samples"]
    assert len(samples) == 12 and len(samples[0]) == len(COLUMNS)
    assert samples[1] == [1.0, 0.9, 300.0, 0.0, 2.0, 0.0, 1.0]


def test_round_trip_gives_runs_per_setting_with_role_curves(tmp_path: Path) -> None:
    path = tmp_path / "runs.json.gz"
    write(path, [record(0, 12), record(1, 15), record(2, 9, final_status="FAILED")])
    dataset = load(path, slot_seconds=3)
    assert dataset.skipped == ["application_1_2: FAILED"]
    (setting, runs), = dataset.settings.items()
    assert setting == SparkSetting("wordcount", "small", MIX[0].small_records * 70, 1, 1024)
    assert [r.run_id for r in runs] == ["application_1_0", "application_1_1"]
    executor = runs[1].roles["executor"]
    assert executor.shape == (4, 5)  # 15 one-second samples in 3-second slots
    np.testing.assert_allclose(executor[:, 0], [0.9, 300.0, 2.0, 1.0])
    assert runs[0].containers == {"am": 1, "executor": 2}


def test_nearest_setting_is_the_same_job_closest_in_size_and_cores() -> None:
    small_1c = SparkSetting("sort", "small", 100, 1, 1024)
    large_1c = SparkSetting("sort", "large", 200, 1, 1024)
    other = SparkSetting("wordcount", "large", 200, 2, 2048)
    unseen = SparkSetting("sort", "large", 200, 2, 2048)
    assert SparkDataset({}).nearest(unseen, [small_1c, large_1c, other]) == large_1c
    with pytest.raises(DatasetError, match="no seen setting of job kmeans"):
        SparkDataset({}).nearest(SparkSetting("kmeans", "s", 1, 1, 1), [small_1c])


@pytest.mark.parametrize(("content", "message"), [
    (None, "does not exist; collect it with"),
    (b"not gzip", "is not a gzip JSON dataset"),
    (gzip.compress(b'{"format": "other"}'), "expected format 'yarn-elastic spark-runs v1'"),
])
def test_a_file_that_is_not_the_dataset_is_named(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "runs.json.gz"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DatasetError, match=message):
        load(path)


def test_a_broken_record_names_the_run(tmp_path: Path) -> None:
    path = tmp_path / "runs.json.gz"
    broken = record(0)
    broken["containers"][1]["samples"][3] = [1.0, 2.0]
    write(path, [record(1), broken])
    with pytest.raises(DatasetError, match=r"run 1 \(application_1_0\).*2 values, expected 7"):
        load(path)
    assert json.loads(gzip.decompress(path.read_bytes()))["runs"][0]["app_id"] == "application_1_1"


def test_spark_submit_runs_the_given_script_with_its_arguments(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from yarn_elastic.devcluster.spark_job import SparkJobSpec, spark_submit_command

    cluster = SimpleNamespace(layout=SimpleNamespace(run_dir=tmp_path))
    script = tmp_path / "job.py"
    job = SparkJobSpec(name="hibench-sort", executor_cores=2, executor_memory_mb=2048,
                       script=script, args=("300000", "1000", "file:///out"))
    command = spark_submit_command(cluster, job, script, tmp_path)  # type: ignore[arg-type]
    assert command[-4:] == [str(script), "300000", "1000", "file:///out"]
    assert command[command.index("--executor-cores") + 1] == "2"
    assert command[command.index("--executor-memory") + 1] == "2048m"
    assert SparkJobSpec(samples=7).script_args() == ["7"]  # the pi estimate keeps its argument


def test_every_submission_gets_its_own_client_log(tmp_path: Path) -> None:
    from yarn_elastic.devcluster.applications import fresh_log_file

    first = fresh_log_file(tmp_path, "hibench-sort")
    first.write_text("Submitted application application_1_0001\n")
    second = fresh_log_file(tmp_path, "hibench-sort")
    assert second != first and not second.exists()


@pytest.mark.parametrize("name", ["spark-runs.json.gz", "spark-runs-contended.json.gz"])
def test_the_shipped_datasets_load_as_recurring_settings(name: str) -> None:
    path = Path(__file__).resolve().parents[2] / "data" / "prediction" / name
    dataset = load(path, slot_seconds=3)
    assert not dataset.skipped
    assert {s.job for s in dataset.settings} == {k.name for k in MIX}
    assert all(len(runs) >= 2 for runs in dataset.settings.values())
    for runs in dataset.settings.values():
        for run in runs:
            assert set(run.roles) == {"am", "executor"}
            assert run.roles["executor"][0].max() > 0.05  # executors did work
