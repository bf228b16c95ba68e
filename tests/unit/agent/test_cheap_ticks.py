"""The agent's cheap per-tick readers: netlink socket counters, /proc counters, cached pid files
and process scans. Each is checked against the kernel (or psutil) on real processes."""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from yarn_elastic_agent.discovery import PidFiles, ProcessTable, find_containers
from yarn_elastic_agent.network import SocketCounters
from yarn_elastic_agent.procfs import ProcReader, parse_io, parse_stat
from yarn_elastic_agent.sock_diag import SockDiagError, TcpSocket, parse_dump

APP = "application_1700000000000_0001"
# An id no other agent test uses: tests of parallel runs in this checkout must not claim ours.
C1 = "container_e01_1700000000000_0001_01_000077"


def diag_message(inode: int, info: bytes) -> bytes:
    body = bytes(64) + struct.pack("=II", 1000, inode)
    attr = struct.pack("=HH", 4 + len(info), 2) + info
    attr += bytes(-len(attr) % 4)
    return struct.pack("=IHHII", 16 + len(body) + len(attr), 20, 2, 1, 0) + body + attr


def tcp_info(acked: int, received: int, sent: int | None) -> bytes:
    info = bytearray(208 if sent is not None else 136)
    struct.pack_into("=QQ", info, 120, acked, received)
    if sent is not None:
        struct.pack_into("=Q", info, 200, sent)
    return bytes(info)


def test_a_dump_yields_bytes_sent_or_on_older_kernels_bytes_acked() -> None:
    data = diag_message(7, tcp_info(90, 500, 100)) + diag_message(8, tcp_info(40, 6, None))
    data += diag_message(0, tcp_info(1, 1, 1))  # time-wait: no inode, skipped
    found: list[TcpSocket] = []
    assert not parse_dump(data, found)
    assert found == [TcpSocket(7, 1000, 100, 500), TcpSocket(8, 1000, 40, 6)]
    assert parse_dump(struct.pack("=IHHII", 20, 3, 2, 1, 0) + bytes(4), found)  # NLMSG_DONE


def test_a_refused_dump_is_an_error_naming_the_reason() -> None:
    error = struct.pack("=IHHII", 36, 2, 0, 1, 0) + struct.pack("=i", -1) + bytes(16)
    with pytest.raises(SockDiagError, match="not permitted"):
        parse_dump(error, [])


def test_netlink_counts_a_processes_loopback_traffic_without_ss() -> None:
    counters = SocketCounters()
    if counters.source != "netlink":
        pytest.skip("netlink sock_diag is not available here")
    server = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(server.getsockname())
    peer, _ = server.accept()
    try:
        counters.tick([os.getpid()])
        client.sendall(b"x" * 300_000)
        got = 0
        while got < 300_000:
            got += len(peer.recv(1 << 20))
        deltas = counters.tick([os.getpid()])
        assert deltas is not None
        # Both ends are ours: each direction is counted once as tx and once as rx.
        assert deltas[os.getpid()] == (300_000, 300_000)
        assert counters.tick([os.getpid()]) == {os.getpid(): (0, 0)}
    finally:
        for s in (client, peer, server):
            s.close()


def test_stat_fields_are_counted_after_the_last_parenthesis() -> None:
    # Each field holds its own position: utime 14, stime 15, starttime 22, rss 24.
    text = b"1 (a) b (c)) " + " ".join(str(n) for n in range(3, 53)).encode()
    assert parse_stat(text) == (14 + 15, 22, 24)
    assert parse_io(b"rchar: 5\nread_bytes: 4096\nwrite_bytes: 8192\n") == (4096, 8192)


def test_proc_reader_agrees_with_psutil_on_a_live_process() -> None:
    me = psutil.Process()
    counters = ProcReader(collect_pss=True).counters(os.getpid())
    assert counters is not None
    times = me.cpu_times()
    assert counters.create_time == pytest.approx(me.create_time(), abs=0.02)
    assert counters.cpu_s == pytest.approx(times.user + times.system, abs=0.05)
    assert counters.rss == pytest.approx(me.memory_info().rss, rel=0.1)
    assert counters.pss is not None and counters.pss > 0
    assert ProcReader(collect_pss=False).counters(2**22 + 7) is None  # no such process


def test_pid_files_are_reread_only_where_a_directory_changed(tmp_path: Path) -> None:
    container_dir = tmp_path / "nmPrivate" / APP / C1
    container_dir.mkdir(parents=True)
    (container_dir / f"{C1}.pid").write_text("4242\n")
    old = time.time() - 60
    for directory in (container_dir, container_dir.parent, container_dir.parent.parent):
        os.utime(directory, (old, old))
    files = PidFiles()
    assert files.read([str(tmp_path)]) == {4242: C1}
    # Rewritten in place (the directory untouched): the cached answer stands...
    (container_dir / f"{C1}.pid").write_text("4343\n")
    os.utime(container_dir, (old, old))
    assert files.read([str(tmp_path)]) == {4242: C1}
    # ...but the NM renames a new pid file into place, which touches the directory.
    (container_dir / "tmp.pid").write_text("4444\n")
    os.replace(container_dir / "tmp.pid", container_dir / f"{C1}.pid")
    assert files.read([str(tmp_path)]) == {4444: C1}
    (container_dir / f"{C1}.pid").unlink()
    container_dir.rmdir()
    assert files.read([str(tmp_path)]) == {}


def test_a_process_born_into_a_known_container_is_found_on_the_next_tick(tmp_path: Path) -> None:
    pid_dir = tmp_path / "nmPrivate" / APP / C1
    pid_dir.mkdir(parents=True)
    go = tmp_path / "go"
    script = (
        "import os,subprocess,time\n"
        f"open({str(pid_dir / (C1 + '.pid'))!r},'w').write(str(os.getpid()))\n"
        f"while not os.path.exists({str(go)!r}): time.sleep(0.02)\n"
        "subprocess.Popen(['sleep','30']); time.sleep(30)\n"
    )
    leader = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    try:
        table = ProcessTable()
        deadline = time.monotonic() + 10
        while C1 not in (found := find_containers(table, [str(tmp_path)])):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert found[C1] == [leader.pid]
        go.write_text("")
        while len(found.get(C1, [])) < 2:
            assert time.monotonic() < deadline, found
            time.sleep(0.05)
            found = find_containers(table, [str(tmp_path)])
        assert leader.pid in found[C1]
    finally:
        os.killpg(leader.pid, 9)
        leader.wait()
