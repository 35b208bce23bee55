"""Completion markers: complete checkpoints resume, incomplete ones are quarantined."""

from __future__ import annotations

from pathlib import Path

import pytest

from trainer.checkpoints import MARKER, find_resumable, verify, write_marker
from trainer.errors import CheckpointError


def make_checkpoint(output: Path, step: int, *, world_size: int = 1, data: str = "d", args: str = "a",
                    marked: bool = True) -> Path:
    checkpoint = output / f"checkpoint-{step}"
    (checkpoint / "sub").mkdir(parents=True)
    (checkpoint / "model.safetensors").write_bytes(b"weights %d" % step)
    (checkpoint / "sub" / "rng_state.pth").write_bytes(b"rng")
    if marked:
        write_marker(checkpoint, step=step, data_digest=data, args_digest=args, world_size=world_size)
    return checkpoint


def test_marker_lists_every_file(tmp_path: Path) -> None:
    checkpoint = make_checkpoint(tmp_path, 4)
    marker = verify(checkpoint)
    assert marker.step == 4
    assert sorted(marker.files) == ["model.safetensors", "sub/rng_state.pth"]


def test_altered_file_fails_verification(tmp_path: Path) -> None:
    checkpoint = make_checkpoint(tmp_path, 4)
    (checkpoint / "model.safetensors").write_bytes(b"torn write")
    with pytest.raises(CheckpointError, match="'model.safetensors' does not match its digest"):
        verify(checkpoint)


def test_newest_complete_checkpoint_chosen(tmp_path: Path) -> None:
    output, quarantine = tmp_path / "output", tmp_path / "quarantine"
    make_checkpoint(output, 4)
    complete = make_checkpoint(output, 8)
    unmarked = make_checkpoint(output, 12, marked=False)
    found = find_resumable(output, quarantine, data_digest="d", args_digest="a", world_size=1)
    assert found == complete
    assert not unmarked.exists()
    assert (quarantine / "checkpoint-12" / "model.safetensors").read_bytes() == b"weights 12"
    assert "incomplete" in (quarantine / "checkpoint-12.reason.txt").read_text()


def test_other_data_or_arguments_not_resumed(tmp_path: Path) -> None:
    output, quarantine = tmp_path / "output", tmp_path / "quarantine"
    make_checkpoint(output, 4, data="other")
    make_checkpoint(output, 8, args="other")
    assert find_resumable(output, quarantine, data_digest="d", args_digest="a", world_size=1) is None
    assert sorted(path.name for path in quarantine.iterdir() if path.is_dir()) == ["checkpoint-4", "checkpoint-8"]


def test_world_size_change_refused(tmp_path: Path) -> None:
    output = tmp_path / "output"
    make_checkpoint(output, 4, world_size=2)
    with pytest.raises(CheckpointError, match="written by 2 processes, this job runs 1"):
        find_resumable(output, tmp_path / "quarantine", data_digest="d", args_digest="a", world_size=1)
    assert (output / "checkpoint-4" / MARKER).exists()
