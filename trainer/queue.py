"""The priority queue of data files, kept in ``.safeshell/state.db``.

Run order: entries returned to the head of the queue (a stopped, paused or
interrupted job) first, then higher priority, then earlier arrival, then file
name. Every write runs in a ``BEGIN IMMEDIATE`` transaction, so concurrent
``trainctl`` processes and the daemon serialize on SQLite's lock.

Entry states: ``queued`` (waiting), ``running``, ``done``, ``failed``,
``skipped``, ``missing`` (the file vanished), ``removed``.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from safeshell import statedb
from safeshell.workspace import Workspace
from trainer.data import DataSummary, validate_file
from trainer.errors import QueueError
from trainer.fsutil import unique_destination, utc_now

PRIORITY_NAMES = {"high": 10, "normal": 0, "low": -10}
ACTIVE_STATES = ("queued", "running")

SCHEMA = """
CREATE TABLE IF NOT EXISTS trainer_queue (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    file TEXT NOT NULL,
    priority INTEGER NOT NULL,
    state TEXT NOT NULL,
    head INTEGER NOT NULL DEFAULT 0,
    added_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    digest TEXT NOT NULL,
    lines INTEGER NOT NULL,
    records INTEGER NOT NULL,
    size INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    interruptions INTEGER NOT NULL DEFAULT 0,
    parent_version TEXT,
    version TEXT,
    error TEXT
);
CREATE INDEX IF NOT EXISTS trainer_queue_state ON trainer_queue(state);
"""

ORDER = "head DESC, priority DESC, added_at ASC, file ASC, id ASC"


@dataclass(frozen=True)
class QueueEntry:
    """One data file in the queue; ``file`` is an absolute path."""

    id: int
    file: str
    priority: int
    state: str
    added_at: str
    updated_at: str
    digest: str
    lines: int
    records: int
    size: int
    attempts: int
    interruptions: int
    head: bool
    parent_version: str | None
    version: str | None
    error: str | None

    @property
    def name(self) -> str:
        return os.path.basename(self.file)

    def to_dict(self) -> dict[str, object]:
        return {field: getattr(self, field) for field in self.__dataclass_fields__}


def parse_priority(value: str | int) -> int:
    """Turn "high", "normal", "low" or an integer (as text) into the stored integer."""
    if isinstance(value, int):
        return value
    text = value.strip().lower()
    if text in PRIORITY_NAMES:
        return PRIORITY_NAMES[text]
    try:
        return int(text)
    except ValueError:
        raise QueueError(f"invalid priority {value!r}", hint="use high, normal, low or an integer (higher runs first)") from None


class Queue:
    """The workspace's queue; cheap to create, one SQLite connection per instance."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._connection = statedb.connect(workspace.state_db, SCHEMA)
        columns = {row["name"] for row in self._connection.execute("PRAGMA table_info(trainer_queue)")}
        if "interruptions" not in columns:  # a table created before the column existed
            self._connection.execute(
                "ALTER TABLE trainer_queue ADD COLUMN interruptions INTEGER NOT NULL DEFAULT 0")

    def close(self) -> None:
        self._connection.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._connection.execute("BEGIN IMMEDIATE")
        try:
            yield self._connection
        except BaseException:
            self._connection.execute("ROLLBACK")
            raise
        self._connection.execute("COMMIT")

    # -- reading ---------------------------------------------------------

    def list(self) -> list[QueueEntry]:
        """Return the waiting and running entries in run order (running first)."""
        rows = self._connection.execute(
            f"SELECT * FROM trainer_queue WHERE state IN {ACTIVE_STATES} "
            f"ORDER BY state = 'running' DESC, {ORDER}").fetchall()
        return [_entry(row) for row in rows]

    def page(self, offset: int, limit: int) -> tuple[list[QueueEntry], int]:
        """Return ``limit`` waiting and running entries from ``offset`` in run order, and their total count.

        The same order as ``list()``, paged by SQLite, so a page costs
        ``offset + limit`` rows read instead of building every entry. Both
        queries run in one read transaction, so the total matches the page.
        """
        if offset < 0 or limit < 0:
            raise ValueError(f"offset and limit must be >= 0, got offset={offset!r} limit={limit!r}")
        self._connection.execute("BEGIN")
        try:
            total = self._connection.execute(
                f"SELECT count(*) FROM trainer_queue WHERE state IN {ACTIVE_STATES}").fetchone()[0]
            rows = self._connection.execute(
                f"SELECT * FROM trainer_queue WHERE state IN {ACTIVE_STATES} "
                f"ORDER BY state = 'running' DESC, {ORDER} LIMIT ? OFFSET ?", (limit, offset)).fetchall()
        finally:
            self._connection.execute("COMMIT")
        return [_entry(row) for row in rows], int(total)

    def state_counts(self) -> dict[str, int]:
        """Return how many waiting and running entries are in each state."""
        rows = self._connection.execute(
            f"SELECT state, count(*) AS n FROM trainer_queue WHERE state IN {ACTIVE_STATES} GROUP BY state")
        return {row["state"]: int(row["n"]) for row in rows}

    def history(self, limit: int = 50) -> list[QueueEntry]:
        """Return finished entries, newest first."""
        rows = self._connection.execute(
            f"SELECT * FROM trainer_queue WHERE state NOT IN {ACTIVE_STATES} ORDER BY id DESC LIMIT ?",
            (limit,)).fetchall()
        return [_entry(row) for row in rows]

    def get(self, entry_id: int) -> QueueEntry:
        row = self._connection.execute("SELECT * FROM trainer_queue WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            raise QueueError(f"no queue entry with id {entry_id!r}", hint="list the entries with 'trainctl queue list'")
        return _entry(row)

    def length(self) -> int:
        row = self._connection.execute("SELECT count(*) FROM trainer_queue WHERE state = 'queued'").fetchone()
        return int(row[0])

    def next_queued(self) -> QueueEntry | None:
        row = self._connection.execute(
            f"SELECT * FROM trainer_queue WHERE state = 'queued' ORDER BY {ORDER} LIMIT 1").fetchone()
        return None if row is None else _entry(row)

    def running(self) -> list[QueueEntry]:
        rows = self._connection.execute("SELECT * FROM trainer_queue WHERE state = 'running'").fetchall()
        return [_entry(row) for row in rows]

    def active_files(self) -> set[str]:
        rows = self._connection.execute(f"SELECT file FROM trainer_queue WHERE state IN {ACTIVE_STATES}")
        return {row[0] for row in rows}

    # -- user requests ---------------------------------------------------

    def add(self, path: Path | str, priority: str | int = "normal", *,
            summary: DataSummary | None = None) -> QueueEntry:
        """Validate ``path`` and queue it; a file outside inbox/ is copied into inbox/ first.

        Raises :class:`trainer.errors.DataError` for an invalid file and
        :class:`QueueError` when the file is already queued.
        """
        value = parse_priority(priority)
        source = Path(path).absolute()
        if summary is None:
            summary = validate_file(source)
        inbox = self.workspace.inbox
        if source.parent.resolve() != inbox.resolve():
            source = self._copy_into_inbox(source)
        file = str(source)
        now = utc_now()
        with self._transaction() as connection:
            existing = connection.execute(
                f"SELECT id FROM trainer_queue WHERE file = ? AND state IN {ACTIVE_STATES}", (file,)).fetchone()
            if existing is not None:
                raise QueueError(f"{file!r} is already queued as entry {existing[0]}",
                                 hint=f"change its priority with 'trainctl queue set-priority {existing[0]} P'")
            cursor = connection.execute(
                "INSERT INTO trainer_queue (file, priority, state, added_at, updated_at, digest, lines, records, size) "
                "VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?)",
                (file, value, now, now, summary.digest, summary.lines, summary.records, summary.size))
            entry_id = cursor.lastrowid
        return self.get(int(entry_id))

    def remove(self, entry_id: int) -> QueueEntry:
        """Take a waiting entry off the queue; its file moves to inbox/removed/."""
        with self._transaction() as connection:
            entry = self._get_in(connection, entry_id)
            if entry.state != "queued":
                raise QueueError(f"entry {entry_id} is {entry.state}, only a queued entry can be removed",
                                 hint="abandon the running file with 'trainctl skip'" if entry.state == "running" else None)
            moved = move_file(Path(entry.file), self.workspace.inbox / "removed")
            connection.execute("UPDATE trainer_queue SET state = 'removed', file = ?, updated_at = ? WHERE id = ?",
                               (str(moved or entry.file), utc_now(), entry_id))
        return self.get(entry_id)

    def set_priority(self, entry_id: int, priority: str | int) -> QueueEntry:
        value = parse_priority(priority)
        with self._transaction() as connection:
            entry = self._get_in(connection, entry_id)
            if entry.state not in ACTIVE_STATES:
                raise QueueError(f"entry {entry_id} is {entry.state}; only queued or running entries have a priority")
            connection.execute("UPDATE trainer_queue SET priority = ?, updated_at = ? WHERE id = ?",
                               (value, utc_now(), entry_id))
        return self.get(entry_id)

    # -- daemon transitions ----------------------------------------------

    def mark_running(self, entry_id: int, *, parent_version: str | None) -> QueueEntry:
        with self._transaction() as connection:
            connection.execute(
                "UPDATE trainer_queue SET state = 'running', head = 0, attempts = attempts + 1, "
                "parent_version = COALESCE(parent_version, ?), updated_at = ? WHERE id = ?",
                (parent_version, utc_now(), entry_id))
        return self.get(entry_id)

    def requeue_at_head(self, entry_id: int, *, error: str | None = None, interrupted: bool = False) -> QueueEntry:
        """Return an entry to the head of the queue (stopped, paused or ``interrupted`` by a crash)."""
        with self._transaction() as connection:
            connection.execute(
                "UPDATE trainer_queue SET state = 'queued', head = 1, error = ?, updated_at = ?, "
                "interruptions = interruptions + ? WHERE id = ?",
                (error, utc_now(), int(interrupted), entry_id))
        return self.get(entry_id)

    def finish(self, entry_id: int, state: str, *, file: Path | None = None, version: str | None = None,
               error: str | None = None) -> QueueEntry:
        with self._transaction() as connection:
            entry = self._get_in(connection, entry_id)
            connection.execute(
                "UPDATE trainer_queue SET state = ?, file = ?, version = ?, error = ?, head = 0, updated_at = ? "
                "WHERE id = ?",
                (state, str(file) if file else entry.file, version, error, utc_now(), entry_id))
        return self.get(entry_id)

    def _get_in(self, connection: sqlite3.Connection, entry_id: int) -> QueueEntry:
        row = connection.execute("SELECT * FROM trainer_queue WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            raise QueueError(f"no queue entry with id {entry_id!r}", hint="list the entries with 'trainctl queue list'")
        return _entry(row)

    def _copy_into_inbox(self, source: Path) -> Path:
        destination = unique_destination(self.workspace.inbox, source.name)
        temporary = destination.with_name(f".{destination.name}.tmp")
        shutil.copyfile(source, temporary)
        os.replace(temporary, destination)
        return destination


def move_file(path: Path, directory: Path) -> Path | None:
    """Move ``path`` into ``directory`` under a free name; return None when it is gone."""
    if not path.exists():
        return None
    destination = unique_destination(directory, path.name)
    os.replace(path, destination)
    return destination


def _entry(row: sqlite3.Row) -> QueueEntry:
    return QueueEntry(
        id=row["id"], file=row["file"], priority=row["priority"], state=row["state"],
        added_at=row["added_at"], updated_at=row["updated_at"], digest=row["digest"],
        lines=row["lines"], records=row["records"], size=row["size"], attempts=row["attempts"],
        interruptions=row["interruptions"],
        head=bool(row["head"]), parent_version=row["parent_version"], version=row["version"],
        error=row["error"])
