"""Per-socket TCP byte counters straight from the kernel (netlink sock_diag), without forking `ss`.

`ss -tinpe` costs a fork/exec and a walk over every process's fds on the node each tick; the
agent needs neither. One NETLINK_SOCK_DIAG dump per address family returns every TCP socket's
inode, owner uid and `tcp_info` (the kernel struct `ss` prints `bytes_sent`/`bytes_received`
from). Which process owns a socket is learnt from `/proc/<pid>/fd` of the containers' processes
only, and only when a socket or a process the agent has not seen before appears.

Layouts (linux/inet_diag.h, linux/sock_diag.h, linux/tcp.h): a request is an `nlmsghdr` plus an
`inet_diag_req_v2`; each answer is an `nlmsghdr`, an `inet_diag_msg` (inode at byte 68) and
route attributes, of which INET_DIAG_INFO carries `tcp_info` (bytes_acked at 120,
bytes_received at 128, bytes_sent at 200 on kernels since 4.19). Parsing is pure; the socket and
/proc are the edge.
"""

from __future__ import annotations

import os
import socket
import struct
from collections.abc import Iterable
from typing import NamedTuple

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
INET_DIAG_INFO = 2
TCP_LISTEN, TCP_CLOSE = 10, 7
# Every state but LISTEN and CLOSE: listening sockets carry no data, closed ones no counters.
_STATES = 0xFFF & ~(1 << TCP_LISTEN) & ~(1 << TCP_CLOSE)

_HEADER = struct.Struct("=IHHII")  # nlmsghdr: len, type, flags, seq, pid
_REQUEST = struct.Struct("=BBBBI48x")  # inet_diag_req_v2: family, protocol, ext, pad, states
_MSG_UID_INODE = struct.Struct("=II")  # inet_diag_msg.idiag_uid, idiag_inode at offset 64
_MSG_SIZE = 72
_ATTR = struct.Struct("=HH")
_U64 = struct.Struct("=Q")
_BYTES_ACKED, _BYTES_RECEIVED, _BYTES_SENT = 120, 128, 200


class TcpSocket(NamedTuple):  # a tuple: built for every socket on the node each tick
    inode: int
    uid: int
    sent: int
    received: int


def dump_request(family: int, seq: int) -> bytes:
    body = _REQUEST.pack(family, socket.IPPROTO_TCP, 1 << (INET_DIAG_INFO - 1), 0, _STATES)
    flags = NLM_F_REQUEST | NLM_F_DUMP
    return _HEADER.pack(_HEADER.size + len(body), SOCK_DIAG_BY_FAMILY, flags, seq, 0) + body


class SockDiagError(OSError):
    """The kernel refused the dump (no inet_diag support, or not permitted)."""


def parse_dump(data: bytes, into: list[TcpSocket]) -> bool:
    """Append the sockets in one netlink read to `into`; True once the dump is complete."""
    offset, end = 0, len(data)
    while offset + _HEADER.size <= end:
        length, kind = _HEADER.unpack_from(data, offset)[:2]
        if length < _HEADER.size:
            raise SockDiagError(f"malformed netlink message of length {length}")
        if kind == NLMSG_DONE:
            return True
        if kind == NLMSG_ERROR:
            errno = -struct.unpack_from("=i", data, offset + _HEADER.size)[0]
            raise SockDiagError(errno, f"sock_diag dump refused: {os.strerror(errno)}")
        if kind == SOCK_DIAG_BY_FAMILY:
            _parse_socket(data, offset + _HEADER.size, offset + length, into)
        offset += (length + 3) & ~3
    return False


def _parse_socket(data: bytes, start: int, end: int, into: list[TcpSocket]) -> None:
    if end - start < _MSG_SIZE:
        return
    uid, inode = _MSG_UID_INODE.unpack_from(data, start + 64)
    if inode == 0:  # time-wait mini sockets: no process, no counters
        return
    attr = start + _MSG_SIZE
    while attr + _ATTR.size <= end:
        length, kind = _ATTR.unpack_from(data, attr)
        if length < _ATTR.size:
            return
        if kind == INET_DIAG_INFO:
            info, size = attr + _ATTR.size, length - _ATTR.size
            if size < _BYTES_RECEIVED + 8:
                return  # a kernel too old for byte counters (before 4.2)
            sent_at = _BYTES_SENT if size >= _BYTES_SENT + 8 else _BYTES_ACKED
            into.append(TcpSocket(inode, uid, _U64.unpack_from(data, info + sent_at)[0],
                                  _U64.unpack_from(data, info + _BYTES_RECEIVED)[0]))
            return
        attr += (length + 3) & ~3


class TcpSocketDump:
    """One netlink socket, kept open; `dump()` lists every TCP socket of the host namespace."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_SOCK_DIAG)
        self._sock.settimeout(5.0)
        self._seq = 0

    def close(self) -> None:
        self._sock.close()

    def dump(self) -> list[TcpSocket]:
        found: list[TcpSocket] = []
        for family in (socket.AF_INET, socket.AF_INET6):
            self._seq += 1
            self._sock.send(dump_request(family, self._seq))
            while not parse_dump(self._sock.recv(1 << 16), found):
                pass
        return found


def socket_inodes(pids: Iterable[int]) -> dict[int, int]:
    """Socket inode -> the pid holding it, from `/proc/<pid>/fd` of the given processes.
    Processes gone or not readable (another user, without root) are skipped."""
    owners: dict[int, int] = {}
    for pid in pids:
        fd_dir = f"/proc/{pid}/fd/"
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(fd_dir + fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                owners.setdefault(int(target[8:-1]), pid)
    return owners
