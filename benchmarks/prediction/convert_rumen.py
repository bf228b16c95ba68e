"""Convert a Rumen job-history trace (e.g. Hadoop SLS's 2jobs2min-rumen-jh.json) into the compact
per-task-curve dataset in tests/data/prediction/.

Usage: python -m benchmarks.prediction.convert_rumen RUMEN.json OUT.json [--jobs N]
Rumen writes one pretty-printed JSON object per job, concatenated. Only successful attempts'
12-point progress-split arrays and byte counters are kept.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any

from yarn_elastic.simulator.rumen import rumen_jobs

KEPT_ARRAYS = {
    "clockSplits": "clock_ms", "cpuUsages": "cpu_ms", "physMemKbytes": "phys_mem_kb",
    "vmemKbytes": "vmem_kb",
}
KEPT_COUNTERS = {
    "hdfsBytesRead": "hdfs_bytes_read", "hdfsBytesWritten": "hdfs_bytes_written",
    "fileBytesRead": "file_bytes_read", "fileBytesWritten": "file_bytes_written",
}


def task_rows(job: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for task in job.get("mapTasks", []) + job.get("reduceTasks", []):
        for attempt in task.get("attempts", []):
            if attempt.get("result") != "SUCCESS" or not attempt.get("clockSplits"):
                continue
            row: dict[str, Any] = {
                "task": task["taskID"], "type": task["taskType"],
                "start_ms": attempt["startTime"], "finish_ms": attempt["finishTime"],
            }
            row.update({new: attempt[old] for old, new in KEPT_ARRAYS.items()})
            row.update({new: attempt.get(old, -1) for old, new in KEPT_COUNTERS.items()})
            yield row


def convert(text: str, max_jobs: int | None) -> dict[str, Any]:
    out = []
    for index, job in enumerate(rumen_jobs(text)):
        if max_jobs is not None and index >= max_jobs:
            break
        out.append({
            "job_id": job["jobID"], "name": job["jobName"], "user": job.get("user"),
            "queue": job.get("queue"), "submit_ms": job["submitTime"],
            "finish_ms": job["finishTime"], "map_mb": job.get("jobMapMB"),
            "tasks": list(task_rows(job)),
        })
    return {"format": "yarn-elastic rumen task curves 1", "jobs": out}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("rumen", help="Rumen job-history JSON file")
    parser.add_argument("out", help="output JSON file")
    parser.add_argument("--jobs", type=int, default=None, help="keep only the first N jobs")
    args = parser.parse_args(argv)
    with open(args.rumen, encoding="utf-8") as handle:
        data = convert(handle.read(), args.jobs)
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(data, handle, separators=(",", ":"))
    tasks = sum(len(j["tasks"]) for j in data["jobs"])
    print(f"{args.out}: {len(data['jobs'])} jobs, {tasks} task curves", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
