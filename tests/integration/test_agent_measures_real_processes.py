"""The agent measures real processes with known behaviour within ±10 %.

A fake NodeManager container (session leader + pid file under nmPrivate) runs three children:
one burns a core and holds 300 MB, one writes 50 MB/s to disk, one sends 20 MB/s over a
loopback socket to this test. The machine is shared, so the truth is not the nominal rate but
what each child reports it actually did (its own process time, bytes written, bytes sent).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from yarn_elastic_agent.sampling import Sampler

pytestmark = pytest.mark.integration

APP = "application_1700000000000_0042"
CONTAINER = "container_e01_1700000000000_0042_01_000002"

CHILD = textwrap.dedent("""
    import json, os, socket, sys, time
    role, truth, work = sys.argv[1], sys.argv[2], sys.argv[3]
    done = 0
    def report():
        with open(truth + ".tmp", "w") as f:
            json.dump({"t": time.time(), "cpu": time.process_time(), "bytes": done}, f)
        os.replace(truth + ".tmp", truth)
    if role == "burn":
        hold = bytearray(300 << 20)
        for i in range(0, len(hold), 4096):
            hold[i] = 1
    elif role == "disk":
        chunk, out, written_in_file = b"x" * (5 << 20), None, 0
    else:
        sock = socket.create_connection(("127.0.0.1", int(work)))
        chunk = b"y" * (1 << 20)
    rate = (50 << 20) if role == "disk" else (20 << 20)
    start, last = time.monotonic(), 0.0
    while True:
        now = time.monotonic()
        if role == "burn":
            x = 0
            for _ in range(20000):
                x += 1
        elif now - start < done / rate:  # ahead of the target rate: wait
            time.sleep(0.01)
        elif role == "disk":
            if out is None or written_in_file >= (100 << 20):
                if out is not None:
                    out.close()
                out = open(os.path.join(work, "data"), "wb")
                written_in_file = 0
            out.write(chunk); out.flush(); os.fsync(out.fileno())
            written_in_file += len(chunk); done += len(chunk)
        else:
            sock.sendall(chunk); done += len(chunk)
        if now - last > 0.1:
            report(); last = now
""")

SESSION = textwrap.dedent("""
    import os, subprocess, sys, time
    pid_file, script, truth_dir, port, work = sys.argv[1:6]
    with open(pid_file, "w") as f:
        f.write(str(os.getpid()))
    for role, arg in (("burn", work), ("disk", work), ("net", port)):
        subprocess.Popen([sys.executable, script, role, os.path.join(truth_dir, role), arg])
    time.sleep(3600)
""")


def read_truth(directory: Path) -> dict[str, dict[str, float]]:
    return {role: json.loads((directory / role).read_text()) for role in ("burn", "disk", "net")}


def test_cpu_memory_disk_and_network_are_measured_within_ten_percent(tmp_path: Path) -> None:
    local = tmp_path / "local"
    pid_dir = local / "nmPrivate" / APP / CONTAINER
    pid_dir.mkdir(parents=True)
    (tmp_path / "child.py").write_text(CHILD)
    (tmp_path / "session.py").write_text(SESSION)
    truth_dir = tmp_path / "truth"
    truth_dir.mkdir()
    listener = socket.create_server(("127.0.0.1", 0))
    received = [0]

    def drain() -> None:
        conn, _ = listener.accept()
        while data := conn.recv(1 << 20):
            received[0] += len(data)

    threading.Thread(target=drain, daemon=True).start()
    session = subprocess.Popen(
        [sys.executable, str(tmp_path / "session.py"), str(pid_dir / f"{CONTAINER}.pid"),
         str(tmp_path / "child.py"), str(truth_dir), str(listener.getsockname()[1]),
         str(tmp_path)],
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                read_truth(truth_dir)
                break
            except (OSError, ValueError):
                time.sleep(0.2)
        time.sleep(1.0)  # past start-up: 300 MB touched, rates settled
        sampler = Sampler([str(local)], "auto", collect_pss=True)
        sampler.sample()
        before = read_truth(truth_dir)
        samples = []
        for _ in range(2):
            time.sleep(3.0)
            _, found, _node = sampler.sample()
            samples.extend(s for s in found if s["container_id"] == CONTAINER)
        after = read_truth(truth_dir)
    finally:
        os.killpg(session.pid, signal.SIGKILL)
        session.wait()
        listener.close()

    assert len(samples) == 2 and samples[-1]["pids"] == 4
    span = after["burn"]["t"] - before["burn"]["t"]
    true_cpu = sum(after[r]["cpu"] - before[r]["cpu"] for r in after) / span
    true_write = (after["disk"]["bytes"] - before["disk"]["bytes"]) / span
    true_tx = (after["net"]["bytes"] - before["net"]["bytes"]) / span

    def mean(key: str) -> float:
        return sum(s[key] for s in samples) / len(samples)

    report = {"cpu": (mean("cpu_cores"), true_cpu), "write": (mean("disk_write_bps"), true_write),
              "tx": (mean("net_tx_bps"), true_tx), "rss": (samples[-1]["rss_bytes"], 300 << 20)}
    print(json.dumps(report))
    # The comparisons below are against what the children really did, so they hold on a busy
    # machine too (seen: 0.46 cores burnt under load 10, measured 0.459); this only checks
    # that the burner ran at all.
    assert true_cpu > 0.1, "the CPU burner barely ran; the comparison would mean nothing"
    assert mean("cpu_cores") == pytest.approx(true_cpu, rel=0.10)
    assert mean("disk_write_bps") == pytest.approx(true_write, rel=0.10)
    assert samples[-1]["net_method"] == "ss"
    assert mean("net_tx_bps") == pytest.approx(true_tx, rel=0.10)
    # RSS of the tree: 300 MB held by the burner plus four interpreters (~10 MB each).
    assert 300 << 20 <= samples[-1]["rss_bytes"] <= (300 << 20) * 1.25
    assert samples[-1]["pss_bytes"] is not None
