"""`yarn-elastic simulate` end to end on a small workload file, and its refusals."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sim_builders import simple_app, workload
from yarn_elastic.cli import main
from yarn_elastic.scheduling.resize import ResizeRules
from yarn_elastic.simulator.schedulers import make_scheduler
from yarn_elastic.simulator.workload import dump_workload


def small_file(tmp_path: Path) -> Path:
    path = tmp_path / "small.json"
    apps = [simple_app(f"a{i}", 3.0 * i, executors=2) for i in range(4)]
    dump_workload(workload(*apps, nodes=2), path)
    return path


def test_it_writes_the_summary_the_csv_and_the_plots(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["simulate", str(small_file(tmp_path)), "--schedulers", "static,capacity,oracle",
                 "--out", str(out), "--seed", "1"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["schedulers"]) == {"static", "capacity", "oracle"}
    static = summary["schedulers"]["static"]
    for key in ("makespan_s", "median_act_s", "p90_act_s", "util", "over_capacity_share",
                "containers", "killed_containers"):
        assert key in static
    assert static["makespan_s"] >= summary["lower_bound_s"]
    rows = list(csv.DictReader((out / "apps.csv").open()))
    assert len(rows) == 3 * 4
    assert {p.name for p in out.glob("*.png")} == {
        "utilization.png", "completion_cdf.png", "memory_allocated_vs_used.png"}
    assert "makespan lower bound" in capsys.readouterr().out


def test_resize_keys_reach_elastic_and_oracle(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["simulate", str(small_file(tmp_path)), "--schedulers", "oracle", "--out",
                 str(out), "--quiet", "--no-plots",
                 "--set", "yarn.elastic.resize.room-for-new-containers=true",
                 "--set", "yarn.elastic.resize.lead-slots=2"]) == 0
    assert json.loads((out / "summary.json").read_text())["schedulers"]["oracle"]
    rules = ResizeRules(lead_slots=2, room_for_new_containers=True)
    assert make_scheduler("elastic", 0, rules).rules is rules  # type: ignore[attr-defined]
    assert make_scheduler("oracle", 0, rules).rules is rules  # type: ignore[attr-defined]


def test_the_same_seed_gives_the_same_summary(tmp_path: Path) -> None:
    path = small_file(tmp_path)
    bodies = []
    for name in ("one", "two"):
        main(["simulate", str(path), "--schedulers", "static", "--out", str(tmp_path / name),
              "--seed", "4", "--quiet", "--no-plots"])
        body = json.loads((tmp_path / name / "summary.json").read_text())
        for entry in body["schedulers"].values():
            entry.pop("wall_s"), entry.pop("cycle_ms"), entry.pop("prepare_s")
        body.pop("wall_s")
        bodies.append(body)
    assert bodies[0] == bodies[1]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["nowhere.json"], "nowhere.json"),
        (["elasecutor-mx"], "did you mean 'elasecutor-mix'"),
        (["SMALL", "--schedulers", "static,fifo"], "unknown scheduler(s) fifo; choose from"),
        (["SMALL", "--set", "yarn.elastic.resize.lead-slot=2"],
         "expected KEY=VALUE with KEY one of"),
        (["SMALL", "--set", "yarn.scheduler.minimum-allocation-mb=1024"],
         "expected KEY=VALUE with KEY one of"),
        (["SMALL", "--set", "yarn.elastic.resize.room-for-new-containers=yes"],
         "yarn.elastic.resize.room-for-new-containers='yes' is invalid"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    argv = [str(small_file(tmp_path)) if a == "SMALL" else a for a in argv]
    assert main(["simulate", *argv, "--out", str(tmp_path / "out")]) == 2
    assert message in capsys.readouterr().err


def test_help_documents_every_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["simulate", "--help"])
    text = capsys.readouterr().out
    for flag in ("--schedulers", "--out", "--seed", "--am-share", "--set", "--no-plots",
                 "--quiet"):
        assert flag in text


def test_the_workload_command_writes_a_shipped_workload_and_a_converted_trace(
    tmp_path: Path,
) -> None:
    from yarn_elastic.simulator.workload import load_workload

    mix = tmp_path / "mix.json.gz"
    assert main(["workload", "real-spark", "--out", str(mix)]) == 0
    assert len(load_workload(mix).apps) == 28
    trace = Path(__file__).parents[2] / "data" / "prediction" / "sls-2jobs2min-task-curves.json"
    converted = tmp_path / "trace.json"
    assert main(["workload", "--from-rumen", str(trace), "--nodes", "4",
                 "--out", str(converted)]) == 0
    assert load_workload(converted).node_count == 4
    assert main(["workload", "no-such-mix", "--out", str(mix)]) == 2
