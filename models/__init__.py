"""The model store: versions of current_model/, verified backups, rollback and restore.

Public surface::

    Store                  open with Store.for_workspace(workspace)
    Version, FileEntry, FileChange, Backup, VerifyReport, Problem, ProblemKind
    errors: StoreError and its subclasses (models.errors)

The on-disk format is specified in docs/store-format.md.
"""

from models.errors import (
    BackupError,
    CorruptStoreError,
    DeleteRefusedError,
    DiskFullError,
    ModelDirectoryError,
    PruneRefusedError,
    StoreBusyError,
    StoreError,
    VerificationError,
    VersionNotFoundError,
)
from models.records import Backup, FileChange, FileEntry, Problem, ProblemKind, Version, VerifyReport
from models.store import Store

__all__ = [
    "Backup",
    "BackupError",
    "CorruptStoreError",
    "DeleteRefusedError",
    "DiskFullError",
    "FileChange",
    "FileEntry",
    "ModelDirectoryError",
    "Problem",
    "ProblemKind",
    "PruneRefusedError",
    "Store",
    "StoreBusyError",
    "StoreError",
    "VerificationError",
    "Version",
    "VerifyReport",
    "VersionNotFoundError",
]
