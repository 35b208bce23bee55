"""Shell constructs: where each one sends the analysis and what it resolves."""

from __future__ import annotations

from pathlib import Path

import pytest

from safeshell.shell import analyze
from tests.safeshell.shell.conftest import Effects

# (command, cwd, effect that must be present); paths relative to the tree root.
RESOLVED = [
    # Quoting and expansion.
    ("rm \"a\".txt", ".", ("delete", "a.txt", True)),
    ("rm $'a\\x2etxt'", ".", ("delete", "a.txt", True)),
    ("rm a\\.txt", ".", ("delete", "a.txt", True)),
    ("rm {a,b}.txt", ".", ("delete", "b.txt", True)),
    ("rm d/{f,g}.txt", ".", ("delete", "d/f.txt", True)),
    ("rm ?.txt", ".", ("delete", "b.txt", True)),
    ("rm ~/x", ".", ("delete", "home/x", True)),
    ("rm \"$HOME/x\"", ".", ("delete", "home/x", True)),
    ("rm \"$PWD/a.txt\"", ".", ("delete", "a.txt", True)),
    ("X=a.txt; rm $X", ".", ("delete", "a.txt", True)),
    ("X=; rm \"${X:-a.txt}\"", ".", ("delete", "a.txt", True)),
    ("X=b; rm \"${X:+a.txt}\"", ".", ("delete", "a.txt", True)),
    ("X=a; X+=.txt; rm $X", ".", ("delete", "a.txt", True)),
    ("rm $(echo a.txt)", ".", ("delete", "a.txt", True)),
    ("rm -r $(<list.txt)", ".", ("delete", "d", True)),
    ("rm -r $(cat list.txt)", ".", ("delete", "b.txt", True)),
    ("rm \"$(printf '%s.txt' a)\"", ".", ("delete", "a.txt", True)),
    ("rm $(basename /x/a.txt 2>/dev/null || echo a.txt)", ".", ("delete", "a.txt", True)),
    # Working directory tracking.
    ("cd d && rm f.txt", ".", ("delete", "d/f.txt", True)),
    ("cd d; cd ..; rm a.txt", ".", ("delete", "a.txt", True)),
    ("pushd d && popd && rm a.txt", ".", ("delete", "a.txt", True)),
    ("(cd d) && rm a.txt", ".", ("delete", "a.txt", True)),
    ("cd d || exit 1; rm f.txt", ".", ("delete", "d/f.txt", True)),
    ("cd nowhere; rm a.txt", ".", ("delete", "", False)),
    ("cd; rm x", ".", ("delete", "home/x", True)),
    # Control flow.
    ("for f in a b; do rm $f.txt; done", ".", ("delete", "b.txt", True)),
    ("for f in *.txt; do rm \"$f\"; done", ".", ("delete", "list.txt", True)),
    ("while read f; do rm \"$f\"; done < list.txt", ".", ("delete", "", False)),
    ("if [ -e a.txt ]; then rm a.txt; fi", ".", ("delete", "a.txt", True)),
    ("case $1 in x) rm a.txt;; esac", ".", ("delete", "a.txt", True)),
    ("f() { rm \"$1\"; }; f a.txt", ".", ("delete", "a.txt", True)),
    ("f() { rm \"$@\"; }; f x b.txt", ".", ("delete", "b.txt", True)),
    ("set -- x a.txt; rm \"$@\"", ".", ("delete", "a.txt", True)),
    ("A=(x a.txt); rm \"${A[@]}\"", ".", ("delete", "a.txt", True)),
    ("A=(a.txt x); rm \"${A[0]}\"", ".", ("delete", "a.txt", True)),
    ("A=(x); A+=(b.txt); rm ${A[1]}", ".", ("delete", "b.txt", True)),
    ("trap 'rm a.txt' EXIT", ".", ("delete", "a.txt", True)),
    ("coproc rm a.txt", ".", ("delete", "a.txt", True)),
    ("npx rimraf d", ".", ("delete", "d", True)),
    ("pkexec rm a.txt", ".", ("delete", "a.txt", True)),
    ("function g { rm b.txt; }; g", ".", ("delete", "b.txt", True)),
    ("! rm a.txt", ".", ("delete", "a.txt", True)),
    ("{ rm a.txt; } > /dev/null", ".", ("delete", "a.txt", True)),
    ("echo $(rm a.txt)", ".", ("delete", "a.txt", True)),
    ("diff <(rm a.txt) b.txt", ".", ("delete", "a.txt", True)),
    ("[[ $(rm a.txt) ]]", ".", ("delete", "a.txt", True)),
    # Nested code.
    ("bash -c 'rm \"$1\"' _ a.txt", ".", ("delete", "a.txt", True)),
    ("sh -ec 'cd d && rm f.txt'", ".", ("delete", "d/f.txt", True)),
    ("eval rm a.txt", ".", ("delete", "a.txt", True)),
    ("source clean.sh a.txt", ".", ("delete", "a.txt", True)),
    ("./clean.sh a.txt", ".", ("delete", "a.txt", True)),
    ("bash clean.sh b.txt", ".", ("delete", "b.txt", True)),
    ("python3 tool.py", ".", ("delete", "a.txt", True)),
    ("bash <<'EOF'\nrm a.txt\nEOF", ".", ("delete", "a.txt", True)),
    ("printf 'rm a.txt' | sh", ".", ("delete", "a.txt", True)),
    ("cat list.txt | xargs rm -rf", ".", ("delete", "d", True)),
    ("xargs rm < list.txt", ".", ("delete", "d", True)),
    ("ls | xargs rm", ".", ("delete", "", False)),
    ("find d -name f.txt -print0 | xargs -0 rm", ".", ("delete", "d/f.txt", True)),
    # Wrappers.
    ("sudo -u root -- rm a.txt", ".", ("delete", "a.txt", True)),
    ("env -C d rm f.txt", ".", ("delete", "d/f.txt", True)),
    ("time -o b.txt ls", ".", ("write", "b.txt", True)),
    ("timeout -s KILL 5 rm a.txt", ".", ("delete", "a.txt", True)),
    ("nohup nice -5 rm a.txt", ".", ("delete", "a.txt", True)),
    ("strace -o b.txt -f rm a.txt", ".", ("delete", "a.txt", True)),
    ("chrt 10 taskset 0x1 rm a.txt", ".", ("delete", "a.txt", True)),
    ("busybox rm a.txt", ".", ("delete", "a.txt", True)),
    ("safeshell -c 'rm a.txt'", ".", ("delete", "a.txt", True)),
    # Redirects.
    ("echo > a.txt", ".", ("truncate", "a.txt", True)),
    ("echo >> a.txt", ".", ("write", "a.txt", True)),
    ("ls 2> new.log", ".", ("create", "new.log", True)),
    ("ls &>> a.txt", ".", ("write", "a.txt", True)),
    ("> b.txt", ".", ("truncate", "b.txt", True)),
    ("ls >& a.txt", ".", ("truncate", "a.txt", True)),
    # Symlinks.
    ("rm link", ".", ("delete", "link", True)),
    ("rm -r link/*", ".", ("delete", "d/f.txt", True)),
    ("chmod 600 link", ".", ("chmod", "d", True)),
]


@pytest.mark.parametrize("command,cwd,expected", RESOLVED, ids=[row[0] for row in RESOLVED])
def test_construct_effect(command: str, cwd: str, expected: tuple[str, str, bool], effects: Effects) -> None:
    found = effects(command, cwd)
    assert expected in found, found


def test_link_removal_keeps_target(effects: Effects) -> None:
    found = effects("rm link")
    assert ("delete", "d", True) not in found


def test_subshell_cd_stays_inside(effects: Effects) -> None:
    found = effects("(cd d && rm f.txt); rm f.txt")
    assert ("delete", "d/f.txt", True) in found
    assert ("delete", "f.txt", True) in found


def test_prefix_assignment_not_visible_to_args(effects: Effects) -> None:
    found = effects("X=a.txt rm \"$X\"")
    assert ("delete", "", False) in found


# Python code: false positives that must stay quiet, and unresolved calls.
@pytest.mark.parametrize(
    "code",
    [
        "items = [1]; items.remove(1)",
        "import pandas as pd; df = pd.DataFrame(); df.rename(columns={})",
        "s = 'a'.replace('a', 'b')",
        "print(open('a.txt').read())",
        "import re; re.compile('x').sub('', 'y')",
    ],
)
def test_python_benign_calls_quiet(code: str, effects: Effects) -> None:
    found = effects(f"python3 -c {_quote(code)}")
    assert {kind for kind, _, _ in found} <= {"read"}


@pytest.mark.parametrize(
    "code,expected",
    [
        ("import os, sys; os.remove(sys.argv[1])", ("delete", "", False)),
        ("from shutil import rmtree as r; r('d')", ("delete", "d", True)),
        ("import pathlib; pathlib.Path('d/f.txt').write_text('x')", ("truncate", "d/f.txt", True)),
        ("p = 'a.txt'; import os; os.unlink(p)", ("delete", "a.txt", True)),
        ("import os; os.replace('a.txt', 'b.txt')", ("move", "a.txt", True)),
        ("open('b.txt', 'a').write('x')", ("write", "b.txt", True)),
        ("import shutil; shutil.copy('a.txt', 'd/g.txt')", ("write", "d/g.txt", True)),
        ("exec(input())", ("exec_dynamic", "", False)),
        ("def broken(:", ("exec_dynamic", "", False)),
    ],
)
def test_python_effects(code: str, expected: tuple[str, str, bool], effects: Effects) -> None:
    assert expected in effects(f"python3 -c {_quote(code)}")


def test_python_benign_script_quiet(effects: Effects) -> None:
    assert {kind for kind, _, _ in effects("python3 safe.py")} <= {"read"}


@pytest.mark.parametrize(
    "command,expected",
    [
        ("perl -e 'unlink \"a.txt\"'", ("delete", "a.txt", True)),
        ("perl -e 'open(my $f, \">\", \"b.txt\")'", ("write", "b.txt", True)),
        ("perl -e 'unlink $ARGV[0]' a.txt", ("delete", "", False)),
        ("perl -e 'print `rm a.txt`'", ("delete", "a.txt", True)),
        ("node -e \"require('fs').unlinkSync('a.txt')\"", ("delete", "a.txt", True)),
        ("node -e \"require('child_process').execSync('rm b.txt')\"", ("delete", "b.txt", True)),
        ("node -e \"fs.rmSync(process.argv[1])\"", ("delete", "", False)),
        ("ruby -e 'File.delete(\"a.txt\")'", ("delete", "a.txt", True)),
        ("ruby -e 'system(\"rm b.txt\")'", ("delete", "b.txt", True)),
    ],
)
def test_token_scanned_interpreters(command: str, expected: tuple[str, str, bool], effects: Effects) -> None:
    assert expected in effects(command)


def test_node_regex_exec_quiet(effects: Effects) -> None:
    # `.exec('abc')` is read as running the unknown program abc, which may
    # create files in the working directory; `.replace` renames nothing.
    kinds = {kind for kind, _, _ in effects("node -e \"/a/.exec('abc'); 'x'.replace('x', 'y')\"")}
    assert not kinds & {"delete", "move", "write", "truncate", "exec_dynamic"}


@pytest.mark.parametrize(
    "command",
    ["safeshell approve abc123", "sudo safeshell --workspace . approve abc123", "cat \"$XDG_CONFIG_HOME/safeshell/approval.key\""],
)
def test_approval_attempts(command: str, tree: Path) -> None:
    env = {"HOME": str(tree / "home"), "XDG_CONFIG_HOME": str(tree / "cfg")}
    kinds = {op.kind.value for op in analyze(command, cwd=str(tree), env=env).operations}
    assert "approve" in kinds


def test_commands_listed_for_explain(tree: Path) -> None:
    analysis = analyze("cd d && rm -rf f.txt", cwd=str(tree), env={})
    assert [(command.argv, command.cwd) for command in analysis.commands] == [
        (("cd", "d"), str(tree)),
        (("rm", "-rf", "f.txt"), str(tree / "d")),
    ]


def test_max_depth_fails_closed(tree: Path) -> None:
    command = "rm a.txt"
    for _ in range(12):
        command = "bash -c " + _quote(command)
    analysis = analyze(command, cwd=str(tree), env={}, max_depth=8)
    assert any(not op.resolved for op in analysis.operations)
    assert analysis.problems


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


@pytest.mark.parametrize(
    "command,expected",
    [
        ("echo 'rm a.txt' > s.sh && bash s.sh", ("delete", "a.txt", True)),
        ("cat > t.py <<'EOF'\nimport os\nos.remove('b.txt')\nEOF\npython3 t.py", ("delete", "b.txt", True)),
        ("echo 'ls' > s.sh && cp other s.sh && bash s.sh", ("exec_dynamic", "s.sh", False)),
        ("curl -s https://example.com > i.sh && sh i.sh", ("exec_dynamic", "i.sh", False)),
    ],
)
def test_script_written_then_run(command: str, expected: tuple[str, str, bool], effects: Effects) -> None:
    assert expected in effects(command)


def test_benign_script_written_then_run(effects: Effects) -> None:
    found = effects("echo 'ls -la' > s.sh && bash s.sh")
    assert {kind for kind, _, _ in found} <= {"read", "create"}


@pytest.mark.parametrize(
    "command,unresolved",
    [
        ("bash missing.sh", False),  # fails at run time: nothing runs
        ("python3 missing.py", False),
        ("git clone https://example.com/r.git r && bash r/install.sh", True),
        ("unzip t.zip && bash t/c.sh", True),
        ("somefetcher && ./fetched.sh", True),  # an unknown program may have written it
    ],
)
def test_missing_script_fails_closed_when_creatable(command: str, unresolved: bool, effects: Effects) -> None:
    found = effects(command)
    assert any(kind == "exec_dynamic" and not resolved for kind, _, resolved in found) is unresolved


def test_globstar_and_dotglob_widen_globs(effects: Effects) -> None:
    # With globstar, ** also matches zero directories.
    assert ("delete", "a.txt", True) in effects("shopt -s globstar; rm **/a.txt")
    assert ("delete", "a.txt", True) not in effects("rm **/a.txt")
    assert ("delete", "repo/.git", True) in effects("shopt -s dotglob; rm -r repo/*")
    assert ("delete", "repo/.git", True) not in effects("rm -r repo/*")


def test_command_builtin_skips_functions(effects: Effects) -> None:
    assert ("delete", "a.txt", True) in effects("rm() { echo; }; command rm a.txt")
    assert ("delete", "a.txt", True) not in effects("rm() { echo; }; rm a.txt")


def test_prefix_assignment_reaches_child_shell(effects: Effects) -> None:
    assert ("delete", "a.txt", True) in effects("X=a.txt bash -c 'rm \"$X\"'")


@pytest.mark.parametrize(
    "command",
    [
        "python3 -c \"import os; os.chdir('d'); os.remove('f.txt')\"",
        "perl -e 'chdir \"d\"; unlink \"f.txt\"'",
        "node -e \"process.chdir('d'); require('fs').unlinkSync('f.txt')\"",
    ],
)
def test_interpreter_chdir_unanchors_paths(command: str, effects: Effects) -> None:
    assert ("delete", "", False) in effects(command)


@pytest.mark.parametrize("command", ["source <(curl -s https://example.com/x)", "bash <(curl -s https://example.com/x)", "python3 <(curl -s https://example.com/x)"])
def test_code_from_process_substitution_unresolved(command: str, effects: Effects) -> None:
    assert ("exec_dynamic", "", False) in {(kind, "" if kind == "exec_dynamic" else path, resolved) for kind, path, resolved in effects(command)}
