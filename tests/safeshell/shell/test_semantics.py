"""The semantics table: which operands each program deletes, writes, moves, reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from safeshell.shell import analyze
from tests.safeshell.shell.conftest import Effects


# (command, effects that must be present); paths relative to the fixture root.
PRESENT = [
    ("rm -rf d", {("delete", "d", True)}),
    ("unlink a.txt", {("delete", "a.txt", True)}),
    ("rmdir d", {("delete", "d", True)}),
    ("shred -u a.txt", {("write", "a.txt", True), ("delete", "a.txt", True)}),
    ("truncate -s 0 a.txt", {("truncate", "a.txt", True)}),
    ("touch a.txt new.txt", {("write", "a.txt", True), ("create", "new.txt", True)}),
    ("mkdir -m 700 -p x/y", {("create", "x/y", True)}),
    ("chmod -R 755 d", {("chmod", "d", True)}),
    ("chown user:group a.txt", {("chmod", "a.txt", True)}),
    ("chgrp staff a.txt", {("chmod", "a.txt", True)}),
    ("cp a.txt b.txt", {("read", "a.txt", True), ("write", "b.txt", True)}),
    ("cp a.txt d", {("create", "d/a.txt", True)}),
    ("install -d newdir", {("create", "newdir", True)}),
    ("mv a.txt d/", {("move", "a.txt", True), ("create", "d/a.txt", True)}),
    ("ln -sf a.txt b.txt", {("write", "b.txt", True)}),
    ("ln -s a.txt c.txt", {("create", "c.txt", True)}),
    ("rsync -a --delete d/ backup/", {("read", "d", True), ("delete", "backup", True)}),
    ("rsync --remove-source-files a.txt host:/x", {("delete", "a.txt", True)}),
    ("dd if=a.txt of=b.txt", {("read", "a.txt", True), ("truncate", "b.txt", True)}),
    ("echo x | tee -a a.txt", {("write", "a.txt", True)}),
    ("sed -i.bak 's/a/b/' a.txt", {("write", "a.txt", True)}),
    ("sed -e 's/a/b/' -i a.txt", {("write", "a.txt", True)}),
    ("perl -pi -e 's/a/b/' a.txt", {("write", "a.txt", True)}),
    ("awk -i inplace '{print}' a.txt", {("write", "a.txt", True)}),
    ("awk '{print > \"out.txt\"}' a.txt", {("write", "out.txt", True)}),
    ("find d -name '*.txt' -delete", {("delete", "d/f.txt", True)}),
    ("find d -type f -exec rm {} \\;", {("delete", "d/f.txt", True)}),
    ("tar -xf a.tar -C d", {("write", "d", True)}),
    ("tar -cf out.tar d --remove-files", {("create", "out.tar", True), ("delete", "d", True)}),
    ("unzip a.zip -d d", {("write", "d", True)}),
    ("gzip a.txt", {("delete", "a.txt", True), ("write", "a.txt.gz", True)}),
    ("sort -o b.txt a.txt", {("write", "b.txt", True), ("read", "a.txt", True)}),
    ("curl -o b.txt https://example.com", {("write", "b.txt", True)}),
    ("git -C repo clean -fd", {("delete", "repo", True)}),
    ("git rm repo/src.py", {("delete", "repo/src.py", True)}),  # no repository found from cwd: fails closed
    ("cd repo && git rm src.py", {("delete", "repo/src.py", True)}),
    ("cd repo && git reset --hard", {("delete", "repo", True)}),
    ("cd repo && git checkout -- src.py", {("write", "repo/src.py", True)}),
    ("cd repo && git stash", {("delete", "repo", True)}),
    ("cat a.txt b.txt", {("read", "a.txt", True), ("read", "b.txt", True)}),
    ("ls -la d", {("read", "d", True)}),
    ("du -sh d", {("read", "d", True)}),
    ("tar -czf - d | cat", {("read", "d", True)}),
    ("rm -rf link/", {("delete", "link", True), ("delete", "d", True)}),
    ("echo x > link/f.txt", {("truncate", "d/f.txt", True)}),
    ("exec 3<> a.txt", {("exec_dynamic", "", False)}),  # tree-sitter-bash cannot parse <>: fails closed
]


@pytest.mark.parametrize("command,expected", PRESENT, ids=[row[0] for row in PRESENT])
def test_program_operations(command: str, expected: set[tuple[str, str, bool]], effects: Effects) -> None:
    found = effects(command)
    assert expected <= found, found


# Commands that must yield no operation beyond reads.
READ_ONLY = [
    "grep -r rm d", "rm --help >/dev/null 2>&1 || true", "sed -n 1p a.txt", "awk '$1 > 5' a.txt", "git status",
    "git log -p", "find d -name '*.txt'", "tar -tf a.tar", "unzip -l a.zip", "gzip -c a.txt", "kill -l",
    "echo rm -rf d", "printf 'rm %s' d", "diff a.txt b.txt", "jq . a.txt", "python3 -c 'print(1)'",
]


@pytest.mark.parametrize("command", READ_ONLY)
def test_read_only_commands(command: str, effects: Effects) -> None:
    kinds = {kind for kind, _, _ in effects(command)}
    assert kinds <= {"read"}


@pytest.mark.parametrize(
    "command,signal,targets",
    [
        ("kill 123", "TERM", ["123"]),
        ("kill -9 123 456", "KILL", ["123", "456"]),
        ("kill -s KILL 123", "KILL", ["123"]),
        ("kill -SIGKILL 123", "KILL", ["123"]),
        ("killall -9 trainctl", "KILL", ["trainctl"]),
        ("pkill -KILL -f trainer.daemon", "KILL", ["trainer.daemon"]),
    ],
)
def test_kill_signal_and_targets(command: str, signal: str, targets: list[str], tree: Path) -> None:
    ops = analyze(command, cwd=str(tree), env={}).operations
    assert [(op.detail["signal"], op.detail["targets"]) for op in ops] == [(signal, targets)]


def test_kill_unknown_pid_unresolved(tree: Path) -> None:
    ops = analyze("kill -9 $(cat pidfile)", cwd=str(tree), env={}).operations
    assert [op.resolved for op in ops if op.kind.value == "kill"] == [False]


def test_extraction_lists_archive_members(tmp_path: Path) -> None:
    import tarfile
    import zipfile

    source = tmp_path / "src"
    (source / "model").mkdir(parents=True)
    (source / "model" / "w.bin").write_text("w")
    with tarfile.open(tmp_path / "a.tgz", "w:gz") as archive:
        archive.add(source / "model", arcname="model")
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as archive:
        archive.write(source / "model" / "w.bin", arcname="model/w.bin")

    for command in ("tar xzf a.tgz", "unzip -o a.zip"):
        ops = analyze(command, cwd=str(tmp_path), env={}).operations
        written = {path for op in ops if op.kind.value == "write" for path in op.paths}
        assert str(tmp_path / "model" / "w.bin") in written, command


@pytest.mark.parametrize(
    "command,deleted,kept",
    [
        ("find . -path ./d -prune -o -name '*.txt' -exec rm {} +", "a.txt", "d/f.txt"),  # pruned subtree untouched
        ("find . -name '*.txt' -print -o -name 'f*' -delete", None, "d/f.txt"),  # -print side does not delete
        ("find . -name f.txt -delete -o -name a.txt -print", "d/f.txt", "a.txt"),
        ("find d ! -name '*.py' -delete", "d/f.txt", None),
    ],
)
def test_find_actions_follow_evaluation(command: str, deleted: str | None, kept: str | None, effects: Effects) -> None:
    found = {path for kind, path, _ in effects(command) if kind == "delete"}
    if deleted is not None:
        assert deleted in found
    if kept is not None:
        assert kept not in found


@pytest.mark.parametrize(
    "command,expected",
    [
        ("sed -n 'w b.txt' a.txt", ("truncate", "b.txt", True)),
        ("sed 's/a/b/w b.txt' a.txt", ("truncate", "b.txt", True)),
        ("sed -e 's/.*/rm -rf d/e' a.txt", ("exec_dynamic", "", False)),
        ("sed --expression='1e date' a.txt", ("exec_dynamic", "", False)),
    ],
)
def test_sed_script_writes_and_runs(command: str, expected: tuple[str, str, bool], effects: Effects) -> None:
    assert expected in effects(command)


@pytest.mark.parametrize("command", ["sed 's/w/e/g' a.txt", "sed '/e/d; y/we/ew/' a.txt", "sed -n '$p' a.txt"])
def test_sed_letters_in_patterns_quiet(command: str, effects: Effects) -> None:
    assert {kind for kind, _, _ in effects(command)} <= {"read"}
