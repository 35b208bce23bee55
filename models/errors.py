"""Errors of the model store.

::

    StoreError                       (safeshell.errors.SafeshellError) any store failure
     ├── ModelDirectoryError         current_model/ (or a source directory) missing, empty or unreadable
     ├── VersionNotFoundError        no version with that id
     ├── CorruptStoreError           a stored file is missing, altered or not valid JSON
     ├── VerificationError           verification found problems (carries the report)
     ├── BackupError                 a backup target is missing, read-only, or a backup is unusable
     ├── DiskFullError               a write failed for lack of space (ENOSPC, EDQUOT)
     ├── StoreBusyError              the store lock was not acquired in time
     ├── PruneRefusedError           prune would break an invariant, so nothing was removed
     └── DeleteRefusedError          deleting that version would break an invariant, so nothing was removed
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from safeshell.errors import SafeshellError

if TYPE_CHECKING:
    from models.records import VerifyReport


class StoreError(SafeshellError):
    """A model store operation failed; nothing already stored was changed."""


class ModelDirectoryError(StoreError):
    """The directory to record is missing, empty, or contains something unreadable."""


class VersionNotFoundError(StoreError):
    """No version with the requested id exists."""


class CorruptStoreError(StoreError):
    """A file of the store is missing, altered, or not valid JSON."""


class VerificationError(StoreError):
    """A verification found problems; ``report`` lists every one."""

    def __init__(self, message: str, *, report: VerifyReport, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.report = report


class BackupError(StoreError):
    """A backup target is unusable, or a backup is unknown or failed verification."""


class DiskFullError(StoreError):
    """A write failed because the file system is full."""


class StoreBusyError(StoreError):
    """Another process held the store lock for longer than the timeout."""


class PruneRefusedError(StoreError):
    """Prune refused to run; nothing was removed."""


class DeleteRefusedError(StoreError):
    """Deleting one version was refused; nothing was removed."""
