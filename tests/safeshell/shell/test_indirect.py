"""Indirect routes to files: git work trees, archivers, editors, ssh, disks, kill patterns, aliases, IFS."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from safeshell.guard import check_command
from safeshell.operations import OperationKind as K
from safeshell.shell import analyze, fields, python_scan, remote
from safeshell.shell.editors import _ed_commands
from safeshell.shell.scan_model import HOME
from safeshell.workspace import Workspace
from tests.safeshell.shell.conftest import Effects


# -- git ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def git_workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """Return a workspace that is a git repository, with current_model/ and scratch/ in it."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = (tmp_path_factory.mktemp("gitws") / "ws").resolve()
    (root / "current_model").mkdir(parents=True)
    (root / "current_model" / "config.json").write_text("{}")
    (root / "scratch").mkdir()
    (root / "scratch" / "notes.txt").write_text("notes")
    (root / "config.json").write_text('{"learning_rate": 0.001}')
    (root / "safeshell.yaml").write_text("extends: default\n")
    (root / "home").mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root, {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(root / "home")}


@pytest.mark.parametrize("command", ["git reset --hard", "git stash -u", "git checkout :/", "git -C .. restore .", "cd .. && git clean -fdx",
                                     "git restore ':(top)config.json'"])
def test_git_tree_change_from_subdirectory(command: str, git_workspace: tuple[Path, dict[str, str]]) -> None:
    root, env = git_workspace

    verdict = check_command(command, workspace=Workspace(root=root), cwd=str(root / "scratch"), env=env)

    assert verdict.decision.label in ("require_approval", "deny")


# With --git-dir and no work tree, git takes the directory it runs in as the top of the work tree.
@pytest.mark.parametrize("command", ["git status", "git stash list", "git checkout -- notes.txt", "git clean -fd", "git checkout .",
                                     "git --git-dir=../.git reset --hard"])
def test_git_subdirectory_neighbours_allowed(command: str, git_workspace: tuple[Path, dict[str, str]]) -> None:
    root, env = git_workspace

    verdict = check_command(command, workspace=Workspace(root=root), cwd=str(root / "scratch"), env=env)

    assert verdict.decision.label == "allow"


def test_git_reset_reports_repository_root(effects: Effects) -> None:
    assert effects("git -C repo reset --hard") == {("delete", "repo", True)}


def test_git_work_tree_env_is_relative_to_c(effects: Effects) -> None:
    assert effects("GIT_WORK_TREE=. git -C d stash") == {("delete", "d", True)}


def test_git_checkout_directory_is_tree_delete(effects: Effects) -> None:
    assert ("delete", "d", True) in effects("git checkout HEAD -- d")


def test_git_pathspec_glob_is_its_directory(effects: Effects) -> None:
    assert effects("git checkout -- 'd/*.txt'") == {("delete", "d", True)}


def test_git_top_pathspec(effects: Effects) -> None:
    assert effects("git -C repo/.git restore ':/src.py'") == {("write", "repo/src.py", True)}


def test_git_checkout_file_is_write(effects: Effects) -> None:
    assert effects("git checkout HEAD -- a.txt") == {("write", "a.txt", True)}


def test_git_unknown_work_tree_fails_closed(effects: Effects) -> None:
    assert effects('git --work-tree="$T" reset --hard') == {("delete", "", False)}


# -- unknown programs and their directories ---------------------------------------------------


def test_unknown_program_creates_in_cwd(effects: Effects) -> None:
    assert effects("frobnicate --all", cwd="d") == {("create", "d", True)}


def test_binary_by_path_creates_in_cwd(effects: Effects, tree: Path) -> None:
    (tree / "tools").mkdir(exist_ok=True)
    binary = tree / "tools" / "tool.bin"
    binary.write_bytes(b"\x7fELF\x00\x01\x02")
    binary.chmod(0o755)

    assert ("create", "tools", True) in effects("./tool.bin", cwd="tools")


@pytest.mark.parametrize(("command", "directory"), [("cmake -B out", "out"), ("cmake -Bout2 -S .", "out2"), ("pip install -t vendor x", "vendor"),
                                                   ("npm --prefix=d install", "d")])
def test_build_tool_output_directory(command: str, directory: str, effects: Effects) -> None:
    assert ("create", directory, True) in effects(command)


def test_make_c_directories_are_cumulative(effects: Effects) -> None:
    assert effects("make -C repo -C .git") == {("create", ".", True), ("create", "repo", True), ("create", "repo/.git", True)}


def test_unknown_program_unknown_cwd_fails_closed(effects: Effects) -> None:
    assert ("create", "", False) in effects('cd "$NOWHERE" && make')


# -- archivers and compressors --------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("7z x a.7z -od", ("write", "d", True)),
        ("7z x a.7z dir/member", ("write", "dir/member", True)),
        ("cpio -id -D d", ("write", "d", True)),
        ("ar xv a.a", ("write", ".", True)),
        ("ar rcs d/lib.a a.txt", ("write", "d/lib.a", True)),
        ("unrar x a.rar d/", ("write", "d", True)),
        ("zstd -d a.txt.zst", ("write", "a.txt", True)),
        ("lz4 -d a.lz4 d/out", ("write", "d/out", True)),
        ("gzip -S .z -d a.txt.z", ("write", "a.txt", True)),
        ("unzip -o a.zip d/f.txt", ("write", "d/f.txt", True)),
    ],
)
def test_archiver_writes(command: str, expected: tuple[str, str, bool], effects: Effects) -> None:
    assert expected in effects(command)


@pytest.mark.parametrize("command", ["7z l a.7z", "ar t a.a", "cpio -it", "gzip -c a.txt", "xz -l a.xz"])
def test_archiver_listing_writes_nothing(command: str, effects: Effects) -> None:
    assert {kind for kind, _, _ in effects(command)} <= {"read"}


# -- editors --------------------------------------------------------------------------------------


def test_ed_script_skips_inserted_text() -> None:
    assert _ed_commands("1a\n!rm -rf x\n.\nw\nq") == ["1a", "w", "q"]


def test_vim_keys_from_heredoc_are_scanned(effects: Effects) -> None:
    assert ("delete", "b.txt", True) in effects("vim a.txt <<'EOF'\n:!rm b.txt\n:q\nEOF")


def test_vim_buffer_from_stdin_is_not_scanned(effects: Effects) -> None:
    assert effects("echo ':!rm b.txt' | vim -") == set()


def test_vim_write_bar_shell(effects: Effects) -> None:
    found = effects("vim -c 'w d/copy.txt | !rm b.txt | echo' a.txt")

    assert ("write", "d/copy.txt", True) in found
    assert ("delete", "b.txt", True) in found  # after :w a bar starts the next command; after :! it is the shell's


def test_nano_plus_line_is_not_a_file(effects: Effects) -> None:
    assert effects("nano +12 a.txt") == {("write", "a.txt", True)}


# -- ssh to this machine -------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.8.9.1", "127.1", "2130706433", "::1", "0.0.0.0", "0", "LOCALHOST.",
                                  socket.gethostname()])
def test_local_hosts(host: str) -> None:
    assert remote.is_local_host(host)


@pytest.mark.parametrize("host", ["remotehost", "10.0.0.7", "gpu-box-7.example.com", ""])
def test_other_hosts(host: str) -> None:
    assert not remote.is_local_host(host)


@pytest.mark.parametrize(("destination", "host"), [("me@box", "box"), ("ssh://me@box:2222", "box"), ("[::1]", "::1"), ("me@[::1]", "::1")])
def test_ssh_destination_host(destination: str, host: str) -> None:
    assert remote._host_of(destination) == host


def test_ssh_config_alias_to_loopback(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "config").write_text("Host devbox dev-*\n    HostName 127.0.0.1\n    Port 2222\n\nHost *\n    HostName %h.example.com\n")
    target = tmp_path / "victim.txt"
    target.write_text("x")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home)}

    aliased = analyze(f"ssh dev-3 'rm -f {target}'", cwd=str(tmp_path), env=env)
    remote_host = analyze(f"ssh gpu7 'rm -f {target}'", cwd=str(tmp_path), env=env)

    assert [op.kind for op in aliased.operations] == [K.DELETE]
    assert remote_host.operations == []


def test_ssh_options_after_destination(effects: Effects) -> None:
    assert effects("ssh localhost -p 2222 -t rm a.txt") == {("delete", "", False)}


def test_ssh_remote_cwd_is_unknown(effects: Effects) -> None:
    assert effects("ssh localhost rm a.txt") == {("delete", "", False)}


# -- disks and stream devices ---------------------------------------------------------------------


@pytest.mark.parametrize("command", ["dd if=a.txt of=/dev/null", "echo x > /dev/stdout", "tee /dev/stderr < a.txt",
                                     "echo x > /dev/fd/2", "printf x > /dev/pts/0"])
def test_stream_device_writes_dropped(command: str, effects: Effects) -> None:
    assert {kind for kind, _, _ in effects(command)} <= {"read"}


@pytest.mark.parametrize("command", ["dd if=a.txt of=/dev/sdz", "mkfs.ext4 /dev/sdz1", "mkfs.newfs /dev/sdz1", "wipefs -a /dev/sdz",
                                     "parted /dev/sdz", "sfdisk /dev/sdz"])
def test_disk_writes_reported(command: str, tree: Path) -> None:
    analysis = analyze(command, cwd=str(tree), env={"PATH": "/usr/bin:/bin", "HOME": str(tree / "home")})

    assert any("/dev/sdz" in path for op in analysis.operations if op.kind in (K.WRITE, K.TRUNCATE, K.CREATE) for path in op.paths)


@pytest.mark.parametrize("command", ["fdisk -l /dev/sdz", "sfdisk --dump /dev/sdz", "wipefs /dev/sdz", "parted /dev/sdz unit s print"])
def test_disk_listing_writes_nothing(command: str, tree: Path) -> None:
    analysis = analyze(command, cwd=str(tree), env={"PATH": "/usr/bin:/bin", "HOME": str(tree / "home")})

    assert all(op.kind is K.READ for op in analysis.operations)


# -- kill patterns ---------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["pkill -9 python", "killall -9 python3", "pkill -KILL -f 'python3 -m'", "pkill -9 -u 1000",
                                     "killall -9 -r '^py'", "pkill -9 -f 'bin/python'"])
def test_broad_sigkill_is_unresolved(command: str, tree: Path) -> None:
    operations = analyze(command, cwd=str(tree), env={"PATH": "/usr/bin:/bin"}).operations

    assert [(op.kind, op.resolved) for op in operations] == [(K.KILL, False)]
    assert "reason" in operations[0].detail


@pytest.mark.parametrize("command", ["pkill python", "pkill -9 -x python3.11-config", "killall -9 pythonista", "pkill -9 tensorboard"])
def test_narrow_or_graceful_kill_resolved(command: str, tree: Path) -> None:
    operations = analyze(command, cwd=str(tree), env={"PATH": "/usr/bin:/bin"}).operations

    assert all(op.resolved for op in operations)


# -- home directory in Python --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "path"),
    [
        ("import os, shutil; shutil.rmtree(os.path.expanduser('~'))", HOME),
        ("import os, shutil; shutil.rmtree(os.path.expanduser('~/x'))", HOME + "/x"),
        ("from pathlib import Path; import shutil; shutil.rmtree(Path.home() / 'y')", HOME + "/y"),
        ("import os; os.remove(os.environ['HOME'] + '/z')", HOME + "/z"),
        ("import os, shutil; shutil.rmtree(os.environ.get('HOME'))", HOME),
        ("from pathlib import Path; Path('~/w').expanduser().unlink()", HOME + "/w"),
        ("import os, shutil; shutil.rmtree(os.path.expanduser('~other'))", None),
        ("import shutil; shutil.rmtree('~')", "~"),  # no expansion: a directory named ~
    ],
)
def test_python_home_paths(code: str, path: str | None) -> None:
    assert [effect.path for effect in python_scan.scan(code)] == [path]


def test_python_home_resolved_to_home(effects: Effects, tree: Path) -> None:
    assert effects("python3 -c \"import os; os.remove(os.path.expanduser('~/gone'))\"") == {("delete", "home/gone", True)}


# -- aliases and IFS ---------------------------------------------------------------------------------


def test_alias_calls_its_value(effects: Effects) -> None:
    assert effects("alias zap='rm -f'; zap a.txt") == {("delete", "a.txt", True)}


def test_alias_not_expanded_in_itself(effects: Effects) -> None:
    analysis_effects = effects("alias cat='cat -n'; cat a.txt")

    assert analysis_effects == {("read", "a.txt", True)}


def test_alias_in_one_branch_fails_closed(effects: Effects) -> None:
    assert ("exec_dynamic", "", False) in effects("if [ -e x ]; then alias zap='rm -f'; fi; zap a.txt")


def _split(text: str, ifs: str) -> list[str]:
    chars = [(char, fields.EXPANDED) for char in text]
    return [fields.text_of(field) for field in fields.split_fields(chars, ifs)]


@pytest.mark.parametrize(
    ("text", "ifs", "expected"),
    [
        ("a b\tc", " \t\n", ["a", "b", "c"]),
        ("  a  b ", " \t\n", ["a", "b"]),
        ("a,b", ",", ["a", "b"]),
        ("a,,b", ",", ["a", "", "b"]),
        (",a", ",", ["", "a"]),
        ("a,", ",", ["a"]),
        ("a , b", " ,", ["a", "b"]),
        ("a b", "", ["a b"]),
    ],
)
def test_split_fields_ifs(text: str, ifs: str, expected: list[str]) -> None:
    assert _split(text, ifs) == expected


def test_changed_ifs_splits_command(effects: Effects) -> None:
    assert effects("IFS=:; c=rm:a.txt; $c") == {("delete", "a.txt", True)}


def test_unknown_ifs_makes_expansion_unresolved(effects: Effects) -> None:
    assert ("exec_dynamic", "", False) in effects("read IFS; c=rm:a.txt; $c")


@pytest.mark.parametrize("directory,expected", [("/", True), ("/opt", True), ("/home", True), ("/tmp", False),
                                                ("/var/tmp", False), ("/srv/data", False)])
def test_root_like_directories(directory: str, expected: bool) -> None:
    from safeshell.shell.programs import is_root_like

    assert is_root_like(directory, "/home/user") is expected
