from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from yarn_elastic_agent.discovery import (
    ProcessTable,
    ProcFacts,
    assign,
    container_id_in,
    find_containers,
    is_local_container,
    read_pid_files,
)

C1 = "container_e01_1700000000000_0001_01_000002"
C2 = "container_1700000000000_0002_01_000001"
APP1 = "application_1700000000000_0001"
APP2 = "application_1700000000000_0002"


def test_pid_file_session_parent_and_cmdline_each_place_a_process() -> None:
    procs = {
        100: ProcFacts(ppid=50, sid=100),    # session leader named by the pid file
        101: ProcFacts(ppid=100, sid=100),   # its child
        102: ProcFacts(ppid=1, sid=100),     # orphan re-parented to init, same session
        200: ProcFacts(ppid=1, sid=200),     # names its container on the command line
        201: ProcFacts(ppid=200, sid=200),
        300: ProcFacts(ppid=1, sid=300),     # unrelated daemon
        50: ProcFacts(ppid=1, sid=50),       # the NodeManager
    }
    own = {200: C2}
    mapping = assign(procs, {100: C1}, own.get)
    assert mapping == {100: C1, 101: C1, 102: C1, 200: C2, 201: C2}


@pytest.mark.parametrize("order", [(1, 100, 50, 60), (60, 50, 100, 1)])
def test_a_child_naming_a_container_never_claims_its_parents(order: tuple[int, ...]) -> None:
    # After pids wrap, a child can have a lower pid than its parents and be visited first; the
    # answer must not depend on the order pids are listed in.
    facts = {
        1: ProcFacts(ppid=0, sid=1),        # init
        100: ProcFacts(ppid=1, sid=100),    # the test runner: names nothing
        50: ProcFacts(ppid=100, sid=100),   # a child started with CONTAINER_ID
        60: ProcFacts(ppid=50, sid=100),    # its child, naming nothing itself
    }
    procs = {pid: facts[pid] for pid in order}
    assert assign(procs, {}, {50: C1}.get) == {50: C1, 60: C1}


def test_parent_cycles_and_missing_parents_do_not_hang() -> None:
    procs = {10: ProcFacts(ppid=11, sid=10), 11: ProcFacts(ppid=10, sid=11),
             12: ProcFacts(ppid=999, sid=12)}
    assert assign(procs, {}, {12: C1}.get) == {12: C1}


def test_container_id_is_found_in_jvm_arguments() -> None:
    argv = ["java", f"-Djava.io.tmpdir=/x/appcache/{APP1}/{C1}/tmp", "Executor"]
    assert container_id_in(argv) == C1
    assert container_id_in(["bash", "-c", "sleep 1"]) is None


def test_pid_files_are_read_and_torn_ones_skipped(tmp_path: Path) -> None:
    good = tmp_path / "nmPrivate" / APP1 / C1
    good.mkdir(parents=True)
    (good / f"{C1}.pid").write_text("4242\n")
    torn = tmp_path / "nmPrivate" / APP1 / C2
    torn.mkdir(parents=True)
    (torn / f"{C2}.pid").write_text("")
    assert read_pid_files([str(tmp_path)]) == {4242: C1}


def test_a_real_session_with_a_pid_file_is_found_with_its_children(tmp_path: Path) -> None:
    pid_dir = tmp_path / "nmPrivate" / APP1 / C1
    pid_dir.mkdir(parents=True)
    script = (
        "import os,subprocess,time;"
        f"open({str(pid_dir / (C1 + '.pid'))!r},'w').write(str(os.getpid()));"
        "subprocess.Popen(['sleep','30']); time.sleep(30)"
    )
    leader = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    try:
        deadline = time.monotonic() + 10
        found: dict[str, list[int]] = {}
        while time.monotonic() < deadline:
            found = find_containers(ProcessTable(), [str(tmp_path)])
            if len(found.get(C1, [])) == 2:
                break
            time.sleep(0.1)
        assert leader.pid in found[C1] and len(found[C1]) == 2
        assert os.getpid() not in found.get(C1, [])
    finally:
        os.killpg(leader.pid, 9)
        leader.wait()


def test_a_container_without_pid_file_is_found_by_its_environment(tmp_path: Path) -> None:
    (tmp_path / "usercache" / "alice" / "appcache" / APP2 / C2).mkdir(parents=True)
    child = subprocess.Popen(["sleep", "30"], env={**os.environ, "CONTAINER_ID": C2},
                             start_new_session=True)
    try:
        found = find_containers(ProcessTable(), [str(tmp_path)])
        assert found.get(C2) == [child.pid]
    finally:
        child.kill()
        child.wait()


def test_another_node_managers_container_on_the_same_host_is_not_claimed(
    tmp_path: Path,
) -> None:
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    (theirs / "usercache" / "alice" / "appcache" / APP2 / C2).mkdir(parents=True)
    (ours / "nmPrivate").mkdir(parents=True)
    child = subprocess.Popen(["sleep", "30"], env={**os.environ, "CONTAINER_ID": C2},
                             start_new_session=True)
    try:
        assert C2 not in find_containers(ProcessTable(), [str(ours)])
        assert find_containers(ProcessTable(), [str(theirs)]).get(C2) == [child.pid]
        # Local dirs that do not exist here say nothing: fall back to claiming what we find.
        assert find_containers(ProcessTable(), [str(tmp_path / "absent")]).get(C2) == [child.pid]
    finally:
        child.kill()
        child.wait()


def test_is_local_container_reads_nm_private_and_appcache(tmp_path: Path) -> None:
    (tmp_path / "nmPrivate" / APP1 / C1).mkdir(parents=True)
    assert is_local_container([str(tmp_path)], C1)
    assert not is_local_container([str(tmp_path)], C2)
