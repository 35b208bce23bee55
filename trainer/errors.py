"""Errors of the training system.

::

    TrainerError (safeshell.errors.SafeshellError)
     ├── ConfigError            config.json invalid or changed without acceptance (names the key)
     ├── DataError              a data file is invalid (names the file and line)
     ├── QueueError             queue entry unknown or in the wrong state
     ├── ModelLoadError         a model directory does not load (names the directory)
     ├── PreflightError         a check before a job failed (disk, data digest, missing file)
     ├── CheckpointError        a checkpoint is incomplete or does not match the job
     ├── DaemonLockError        another daemon holds the workspace
     └── ControlError           a control request failed or was not acknowledged
"""

from __future__ import annotations

from safeshell.errors import SafeshellError


class TrainerError(SafeshellError):
    """Base class of the training system's errors."""


class ConfigError(TrainerError):
    """config.json is invalid or was changed without ``trainctl config accept``."""

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None,
                 hint: str | None = None) -> None:
        location = ""
        if file is not None:
            location = f"{file}: "
        if key is not None:
            location += f"key {key!r}: "
        super().__init__(location + message, hint=hint)
        self.file = file
        self.key = key


class DataError(TrainerError):
    """A data file is invalid; ``line`` is 1-based, ``None`` for the whole file."""

    def __init__(self, message: str, *, file: str, line: int | None = None,
                 hint: str | None = None) -> None:
        location = file if line is None else f"{file}:{line}"
        super().__init__(f"{location}: {message}", hint=hint)
        self.file = file
        self.line = line
        self.reason = message


class QueueError(TrainerError):
    """A queue entry is unknown or its state does not allow the request."""


class ModelLoadError(TrainerError):
    """A model directory is missing files or its files do not load."""


class PreflightError(TrainerError):
    """A check before a training job failed."""


class CheckpointError(TrainerError):
    """A checkpoint is incomplete or belongs to other data, arguments or world size."""


class DaemonLockError(TrainerError):
    """Another daemon already serves this workspace."""


class ControlError(TrainerError):
    """A control request could not be written or was not acknowledged in time."""
