"""The last lines of the daemon log (``logs/daemon_YYYYMMDD.log``), bounded.

The daemon starts a new file each day, so a tail taken just after midnight
continues into the previous day's file. Reads are bounded in bytes as well as
lines: a week-long log or a single huge line costs the same as a short one.
Bytes that are not UTF-8 are decoded as U+FFFD replacement characters.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

DEFAULT_LINES = 200
MAX_LINES = 2000
# Bytes read from the end of each file; lines older than this are not shown.
MAX_TAIL_BYTES = 1024 * 1024
# Longer lines are cut so that one runaway line cannot fill the page.
MAX_LINE_CHARS = 4000
# Files looked at, newest first, to fill the requested number of lines.
MAX_FILES = 3

LOG_NAME = re.compile(r"daemon_(\d{8})\.log")


@dataclass(frozen=True)
class LogTail:
    """Log lines, oldest first, and where they came from."""

    files: list[str]  # names under logs/, oldest first
    lines: list[str]
    truncated: bool  # True when older lines exist that are not included


def daemon_logs(logs_dir: Path) -> list[Path]:
    """Return the daemon's log files, newest first (by the date in the name)."""
    try:
        names = [entry.name for entry in os.scandir(logs_dir) if entry.is_file()]
    except FileNotFoundError:
        return []
    matching = sorted((name for name in names if LOG_NAME.fullmatch(name)), reverse=True)
    return [logs_dir / name for name in matching]


def read_tail(logs_dir: Path, count: int) -> LogTail:
    """Return the last ``count`` lines (at most :data:`MAX_LINES`) of the daemon log.

    Raises ``OSError`` when a log file exists but cannot be read.
    """
    count = max(0, min(count, MAX_LINES))
    collected: list[str] = []
    files: list[str] = []
    truncated = False

    for index, path in enumerate(daemon_logs(logs_dir)):
        if len(collected) >= count or index >= MAX_FILES:
            truncated = True
            break
        try:
            lines, cut = _tail_of_file(path, count - len(collected))
        except FileNotFoundError:
            continue  # rotated away between the listing and the read
        collected = lines + collected
        files.insert(0, path.name)
        if cut:
            truncated = True
            break

    return LogTail(files=files, lines=collected, truncated=truncated)


def _tail_of_file(path: Path, count: int) -> tuple[list[str], bool]:
    """Return up to ``count`` last lines of ``path`` and whether older ones exist."""
    with path.open("rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        start = max(0, size - MAX_TAIL_BYTES)
        handle.seek(start)
        data = handle.read(size - start)

    raw_lines = data.split(b"\n")
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()  # the file ends with a newline
    if start > 0 and raw_lines:
        raw_lines.pop(0)  # the first line was cut by the byte bound

    older_exist = start > 0 or len(raw_lines) > count
    selected = raw_lines[-count:] if count else []
    return [_decode(line) for line in selected], older_exist


def _decode(raw: bytes) -> str:
    text = raw.rstrip(b"\r").decode("utf-8", errors="replace")
    if len(text) > MAX_LINE_CHARS:
        return text[:MAX_LINE_CHARS] + " [line cut]"
    return text
