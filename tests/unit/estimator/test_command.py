"""`yarn-elastic estimator` as an operator runs it: a real process on a free loopback port."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import requests

TIMEOUT = 20


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "yarn_elastic.cli", "estimator", *args],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def site(path: Path, **properties: str) -> Path:
    path.write_text("<configuration>" + "".join(
        f"<property><name>{name}</name><value>{value}</value></property>"
        for name, value in properties.items()) + "</configuration>")
    return path


def listening_port(process: subprocess.Popen[str]) -> int | None:
    assert process.stderr is not None
    for line in process.stderr:
        found = re.search(r"listening on http://127\.0\.0\.1:(\d+)/resourceestimator", line)
        if found:
            return int(found.group(1))
    return None


def test_runs_serves_and_stops_cleanly(tmp_path: Path, data_dir: Path) -> None:
    conf = data_dir / "resourceestimator-config.xml"
    token = tmp_path / "estimator.token"
    token.write_text("t0ken")
    token.chmod(0o600)
    allowed = site(tmp_path / "yarn-site.xml", **{
        "yarn.elastic.estimator.translator.log-dirs": str(data_dir),
        "yarn.elastic.estimator.token-file": str(token)})
    process = start("--host", "127.0.0.1", "--port", "0", "--db", str(tmp_path / "e.db"),
                    "--conf", str(conf), "--conf", str(allowed))
    try:
        port = listening_port(process)
        assert port is not None, "the estimator never said where it listens"
        base = f"http://127.0.0.1:{port}/resourceestimator"
        sample = data_dir / "lp" / "tinySample.txt"
        assert requests.post(f"{base}/translator/{sample}", timeout=TIMEOUT).status_code == 401
        signed = {"Authorization": "Bearer t0ken"}
        assert requests.post(f"{base}/translator/{sample}", headers=signed,
                             timeout=TIMEOUT).status_code == 204
        reply = requests.get(f"{base}/estimator/tpch_q12", headers=signed, timeout=TIMEOUT)
        assert reply.status_code == 200 and "resourceAllocation" in reply.json()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=TIMEOUT) == 0


def test_without_a_token_it_refuses_to_start_unless_told_insecure(tmp_path: Path) -> None:
    args = ("--port", "0", "--db", str(tmp_path / "e.db"))
    refused = subprocess.run([sys.executable, "-m", "yarn_elastic.cli", "estimator", *args],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2
    assert "yarn.elastic.estimator.token-file is not set" in refused.stderr
    assert "--insecure" in refused.stderr
    process = start(*args, "--insecure")
    try:
        assert process.stderr is not None
        seen = []
        for line in process.stderr:
            seen.append(line)
            if "listening on" in line:
                break
        assert any("WARNING" in line and "without a token" in line for line in seen), seen
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=TIMEOUT) == 0


def test_bad_config_value_names_the_key(tmp_path: Path) -> None:
    conf = tmp_path / "bad.xml"
    conf.write_text(
        "<configuration><property><name>resourceestimator.solver.lp.alpha</name>"
        "<value>1.5</value></property></configuration>"
    )
    result = subprocess.run(
        [sys.executable, "-m", "yarn_elastic.cli", "estimator", "--conf", str(conf),
         "--db", str(tmp_path / "e.db"), "--port", "0"],
        capture_output=True, text=True, timeout=TIMEOUT,
    )
    assert result.returncode == 2
    assert "resourceestimator.solver.lp.alpha" in result.stderr
    assert "between 0 and 1" in result.stderr


def test_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "yarn_elastic.cli", "estimator", "--help"],
        capture_output=True, text=True, timeout=TIMEOUT,
    )
    assert result.returncode == 0 and "--db PATH" in result.stdout


def test_example_config_is_valid() -> None:
    from yarn_elastic.estimator.config import read_estimator_config
    from yarn_elastic.hadoop_conf import read_configuration

    root = Path(__file__).resolve().parents[3]
    conf = read_configuration([root / "conf" / "resourceestimator-config.xml"])
    config = read_estimator_config(conf)
    assert config.solver.min_job_runs == 2 and config.port == 9998
    assert config.line_parser == "native"
