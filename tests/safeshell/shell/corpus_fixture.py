"""Build the command corpus fixture: a workspace tree in a temporary directory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

CORPUS_DIR = Path(__file__).resolve().parents[2] / "data" / "corpus"
CORPUS_FILES = ("commands.yaml", "extra.yaml", "destructive.yaml")


def load_corpus(name: str) -> dict[str, Any]:
    with open(CORPUS_DIR / name, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def corpus_cases() -> list[dict[str, Any]]:
    """Return every case of every corpus file, each with its file name added."""
    cases = []
    for name in CORPUS_FILES:
        for case in load_corpus(name)["cases"]:
            cases.append({**case, "file": name})
    return cases


def build_fixture(root: Path, fixture: dict[str, Any] | None = None) -> dict[str, str]:
    """Create the fixture under ``root``; return the environment the cases run with.

    HOME is ``root/home`` and PATH is the only other variable, as the corpus
    header specifies. A ``safeshell.yaml`` that extends the default policy
    makes ``root`` a workspace.
    """
    fixture = fixture or load_corpus("commands.yaml")["fixture"]
    for relative, content in fixture.get("files", {}).items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    for relative, target in fixture.get("symlinks", {}).items():
        link = root / relative
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, link)
    (root / "home").mkdir(exist_ok=True)
    policy = root / "safeshell.yaml"
    if not policy.exists():
        policy.write_text("extends: default\n", encoding="utf-8")
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(root / "home")}
