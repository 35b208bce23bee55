"""Checkpoints a resume can trust: completion markers, verification, quarantine.

The ``Trainer`` writes ``checkpoint-STEP/`` directories without fsync and
without any sign of completeness. After each save the job fsyncs every file
and writes ``safeshell-complete.json`` (the marker) last, durably::

    {"format": 1, "step": 40, "files": {"model.safetensors": "<sha256>", ...},
     "data_digest": "<sha256>", "args_digest": "<sha256>", "world_size": 1,
     "written_at": "2026-12-04T19:50:00.000Z"}

A checkpoint is complete when the marker exists and every listed file still
has its digest. Incomplete checkpoints are moved to ``quarantine/`` of the
job directory, never deleted.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from trainer.errors import CheckpointError
from trainer.fsutil import atomic_write_json, fsync_dir, fsync_file, sha256_file, unique_destination, utc_now

logger = logging.getLogger(__name__)

MARKER = "safeshell-complete.json"
CHECKPOINT_PATTERN = re.compile(r"^checkpoint-(\d+)$")


@dataclass(frozen=True)
class Marker:
    """The content of a completion marker."""

    step: int
    files: dict[str, str]
    data_digest: str
    args_digest: str
    world_size: int
    written_at: str


def write_marker(checkpoint: Path, *, step: int, data_digest: str, args_digest: str, world_size: int) -> Marker:
    """Fsync every file of ``checkpoint``, hash it, then write the marker durably."""
    files: dict[str, str] = {}
    for path in sorted(checkpoint.rglob("*")):
        if path.is_file() and path.name != MARKER:
            fsync_file(path)
            files[path.relative_to(checkpoint).as_posix()] = sha256_file(path)
    for directory in {path.parent for path in checkpoint.rglob("*")} | {checkpoint}:
        fsync_dir(directory)
    marker = Marker(step, files, data_digest, args_digest, world_size, utc_now())
    atomic_write_json(checkpoint / MARKER, {"format": 1, **marker.__dict__}, durable=True)
    return marker


def read_marker(checkpoint: Path) -> Marker:
    path = checkpoint / MARKER
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Marker(int(data["step"]), dict(data["files"]), str(data["data_digest"]),
                      str(data["args_digest"]), int(data["world_size"]), str(data["written_at"]))
    except FileNotFoundError as exc:
        raise CheckpointError(f"{str(checkpoint)!r} has no completion marker") from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"{str(path)!r} is unreadable: {exc}") from exc


def verify(checkpoint: Path) -> Marker:
    """Return the marker when every listed file is present with its digest."""
    marker = read_marker(checkpoint)
    for name, digest in marker.files.items():
        path = checkpoint / name
        if not path.is_file():
            raise CheckpointError(f"{str(checkpoint)!r}: file {name!r} listed in the marker is missing")
        if sha256_file(path) != digest:
            raise CheckpointError(f"{str(checkpoint)!r}: file {name!r} does not match its digest")
    return marker


def checkpoints_newest_first(output_dir: Path) -> list[tuple[int, Path]]:
    found = []
    if output_dir.is_dir():
        for path in output_dir.iterdir():
            match = CHECKPOINT_PATTERN.match(path.name)
            if match and path.is_dir():
                found.append((int(match.group(1)), path))
    return sorted(found, reverse=True)


def quarantine(checkpoint: Path, quarantine_dir: Path, reason: str) -> Path:
    """Move ``checkpoint`` aside with a reason file; return its new path."""
    destination = unique_destination(quarantine_dir, checkpoint.name)
    os.replace(checkpoint, destination)
    (destination.parent / f"{destination.name}.reason.txt").write_text(reason + "\n", encoding="utf-8")
    logger.warning("checkpoint %s quarantined as %s: %s", checkpoint, destination, reason)
    return destination


def find_resumable(output_dir: Path, quarantine_dir: Path, *, data_digest: str, args_digest: str,
                   world_size: int) -> Path | None:
    """Return the newest complete checkpoint for this data and these arguments, or None.

    Incomplete checkpoints and complete ones for other data or arguments are
    quarantined, so a later save cannot be confused with them. A complete
    checkpoint from another world size raises :class:`CheckpointError`:
    resuming it would redistribute optimizer and RNG state wrongly.
    """
    for _, checkpoint in checkpoints_newest_first(output_dir):
        try:
            marker = verify(checkpoint)
        except CheckpointError as exc:
            quarantine(checkpoint, quarantine_dir, f"incomplete: {exc.message}")
            continue
        if marker.data_digest != data_digest or marker.args_digest != args_digest:
            quarantine(checkpoint, quarantine_dir, "written for other data or training arguments")
            continue
        if marker.world_size != world_size:
            raise CheckpointError(
                f"{str(checkpoint)!r} was written by {marker.world_size} processes, this job runs {world_size}",
                hint="set num_processes in config.json back to "
                     f"{marker.world_size} (then 'trainctl config accept'), or skip the file with 'trainctl skip'")
        return checkpoint
    return None
