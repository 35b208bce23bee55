"""Records the store returns: versions, manifest entries, backups, verify reports."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = 1


@dataclass(frozen=True)
class FileEntry:
    """One file of a manifest: relative POSIX path, size in bytes, SHA-256 hex digest."""

    path: str
    size: int
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "size": self.size, "sha256": self.sha256}


@dataclass(frozen=True)
class Version:
    """A recorded model: its manifest entries plus metadata."""

    id: str
    parent: str | None
    created_at: str
    reason: str
    metadata: dict[str, Any]
    files: tuple[FileEntry, ...]
    total_bytes: int
    pinned: bool = False

    def to_dict(self, *, with_files: bool = True) -> dict[str, Any]:
        result: dict[str, Any] = {
            "id": self.id,
            "parent": self.parent,
            "created_at": self.created_at,
            "reason": self.reason,
            "total_bytes": self.total_bytes,
            "file_count": len(self.files),
            "pinned": self.pinned,
            "metadata": self.metadata,
        }
        if with_files:
            result["files"] = [entry.to_dict() for entry in self.files]
        return result


@dataclass(frozen=True)
class FileChange:
    """One difference between two versions; ``change`` is added, removed or modified."""

    path: str
    change: str
    old: FileEntry | None
    new: FileEntry | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "change": self.change,
            "old": self.old.to_dict() if self.old else None,
            "new": self.new.to_dict() if self.new else None,
        }


@dataclass(frozen=True)
class Backup:
    """A self-contained copy of one version at a backup target."""

    id: str
    version_id: str
    kind: str
    created_at: str
    target: Path
    verified: bool
    verified_at: str | None
    reason: str = ""
    total_bytes: int = 0
    file_count: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version_id": self.version_id,
            "kind": self.kind,
            "created_at": self.created_at,
            "target": str(self.target),
            "verified": self.verified,
            "verified_at": self.verified_at,
            "reason": self.reason,
            "total_bytes": self.total_bytes,
            "file_count": self.file_count,
        }


class ProblemKind(enum.Enum):
    """Kind of problem found with one file."""

    MISSING = "missing"  # a file the manifest names does not exist
    EXTRA = "extra"  # a file exists that no manifest names
    TRUNCATED = "truncated"  # shorter than the manifest records
    ALTERED = "altered"  # wrong size (longer) or wrong SHA-256
    INVALID = "invalid"  # a manifest, metadata or pointer is not valid JSON or format
    UNREADABLE = "unreadable"  # reading failed with an OS error


@dataclass(frozen=True)
class Problem:
    """One verification finding: what, where (a path), and in which version or backup."""

    kind: ProblemKind
    path: str
    detail: str
    scope: str = ""  # "v003", "b0001" or "current_model"

    def __str__(self) -> str:
        where = f"{self.scope}: " if self.scope else ""
        return f"{where}{self.kind.value}: {self.path}: {self.detail}"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "path": self.path, "detail": self.detail, "scope": self.scope}


@dataclass
class VerifyReport:
    """The result of a verification; ``ok`` when no problem was found."""

    scope: str
    checked_files: int = 0
    checked_bytes: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def merge(self, other: VerifyReport) -> None:
        self.checked_files += other.checked_files
        self.checked_bytes += other.checked_bytes
        self.problems.extend(other.problems)

    def summary(self) -> str:
        if self.ok:
            return f"{self.scope}: ok ({self.checked_files} files, {self.checked_bytes} bytes verified)"
        return f"{self.scope}: {len(self.problems)} problem(s) in {self.checked_files} files checked"

    def to_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "ok": self.ok,
            "checked_files": self.checked_files,
            "checked_bytes": self.checked_bytes,
            "problems": [problem.to_dict() for problem in self.problems],
        }
