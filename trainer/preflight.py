"""Checks before a job starts.

Workspace-wide problems (config invalid or not accepted, model broken, disk
full) hold the whole queue; problems of one data file (missing, changed)
fail only that entry.
"""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

from safeshell.workspace import Workspace
from trainer.config import TrainingConfig, check_accepted, load_config
from trainer.errors import DataError, ModelLoadError, PreflightError
from trainer.fsutil import sha256_file
from trainer.queue import QueueEntry

WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                "pytorch_model.bin.index.json")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "vocab.json")
# A safetensors header larger than this is treated as corrupt (100 MB, as the safetensors format allows).
MAX_SAFETENSORS_HEADER = 100_000_000


def check_workspace(workspace: Workspace) -> TrainingConfig:
    """Run the workspace-wide checks; return the validated config."""
    config = load_config(workspace)
    check_accepted(workspace, config)
    check_model_directory(workspace.current_model)
    check_free_disk(workspace.root, config.min_free_disk_gb)
    return config


def check_model_directory(directory: Path) -> None:
    """Check, without torch, that ``directory`` looks like a loadable Hugging Face causal LM."""
    hint = "restore a good version with 'trainctl versions rollback' or build one with 'trainctl init-model'"
    config_file = directory / "config.json"
    try:
        json.loads(config_file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelLoadError(f"model directory {str(directory)!r} has no config.json", hint=hint) from exc
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"{str(config_file)!r} is unreadable: {exc}", hint=hint) from exc
    if not any((directory / name).is_file() for name in WEIGHT_FILES):
        raise ModelLoadError(f"model directory {str(directory)!r} has no weights ({', '.join(WEIGHT_FILES)})", hint=hint)
    if not any((directory / name).is_file() for name in TOKENIZER_FILES):
        raise ModelLoadError(f"model directory {str(directory)!r} has no tokenizer files", hint=hint)
    for weights in sorted(directory.glob("*.safetensors")):
        _check_safetensors_header(weights, hint)


def _check_safetensors_header(path: Path, hint: str) -> None:
    try:
        with open(path, "rb") as handle:
            prefix = handle.read(8)
            if len(prefix) < 8:
                raise ModelLoadError(f"{str(path)!r} is truncated ({len(prefix)} bytes)", hint=hint)
            (length,) = struct.unpack("<Q", prefix)
            if length > MAX_SAFETENSORS_HEADER:
                raise ModelLoadError(f"{str(path)!r} has an invalid header length {length}", hint=hint)
            header = json.loads(handle.read(length))
    except OSError as exc:
        raise ModelLoadError(f"{str(path)!r} is unreadable: {exc}", hint=hint) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelLoadError(f"{str(path)!r} has a corrupt header: {exc}", hint=hint) from exc
    end = 8 + length + max((entry["data_offsets"][1] for key, entry in header.items()
                            if key != "__metadata__" and isinstance(entry, dict)), default=0)
    if path.stat().st_size < end:
        raise ModelLoadError(f"{str(path)!r} is truncated: {path.stat().st_size} bytes, its header needs {end}", hint=hint)


def check_free_disk(root: Path, min_free_gb: float) -> None:
    free = shutil.disk_usage(root).free
    if free < min_free_gb * 1024**3:
        raise PreflightError(f"only {free / 1024**3:.2f} GiB free under {str(root)!r}; min_free_disk_gb is {min_free_gb}",
                             hint="free disk space (for example 'trainctl versions prune') or lower min_free_disk_gb")


def check_data_file(entry: QueueEntry) -> None:
    """Raise :class:`DataError` when the queued file vanished or changed since it was queued."""
    path = Path(entry.file)
    if not path.is_file():
        raise DataError("file not found: it disappeared while queued", file=entry.file,
                        hint="drop the file into inbox/ again")
    digest = sha256_file(path)
    if digest != entry.digest:
        raise DataError(f"file changed since it was queued (sha256 {digest[:12]}, queued as {entry.digest[:12]})",
                        file=entry.file, hint="drop the new version into inbox/ again")
