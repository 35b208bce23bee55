"""Small tmpfs mounts for disk-full and read-only tests (root only)."""

from __future__ import annotations

import os
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
