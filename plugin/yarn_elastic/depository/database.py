"""Opening yarn-elastic's SQLite database file.

One file holds everything the core keeps: the usage depository's `usage_*` tables and, later,
the estimator's own namespaced tables. Every component opens it through `open_database` so they
all get the same durability settings: WAL (readers never block the writer, and another process
such as `yarn-elastic usage --db` can read while the core writes) and a busy timeout instead of
instant "database is locked" errors.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SYNCHRONOUS_MODES = ("FULL", "NORMAL")


class DatabaseError(RuntimeError):
    """The database file cannot be used; the message names the file and the fix."""


def open_database(
    path: str | Path, synchronous: str = "FULL", read_only: bool = False
) -> sqlite3.Connection:
    """Open (creating if needed) the database file with yarn-elastic's settings.

    `synchronous=FULL` makes every committed transaction survive a power cut, which is what
    lets an agent delete a batch from its spool once the core said 200. `NORMAL` survives a
    process crash but may lose the last commits on power loss; it is faster for bulk loads.
    The connection is in autocommit mode: callers open transactions explicitly
    (`BEGIN IMMEDIATE`), so a failed ingest rolls back whole.
    """
    if synchronous not in SYNCHRONOUS_MODES:
        raise ValueError(f"synchronous must be one of {SYNCHRONOUS_MODES}, got {synchronous!r}")
    target = Path(path)
    try:
        if read_only:
            if not target.exists():
                raise DatabaseError(f"database {target} does not exist; check --db / the path")
            connection = sqlite3.connect(
                f"file:{target}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
            )
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(
                str(target), isolation_level=None, check_same_thread=False
            )
        connection.execute("PRAGMA busy_timeout = 10000")
        if not read_only:
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise DatabaseError(f"database {target}: cannot switch to WAL (got {mode})")
        connection.execute(f"PRAGMA synchronous = {synchronous}")
        return connection
    except (sqlite3.Error, OSError) as exc:
        raise DatabaseError(
            f"cannot open database {target}: {exc}; check the path, its permissions and free "
            "space (yarn.elastic.depository.path)"
        ) from exc
