"""The exception tree shared by every safeshell package.

::

    SafeshellError                    root: every error a user can act on
     ├── WorkspaceError               workspace missing, not initialised, unreadable
     ├── PolicyError                  policy file invalid (carries file, line, key)
     ├── AnalysisError                shell analysis failed internally
     ├── ApprovalError                approval request unknown, expired or denied
     │    └── TokenError              a presented token failed a check (names the check)
     ├── AuditError                   audit log unreadable or its chain is broken
     ├── StoreError                   (models.errors) model store failures
     └── TrainerError                 (trainer.errors) queue, config, data, job failures

Errors from libraries (sqlite3, yaml, tree-sitter, OS calls) are translated
where they enter with ``raise ... from exc`` so callers catch one tree.
The CLI maps each class to an exit status in :mod:`safeshell.cli.exit_codes`.
"""

from __future__ import annotations


class SafeshellError(Exception):
    """Base class of every error that safeshell reports to a user.

    ``hint`` is the next step for the user (a command to run, a file to fix).
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\nhint: {self.hint}"
        return self.message


class WorkspaceError(SafeshellError):
    """The workspace is missing, not initialised, or has an unusable layout."""


class PolicyError(SafeshellError):
    """A policy file is invalid; names the file, line and key where known."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        key: str | None = None,
        hint: str | None = None,
    ) -> None:
        location = ""
        if file is not None:
            location = file
            if line is not None:
                location += f":{line}"
            if key is not None:
                location += f": key {key!r}"
            location += ": "
        super().__init__(location + message, hint=hint)
        self.file = file
        self.line = line
        self.key = key


class AnalysisError(SafeshellError):
    """The shell analysis failed internally; callers fail closed on it."""


class ApprovalError(SafeshellError):
    """An approval request is unknown, expired, denied or otherwise unusable."""


class TokenError(ApprovalError):
    """A presented approval token failed a check; ``check`` names which one."""

    def __init__(self, message: str, *, check: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.check = check


class AuditError(SafeshellError):
    """The audit log cannot be read or appended, or its hash chain is broken."""
