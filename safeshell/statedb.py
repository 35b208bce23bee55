"""Access to the workspace's SQLite state database (``.safeshell/state.db``).

The queue, approval requests and the used-token ledger share one file. Each
owner creates its own tables with ``CREATE TABLE IF NOT EXISTS`` through
:func:`connect`; WAL mode and a busy timeout make concurrent CLI processes
wait for each other instead of failing.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from safeshell.errors import SafeshellError

BUSY_TIMEOUT_S = 30.0


def connect(path: Path, schema: str = "") -> sqlite3.Connection:
    """Open ``path`` (creating its directory), apply ``schema``, return the connection.

    The connection is in autocommit mode (``isolation_level=None``) so callers
    open transactions explicitly with ``BEGIN IMMEDIATE`` where they need them.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("PRAGMA foreign_keys=ON")
        if schema:
            connection.executescript(schema)
    except (sqlite3.Error, OSError) as exc:
        raise SafeshellError(
            f"cannot open state database {str(path)!r}: {exc}",
            hint="check that the workspace's .safeshell/ directory is writable and the disk is not full",
        ) from exc
    return connection
