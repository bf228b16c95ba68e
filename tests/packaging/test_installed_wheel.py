"""The built wheel, installed into a fresh venv and run outside the source tree, gives working
commands (issue 10, packaging): each answers `--help` and one real call.

The venv gets the wheel alone (`--no-deps`); its dependencies come from the test's own
environment through a path entry, which adds their directory to `sys.path` without running
that environment's `.pth` files, so the editable install of this checkout stays out and every
`yarn_elastic` module is the wheel's (checked first)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = ("core", "estimator", "predict", "usage", "explain", "simulate", "workload", "demo")


@dataclass(frozen=True)
class Installed:
    bin: Path
    work: Path  # outside the source tree: every command runs here

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONPATH", "YARN_ELASTIC_HOME", "HADOOP_CONF_DIR")}
        return subprocess.run([str(self.bin / args[0]), *args[1:]], cwd=self.work, env=env,
                              capture_output=True, text=True, timeout=timeout, check=False)

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen([str(self.bin / args[0]), *args[1:]], cwd=self.work,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("wheel")
    dist, venv = work / "dist", work / "venv"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist),
                    str(ROOT)], check=True, capture_output=True, timeout=600)
    (wheel,) = dist.glob("yarn_elastic-*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--no-deps", "--no-index",
                    str(wheel)], check=True, capture_output=True, timeout=300)
    where = "import sysconfig; print(sysconfig.get_path('purelib'))"
    purelib = Path(subprocess.run([str(venv / "bin" / "python"), "-c", where], check=True,
                                  capture_output=True, text=True).stdout.strip())
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (purelib / "_test_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    return Installed(venv / "bin", work)


def test_the_modules_are_the_wheels_not_the_checkouts(installed: Installed) -> None:
    result = installed.run("python", "-c", "import yarn_elastic, yarn_elastic_agent;"
                           " print(yarn_elastic.__file__); print(yarn_elastic_agent.__file__)")
    assert result.returncode == 0, result.stderr
    for path in result.stdout.split():
        assert Path(path).is_relative_to(installed.bin.parent), path


@pytest.mark.parametrize("command", [("yarn-elastic", c) for c in COMMANDS]
                         + [("yarn-elastic-agent",), ("yarn-elastic",)])
def test_every_command_answers_help(installed: Installed, command: tuple[str, ...]) -> None:
    result = installed.run(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: "), result.stdout


def test_a_shipped_workload_is_written_and_simulated(installed: Installed) -> None:
    written = installed.run("yarn-elastic", "workload", "elasecutor-mix", "--out", "mix.json")
    assert written.returncode == 0, written.stderr
    simulated = installed.run("yarn-elastic", "simulate", "mix.json", "--schedulers", "static",
                              "--out", "sim", "--no-plots", "--quiet")
    assert simulated.returncode == 0, simulated.stderr
    summary = json.loads((installed.work / "sim" / "summary.json").read_text())
    assert "static" in json.dumps(summary)
    assert (installed.work / "sim" / "apps.csv").stat().st_size > 0


@pytest.fixture()
def core(installed: Installed) -> Iterator[str]:
    conf = installed.work / "conf"
    conf.mkdir(exist_ok=True)
    tokens = {}
    for name in ("core", "usage", "estimator"):
        tokens[name] = installed.work / f"{name}.token"
        tokens[name].write_text(name[0] * 64 + "\n")
        tokens[name].chmod(0o600)
    properties = {"yarn.elastic.depository.path": installed.work / "core.db",
                  "yarn.elastic.depository.token-file": tokens["usage"],
                  "yarn.elastic.estimator.token-file": tokens["estimator"]}
    (conf / "yarn-site.xml").write_text(
        "<?xml version=\"1.0\"?>\n<configuration>\n" + "".join(
            f"  <property><name>{key}</name><value>{value}</value></property>\n"
            for key, value in properties.items()) + "</configuration>\n")
    token = tokens["core"]
    process = installed.start("yarn-elastic", "core", "--conf-dir", str(conf), "--port", "0",
                              "--http-port", "0", "--auth-token-file", str(token),
                              "--exit-on-stdin-eof")
    try:
        assert process.stdout is not None
        ready = _line_matching(process.stdout, r"YARN_ELASTIC_CORE_READY .*http_port=(\d+)")
        yield f"http://127.0.0.1:{ready.group(1)}"
    finally:
        assert process.stdin is not None
        process.stdin.close()  # --exit-on-stdin-eof: the core stops as when its RM goes
        process.wait(timeout=60)


def test_the_core_starts_and_answers_and_usage_asks_it(installed: Installed, core: str) -> None:
    with urllib.request.urlopen(f"{core}/ws/v1/elastic/status", timeout=30) as response:
        status = json.loads(response.read())
    assert status["schema"] == 2 and status["version"] == "0.1.0", status
    # usage reads the depository's token from the same yarn-site.xml, as an operator's would.
    usage = installed.run("yarn-elastic", "usage", "--url", core, "--conf-dir",
                          str(installed.work / "conf"), "--app", "application_1_0001")
    assert usage.returncode == 1 and "no usage recorded" in usage.stderr, usage


def test_the_estimator_serves_its_store(installed: Installed) -> None:
    process = installed.start("yarn-elastic", "estimator", "--port", "0", "--insecure", "--db",
                              str(installed.work / "estimator.db"))
    try:
        assert process.stderr is not None
        found = _line_matching(process.stderr, r"listening on (http://127\.0\.0\.1:\d+)")
        url = f"{found.group(1)}/resourceestimator/skylinestore/history/*/*"
        with urllib.request.urlopen(url, timeout=30) as response:
            assert json.loads(response.read()) == []
    finally:
        process.terminate()
        process.wait(timeout=60)


def test_predict_reads_a_store_and_says_what_it_lacks(installed: Installed) -> None:
    result = installed.run("yarn-elastic", "predict", "--db", "predict.db", "--app-name",
                           "etl", "--app-type", "SPARK", "--queue", "default", "--user", "ana",
                           "--executor-cores", "1", "--executor-memory-mb", "1024")
    assert result.returncode == 1, result
    assert "0 stored runs" in result.stdout and "no stored history" in result.stdout, result


def test_the_agent_measures_this_node(installed: Installed) -> None:
    conf = installed.work / "agent-conf"
    conf.mkdir(exist_ok=True)
    (conf / "yarn-site.xml").write_text("<?xml version=\"1.0\"?>\n<configuration/>\n")
    result = installed.run("yarn-elastic-agent", "--once", "--conf-dir", str(conf))
    assert result.returncode == 0, result.stderr
    sample = json.loads(result.stdout)
    assert sample["node_sample"]["cpu_cores_total"] > 0, sample


def test_the_demo_from_a_wheel_names_the_checkout_it_needs(installed: Installed) -> None:
    result = installed.run("yarn-elastic", "demo", "--no-spark")
    assert result.returncode == 2, result
    assert "source checkout" in result.stderr and "YARN_ELASTIC_HOME" in result.stderr, result


def _line_matching(stream: object, pattern: str, timeout_s: float = 90) -> re.Match[str]:
    """The first line of a child's output matching `pattern` (it is read line by line)."""
    deadline = time.monotonic() + timeout_s
    seen = []
    for line in iter(stream.readline, ""):  # type: ignore[attr-defined]
        seen.append(line)
        found = re.search(pattern, line)
        if found:
            return found
        assert time.monotonic() < deadline, "".join(seen[-20:])
    raise AssertionError(f"no line matched {pattern!r}: {''.join(seen[-20:])}")
