"""JSON shapes: Hadoop's wire format (gson), and our own lossless storage format.

Wire: a Resource is `{"memory": M, "vcores": V}`; a skyline is
`{"resourceAllocation": {"<second>": Resource, ...}}` without the terminator (gson drops null
map values); a history map is a list of `[{"pipelineId", "runId"}, [ResourceSkyline, ...]]`
pairs (gson's complex-map-key form), and a missing entry is `null`.

Storage keeps the terminator flag, because the solver's preprocessing depends on it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from yarn_elastic.estimator.skyline import RecurrenceId, Resource, ResourceSkyline, RleSkyline


def resource_to_json(resource: Resource) -> dict[str, int]:
    return {"memory": resource.memory, "vcores": resource.vcores}


def rle_to_json(skyline: RleSkyline | None) -> dict[str, Any] | None:
    if skyline is None:
        return None
    return {"resourceAllocation": {str(t): resource_to_json(r) for t, r in skyline.steps}}


def skyline_to_json(job: ResourceSkyline) -> dict[str, Any]:
    return {
        "jobId": job.job_id,
        "jobInputDataSize": float(job.input_size),
        "jobSubmissionTime": job.submission_time,
        "jobFinishTime": job.finish_time,
        "containerSpec": resource_to_json(job.container_spec),
        "skylineList": rle_to_json(job.skyline),
    }


def history_to_json(
    history: Mapping[RecurrenceId, Sequence[ResourceSkyline]] | None,
) -> list[Any] | None:
    if history is None:
        return None
    return [
        [
            {"pipelineId": rid.pipeline_id, "runId": rid.run_id},
            [skyline_to_json(job) for job in jobs],
        ]
        for rid, jobs in history.items()
    ]


def rle_to_record(skyline: RleSkyline) -> dict[str, Any]:
    return {
        "steps": [[t, r.memory, r.vcores] for t, r in skyline.steps],
        "terminated": skyline.terminated,
    }


def rle_from_record(record: Any) -> RleSkyline:
    if not isinstance(record, dict) or not isinstance(record.get("steps"), list):
        raise ValueError("skyline record has no 'steps' list")
    steps = []
    for step in record["steps"]:
        if (
            not isinstance(step, list)
            or len(step) != 3
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in step)
        ):
            raise ValueError(f"skyline step {step!r} is not [time, memory, vcores]")
        steps.append((step[0], Resource(step[1], step[2])))
    terminated = record.get("terminated")
    if not isinstance(terminated, bool):
        raise ValueError("skyline record has no boolean 'terminated'")
    return RleSkyline(tuple(steps), terminated)


def skyline_to_record(job: ResourceSkyline) -> dict[str, Any]:
    return {
        "jobId": job.job_id,
        "jobInputDataSize": job.input_size,
        "jobSubmissionTime": job.submission_time,
        "jobFinishTime": job.finish_time,
        "containerSpec": [job.container_spec.memory, job.container_spec.vcores],
        "skyline": rle_to_record(job.skyline),
    }


def skyline_from_record(record: Any) -> ResourceSkyline:
    if not isinstance(record, dict):
        raise ValueError("job record is not an object")
    try:
        memory, vcores = record["containerSpec"]
        return ResourceSkyline(
            job_id=str(record["jobId"]),
            input_size=float(record["jobInputDataSize"]),
            submission_time=int(record["jobSubmissionTime"]),
            finish_time=int(record["jobFinishTime"]),
            container_spec=Resource(int(memory), int(vcores)),
            skyline=rle_from_record(record["skyline"]),
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"job record is missing or has a bad field: {exc}") from exc
