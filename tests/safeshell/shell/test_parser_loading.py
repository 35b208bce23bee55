"""The bash grammar loads without the tree_sitter packages' Python layers."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[3]


def run_isolated(code: str) -> subprocess.CompletedProcess[str]:
    search_path = [str(REPOSITORY), sysconfig.get_paths()["purelib"]]
    prelude = f"import sys; sys.path[:0] = {search_path!r}\n"
    return subprocess.run([sys.executable, "-I", "-S", "-c", prelude + code],
                          capture_output=True, text=True, timeout=60)


def test_parse_loads_only_the_extensions() -> None:
    result = run_isolated(
        "from safeshell.shell.parser import parse\n"
        "print(parse(b'ls -la | wc -l').type)\n"
        "print(sorted(name for name in sys.modules if name.startswith('tree_sitter')))\n"
        "print('typing' in sys.modules, 'importlib.resources' in sys.modules)\n"
    )
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "program"
    assert lines[1] == "['tree_sitter._binding', 'tree_sitter_bash._binding']"
    assert lines[2] == "False False"


def test_later_package_import_shares_the_extension() -> None:
    result = run_isolated(
        "from safeshell.shell.parser import parse\n"
        "node = parse(b'echo hi')\n"
        "import tree_sitter, tree_sitter_bash\n"
        "print(type(node) is tree_sitter.Node)\n"
        "print(tree_sitter_bash.language.__self__ is sys.modules['tree_sitter_bash._binding'])\n"
    )
    assert result.stderr == ""
    assert result.stdout.splitlines() == ["True", "True"]
