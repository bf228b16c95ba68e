"""The estimator's operations, between the HTTP routes and the store: read a log file into the
store, estimate a pipeline (cached), query and delete history. Reading log files is this
module's I/O; the decisions are in translator.py and solver.py."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from yarn_elastic.estimator.config import EstimatorConfig
from yarn_elastic.estimator.skyline import RecurrenceId, RleSkyline
from yarn_elastic.estimator.solver import estimate
from yarn_elastic.estimator.store import WILDCARD, History, SqliteSkylineStore
from yarn_elastic.estimator.translator import (
    LineParser,
    NativeLineParser,
    RmLineParser,
    Translation,
    translate,
)

LOG = logging.getLogger(__name__)

# Skip reasons logged per file; the rest are only counted, so a garbage file cannot flood the log.
_LOGGED_SKIPS = 20


class LogFileNotFound(Exception):
    pass


class LogFileForbidden(Exception):
    pass


class UnknownPipeline(Exception):
    pass


class BadPipelineId(ValueError):
    pass


@dataclass(frozen=True)
class TranslateReport:
    path: str
    files: int
    lines_read: int
    runs_added: int
    skylines_added: int
    lines_skipped: int


class EstimatorService:
    def __init__(self, config: EstimatorConfig, store: SqliteSkylineStore) -> None:
        self.config = config
        self.store = store

    def _line_parser(self) -> LineParser:
        if self.config.line_parser == "rm":
            return RmLineParser()
        return NativeLineParser(self.config.solver.time_interval)

    def _resolve(self, log_file: str) -> list[Path]:
        try:
            path = Path(log_file).expanduser().resolve()
        except (ValueError, RuntimeError) as exc:  # a NUL byte in it; ~user of no such user
            raise LogFileNotFound(
                f"log file {log_file!r} cannot exist on the estimator's host ({exc})") from None
        if not self.config.log_dirs:
            raise LogFileForbidden(
                f"the translator reads logs only under yarn.elastic.estimator.translator.log-dirs"
                f", which is not set, so {path} is refused; set it to the directories that hold"
                " the RM or native logs to translate")
        if not any(
            path.is_relative_to(allowed.expanduser().resolve())
            for allowed in self.config.log_dirs
        ):
            allowed_text = ", ".join(str(d) for d in self.config.log_dirs)
            raise LogFileForbidden(
                f"{path} is outside the log directories the translator may read "
                f"({allowed_text}); see yarn.elastic.estimator.translator.log-dirs"
            )
        if path.is_dir():  # like Hadoop, a directory means every file in it
            return sorted(p for p in path.iterdir() if p.is_file())
        if not path.is_file():
            raise LogFileNotFound(f"log file {path} does not exist on the estimator's host")
        return [path]

    def translate_file(self, log_file: str) -> TranslateReport:
        """Parse a log file (or directory) on this host and add its runs to the history, all of
        it or none of it: a run already in the store rejects the whole file."""
        files = self._resolve(log_file)
        merged = Translation()
        for path in files:
            with path.open(encoding="utf-8", errors="replace") as lines:
                part = translate(lines, self._line_parser())
            self._log_skips(path, part)
            for rid, skylines in part.records.items():
                merged.records.setdefault(rid, []).extend(skylines)
            merged.lines_read += part.lines_read
            merged.skipped.extend(part.skipped)
        self.store.add_histories(merged.records)
        report = TranslateReport(
            log_file,
            len(files),
            merged.lines_read,
            len(merged.records),
            merged.skyline_count(),
            len(merged.skipped),
        )
        LOG.info(
            "translated %s: %d line(s) in %d file(s), %d skyline(s) for %d run(s), "
            "%d malformed line(s) skipped",
            log_file, report.lines_read, report.files, report.skylines_added,
            report.runs_added, report.lines_skipped,
        )
        return report

    @staticmethod
    def _log_skips(path: Path, translation: Translation) -> None:
        for skipped in translation.skipped[:_LOGGED_SKIPS]:
            LOG.warning("%s line %d skipped: %s", path, skipped.line_number, skipped.reason)
        if len(translation.skipped) > _LOGGED_SKIPS:
            LOG.warning(
                "%s: %d more malformed line(s) skipped",
                path, len(translation.skipped) - _LOGGED_SKIPS,
            )
        for app in translation.unfinished:
            LOG.info("%s: %s has no ApplicationSummary line; not added", path, app)

    def estimate(self, pipeline_id: str) -> RleSkyline:
        """The stored estimation if it was computed with the current solver settings (history
        changes delete it), else a fresh LP solution, which is then stored."""
        if pipeline_id == WILDCARD:
            raise BadPipelineId(
                "the estimator predicts one pipeline; '*' is a wildcard only for history queries"
            )
        params = self.config.solver.as_dict()
        cached = self.store.get_estimation_with_params(pipeline_id)
        if cached is not None and cached[1] == params:
            return cached[0]
        version = self.store.history_version(pipeline_id)  # before the read: see add_estimation
        history = self.store.get_history(RecurrenceId(pipeline_id, WILDCARD))
        if history is None:
            raise UnknownPipeline(
                f"pipeline {pipeline_id!r} has no history in the skyline store; "
                f"POST its logs to /resourceestimator/translator/{{file}} first"
            )
        result = estimate(history, self.config.solver)
        stored = self.store.add_estimation(pipeline_id, result.skyline, params, version)
        LOG.info(
            "estimated pipeline %s from %d run(s): %d interval(s), objective %.6g%s",
            pipeline_id, result.runs, len(result.containers), result.objective,
            "" if stored else " (history changed meanwhile; not cached)",
        )
        return result.skyline

    def history(self, pipeline_id: str, run_id: str) -> History | None:
        return self.store.get_history(RecurrenceId(pipeline_id, run_id))

    def estimation(self, pipeline_id: str) -> RleSkyline | None:
        return self.store.get_estimation(pipeline_id)

    def delete_history(self, pipeline_id: str, run_id: str) -> None:
        rid = RecurrenceId(pipeline_id, run_id)
        self.store.delete_history(rid)
        LOG.info("deleted history of %s (its pipeline's estimation with it)", rid)
