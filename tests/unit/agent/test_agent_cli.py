from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

AGENT = [sys.executable, "-m", "yarn_elastic_agent.cli"]
C1 = "container_e01_1700000000000_0001_01_000002"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*AGENT, *args], capture_output=True, text=True, timeout=60)


def test_help_describes_the_options() -> None:
    result = run("--help")
    assert result.returncode == 0
    for option in ("--conf-dir", "--once", "--interval-ms"):
        assert option in result.stdout


def test_a_missing_configuration_is_a_clear_error(tmp_path: Path) -> None:
    result = run("--conf-dir", str(tmp_path), "--once")
    assert result.returncode == 2 and "yarn-site.xml not found" in result.stderr


def test_a_bad_key_names_the_key(tmp_path: Path) -> None:
    (tmp_path / "yarn-site.xml").write_text(
        "<configuration><property><name>yarn.elastic.agent.network-method</name>"
        "<value>telepathy</value></property></configuration>"
    )
    result = run("--conf-dir", str(tmp_path), "--once")
    assert result.returncode == 2 and "yarn.elastic.agent.network-method" in result.stderr


def test_once_prints_one_sample_of_a_container_as_json(tmp_path: Path) -> None:
    local = tmp_path / "local"
    (tmp_path / "yarn-site.xml").write_text(
        "<configuration>"
        f"<property><name>yarn.nodemanager.local-dirs</name><value>{local}</value></property>"
        "<property><name>yarn.elastic.agent.progress-source</name><value>none</value></property>"
        "</configuration>"
    )
    child = subprocess.Popen(["sleep", "30"], env={**os.environ, "CONTAINER_ID": C1})
    try:
        result = run("--conf-dir", str(tmp_path), "--once", "--interval-ms", "300")
    finally:
        child.kill()
        child.wait()
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    sample = next(s for s in printed["samples"] if s["container_id"] == C1)
    assert sample["pids"] == 1 and sample["rss_bytes"] > 0
    assert sample["net_method"] in ("ss", "netns", "node")
    assert printed["node_sample"]["cpu_cores_total"] >= 1
