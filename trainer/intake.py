"""The inbox scan: take settled JSONL files, queue valid ones, reject invalid ones.

A file is taken only when its size and modification time are the same in two
consecutive scans and no process holds an ``flock`` on it, so a file still
being copied is left alone. Dotfiles and ``*.part``, ``*.tmp`` and
``*.partial`` names are never taken; other non-``.jsonl`` names are ignored with one logged warning each.
An invalid file moves to ``inbox/rejected/`` beside ``NAME.reason.txt``.
"""

from __future__ import annotations

import fcntl
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from safeshell.workspace import Workspace
from trainer.data import validate_file
from trainer.errors import DataError
from trainer.queue import Queue, QueueEntry, move_file

logger = logging.getLogger(__name__)

IN_PROGRESS_SUFFIXES = (".part", ".tmp", ".partial", ".crdownload")


@dataclass
class ScanReport:
    """What one scan did."""

    queued: list[QueueEntry] = field(default_factory=list)
    rejected: list[tuple[Path, str]] = field(default_factory=list)
    unsettled: int = 0


def write_reason(destination: Path, error: DataError) -> Path:
    reason_file = destination.with_name(destination.name + ".reason.txt")
    lines = [f"rejected: {error.message}"]
    if error.line is not None:
        lines.append(f"line: {error.line}")
    lines.append(f"problem: {error.reason}")
    if error.hint:
        lines.append(f"hint: {error.hint}")
    reason_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return reason_file


class Inbox:
    """Scans ``inbox/``; remembers each candidate's (size, mtime) between scans."""

    def __init__(self, workspace: Workspace, queue: Queue) -> None:
        self.workspace = workspace
        self.queue = queue
        self._signatures: dict[str, tuple[int, int]] = {}
        # Names already reported as ignored, so each one is logged once per daemon.
        self._reported_ignored: set[str] = set()

    def candidates(self) -> list[Path]:
        inbox = self.workspace.inbox
        if not inbox.is_dir():
            return []
        found = []
        for entry in os.scandir(inbox):
            name = entry.name
            if name.startswith(".") or name.endswith(IN_PROGRESS_SUFFIXES):
                continue
            if not name.endswith(".jsonl"):
                self._report_ignored(entry)
                continue
            if entry.is_file(follow_symlinks=False):
                found.append(Path(entry.path))
        return sorted(found)

    def _report_ignored(self, entry: os.DirEntry[str]) -> None:
        if entry.name in self._reported_ignored or not entry.is_file(follow_symlinks=False):
            return
        self._reported_ignored.add(entry.name)
        logger.warning("ignoring inbox/%s: only *.jsonl files are queued; rename it to %s.jsonl if it is "
                       "JSON Lines", entry.name, entry.name.rsplit(".", 1)[0])

    def scan(self) -> ScanReport:
        report = ScanReport()
        active = self.queue.active_files()
        signatures: dict[str, tuple[int, int]] = {}
        for path in self.candidates():
            if str(path) in active:
                continue
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            signature = (stat.st_size, stat.st_mtime_ns)
            signatures[str(path)] = signature
            if self._signatures.get(str(path)) != signature or _locked_by_writer(path):
                report.unsettled += 1
                continue
            self._take(path, report)
            signatures.pop(str(path), None)
        self._signatures = signatures
        return report

    def _take(self, path: Path, report: ScanReport) -> None:
        try:
            summary = validate_file(path)
        except DataError as exc:
            destination = move_file(path, self.workspace.inbox / "rejected")
            if destination is None:
                return
            write_reason(destination, exc)
            report.rejected.append((destination, exc.message))
            logger.warning("rejected %s: %s (moved to %s)", path.name, exc.message, destination)
            return
        entry = self.queue.add(path, "normal", summary=summary)
        report.queued.append(entry)
        logger.info("queued %s as entry %d (%d records, sha256 %s)", path.name, entry.id, summary.records,
                    summary.digest[:12])


def _locked_by_writer(path: Path) -> bool:
    """Return True when another process holds an flock on ``path``."""
    try:
        with open(path, "rb") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
    except OSError:
        return True
    return False
