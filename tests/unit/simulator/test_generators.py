"""The shipped workloads: the curve library, elasecutor-mix, real-spark and the Rumen reader."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from yarn_elastic.simulator.builtin import BUILTIN_WORKLOADS
from yarn_elastic.simulator.library import load_library, spark_container_mb
from yarn_elastic.simulator.mix import NODES, elasecutor_mix, offered_load
from yarn_elastic.simulator.model import Workload
from yarn_elastic.simulator.real_spark import real_spark_workload
from yarn_elastic.simulator.rumen import from_rumen
from yarn_elastic.simulator.workload import parse_workload, workload_to_json

DATA = Path(__file__).resolve().parents[2] / "data" / "prediction"


@pytest.fixture(scope="module")
def mix() -> Workload:
    return elasecutor_mix(0)


def same(a: Workload, b: Workload) -> bool:
    def key(w: Workload) -> list[tuple[object, ...]]:
        return [(x.id, x.name, x.arrival_s, x.input_mb, tuple(
            (r.role, r.count, r.request, r.usage.tobytes()) for r in x.roles))
            for x in w.history + w.apps]

    return a.nodes == b.nodes and key(a) == key(b)


def test_the_library_holds_every_real_run_with_the_requests_really_made() -> None:
    library = load_library()
    assert len(library.runs) == 112 and len(library.settings()) == 28
    assert spark_container_mb(512) == 896  # what the integration test sees on real YARN
    for run in library.runs:
        assert run.am.request.memory_mb == 896 and run.am.request.vcores == 1
        assert run.executor.request.memory_mb == {1024: 1408, 2048: 2432}[run.executor_memory_mb]
        assert run.executor.count == 2
    assert 0.1 < library.cpu_growth_exponent() < 0.3


def test_the_mix_is_deterministic_per_seed(mix: Workload) -> None:
    assert same(mix, elasecutor_mix(0))
    assert not same(mix, elasecutor_mix(1))


def test_the_mix_has_the_papers_132_apps_on_35_nodes(mix: Workload) -> None:
    assert len(mix.apps) == 132 and mix.node_count == 35 and mix.nodes == (NODES,)
    assert len({a.id for a in mix.apps + mix.history}) == len(mix.apps) + len(mix.history)
    for app in mix.apps:
        assert app.type == "SPARK" and app.queue == "default" and app.input_mb is not None
        assert app.tags == (f"input={app.input_mb:.6g}",)
        (executor,) = app.executors
        assert 1 <= executor.request.vcores <= 5 and executor.count <= 20
        assert 2048 < executor.request.memory_mb <= 10 * 1024 * 1.1 + 128
    parse_workload(workload_to_json(mix))  # a valid workload document


def test_recurring_settings_have_3_history_runs_and_new_ones_none(mix: Workload) -> None:
    history = Counter(a.name for a in mix.history)
    names = Counter(a.name for a in mix.apps)
    recurring = [n for n in names if n in history]
    new = [n for n in names if n not in history]
    assert sum(names[n] for n in recurring) == 120 and len(new) == 12
    assert all(history[n] == 3 for n in history) and set(history) == set(recurring)
    jobs_with_history = {n.split("-")[0] for n in history}
    assert all(n.split("-")[0] in jobs_with_history for n in new)  # siblings have history
    for app in mix.apps:  # the app replays a repeat that is not in its history
        for past in (h for h in mix.history if h.name == app.name):
            assert not np.array_equal(past.executors[0].usage, app.executors[0].usage)


def test_usage_never_exceeds_the_memory_request(mix: Workload) -> None:
    library = load_library()
    cpu_clip = {"am": library.max_use_over_request("am")[0],
                "executor": library.max_use_over_request("executor")[0]}
    for workload in (mix, real_spark_workload(0)):
        for app in workload.apps + workload.history:
            for role in app.roles:
                assert role.usage[1].max() <= role.request.memory_mb
                assert role.usage[0].max() <= role.request.vcores * cpu_clip[role.role] + 1e-9


def test_arrivals_are_poisson_with_a_25_s_mean_gap(mix: Workload) -> None:
    gaps = []
    for seed in range(5):
        workload = mix if seed == 0 else elasecutor_mix(seed)
        history = {a.name for a in workload.history}
        recurring = sorted(a.arrival_s for a in workload.apps if a.name in history)
        gaps.append(float(np.mean(np.diff(recurring))))
        assert abs(gaps[-1] - 25.0) < 7.5
    assert abs(float(np.mean(gaps)) - 25.0) < 3.5


def test_the_mix_offers_more_cpu_than_the_cluster_has(mix: Workload) -> None:
    load = offered_load(mix)
    assert load["cpu_vcores"] > 1.0 and load["request_vcores"] > load["cpu_vcores"]
    assert all(value > 0 for value in load.values())


def test_real_spark_replays_the_4th_repeat_of_every_setting() -> None:
    workload = real_spark_workload(0)
    assert len(workload.apps) == 28 and len(workload.history) == 84
    assert [g.name for g in workload.nodes] == ["nm1", "nm2", "nm3"]
    assert same(workload, real_spark_workload(0))
    assert Counter(a.name for a in workload.history) == Counter(
        {a.name: 3 for a in workload.apps})
    assert set(BUILTIN_WORKLOADS) == {"elasecutor-mix", "real-spark"}


def test_the_sls_sample_becomes_two_apps_of_96_maps() -> None:
    workload = from_rumen(DATA / "sls-2jobs2min-task-curves.json", node_count=4)
    assert [a.name for a in workload.apps] == ["TeraGen", "TeraGen"]
    assert workload.apps[0].arrival_s == 0 and workload.apps[1].arrival_s > 0
    for app in workload.apps:
        assert app.am is not None and app.am.request.memory_mb == 1536
        (maps,) = app.executors
        assert (maps.role, maps.count, maps.request.memory_mb) == ("map", 96, 1024)
        assert 0.5 < maps.usage[0].max() <= 1.0 and maps.usage[1].max() < 1024
    assert workload.node_count == 4


def test_a_raw_rumen_trace_reads_its_job_properties(tmp_path: Path) -> None:
    def attempt(cpu: int) -> dict[str, object]:
        return {"result": "SUCCESS", "clockSplits": [1000] * 12, "cpuUsages": [cpu] * 12,
                "physMemKbytes": [512 * 1024] * 12, "hdfsBytesRead": 1 << 20,
                "hdfsBytesWritten": 12 << 20, "fileBytesWritten": 0}

    def job(number: int, submit: int, properties: dict[str, str]) -> dict[str, object]:
        return {"jobID": f"job_1_{number}", "jobName": "sort", "user": "u", "queue": "q",
                "submitTime": submit, "finishTime": submit + 20_000,
                "mapTasks": [{"taskID": f"m{i}", "taskType": "MAP",
                              "attempts": [attempt(500), {"result": "FAILED"}]}
                             for i in range(3)],
                "reduceTasks": [{"taskID": "r0", "taskType": "REDUCE",
                                 "attempts": [attempt(800)]}],
                "jobProperties": properties}

    trace = tmp_path / "trace.json"
    trace.write_text(json.dumps(job(1, 5_000, {"mapreduce.map.memory.mb": "2048"}), indent=2)
                     + "\n" + json.dumps(job(2, 15_000, {}), indent=2))
    workload = from_rumen(trace, slot_seconds=3, history_jobs=1)
    assert len(workload.history) == 1 and len(workload.apps) == 1
    assert workload.apps[0].arrival_s == 10.0
    maps, reduces = workload.history[0].executors
    assert (maps.count, maps.request.memory_mb, reduces.count, reduces.request.memory_mb) == (
        3, 2048, 1, 1024)
    assert maps.usage.shape == (4, 4)
    np.testing.assert_allclose(maps.usage[:, 0], [0.5, 512, 1.0, 1.0])
    assert workload.apps[0].executors[0].request.memory_mb == 1024
