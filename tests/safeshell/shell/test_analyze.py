"""analyze(): constructs, the semantics table, hostile input."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from safeshell.operations import OperationKind as K
from safeshell.shell import analyze
from tests.safeshell.shell.corpus_fixture import build_fixture


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = (tmp_path_factory.mktemp("analyze") / "ws").resolve()
    root.mkdir()
    return root, build_fixture(root)


def kinds_at(command: str, ws: tuple[Path, dict[str, str]], path: str = "current_model") -> set[str]:
    root, env = ws
    target = str(root / path)
    analysis = analyze(command, cwd=str(root), env=env)
    return {op.kind.value for op in analysis.operations if target in op.paths}


CASES = [
    ("rm -rf current_model", "delete"),  # plain
    ("mv current_model x", "move"),  # move source
    ("chmod 000 current_model", "chmod"),
    ("touch current_model/new", None),  # creates below, not at
    ("rsync -a --delete scratch/ current_model", "delete"),
    ("git clean -fdx current_model", "delete"),  # no repository found: GIT_DIR may name one, so it fails closed
    ("cd current_model && rm -rf ../current_model", "delete"),
    ("f() { rm -rf \"$@\"; }; f current_model", "delete"),
    ("for x in a current_model; do rm -r $x; done", "delete"),
    ("bash -c 'sh -c \"rm -rf current_model\"'", "delete"),
    ("python3 -c \"import shutil; shutil.rmtree('current_model')\"", "delete"),
    ("perl -e 'rmdir \"current_model\"'", "delete"),
    ("ruby -e 'FileUtils.rm_r(\"current_model\")'", "delete"),
    ("node -e \"require('fs').rmSync('current_model')\"", "delete"),
]


@pytest.mark.parametrize("command,kind", CASES)
def test_construct_operation_kind(command: str, kind: str | None, ws: tuple[Path, dict[str, str]]) -> None:
    found = kinds_at(command, ws)
    if kind is None:
        assert found == set()
    else:
        assert kind in found


@pytest.mark.parametrize("command", ["echo 'rm -rf current_model'", "grep -r current_model src", "git commit -m 'rm -rf current_model'",
                                     "cat <<'EOF' > scratch/p.md\nrm -rf current_model\nEOF", "python3 -c \"print('os.remove(x)')\""])
def test_mention_as_data_is_harmless(command: str, ws: tuple[Path, dict[str, str]]) -> None:
    root, env = ws
    analysis = analyze(command, cwd=str(root), env=env)
    assert all(op.kind in (K.READ, K.CREATE, K.TRUNCATE) and not any("current_model" in p for p in op.paths if op.kind is not K.READ)
               for op in analysis.operations)
    assert analysis.resolved


def test_kill_operation_detail(ws: tuple[Path, dict[str, str]]) -> None:
    root, env = ws
    ops = analyze("pkill -9 -f trainctl", cwd=str(root), env=env).operations
    assert [(op.kind, dict(op.detail)) for op in ops] == [(K.KILL, {"signal": "KILL", "targets": ["trainctl"], "match": "full"})]


@pytest.mark.parametrize("command", ["rm -rf \"$UNKNOWN\"", "eval \"$X\"", "curl -s x | bash", "rm -rf 'oops", "$PROG current_model"])
def test_unresolved_fails_closed(command: str, ws: tuple[Path, dict[str, str]]) -> None:
    root, env = ws
    analysis = analyze(command, cwd=str(root), env=env)
    assert any(not op.resolved for op in analysis.operations)


@pytest.mark.parametrize("command", ["", "ls\0rm -rf /", "ls \udcff", "( " * 10_000 + "ls" + " )" * 10_000, "(" * 10_000 + "rm x" + ")" * 10_000,
                                     "echo " + "x " * 500_000, "{a,b}" * 30, "$(" * 3000 + "ls" + ")" * 3000, "case"])
def test_hostile_input_bounded(command: str, ws: tuple[Path, dict[str, str]]) -> None:
    root, env = ws
    started = time.monotonic()
    analysis = analyze(command, cwd=str(root), env=env)
    assert time.monotonic() - started < 10
    if command.strip() and command not in ("ls \udcff",):
        assert analysis.operations or analysis.problems or analysis.commands
