"""The lexical pre-screen never reports less than the full analysis."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from safeshell.operations import OperationKind
from safeshell.shell import analyze
from safeshell.shell.quick import join_words, screen
from tests.safeshell.shell.corpus_fixture import build_fixture, corpus_cases

EXTRA_COMMANDS = [
    "ls", "ls -la current_model", "cat config.json | wc -l", "du -sh current_model models/versions && df -h",
    "grep -rn current_model src", "head -n 5 config.json; tail -n 1 logs/daemon_20261201.log 2>/dev/null",
    "ls & rm -rf current_model", "ls; rm -rf current_model", "cat config.json > current_model/x", "X=1 ls",
    "ls $(rm -rf current_model)", "ls `rm x`", "cat 'a b'", "ls current_model\nrm -rf current_model",
    "sort -o current_model/x config.json", "tree -o current_model/x", "cat ~/.config/safeshell/approval.key",
]


def _flatten(operations: list) -> set[tuple[str, str, bool]]:
    return {(op.kind.value, path, op.resolved) for op in operations for path in op.paths}


def test_quick_agrees_with_full_analysis(tmp_path: Path) -> None:
    root = (tmp_path / "ws").resolve()
    root.mkdir()
    env = build_fixture(root)
    commands = [(case["command"], str(root / case["cwd"])) for case in corpus_cases()]
    commands += [(command, str(root)) for command in EXTRA_COMMANDS]
    screened = 0
    for command, cwd in commands:
        quick = screen(command, cwd=cwd, env=env)
        if quick is None:
            continue
        screened += 1
        full = analyze(command, cwd=cwd, env=env)
        assert all(op.kind is OperationKind.READ for op in full.operations), command
        assert _flatten(quick) == _flatten(full.operations), command
    assert screened >= 8


@pytest.mark.parametrize("command", ["ls; rm -rf x", "ls & rm x", "echo > f", "ls $(id)", "cat `x`", "X=1 ls", "find . -delete", "ls\nrm x", "ls 'unterminated"])
def test_quick_declines_non_trivial(command: str) -> None:
    assert screen(command, cwd="/tmp", env={}) is None


def test_quick_does_not_import_tree_sitter() -> None:
    code = "import sys; from safeshell.shell.quick import screen; screen('ls', cwd='/', env={}); print('tree_sitter' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("words", [
    [], [""], ["ls", "-la"], ["rm", "-rf", "current model"], ["echo", "it's"], ["a$b", "c;d", "é", "x\ny"],
    ["--opt=value", "path/to/file.txt", "@%+=:,./-_"], ["'", '"', "\\"],
])
def test_join_words_matches_shlex(words: list[str]) -> None:
    assert join_words(words) == shlex.join(words)
