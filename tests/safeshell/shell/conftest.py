"""A small file tree for the shell analysis tests and a helper to list effects."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import pytest

from safeshell.shell import analyze

Effects = Callable[..., set[tuple[str, str, bool]]]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a root with d/f.txt, a.txt, b.txt, repo/.git, scripts and link -> d."""
    root = tmp_path_factory.mktemp("shell").resolve()
    (root / "d").mkdir()
    (root / "d" / "f.txt").write_text("x")
    (root / "a.txt").write_text("a")
    (root / "b.txt").write_text("b")
    (root / "home").mkdir()
    (root / "repo" / ".git").mkdir(parents=True)
    (root / "repo" / "src.py").write_text("print()")
    (root / "clean.sh").write_text("#!/bin/sh\nrm -rf \"$1\"\n")
    (root / "clean.sh").chmod(0o755)
    (root / "tool.py").write_text("import os\nos.remove('a.txt')\n")
    (root / "safe.py").write_text("items = [1]\nitems.remove(1)\nprint(items)\n")
    (root / "list.txt").write_text("d\nb.txt\n")
    os.symlink("d", root / "link")
    return root


@pytest.fixture
def effects(tree: Path) -> Effects:
    """Return a function listing (kind, path relative to the tree, resolved) of a command."""

    def collect(command: str, cwd: str = ".", env: dict[str, str] | None = None) -> set[tuple[str, str, bool]]:
        environment = {"PATH": "/usr/bin:/bin", "HOME": str(tree / "home")} if env is None else env
        analysis = analyze(command, cwd=str(tree / cwd), env=environment)
        found = set()
        for op in analysis.operations:
            for path in op.paths or ("",):
                relative = os.path.relpath(path, tree) if path else ""
                found.add((op.kind.value, relative, op.resolved))
        return found

    return collect
