"""Small mounts for disk-full, read-only and reflink tests (root only)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def tmpfs(path: Path, *, size_kib: int, read_only: bool = False) -> Iterator[Path]:
    """Mount a tmpfs of ``size_kib`` at ``path``; skip the test when mounting is not possible."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root; the disk-full and read-only cases run only as root")
    path.mkdir(parents=True, exist_ok=True)
    options = f"size={size_kib}k" + (",ro" if read_only else "")
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@contextmanager
def xfs_with_reflinks(path: Path, *, size_mib: int) -> Iterator[Path]:
    """Mount a fresh XFS image with reflinks at ``path``; skip the test when that is not possible."""
    if os.geteuid() != 0:
        pytest.skip("mounting a loop device needs root; the reflink cases run only as root")
    if shutil.which("mkfs.xfs") is None:
        pytest.skip("mkfs.xfs is not installed (Debian: apt-get install xfsprogs); the reflink cases need it")
    image = path.with_name(path.name + ".img")
    with open(image, "wb") as handle:
        handle.truncate(size_mib << 20)
    formatted = subprocess.run(["mkfs.xfs", "-q", "-m", "reflink=1", str(image)], capture_output=True, text=True)
    if formatted.returncode != 0:
        image.unlink()
        pytest.skip(f"mkfs.xfs failed: {formatted.stderr.strip()}")
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-o", "loop", str(image), str(path)], capture_output=True, text=True)
    if mounted.returncode != 0:
        image.unlink()
        pytest.skip(f"cannot mount an XFS loop image here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)
        image.unlink()
