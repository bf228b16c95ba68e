"""The translator: log lines -> resource skylines, with Hadoop's two line formats.

`NativeLineParser` reads the estimator's own one-job-per-line format and `RmLineParser` reads
ResourceManager logs; both apply the parsing rules of Hadoop's NativeSingleLineParser and
RmSingleLineParser. Where Hadoop aborts the whole file on a bad line (an unchecked exception),
or silently drops it, we skip the line and record why, so one bad line never costs the rest.
Pure: callers hand in the lines; reading files is the service's job.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from yarn_elastic.estimator.skyline import RecurrenceId, Resource, ResourceSkyline, RleSkyline

# Native logs carry container counts only; Hadoop assumes every container is <1 GB, 1 core>.
NATIVE_CONTAINER = Resource(1024, 1)
# The spec Hadoop falls back to when an RM log never shows an application's container size.
DEFAULT_RM_CONTAINER = Resource(1024, 1)

_JAVA_INT_MAX = 2**31 - 1
_JAVA_LONG_MAX = 2**63 - 1


class MalformedLine(ValueError):
    """A line that looks like an event but cannot be read; the message says which part."""


@dataclass(frozen=True)
class SkippedLine:
    line_number: int
    reason: str


@dataclass
class Translation:
    """What one log gave: skylines per run, in order of appearance, and what was skipped."""

    records: dict[RecurrenceId, list[ResourceSkyline]] = field(default_factory=dict)
    skipped: list[SkippedLine] = field(default_factory=list)
    lines_read: int = 0
    # Applications submitted in the log whose ApplicationSummary line never came.
    unfinished: list[str] = field(default_factory=list)

    def add(self, recurrence_id: RecurrenceId, skyline: ResourceSkyline) -> None:
        self.records.setdefault(recurrence_id, []).append(skyline)

    def skyline_count(self) -> int:
        return sum(len(skylines) for skylines in self.records.values())


class LineParser(Protocol):
    def parse_line(self, line: str, into: Translation) -> None:
        """Parse one line into `into`; raise MalformedLine to have it skipped and counted."""

    def finish(self, into: Translation) -> None:
        """Called once after the last line."""


def translate(lines: Iterable[str], parser: LineParser) -> Translation:
    translation = Translation()
    for number, raw in enumerate(lines, start=1):
        translation.lines_read = number
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        try:
            parser.parse_line(line, translation)
        except MalformedLine as exc:
            translation.skipped.append(SkippedLine(number, str(exc)))
    parser.finish(translation)
    return translation


def _java_split(text: str, pattern: str, limit: int = 0) -> list[str]:
    """String.split with Java's rules: a limit of 0 drops trailing empty strings."""
    parts = re.split(pattern, text, maxsplit=max(limit - 1, 0))
    if limit == 0:
        while parts and parts[-1] == "":
            parts.pop()
    return parts


def _parse_java_int(text: str, what: str, maximum: int = _JAVA_INT_MAX) -> int:
    if not re.fullmatch(r"[0-9]+", text, re.ASCII) or int(text) > maximum:
        raise MalformedLine(f"{what} {text!r} is not a non-negative integer")
    return int(text)


class NativeLineParser:
    """`pipelineId numInstances submit start end jobId memUsage coreUsage`, one job a line.

    Only fields 0 (pipeline), 5 (job, which is also the run id) and 7 (the skyline, a
    `|`-separated list of `containers:startSecond`) are used, as in Hadoop; each unit covers
    `time_interval` seconds and overlapping units add up.
    """

    def __init__(self, time_interval: int) -> None:
        if time_interval <= 0:
            raise ValueError(f"time interval must be positive, got {time_interval}")
        self._time_interval = time_interval

    def parse_line(self, line: str, into: Translation) -> None:
        fields = _java_split(line, r"\s+")
        if len(fields) < 8:
            raise MalformedLine(
                f"expected 8 whitespace-separated fields "
                f"(pipelineId numInstances submit start end jobId memUsage coreUsage), "
                f"found {len(fields)}"
            )
        pipeline_id, job_id = fields[0], fields[5]
        skyline = RleSkyline()
        for unit in _java_split(fields[7], r"\|"):
            parts = unit.split(":")
            if len(parts) < 2:
                raise MalformedLine(f"skyline unit {unit!r} is not containers:startSecond")
            count = _parse_java_int(parts[0], "container count")
            start = _parse_java_int(parts[1], "start second", _JAVA_LONG_MAX)
            skyline = skyline.add_interval(
                start, start + self._time_interval, NATIVE_CONTAINER.times(count)
            )
        into.add(
            RecurrenceId(pipeline_id, job_id),
            ResourceSkyline(
                job_id=job_id,
                input_size=0.0,
                submission_time=0,
                finish_time=skyline.latest_non_null(),
                container_spec=NATIVE_CONTAINER,
                skyline=skyline,
            ),
        )

    def finish(self, into: Translation) -> None:
        return None


_RM_EVENT = re.compile(
    r"(Submit Application Request|AM Allocated Container|AM Released Container"
    r"|finalState=FAILED|ApplicationSummary|, Resource:)",
    re.ASCII,
)
_RM_SUBMIT = re.compile(r"APPID=(\w+)", re.ASCII)
_RM_FAILED = re.compile(r"appattempt_(\d+_\d+)_\d+", re.ASCII)
_RM_SUMMARY = re.compile(r"appId=(\w+).*?name=(\w+)\-(\w+)", re.ASCII)
_RM_CONTAINER = re.compile(r"APPID=(\w+).*?CONTAINERID=(\w+)", re.ASCII)
_RM_SPEC = re.compile(
    r"(container_[^_]+|appattempt)_(\d+_\d+).*?memory:(\d+),\svCores:(\d+)", re.ASCII
)
_RM_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{1,2}):(\d{1,2})", re.ASCII)


def parse_rm_date(text: str, zone: dt.tzinfo | None = None) -> int:
    """`MM/dd/yyyy HH:mm:ss` -> epoch milliseconds, in `zone` (None: the local zone, as Hadoop)."""
    match = _RM_DATE.match(text)
    if match is None:
        raise MalformedLine(f"date {text!r} is not MM/dd/yyyy HH:mm:ss")
    month, day, year, hour, minute, second = (int(g) for g in match.groups())
    try:
        moment = dt.datetime(year, month, day, hour, minute, second, tzinfo=zone)
    except ValueError as exc:
        raise MalformedLine(f"date {text!r} is not a valid date ({exc})") from exc
    return int(moment.timestamp()) * 1000


def _java_div(numerator: int, denominator: int) -> int:
    """Java's long division, which truncates toward zero."""
    quotient = abs(numerator) // denominator
    return quotient if numerator >= 0 else -quotient


@dataclass
class _Application:
    submission_time: int
    container_spec: Resource | None = None
    starts: dict[str, int] = field(default_factory=dict)
    ends: dict[str, int] = field(default_factory=dict)

    def skyline(self) -> tuple[Resource, RleSkyline]:
        spec = self.container_spec or DEFAULT_RM_CONTAINER
        skyline = RleSkyline()
        for container, start in self.starts.items():
            end = self.ends.get(container)
            if end is None:  # Hadoop drops a container whose release it never saw
                continue
            skyline = skyline.add_interval(
                _java_div(start - self.submission_time, 1000),
                _java_div(end - self.submission_time, 1000),
                spec,
            )
        return spec, skyline


class RmLineParser:
    """ResourceManager logs in the `id,MM/dd/yyyy HH:mm:ss,source,tag,Pid Tid TS message` layout.

    A job is submitted, gets and releases containers, and finishes with an ApplicationSummary
    line whose application name `pipeline-run` gives its RecurrenceId. Lines that match no event
    are ignored (not counted); event lines missing a field are skipped and counted.
    """

    def __init__(self, zone: dt.tzinfo | None = None) -> None:
        self._zone = zone
        self._apps: dict[str, _Application] = {}

    def parse_line(self, line: str, into: Translation) -> None:
        parts = line.split(",", 4)
        if len(parts) < 5:
            return
        event = _RM_EVENT.search(parts[4])
        if event is None:
            return
        date = parse_rm_date(parts[1], self._zone)
        message = _java_split(parts[4], r"\s+", 4)
        if len(message) < 4:
            raise MalformedLine("no log message after the Pid, Tid and TS fields")
        tail = message[3]
        kind = event.group(1)
        if kind == "Submit Application Request":
            app_id = self._require(_RM_SUBMIT, tail, kind, "APPID=")[1]
            self._apps[app_id] = _Application(date)
        elif kind in ("AM Allocated Container", "AM Released Container"):
            found = self._require(_RM_CONTAINER, tail, kind, "APPID=... CONTAINERID=")
            app = self._apps.get(found[1])
            if app is not None:
                times = app.starts if kind == "AM Allocated Container" else app.ends
                times[found[2]] = date  # a repeat replaces the earlier time, as in Hadoop
        elif kind == ", Resource:":
            found = self._require(_RM_SPEC, tail, kind, "container id and <memory:M, vCores:V>")
            app = self._apps.get("application_" + found[2])
            if app is not None:
                app.container_spec = Resource(
                    _parse_java_int(found[3], "memory", _JAVA_LONG_MAX),
                    _parse_java_int(found[4], "vCores"),
                )
        elif kind == "finalState=FAILED":
            attempt = self._require(_RM_FAILED, tail, kind, "appattempt_<cluster>_<app>_<n>")
            app_id = "application_" + attempt[1]
            if app_id in self._apps:  # the failed attempt's containers no longer count
                self._apps[app_id] = _Application(date)
        else:
            self._finish_application(tail, date, into)

    def _finish_application(self, tail: str, date: int, into: Translation) -> None:
        found = self._require(_RM_SUMMARY, tail, "ApplicationSummary", "appId=... name=<p>-<r>")
        app = self._apps.pop(found[1], None)
        if app is None:
            return
        spec, skyline = app.skyline()
        into.add(
            RecurrenceId(found[2], found[3]),
            ResourceSkyline(
                job_id=found[1],
                input_size=0.0,
                submission_time=app.submission_time,
                finish_time=date,
                container_spec=spec,
                skyline=skyline,
            ),
        )

    @staticmethod
    def _require(pattern: re.Pattern[str], tail: str, kind: str, wanted: str) -> re.Match[str]:
        found = pattern.search(tail)
        if found is None:
            raise MalformedLine(f"'{kind}' line without {wanted}")
        return found

    def finish(self, into: Translation) -> None:
        into.unfinished.extend(sorted(self._apps))
