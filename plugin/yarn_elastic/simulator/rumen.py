"""Hadoop Rumen / SLS job-history traces as simulator workloads.

Reads either Rumen's own output (one JSON job object per job, concatenated, as Hadoop SLS's
`2jobs2min-rumen-jh.json`) or the compact per-task form benchmarks/prediction/convert_rumen.py
writes (format "yarn-elastic rumen task curves 1", e.g.
tests/data/prediction/sls-2jobs2min-task-curves.json). Each job becomes an app arriving at its
submit time relative to the first job; its successful map and reduce attempts become the roles
"map" and "reduce", each with its task count and the mean task curve.

A task's curve follows benchmarks/prediction/rumen.py: each of Rumen's 12 progress splits lasts
its clock seconds, CPU vcores = CPU ms / clock ms, memory = physical memory; Rumen has no disk or
network curve, so the task's written bytes (HDFS + local) are spread evenly over its life as
disk MB/s and its HDFS bytes written (the replication pipeline) as network MB/s.

Requests: a map task asks for `mapreduce.map.memory.mb` and `mapreduce.map.cpu.vcores` from the
job's `jobProperties`, else Hadoop's defaults 1024 MB and 1 vcore (likewise `mapreduce.reduce.*`);
the compact form has no properties, so its tasks get the defaults (its `map_mb`, Rumen's
jobMapMB, is the pre-YARN slot size and is ignored). Memory use is clipped to the request, as
YARN would have killed the task otherwise. The MapReduce AM asks for
`yarn.app.mapreduce.am.resource.mb` (default 1536) and `...am.resource.cpu-vcores` (default 1);
Rumen does not measure it, so its use is taken to be its request, held for the job's life.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from yarn_elastic.prediction.runs import mean_container_curve
from yarn_elastic.resources import CurveArray
from yarn_elastic.simulator.model import AM_ROLE, AppSpec, NodeGroup, Request, RoleSpec, Workload

COMPACT_FORMAT = "yarn-elastic rumen task curves 1"
MB = float(1 << 20)
DEFAULTS = {"mapreduce.map.memory.mb": 1024.0, "mapreduce.map.cpu.vcores": 1.0,
            "mapreduce.reduce.memory.mb": 1024.0, "mapreduce.reduce.cpu.vcores": 1.0,
            "yarn.app.mapreduce.am.resource.mb": 1536.0,
            "yarn.app.mapreduce.am.resource.cpu-vcores": 1.0}
ROLES = {"MAP": "map", "REDUCE": "reduce"}


def from_rumen(path: Path | str, node_count: int = 35, vcores: float = 16.0,
               memory_mb: float = 65536.0, disk_mb_per_s: float = 300.0,
               network_mb_per_s: float = 1250.0, slot_seconds: int = 1,
               history_jobs: int = 0) -> Workload:
    """The trace at `path` on `node_count` identical nodes (default: the Elasecutor testbed's,
    as `mix.NODES`). The first `history_jobs` jobs go to `history` instead of `apps`; jobs
    without a successful task attempt are left out."""
    if slot_seconds < 1 or node_count < 1:
        raise ValueError("slot_seconds and node_count must be at least 1")
    jobs = list(compact_jobs(Path(path).read_text(encoding="utf-8")))
    if not jobs:
        raise ValueError(f"{path}: no jobs found")
    first = min(int(j["submit_ms"]) for j in jobs)
    specs = [app_of(job, (int(job["submit_ms"]) - first) / 1000.0, slot_seconds) for job in jobs]
    specs = [s for s in specs if s.executors]  # a job without a successful task runs nothing
    node = NodeGroup("node", node_count, vcores, memory_mb, disk_mb_per_s, network_mb_per_s)
    return Workload(float(slot_seconds), (node,), tuple(specs[:history_jobs]),
                    tuple(specs[history_jobs:]), name=f"rumen {Path(path).name}")


def compact_jobs(text: str) -> Iterator[dict[str, Any]]:
    """Jobs in the compact form, from either input form."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            body = json.loads(stripped)
        except json.JSONDecodeError:
            body = None  # several concatenated objects: raw Rumen
        if isinstance(body, dict) and body.get("format") == COMPACT_FORMAT:
            yield from body["jobs"]
            return
    for job in rumen_jobs(text):
        yield compact_job(job)


def rumen_jobs(text: str) -> Iterator[dict[str, Any]]:
    """The job objects of a Rumen trace: pretty-printed JSON objects, one after another."""
    decoder = json.JSONDecoder()
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            return
        job, position = decoder.raw_decode(text, position)
        yield job


def compact_job(job: Mapping[str, Any]) -> dict[str, Any]:
    """A raw Rumen job as convert_rumen.py keeps it, plus its jobProperties."""
    tasks = []
    for task in list(job.get("mapTasks") or []) + list(job.get("reduceTasks") or []):
        for attempt in task.get("attempts") or []:
            if attempt.get("result") != "SUCCESS" or not attempt.get("clockSplits"):
                continue
            tasks.append({
                "task": task["taskID"], "type": task["taskType"],
                "clock_ms": attempt["clockSplits"], "cpu_ms": attempt["cpuUsages"],
                "phys_mem_kb": attempt["physMemKbytes"],
                "hdfs_bytes_read": attempt.get("hdfsBytesRead", -1),
                "hdfs_bytes_written": attempt.get("hdfsBytesWritten", -1),
                "file_bytes_written": attempt.get("fileBytesWritten", -1),
            })
    return {"job_id": job["jobID"], "name": job.get("jobName") or job["jobID"],
            "user": job.get("user"), "queue": job.get("queue"), "submit_ms": job["submitTime"],
            "properties": dict(job.get("jobProperties") or {}), "tasks": tasks}


def task_curve(task: Mapping[str, Any]) -> CurveArray:
    """(4, seconds) of one task attempt (module docstring)."""
    seconds: list[list[float]] = []
    lifetime_s = max(sum(task["clock_ms"]) / 1000.0, 1.0)
    written = max(task["hdfs_bytes_written"], 0) + max(task["file_bytes_written"], 0)
    network = max(task["hdfs_bytes_written"], 0)
    for clock, cpu, mem in zip(task["clock_ms"], task["cpu_ms"], task["phys_mem_kb"],
                               strict=True):
        vcores = cpu / clock if clock > 0 else 0.0
        row = [vcores, mem / 1024.0, written / MB / lifetime_s, network / MB / lifetime_s]
        seconds.extend([row] * max(int(round(clock / 1000.0)), 0))
    out: CurveArray = np.asarray(seconds or [[0.0] * 4], dtype=np.float64).T
    return out


def in_slots(curve: CurveArray, slot_seconds: int) -> CurveArray:
    """Per-second columns averaged into slots of `slot_seconds`."""
    if slot_seconds == 1:
        return curve
    slots = -(-curve.shape[1] // slot_seconds)
    out: CurveArray = np.stack([curve[:, i * slot_seconds:(i + 1) * slot_seconds].mean(axis=1)
                                for i in range(slots)], axis=1)
    return out


def _setting(properties: Mapping[str, Any], key: str) -> float:
    try:
        return float(properties[key])
    except (KeyError, TypeError, ValueError):
        return DEFAULTS[key]


def app_of(job: Mapping[str, Any], arrival_s: float, slot_seconds: int) -> AppSpec:
    properties = job.get("properties") or {}
    roles: list[RoleSpec] = []
    for kind, role in ROLES.items():
        curves = [in_slots(task_curve(t), slot_seconds) for t in job["tasks"]
                  if t["type"] == kind]
        if not curves:
            continue
        prefix = f"mapreduce.{role}."
        request = Request(_setting(properties, prefix + "cpu.vcores"),
                          _setting(properties, prefix + "memory.mb"))
        usage = mean_container_curve(curves)
        usage[1] = np.minimum(usage[1], request.memory_mb)
        roles.append(RoleSpec(role, len(curves), request, usage))
    am = Request(_setting(properties, "yarn.app.mapreduce.am.resource.cpu-vcores"),
                 _setting(properties, "yarn.app.mapreduce.am.resource.mb"))
    read = sum(max(int(t.get("hdfs_bytes_read", -1)), 0) for t in job["tasks"])
    return AppSpec(id=str(job["job_id"]), name=str(job["name"]), type="MAPREDUCE",
                   queue=str(job.get("queue") or "default"), user=str(job.get("user") or ""),
                   tags=(), arrival_s=arrival_s, input_mb=read / MB if read else None,
                   roles=(am_role(am), *roles))


def am_role(request: Request) -> RoleSpec:
    """The MapReduce AM: Rumen does not measure it, so it uses its request for life."""
    usage = np.array([[request.vcores], [request.memory_mb], [0.0], [0.0]], dtype=np.float64)
    return RoleSpec(AM_ROLE, 1, request, usage)
