"""The agent keeps a resized container's CPU cgroup at its new size (cpu_limits.py)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from yarn_elastic_agent.config import settings_from
from yarn_elastic_agent.cpu_limits import (
    CgroupCpu,
    CpuLimit,
    CpuLimiter,
    NodeCpu,
    cpu_limit,
    files_for,
    running_vcores,
)

C1 = "container_e01_1700000000000_0001_01_000002"
C2 = "container_e01_1700000000000_0001_01_000003"
STRICT_8_ON_4 = NodeCpu(node_vcores=8, cores=4.0, strict=True)


@pytest.mark.parametrize(
    ("case", "vcores", "node", "expected"),
    [
        ("2 of 8 vcores on 4 cores: 2 x 4 / 8 = 1 core = 100 000 us per 100 000",
         2, STRICT_8_ON_4, CpuLimit(2048, 100_000)),
        ("1 of 8 on 2 cores at 50 %: 1 x 1.0 / 8 = 0.125 core = 12 500 us",
         1, NodeCpu(8, 1.0, True), CpuLimit(1024, 12_500)),
        ("the whole node: no cap, as the NodeManager leaves it",
         8, STRICT_8_ON_4, CpuLimit(8192, None)),
        ("not strict: weighed by 1024 shares a vcore, never capped",
         3, NodeCpu(8, 4.0, False), CpuLimit(3072, None)),
        ("1 of 1000 on 1 core = 100 us, raised to the kernel's 1 000 us floor",
         1, NodeCpu(1000, 1.0, True), CpuLimit(1024, 1_000)),
    ],
)
def test_the_limit_is_what_the_nodemanager_writes_at_launch(
        case: str, vcores: int, node: NodeCpu, expected: CpuLimit) -> None:
    assert cpu_limit(vcores, node) == expected, case


def test_cgroup_v2_files_use_the_kernels_weight_scale() -> None:
    # 1024 shares is the kernel's default weight 100; 2048 shares, 200.
    assert files_for(CpuLimit(2048, 100_000), 2) == {"cpu.weight": "200",
                                                    "cpu.max": "100000 100000"}
    assert files_for(CpuLimit(1024, None), 2) == {"cpu.weight": "100", "cpu.max": "max 100000"}
    assert files_for(CpuLimit(2048, None), 1) == {
        "cpu.shares": "2048", "cpu.cfs_period_us": "100000", "cpu.cfs_quota_us": "-1"}


def v2_tree(root: Path, *containers: str) -> CgroupCpu:
    (root / "cgroup.controllers").write_text("cpu memory\n")
    for container in containers:
        (root / "hadoop-yarn" / container).mkdir(parents=True)
    return CgroupCpu(root, "/hadoop-yarn", STRICT_8_ON_4)


def test_v2_writes_only_what_changed_and_skips_containers_without_a_cgroup(
        tmp_path: Path) -> None:
    cgroups = v2_tree(tmp_path, C1)
    directory = tmp_path / "hadoop-yarn" / C1
    # Launched at 4 vcores (the NodeManager wrote these), then shrunk to 2.
    (directory / "cpu.weight").write_text("400\n")
    (directory / "cpu.max").write_text("200000 100000\n")
    assert cgroups.apply_all({C1: 2, C2: 2}) == {C1: "applied", C2: "no-cgroup"}
    assert (directory / "cpu.max").read_text() == "100000 100000"
    assert (directory / "cpu.weight").read_text() == "200"
    assert cgroups.apply(C1, 2) == "unchanged"
    assert (cgroups.applied, cgroups.refused) == (1, 0)


def test_v1_finds_the_joined_cpu_controller(tmp_path: Path) -> None:
    directory = tmp_path / "cpu,cpuacct" / "hadoop-yarn" / C1
    directory.mkdir(parents=True)
    cgroups = CgroupCpu(tmp_path, "hadoop-yarn", STRICT_8_ON_4)
    assert cgroups.version == 1 and cgroups.directory(C1) == directory
    assert cgroups.apply(C1, 1) == "applied"
    assert (directory / "cpu.shares").read_text() == "1024"
    assert (directory / "cpu.cfs_quota_us").read_text() == "50000"  # 1 x 4 / 8 = 0.5 core


def test_a_cgroup_it_may_not_write_is_refused_counted_and_logged_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    cgroups = v2_tree(tmp_path, C1)
    # A directory where the file should be: writing fails even for root.
    (tmp_path / "hadoop-yarn" / C1 / "cpu.max").mkdir()
    with caplog.at_level("WARNING"):
        assert cgroups.apply(C1, 2) == "refused"
        assert cgroups.apply(C1, 2) == "refused"
    assert cgroups.refused == 2
    warnings = [r.getMessage() for r in caplog.records if C1 in r.getMessage()]
    assert len(warnings) == 1 and "yarn.elastic.agent.cpu-limits=off" in warnings[0]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"containers": {"container": [
            {"id": C1, "state": "RUNNING", "totalVCoresNeeded": 2},
            {"id": C2, "state": "LOCALIZING", "totalVCoresNeeded": 1}]}}, {C1: 2}),
        ({"containers": {"container": [{"id": C1, "state": "RUNNING",
                                        "totalVCoresNeeded": True}, "junk"]}}, {}),
        ({"containers": None}, {}),
        ([1, 2], {}),
    ],
)
def test_nodemanager_containers_are_read_defensively(payload: object,
                                                     expected: dict[str, int]) -> None:
    assert running_vcores(payload) == expected


@pytest.fixture
def nodemanager() -> Iterator[str]:
    body = json.dumps({"containers": {"container": [
        {"id": C1, "state": "RUNNING", "totalVCoresNeeded": 2}]}}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            ok = self.path == "/ws/v1/node/containers"
            self.send_response(200 if ok else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body if ok else b"{}")

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_the_limiter_reads_sizes_from_the_nodemanager(nodemanager: str,
                                                      tmp_path: Path) -> None:
    limiter = CpuLimiter(nodemanager, v2_tree(tmp_path, C1))
    assert limiter.run_once() == {C1: "applied"}
    assert (tmp_path / "hadoop-yarn" / C1 / "cpu.max").read_text() == "100000 100000"


def test_a_nodemanager_that_does_not_answer_is_retried_later(tmp_path: Path) -> None:
    limiter = CpuLimiter("http://127.0.0.1:9", v2_tree(tmp_path, C1), timeout_s=0.5)
    assert limiter.run_once() == {}
    assert limiter.run_once() == {}  # within the back-off: not even asked


def test_settings_follow_the_nodemanagers_keys() -> None:
    settings = settings_from({
        "yarn.nodemanager.webapp.address": "0.0.0.0:8042",
        "yarn.nodemanager.resource.cpu-vcores": "4",
        "yarn.nodemanager.resource.percentage-physical-cpu-limit": "50",
        "yarn.nodemanager.linux-container-executor.cgroups.strict-resource-usage": "true",
    }).cpu_limits
    assert settings is not None and settings.nm_url == "http://localhost:8042"
    assert settings.node.node_vcores == 4 and settings.node.strict
    assert settings.node.cores == (os.cpu_count() or 1) * 0.5
    assert settings.hierarchy == "/hadoop-yarn" and str(settings.mount) == "/sys/fs/cgroup"
    assert settings_from({"yarn.elastic.agent.cpu-limits": "off"}).cpu_limits is None


KERNEL_CPU = Path("/sys/fs/cgroup/cpu")


@pytest.mark.skipif(not (KERNEL_CPU / "cpu.shares").is_file() or not os.access(KERNEL_CPU,
                                                                                 os.W_OK),
                    reason="needs a writable cgroup v1 cpu controller at /sys/fs/cgroup/cpu")
def test_the_kernel_takes_the_limit(tmp_path: Path) -> None:
    """On a real cgroup v1 cpu controller: the kernel reads back what the agent wrote."""
    hierarchy = f"yarn-elastic-test-{os.getpid()}"
    directory = KERNEL_CPU / hierarchy / C1
    directory.mkdir(parents=True)
    try:
        cgroups = CgroupCpu(Path("/sys/fs/cgroup"), hierarchy, STRICT_8_ON_4)
        assert cgroups.apply(C1, 2) == "applied"
        assert (directory / "cpu.shares").read_text().strip() == "2048"
        assert (directory / "cpu.cfs_quota_us").read_text().strip() == "100000"
        assert cgroups.apply(C1, 2) == "unchanged"
    finally:
        directory.rmdir()
        directory.parent.rmdir()
