from __future__ import annotations

from yarn_elastic_agent.network import SocketBytes, parse_ss, socket_deltas

TWO_LINE = """\
ESTAB 0 0 127.0.0.1:54031 127.0.0.1:38858 users:(("java",pid=8345,fd=186)) ino:41827 sk:1 <->
\t ts sack cubic rto:204 bytes_sent:1774 bytes_acked:1774 bytes_received:10182 segs_out:42
LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=700,fd=3)) ino:1234 sk:2 <->
\t cubic rto:1000
ESTAB 0 0 10.0.0.1:5 10.0.0.2:6 ino:0 sk:3 <->
\t bytes_sent:5 bytes_received:5
"""
ONE_LINE = ("ESTAB 0 0 127.0.0.1:1 127.0.0.1:2 users:((\"python3\",pid=9,fd=5)) ino:77 sk:9 "
            "<-> ts sack bytes_acked:40 bytes_received:100000 segs_out:2\n")


def test_two_line_and_one_line_output_give_per_socket_counters() -> None:
    assert parse_ss(TWO_LINE) == [
        SocketBytes(41827, 8345, 1774, 10182), SocketBytes(1234, 700, 0, 0),
    ]
    # Older kernels have no bytes_sent; bytes_acked stands in.
    assert parse_ss(ONE_LINE) == [SocketBytes(77, 9, 40, 100000)]


def test_deltas_count_growth_and_new_sockets_but_not_the_first_snapshot() -> None:
    first = [SocketBytes(1, 10, 100, 1000)]
    assert socket_deltas(None, first) == {}
    before = {s.inode: s for s in first}
    now = [SocketBytes(1, 10, 150, 1600), SocketBytes(2, 10, 5, 7), SocketBytes(3, 11, 1, 2)]
    assert socket_deltas(before, now) == {10: (600 + 7, 50 + 5), 11: (2, 1)}


def test_a_reused_inode_counts_the_new_socket_in_full() -> None:
    before = {1: SocketBytes(1, 10, 500, 500)}
    assert socket_deltas(before, [SocketBytes(1, 10, 3, 4)]) == {10: (4, 3)}
