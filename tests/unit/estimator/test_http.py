"""The REST API through a real HTTP server on an ephemeral loopback port."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from yarn_elastic.estimator.http import add_routes
from yarn_elastic.hadoop_conf import read_configuration
from yarn_elastic.web.auth import TokenGuard
from yarn_elastic.web.router import HttpServer, Router

TIMEOUT = 10


@dataclass
class Estimator:
    base: str
    data: Path

    def url(self, path: str) -> str:
        return self.base + "/resourceestimator" + path


LOG_DIRS = "yarn.elastic.estimator.translator.log-dirs"


def serve(conf: dict[str, str], db: Path, data: Path) -> Iterator[Estimator]:
    """The estimator, allowed to translate the test data and files beside its database
    unless `conf` says which directories."""
    conf = {LOG_DIRS: f"{data},{db.parent}", **conf}
    router = Router()
    # Open: the token on these routes is tested with every other write (test_write_routes).
    service = add_routes(router, conf, TokenGuard("yarn.elastic.estimator.token-file", None),
                         db_path=db)
    server = HttpServer(router, "127.0.0.1", 0, 1 << 20)
    server.start()
    try:
        yield Estimator(f"http://127.0.0.1:{server.port}", data)
    finally:
        server.stop()
        service.store.close()


@pytest.fixture
def hadoop_conf(data_dir: Path) -> dict[str, str]:
    return read_configuration([data_dir / "resourceestimator-config.xml"])


@pytest.fixture
def estimator(tmp_path: Path, data_dir: Path, hadoop_conf: dict[str, str]) -> Iterator[Estimator]:
    yield from serve(hadoop_conf, tmp_path / "depository.db", data_dir)


def containers(rle: dict[str, dict[str, dict[str, int]]]) -> dict[int, int]:
    return {int(t): r["memory"] // 1024 for t, r in rle["resourceAllocation"].items()}


def test_hadoop_service_flow(estimator: Estimator) -> None:
    sample = estimator.data / "lp" / "tinySample.txt"
    posted = requests.post(estimator.url(f"/translator/{sample}"), timeout=TIMEOUT)
    assert posted.status_code == 204
    assert posted.headers["X-Skylines-Added"] == "2"
    assert posted.headers["X-Lines-Skipped"] == "0"

    history = requests.get(estimator.url("/skylinestore/history/tpch_q12/*"), timeout=TIMEOUT)
    assert history.status_code == 200
    body = history.json()
    assert [pair[0] for pair in body] == [
        {"pipelineId": "tpch_q12", "runId": "tpch_q12_0"},
        {"pipelineId": "tpch_q12", "runId": "tpch_q12_1"},
    ]
    first = body[0][1][0]
    assert first == {
        "jobId": "tpch_q12_0",
        "jobInputDataSize": 0.0,
        "jobSubmissionTime": 0,
        "jobFinishTime": 25,
        "containerSpec": {"memory": 1024, "vcores": 1},
        "skylineList": {
            "resourceAllocation": {
                "0": {"memory": 1024, "vcores": 1},
                "10": {"memory": 1099776, "vcores": 1074},
                "15": {"memory": 2598912, "vcores": 2538},
                "20": {"memory": 2527232, "vcores": 2468},
                "25": {"memory": 0, "vcores": 0},
            }
        },
    }
    assert containers(body[1][1][0]["skylineList"]) == {0: 1, 10: 794, 15: 2517, 20: 2484, 25: 0}

    estimation = requests.get(estimator.url("/skylinestore/estimation/tpch_q12"), timeout=TIMEOUT)
    assert estimation.status_code == 200 and estimation.text == "null"

    estimate = requests.get(estimator.url("/estimator/tpch_q12"), timeout=TIMEOUT)
    assert estimate.status_code == 200
    predicted = containers(estimate.json())
    # Hadoop's old service test: 1 at 0, 1058 at 10, 2538 at 15, 2484 at 20 (one optimal vertex)
    assert predicted[0] == 1 and predicted[20] == 2484 and predicted[25] == 0
    assert 1058 <= predicted[10] <= 1074 and predicted[10] + predicted[15] == 1058 + 2538

    cached = requests.get(estimator.url("/skylinestore/estimation/tpch_q12"), timeout=TIMEOUT)
    assert cached.json() == estimate.json()

    deleted = requests.delete(
        estimator.url("/skylinestore/history/tpch_q12/tpch_q12_1"), timeout=TIMEOUT
    )
    assert deleted.status_code == 204
    left = requests.get(estimator.url("/skylinestore/history/tpch_q12/*"), timeout=TIMEOUT).json()
    assert [pair[0]["runId"] for pair in left] == ["tpch_q12_0"]
    # The staleness fix: the estimation went with the history it came from.
    stale = requests.get(estimator.url("/skylinestore/estimation/tpch_q12"), timeout=TIMEOUT)
    assert stale.text == "null"
    too_few = requests.get(estimator.url("/estimator/tpch_q12"), timeout=TIMEOUT)
    assert too_few.status_code == 422
    assert "less job runs than 2" in too_few.json()["message"]


def test_history_queries(estimator: Estimator) -> None:
    sample = estimator.data / "lp" / "tpch_q12.txt"
    assert requests.post(estimator.url(f"/translator/{sample}"), timeout=TIMEOUT).status_code == 204
    everything = requests.get(estimator.url("/skylinestore/history/*/whatever"), timeout=TIMEOUT)
    assert len(everything.json()) == 13
    one = requests.get(estimator.url("/skylinestore/history/tpch_q12/tpch_q12_7"), timeout=TIMEOUT)
    assert len(one.json()) == 1
    missing = requests.get(estimator.url("/skylinestore/history/tpch_q12/nope"), timeout=TIMEOUT)
    assert missing.status_code == 200 and missing.text == "null"
    answer = requests.get(estimator.url("/estimator/tpch_q12"), timeout=TIMEOUT).json()
    steps = containers(answer)
    at = [steps[max(t for t in steps if t <= 5 * k)] for k in range(7)]
    assert at == [1, 1, 1738, 2535, 2484, 2478, 2468]


def test_errors(estimator: Estimator, tmp_path: Path) -> None:
    unknown = requests.get(estimator.url("/estimator/no_such_pipeline"), timeout=TIMEOUT)
    assert unknown.status_code == 404
    assert "no_such_pipeline" in unknown.json()["message"]
    gone = requests.delete(estimator.url("/skylinestore/history/p/r"), timeout=TIMEOUT)
    assert gone.status_code == 404 and "not in the skyline store" in gone.json()["message"]
    no_file = requests.post(estimator.url(f"/translator/{tmp_path}/absent.txt"), timeout=TIMEOUT)
    assert no_file.status_code == 404 and "does not exist" in no_file.json()["message"]
    star = requests.get(estimator.url("/estimator/*"), timeout=TIMEOUT)
    assert star.status_code == 400

    sample = estimator.data / "trace" / "nativeLog.txt"
    assert requests.post(estimator.url(f"/translator/{sample}"), timeout=TIMEOUT).status_code == 204
    again = requests.post(estimator.url(f"/translator/{sample}"), timeout=TIMEOUT)
    assert again.status_code == 409 and "already holds" in again.json()["message"]


# Found by benchmarks/reliability/fuzz.py: both were a 500, as Path.resolve() raised ValueError
# (embedded null byte) and Path.expanduser() RuntimeError (no home for that user).
@pytest.mark.parametrize("log_file", ["%00", "a%00b.txt", "~no-such-user-at-all/x.txt"])
def test_a_path_that_cannot_exist_is_a_404_naming_it(estimator: Estimator, log_file: str) -> None:
    answer = requests.post(estimator.url(f"/translator/{log_file}"), timeout=TIMEOUT)
    assert answer.status_code == 404, answer.text
    assert "cannot exist on the estimator's host" in answer.json()["message"]


def test_malformed_lines_are_skipped_and_counted(estimator: Estimator, tmp_path: Path) -> None:
    log = tmp_path / "mixed.txt"
    good = (estimator.data / "lp" / "tinySample.txt").read_text().splitlines()
    log.write_text("\n".join([good[0], "garbage", "p 1 2 3 4 p_0 x 1:a|", good[1]]) + "\n")
    posted = requests.post(estimator.url(f"/translator/{log}"), timeout=TIMEOUT)
    assert posted.status_code == 204
    assert posted.headers["X-Lines-Skipped"] == "2"
    assert posted.headers["X-Skylines-Added"] == "2"


def test_log_dirs_restrict_the_translator(
    tmp_path: Path, data_dir: Path, hadoop_conf: dict[str, str]
) -> None:
    conf = {**hadoop_conf, LOG_DIRS: str(tmp_path / "logs")}
    for estimator in serve(conf, tmp_path / "db.sqlite", data_dir):
        outside = data_dir / "trace" / "nativeLog.txt"
        refused = requests.post(estimator.url(f"/translator/{outside}"), timeout=TIMEOUT)
        assert refused.status_code == 403
        assert "log-dirs" in refused.json()["message"]


def test_rm_logs_via_hadoop_class_name(
    tmp_path: Path, data_dir: Path, hadoop_conf: dict[str, str]
) -> None:
    conf = {
        **hadoop_conf,
        "resourceestimator.translator.line-parser":
            "org.apache.hadoop.resourceestimator.translator.impl.RmSingleLineParser",
    }
    for estimator in serve(conf, tmp_path / "db.sqlite", data_dir):
        logs = data_dir / "trace"  # a directory: every file in it, invalid ones included
        posted = requests.post(estimator.url(f"/translator/{logs}"), timeout=TIMEOUT)
        assert posted.status_code == 204
        fraud = requests.get(
            estimator.url("/skylinestore/history/FraudDetection/1"), timeout=TIMEOUT
        ).json()
        assert fraud[0][1][0]["containerSpec"] == {"memory": 1800, "vcores": 1}
        tests = requests.get(estimator.url("/skylinestore/history/Test/*"), timeout=TIMEOUT).json()
        assert sorted(pair[0]["runId"] for pair in tests) == ["1", "3", "4", "5", "8", "9"]


def test_history_survives_a_restart(
    tmp_path: Path, data_dir: Path, hadoop_conf: dict[str, str]
) -> None:
    db = tmp_path / "db.sqlite"
    for estimator in serve(hadoop_conf, db, data_dir):
        sample = data_dir / "lp" / "tinySample.txt"
        requests.post(estimator.url(f"/translator/{sample}"), timeout=TIMEOUT)
        first = requests.get(estimator.url("/estimator/tpch_q12"), timeout=TIMEOUT).json()
    for estimator in serve(hadoop_conf, db, data_dir):
        cached = requests.get(estimator.url("/skylinestore/estimation/tpch_q12"), timeout=TIMEOUT)
        assert cached.json() == first
        history = requests.get(estimator.url("/skylinestore/history/tpch_q12/*"), timeout=TIMEOUT)
        assert len(history.json()) == 2


def test_with_no_log_dirs_the_translator_reads_nothing(
    tmp_path: Path, data_dir: Path, hadoop_conf: dict[str, str]
) -> None:
    for estimator in serve({**hadoop_conf, LOG_DIRS: ""}, tmp_path / "db.sqlite", data_dir):
        sample = data_dir / "lp" / "tinySample.txt"
        refused = requests.post(estimator.url(f"/translator/{sample}"), timeout=TIMEOUT)
        assert refused.status_code == 403
        assert "translator.log-dirs, which is not set" in refused.json()["message"]
