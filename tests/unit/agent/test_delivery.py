"""The agent's spool and sender against the real depository over real HTTP."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from yarn_elastic.depository.http import add_routes, token_guard
from yarn_elastic.depository.report import Limits, parse_report
from yarn_elastic.web.router import HttpServer, Router
from yarn_elastic_agent.reports import build_reports, encode
from yarn_elastic_agent.sender import Sender
from yarn_elastic_agent.spool import Spool

TOKEN = "agent-token"
C1 = "container_e01_1700000000000_0001_01_000002"


def samples(start_ms: int, count: int) -> list[dict[str, object]]:
    return [{
        "container_id": C1, "ts_ms": start_ms + 3000 * i, "cpu_cores": 1.0, "rss_bytes": 5,
        "pss_bytes": None, "disk_read_bps": 0.0, "disk_write_bps": 0.0, "net_rx_bps": 0.0,
        "net_tx_bps": 0.0, "net_method": "ss", "progress": None, "pids": 1,
    } for i in range(count)]


class Core:
    """A real core HTTP server with the depository, that can be stopped and restarted."""

    def __init__(self, tmp: Path) -> None:
        (tmp / "token").write_text(TOKEN)
        (tmp / "token").chmod(0o600)
        self.conf = {"yarn.elastic.depository.path": str(tmp / "core.db"),
                     "yarn.elastic.depository.token-file": str(tmp / "token")}
        self.db = tmp / "core.db"
        self.port = 0
        self.server: HttpServer | None = None

    def start(self) -> None:
        router = Router()
        self.depository = add_routes(router, self.conf, token_guard(self.conf, insecure=False))
        self.server = HttpServer(router, "127.0.0.1", self.port, max_body_bytes=1 << 24)
        self.server.start()
        self.port = self.server.port

    def stop(self) -> None:
        assert self.server is not None
        self.server.stop()
        self.depository.store.close()

    def stored_samples(self) -> list[int]:
        with sqlite3.connect(self.db) as db:
            return [r[0] for r in db.execute("SELECT ts_ms FROM usage_samples ORDER BY ts_ms")]


@pytest.fixture
def core(tmp_path: Path) -> Iterator[Core]:
    server = Core(tmp_path)
    server.start()
    yield server
    if server.server is not None:
        with contextlib.suppress(Exception):  # already stopped by the test
            server.stop()


def spool_reports(spool: Spool, start_ms: int, count: int) -> None:
    for report in build_reports("node1", samples(start_ms, count), [], {C1: "alice"}, {}, 4):
        spool.put(report["batch_id"], encode(report))


def wait_until(condition: object, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_built_reports_satisfy_the_depository_contract() -> None:
    reports = build_reports("node1:8041", samples(1_700_000_000_000, 10),
                            [], {C1: "alice"}, {"application_1700000000000_0001": {"name": "q"}}, 4)
    assert [len(r["samples"]) for r in reports] == [4, 4, 2]
    for report in reports:
        decoded = json.loads(json.dumps(report))
        parse_report(decoded, 1_700_000_100_000, Limits(10, 60_000_000), None)
    assert len({r["batch_id"] for r in reports}) == 3


def test_spool_keeps_order_across_restarts_and_stays_bounded(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s", max_bytes=10_000)
    for i in range(3):
        spool.put(f"b{i}", b"x" * 100)
    reopened = Spool(tmp_path / "s", max_bytes=250)
    reopened.put("b3", b"x" * 100)
    assert reopened.dropped_batches == 2
    first = reopened.oldest()
    assert first is not None and first.batch_id == "b2"


def test_a_cut_link_loses_no_sample_and_replays_in_order(core: Core, tmp_path: Path) -> None:
    start = int(time.time() * 1000) - 600_000
    spool = Spool(tmp_path / "spool", 1 << 20)
    url = f"http://127.0.0.1:{core.port}/ws/v1/usage/reports"
    sender = Sender(spool, url, TOKEN, timeout_s=2, max_backoff_s=0.2)
    spool_reports(spool, start, 8)
    sender.start()
    wait_until(lambda: len(spool) == 0)
    core.stop()  # the link is cut: the agent keeps sampling into its spool
    spool_reports(spool, start + 8 * 3000, 12)
    time.sleep(0.5)
    assert len(spool) == 3 and sender.stats.failures > 0
    core.start()  # same port, same database
    wait_until(lambda: len(spool) == 0)
    sender.stop()
    assert core.stored_samples() == [start + 3000 * i for i in range(20)]


def test_a_replayed_batch_is_not_counted_twice(core: Core, tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool", 1 << 20)
    url = f"http://127.0.0.1:{core.port}/ws/v1/usage/reports"
    sender = Sender(spool, url, TOKEN, timeout_s=2, max_backoff_s=0.2)
    spool_reports(spool, int(time.time() * 1000) - 60_000, 2)
    batch = spool.oldest()
    assert batch is not None
    assert sender.send_one(batch) == "sent"
    # The agent crashed before deleting its spool file, and sends the batch again.
    replay = Spool(tmp_path / "again", 1 << 20)
    replay.put(batch.batch_id, batch.body)
    again = replay.oldest()
    assert again is not None and sender.send_one(again) == "duplicate"
    assert len(core.stored_samples()) == 2


def test_a_wrong_token_keeps_batches_for_later(core: Core, tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool", 1 << 20)
    sender = Sender(spool, f"http://127.0.0.1:{core.port}/ws/v1/usage/reports", "wrong", 2, 0.2)
    spool_reports(spool, int(time.time() * 1000), 1)
    batch = spool.oldest()
    assert batch is not None and sender.send_one(batch) == "retry"
    assert len(spool) == 1 and "403" in (sender.stats.last_error or "")


def test_an_invalid_batch_is_quarantined_not_retried_forever(core: Core, tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool", 1 << 20)
    sender = Sender(spool, f"http://127.0.0.1:{core.port}/ws/v1/usage/reports", TOKEN, 2, 0.2)
    spool.put("bad-1", b"\x1f\x8bnot gzip")
    batch = spool.oldest()
    assert batch is not None and sender.send_one(batch) == "rejected"
    assert len(spool) == 0 and (tmp_path / "spool" / "rejected").iterdir()


def test_each_post_says_how_deep_the_spool_is(core: Core, tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool", 1 << 20)
    sender = Sender(spool, f"http://127.0.0.1:{core.port}/ws/v1/usage/reports", TOKEN, 2, 0.2)
    spool_reports(spool, int(time.time() * 1000) - 60_000, 12)  # 3 batches of 4 samples
    _, size, _ = spool.depth()
    batch = spool.oldest()
    assert batch is not None and sender.send_one(batch) == "sent"
    seen = core.depository.agents.snapshot()["node1"]
    # The batch being sent is still in the spool: it leaves it only on the core's 200.
    assert (seen.spool.batches, seen.spool.bytes, seen.spool.dropped) == (3, size, 0)
    assert spool.depth()[0] == 2


def test_batches_dropped_from_a_full_spool_are_reported(core: Core, tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool", 1 << 20)
    spool_reports(spool, int(time.time() * 1000) - 60_000, 12)
    batch = spool.oldest()
    assert batch is not None
    spool.max_bytes = len(batch.body) * 2  # the core was away: about two batches fit now
    spool_reports(spool, int(time.time() * 1000) - 30_000, 4)
    dropped = spool.dropped_batches
    assert dropped >= 2
    sender = Sender(spool, f"http://127.0.0.1:{core.port}/ws/v1/usage/reports", TOKEN, 2, 0.2)
    oldest = spool.oldest()
    assert oldest is not None and sender.send_one(oldest) == "sent"
    assert core.depository.agents.snapshot()["node1"].spool.dropped == dropped
