"""The translator's inputs: ResourceManager logs and native (one job a line) logs, posted to
`/resourceestimator/translator/{file}` of a real estimator whose skyline store already holds
runs that must survive unchanged.

A log is built as the RM or Hadoop's estimator writes one, then damaged line by line: lines
dropped, repeated, cut short, reordered, a field replaced by something strange, random bytes.
Some logs also carry a run the store holds: the whole file must then be refused (409).
Bad lines are skipped, not fatal; each skip must say which part of the line is wrong.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from yarn_elastic.estimator.http import add_routes
from yarn_elastic.estimator.service import EstimatorService
from yarn_elastic.estimator.translator import NativeLineParser, RmLineParser, translate
from yarn_elastic.web.auth import TokenGuard
from yarn_elastic.web.router import Request, Router

from benchmarks.reliability.fuzzing.engine import ACCEPTED, Outcome, crash, refused
from benchmarks.reliability.fuzzing.mutation import STRANGE_TEXT
from benchmarks.reliability.fuzzing.rest import answer, changed, kept_rows

TOKEN = "fuzz-estimator-secret"
_HEAD = ('{n}:e,{date},yarn resourcemanager,DefaultTag,Pid="5156" Tid="39272" '
         'TS="0x01D2EAA8DD060D14" String1="17/06/21 16:10:13 INFO {source}: ')
_EVENTS = {
    "submit": "USER=hadoop  IP=25.1.4.1  OPERATION=Submit Application Request  "
              "TARGET=ClientRMService  RESULT=SUCCESS  APPID=application_{app}",
    "allocate": "USER=hadoop  OPERATION=AM Allocated Container  TARGET=SchedulerApp "
                "RESULT=SUCCESS  APPID=application_{app}  CONTAINERID=container_e26_{app}_01_{c}",
    "release": "USER=hadoop  OPERATION=AM Released Container TARGET=SchedulerApp "
               "RESULT=SUCCESS  APPID=application_{app}  CONTAINERID=container_e26_{app}_01_{c}",
    "spec": "AttemptId: appattempt_{app}_000001 MasterContainer: Container: [ContainerId: "
            "container_e26_{app}_01_{c}, NodeId: nm:8041, Resource: <memory:{mem}, vCores:{v}>]",
    "failed": "Application Attempt appattempt_{app}_000001 is done. finalState=FAILED",
    "summary": "appId=application_{app},name={pipeline}-{run},user=hadoop, queue=PROD,"
               "state=FINISHED",
}
KEPT = {"rm": ("keptpipe", "run1"), "native": ("keptnative", "run1")}


def rm_job(app: str, pipeline: str, run: str, containers: int, start: int) -> list[str]:
    """One application's lines, in the order the RM writes them."""
    def line(kind: str, second: int, c: int = 1) -> str:
        date = f"06/21/2017 16:{(start + second) // 60 % 60:02d}:{(start + second) % 60:02d}"
        source = "RMAppManager$ApplicationSummary" if kind == "summary" else "RMAuditLogger"
        return _HEAD.format(n=252823 + second, date=date, source=source) + _EVENTS[kind].format(
            app=app, c=f"{c:06d}", mem=1024 * c, v=c, pipeline=pipeline, run=run) + '"'

    lines = [line("submit", 0), line("spec", 1)]
    lines += [line("allocate", 2 + c, c) for c in range(1, containers + 1)]
    lines += [line("release", 20 + c, c) for c in range(1, containers + 1)]
    return [*lines, line("summary", 40)]


def native_job(pipeline: str, run: str, units: list[tuple[int, int]]) -> list[str]:
    skyline = "|".join(f"{count}:{second}" for count, second in units)
    return [f"{pipeline} 50 1462148517000 1462148527345 1462148952345 {run} 8192:0| {skyline}|"]


ids = st.from_regex(r"[A-Za-z0-9]{1,8}", fullmatch=True)
_rm_jobs = st.builds(rm_job, st.from_regex(r"14978\d{8}_0\d{3}", fullmatch=True),
                     st.sampled_from(["tpch", "etl", "fraud"]), ids, st.integers(0, 4),
                     st.integers(0, 3000))
_native_jobs = st.builds(native_job, st.sampled_from(["tpch", "etl", "fraud"]), ids,
                         st.lists(st.tuples(st.integers(0, 3000), st.integers(0, 600)),
                                  max_size=6))


@st.composite
def damaged_lines(draw: st.DrawFn, lines: list[str]) -> list[str]:
    lines = list(lines)
    for _ in range(draw(st.integers(0, 4))):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        how = draw(st.sampled_from(["drop", "repeat", "cut", "swap", "field", "bytes", "long"]))
        if how == "drop":
            del lines[at]
        elif how == "repeat":
            lines.insert(at, lines[at])
        elif how == "cut":
            lines[at] = lines[at][: draw(st.integers(0, len(lines[at])))]
        elif how == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif how == "field":
            parts = re.split(r"([\s,=:|<>]+)", lines[at])
            parts[draw(st.integers(0, len(parts) - 1))] = draw(
                st.one_of(STRANGE_TEXT, st.integers(-2**70, 2**70).map(str)))
            lines[at] = "".join(parts)
        elif how == "bytes":
            lines[at] = draw(st.binary(max_size=40)).decode("latin-1")
        else:
            lines[at] = lines[at] * draw(st.integers(2, 200))
    return lines


def log_files(kind: str) -> st.SearchStrategy[bytes]:
    jobs = _rm_jobs if kind == "rm" else _native_jobs
    pipeline, run = KEPT[kind]
    kept = (rm_job("1111111111111_0001", pipeline, run, 2, 0) if kind == "rm"
            else native_job(pipeline, run, [(2, 0), (3, 60)]))

    @st.composite
    def files(draw: st.DrawFn) -> bytes:
        lines = [line for job in draw(st.lists(jobs, max_size=4)) for line in job]
        if draw(st.integers(0, 9)) == 0:
            lines += kept
        lines = draw(damaged_lines(lines))
        text = "\n".join(lines).encode("utf-8", "surrogatepass")
        return text if draw(st.integers(0, 9)) else text + draw(st.binary(max_size=30))

    return files()


class KeptEstimator:
    """An estimator over `directory`, with each parser's kept run stored and estimated."""

    def __init__(self, directory: Path, kind: str) -> None:
        self.directory = directory
        self.db = directory / "estimator.db"
        self.router = Router()
        conf = {"yarn.elastic.estimator.translator.log-dirs": str(directory),
                "resourceestimator.translator.line-parser": kind}
        self.service: EstimatorService = add_routes(
            self.router, conf, TokenGuard("yarn.elastic.estimator.token-file", TOKEN),
            db_path=self.db)
        self.kind = kind
        self.files = 0
        pipeline, run = KEPT[kind]
        kept = (rm_job("1111111111111_0001", pipeline, run, 2, 0) if kind == "rm"
                else native_job(pipeline, run, [(2, 0), (3, 60)]))
        assert self.post("\n".join(kept).encode()).status == 204
        assert self.call("GET", f"/resourceestimator/estimator/{pipeline}").status == 200
        self.before = kept_rows(self.db)

    def call(self, method: str, path: str) -> Any:
        return self.router.dispatch(Request(method, path, {}, {}, {
            "authorization": f"Bearer {TOKEN}"}, b""))

    def post(self, data: bytes) -> Any:
        self.files += 1
        path = self.directory / f"log-{self.files}.txt"
        path.write_bytes(data)
        try:
            return self.call("POST", f"/resourceestimator/translator/{path}")
        finally:
            path.unlink()

    def changed(self) -> list[str]:
        return changed(self.before, self.db)

    def close(self) -> None:
        self.service.store.close()


def handler(kept: KeptEstimator) -> Callable[[bytes], Outcome]:
    def handle(data: bytes) -> Outcome:
        parser = RmLineParser() if kept.kind == "rm" else NativeLineParser(60)
        # Split as the service reads the file: text mode, universal newlines.
        lines = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="replace")
        unclear = [s for s in translate(lines, parser).skipped if not s.reason.strip()]
        if unclear:
            return refused("", lambda _: False)
        response = kept.post(data)
        if response.status >= 500:
            return crash(f"{response.status}: {response.body[:300]!r}")
        if response.status == 204:
            return ACCEPTED
        return answer(response, ["pipelineId", "runId", "skyline store", "log"])

    return handle
