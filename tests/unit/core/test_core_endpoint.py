"""The real core process, driven through Py4J by a real Java program, as the shim drives it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "tests" / "data" / "interface"
JAVA_SOURCES = Path(__file__).parent / "java"
PY4J_JAR = next(iter((Path(sys.prefix) / "share" / "py4j").glob("py4j*.jar")), None)

needs_java = pytest.mark.skipif(
    shutil.which("javac") is None or PY4J_JAR is None, reason="needs a JDK and the py4j jar"
)


def _core_command(*extra: str) -> list[str]:
    return [sys.executable, "-m", "yarn_elastic.cli", "core", *extra]


@pytest.fixture()
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "token"
    path.write_text("test-secret\n")
    path.chmod(0o600)
    return path


@pytest.fixture()
def core(token_file: Path):  # type: ignore[no-untyped-def]
    process = subprocess.Popen(
        # The HTTP tokens are tested apart (below); this core is about the Py4J channel.
        _core_command("--port", "0", "--http-port", "0", "--auth-token-file", str(token_file),
                      "--exit-on-stdin-eof", "--insecure"),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("YARN_ELASTIC_CORE_READY"), process.stderr.read() if process.stderr \
        else line
    ports = dict(part.split("=") for part in line.split()[1:])
    yield process, int(ports["py4j_port"]), int(ports["http_port"])
    if process.poll() is None:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def probe_classes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("probe")
    sources = [str(p) for p in JAVA_SOURCES.rglob("*.java")]
    subprocess.run(["javac", "-d", str(out), "-cp", str(PY4J_JAR), *sources], check=True)
    return out


def _exchange(classes: Path, port: int, token: str, *files: Path) -> list[dict[str, object]]:
    result = subprocess.run(
        ["java", "-cp", f"{classes}{os.pathsep}{PY4J_JAR}", "probe.ExchangeProbe", str(port),
         token, *map(str, files)],
        capture_output=True, text=True, timeout=60, check=True,
    )
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


@needs_java
def test_java_exchanges_bytes_with_the_core(core, probe_classes: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    process, py4j_port, http_port = core
    garbage = tmp_path / "garbage.json"
    garbage.write_text("not json")
    replies = _exchange(
        probe_classes, py4j_port, "test-secret",
        EXAMPLES / "hello.json", EXAMPLES / "cycle_request_full.json",
        EXAMPLES / "cycle_request_delta.json", EXAMPLES / "cycle_request_delta.json",
        garbage,
    )
    assert [r.get("status") for r in replies] == ["ok", "ok", "ok", "need_full", "error"]
    assert replies[1]["placements"] == [
        {"ask": "application_1700000000000_0001#1#0", "node": "node-a:45454", "count": 3,
         "score": 0.6875}
    ]
    assert "JSON" in str(replies[4]["message"])
    with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/ws/v1/elastic/status") as resp:
        status = json.load(resp)
    assert status["schema"] == 2 and status["cycles"] == 3
    assert status["session"] == {"schema": 2, "resizing": True}
    url = f"http://127.0.0.1:{http_port}/ws/v1/elastic/decisions?since=1"
    with urllib.request.urlopen(url) as resp:
        decisions = json.load(resp)["decisions"]
    assert [(d["seq"], d["count"]) for d in decisions] == [(2, 2)]
    # Lifetimes are tied: closing stdin stops the core.
    assert process.stdin is not None
    process.stdin.close()
    assert process.wait(15) == 0


@needs_java
def test_wrong_token_is_refused(core, probe_classes: Path) -> None:  # type: ignore[no-untyped-def]
    _, py4j_port, _ = core
    with pytest.raises(subprocess.CalledProcessError) as error:
        _exchange(probe_classes, py4j_port, "wrong-token", EXAMPLES / "hello.json")
    assert "Authentication" in error.value.stderr


@pytest.mark.parametrize(
    ("content", "mode", "expected"),
    [(None, 0o600, "cannot read"), ("", 0o600, "empty"), ("x", 0o644, "readable by every")],
)
def test_core_refuses_a_bad_token_file(
    tmp_path: Path, content: str | None, mode: int, expected: str
) -> None:
    path = tmp_path / "token"
    if content is not None:
        path.write_text(content)
        path.chmod(mode)
    result = subprocess.run(
        _core_command("--port", "0", "--http-port", "0", "--auth-token-file", str(path)),
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert "yarn.elastic.core.auth-token-file" in result.stderr and expected in result.stderr


@pytest.mark.parametrize("missing", ["yarn.elastic.depository.token-file",
                                     "yarn.elastic.estimator.token-file"])
def test_without_an_http_token_the_core_refuses_to_start_unless_told_insecure(
        tmp_path: Path, token_file: Path, missing: str) -> None:
    keys = ["yarn.elastic.depository.token-file", "yarn.elastic.estimator.token-file"]
    (tmp_path / "yarn-site.xml").write_text("<configuration>" + "".join(
        f"<property><name>{key}</name><value>{token_file}</value></property>"
        for key in keys if key != missing) + "<property><name>yarn.elastic.depository.path"
        f"</name><value>{tmp_path / 'core.db'}</value></property></configuration>")
    command = _core_command("--conf-dir", str(tmp_path), "--auth-token-file", str(token_file),
                            "--port", "0", "--http-port", "0", "--exit-on-stdin-eof")
    refused = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2
    assert f"{missing} is not set" in refused.stderr and "--insecure" in refused.stderr
    insecure = subprocess.Popen([*command, "--insecure"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert insecure.stdout is not None
        assert insecure.stdout.readline().startswith("YARN_ELASTIC_CORE_READY")
    finally:
        _, errors = insecure.communicate(timeout=60)  # closes stdin: the core exits
    assert f"{missing} is not set and --insecure was given" in errors


@pytest.mark.parametrize(("key", "value", "valid"), [
    ("yarn.elastic.core.http-port", "eighty", "TCP port"),
    ("yarn.elastic.resize.grow-at", "1.5", "from 0 to 1"),
    ("yarn.elastic.resize.lead-slots", "-1", ">= 0"),
    ("yarn.elastic.resize.memory-margin", "lots", "from 0 to 10"),
    ("yarn.elastic.demand.curves", "guessed", "predicted or requested"),
    ("yarn.elastic.demand.over-plan-margin", "-0.1", "from 0 to 10"),
])
def test_bad_config_value_names_the_key(tmp_path: Path, token_file: Path, key: str, value: str,
                                        valid: str) -> None:
    (tmp_path / "yarn-site.xml").write_text(
        f"<configuration><property><name>{key}</name>"
        f"<value>{value}</value></property></configuration>"
    )
    result = subprocess.run(
        _core_command("--conf-dir", str(tmp_path), "--auth-token-file", str(token_file)),
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2 and key in result.stderr and valid in result.stderr


def test_help_works() -> None:
    result = subprocess.run(_core_command("--help"), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "--auth-token-file" in result.stdout
