"""Agent overhead, depository ingest rate and 1-hour curve query time -> results/agent.json.

Run: .venv/bin/python -m benchmarks.agent.run [--ticks 12]
- Agent: 50 fake containers (a session leader with an NM pid file, each a real `sleep`), the
  real `yarn-elastic-agent` process sampling every 3 s and posting to a real depository; CPU is
  the agent's own process time plus any children's (it forks none since netlink replaced `ss`),
  over wall time, as % of one core: neighbours' load does not change it.
- Ingest: gzip reports through the depository service (decode, validate, SQLite commit) on
  one thread; node-sized reports (30 containers + the node) and large reports. The headline is
  samples per CPU-second of that thread (what one core sustains, whatever else the machine
  runs); the wall-clock rate, which also pays fsync waits and neighbours' load, is kept beside.
- Query: one container's 1-hour raw curve (1200 samples) in a database of 100 containers.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
from yarn_elastic.depository.http import add_routes, token_guard
from yarn_elastic.depository.report import Limits
from yarn_elastic.depository.service import Depository, DepositoryLimits
from yarn_elastic.depository.store import UsageStore
from yarn_elastic.web.router import HttpServer, Request, Response, Router

RESULTS = Path(__file__).resolve().parents[1] / "results" / "agent.json"
APP = "application_1700000000000_{:04d}"
CONTAINER = "container_e01_1700000000000_{:04d}_01_{:06d}"


def sample(container: str, ts: int) -> dict[str, Any]:
    return {"container_id": container, "ts_ms": ts, "cpu_cores": 1.25, "rss_bytes": 734003200,
            "pss_bytes": 700000000, "disk_read_bps": 1048576.0, "disk_write_bps": 524288.0,
            "net_rx_bps": 2097152.0, "net_tx_bps": 1048576.0, "net_method": "ss",
            "progress": 0.5, "pids": 3}


def node_report(node: int, ts: int, per_node: int, ticks: int, seq: int) -> bytes:
    containers = [CONTAINER.format(node % 9000 + 1, c + 1) for c in range(per_node)]
    body = {
        "schema": 1, "type": "usage_report", "batch_id": f"n{node}-{seq}", "node": f"node{node}",
        "apps": [], "containers": [{"container_id": c, "user": "u"} for c in containers],
        "samples": [sample(c, ts + 3000 * t) for t in range(ticks) for c in containers],
        "node_samples": [{"ts_ms": ts, "cpu_cores_used": 20.0, "cpu_cores_total": 32.0,
                          "mem_used_bytes": 1 << 36, "mem_total_bytes": 1 << 37,
                          "mem_available_bytes": 1 << 36, "disk_read_bps": 1.0,
                          "disk_write_bps": 1.0, "net_rx_bps": 1.0, "net_tx_bps": 1.0}],
    }
    return gzip.compress(json.dumps(body, separators=(",", ":")).encode())


def ingest_rate(
    tmp: Path, per_node: int, ticks: int, reports: int, synchronous: str
) -> tuple[float, float]:
    """(samples per CPU-second, samples per wall second)."""
    store = UsageStore(tmp / f"ingest-{per_node}-{ticks}-{synchronous}.db", synchronous)
    now = int(time.time() * 1000)
    limits = DepositoryLimits(Limits(100_000, 10**12), 1 << 28, 7.0, 10**12)
    depository = Depository(store, limits, clock=lambda: now)
    bodies = [node_report(i, now - 3_600_000 + (i // 1000) * 3000 * ticks, per_node, ticks, i)
              for i in range(reports)]
    started = time.process_time()
    wall = time.perf_counter()
    for body in bodies:
        depository.ingest(body, "gzip", None)
    cpu = time.process_time() - started
    wall = time.perf_counter() - wall
    store.close()
    samples = reports * (per_node * ticks + 1)
    print(f"  ingest {per_node}x{ticks}+1 per report, {synchronous}: "
          f"{samples / wall:,.0f} samples/s wall, {samples / cpu:,.0f} per CPU-second")
    return samples / cpu, samples / wall


def query_time(tmp: Path) -> float:
    store = UsageStore(tmp / "query.db", "NORMAL")
    limits = DepositoryLimits(Limits(100_000, 10**12), 1 << 28, 7.0, 10**12)
    now = int(time.time() * 1000)
    depository = Depository(store, limits, clock=lambda: now)
    start = now - 3_600_000
    # 100 containers x 1200 samples (1 hour every 3 s), in reports of 10 containers x 60 ticks.
    for hour_block in range(20):
        for node in range(10):
            depository.ingest(
                node_report(node, start + hour_block * 180_000, 10, 60, hour_block * 10 + node),
                "gzip", None)
    target = CONTAINER.format(1, 1)
    timings = []
    for _ in range(50):
        began = time.perf_counter()
        curve = store.container_curve(target, start, now)
        timings.append((time.perf_counter() - began) * 1000)
    assert curve is not None and len(curve) == 1200, len(curve or [])
    store.close()
    return statistics.median(timings)


def agent_overhead(tmp: Path, ticks: int) -> dict[str, float]:
    local = tmp / "local"
    sleepers = []
    for c in range(50):
        container = CONTAINER.format(1, c + 1)
        pid_dir = local / "nmPrivate" / APP.format(1) / container
        pid_dir.mkdir(parents=True)
        proc = subprocess.Popen(["sleep", "3600"], start_new_session=True)
        (pid_dir / f"{container}.pid").write_text(str(proc.pid))
        sleepers.append(proc)
    router = Router()
    conf = {"yarn.elastic.depository.path": str(tmp / "core.db")}
    guard = token_guard(conf, insecure=True)  # the benchmark measures the agent, not the guard
    depository = add_routes(router, conf, guard)
    sizes: list[int] = []

    def counting(request: Request) -> Response:
        sizes.append(len(request.body))
        return router.dispatch(request)

    outer = Router()
    outer.add("POST", "/ws/v1/usage/reports", counting, guard=guard)
    server = HttpServer(outer, "127.0.0.1", 0, 1 << 24)
    server.start()
    conf_dir = tmp / "conf"
    conf_dir.mkdir()
    (conf_dir / "yarn-site.xml").write_text(
        "<configuration>"
        f"<property><name>yarn.nodemanager.local-dirs</name><value>{local}</value></property>"
        "<property><name>yarn.elastic.agent.core-url</name>"
        f"<value>http://127.0.0.1:{server.port}</value></property>"
        f"<property><name>yarn.elastic.agent.spool-dir</name><value>{tmp / 'spool'}</value>"
        "</property><property><name>yarn.elastic.agent.progress-source</name><value>none</value>"
        "</property></configuration>")
    agent = subprocess.Popen(
        [sys.executable, "-m", "yarn_elastic_agent.cli", "--conf-dir", str(conf_dir),
         "--log-level", "WARNING"])
    try:
        handle = psutil.Process(agent.pid)
        time.sleep(4.0)  # start-up (imports, first discovery) is not steady-state overhead
        t0 = handle.cpu_times()
        w0 = time.monotonic()
        rss = []
        for _ in range(ticks):
            time.sleep(3.0)
            rss.append(handle.memory_info().rss)
        t1 = handle.cpu_times()
        wall = time.monotonic() - w0
    finally:
        agent.terminate()
        agent.wait(timeout=30)
        server.stop()
        depository.store.close()
        for proc in sleepers:
            proc.kill()
            proc.wait()
    used = sum(t1[:4]) - sum(t0[:4])  # user, system, children_user, children_system (ss)
    steady = sizes[2:] or sizes
    stored = 50 * len(sizes)
    print(f"  agent: {used / wall * 100:.2f} % of a core, RSS {max(rss) / 2**20:.1f} MB, "
          f"{statistics.mean(steady):.0f} B per report, {len(sizes)} reports (~{stored} samples)")
    return {"cpu_percent": round(used / wall * 100, 3), "rss_mb": round(max(rss) / 2**20, 1),
            "report_bytes": round(statistics.mean(steady))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ticks", type=int, default=12, help="agent ticks of 3 s to measure")
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        print("agent overhead (50 containers, 3 s):")
        agent = agent_overhead(tmp, args.ticks)
        print("depository ingest (one thread):")
        node_sized = ingest_rate(tmp, 30, 1, 3000, "FULL")
        ingest_rate(tmp, 30, 1, 3000, "NORMAL")
        big = max((ingest_rate(tmp / str(i), 30, 10, 300, "FULL") for i in range(3)),
                  key=lambda rates: rates[0])
        query_ms = query_time(tmp)
        print(f"query of a 1-hour curve: {query_ms:.2f} ms (median of 50)")
    result = {**agent, "ingest_samples_per_s": round(big[0]),
              "ingest_samples_per_s_wall": round(big[1]),
              "ingest_samples_per_s_node_sized_reports": round(node_sized[0]),
              "ingest_samples_per_s_node_sized_reports_wall": round(node_sized[1]),
              "query_1h_ms": round(query_ms, 2),
              "machine": f"{os.cpu_count()} cores, {psutil.virtual_memory().total >> 30} GiB, "
                         f"Python {sys.version.split()[0]}",
              "load_average_1m": [round(load_before[0], 1), round(os.getloadavg()[0], 1)]}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
