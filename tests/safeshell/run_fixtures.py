"""Helpers for the guarded-run tests: real workspaces with a recorded model version."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from safeshell.cli.init_cmd import create_layout
from safeshell.workspace import Workspace

MODEL_FILES = {
    "config.json": b'{"hidden_size": 8}\n',
    "model.safetensors": bytes(range(256)) * 64,
    "tokenizer/vocab.json": b'{"a": 0, "b": 1}\n',
}


def make_workspace(root: Path, *, record_version: bool = True) -> Workspace:
    """Create a workspace with a tiny current_model/, recorded as version v001 when asked."""
    create_layout(root)
    for relative, content in MODEL_FILES.items():
        path = root / "current_model" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    workspace = Workspace(root=Path(os.path.realpath(root)))
    if record_version:
        from models import Store

        Store.for_workspace(workspace).snapshot(reason="test model")
    return workspace


def read_tree(directory: Path) -> dict[str, bytes]:
    """Map each file under ``directory`` (relative POSIX path) to its bytes."""
    found = {}
    for base, _dirs, names in os.walk(directory):
        for name in names:
            path = Path(base) / name
            found[path.relative_to(directory).as_posix()] = path.read_bytes()
    return found


def console_script(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def safeshell(*arguments: str, cwd: Path, env: dict[str, str] | None = None,
              timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the real safeshell console script in ``cwd``.

    Not ``python -m``: that puts ``cwd`` first on sys.path, where the
    workspace's models/ directory would shadow the models package.
    """
    return subprocess.run(
        [console_script("safeshell"), *arguments],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
