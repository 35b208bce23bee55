"""Every corpus command reaches the decision the corpus expects, through the guard.

The guard only analyzes and decides (nothing runs), so one fixture tree
serves every case unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from safeshell.guard import check_command
from safeshell.workspace import Workspace
from tests.safeshell.shell.corpus_fixture import build_fixture, corpus_cases

CASES = corpus_cases()

# Cases where the default policy decides more strictly than the corpus
# expects. The fixture's HOME is root/home, inside the workspace, so
# `rm -rf *` there also deletes the home directory (catastrophic-target: deny).
POLICY_STRICTER = {"rm-star-in-root"}


@pytest.fixture(scope="module")
def corpus_workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = (tmp_path_factory.mktemp("corpus") / "ws").resolve()
    root.mkdir()
    return root, build_fixture(root)


def _param(case: dict[str, Any]) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason="deletes the fixture's HOME: denied; corpus expects require_approval")] if case["id"] in POLICY_STRICTER else []
    return pytest.param(case, id=f"{case['file']}:{case['id']}", marks=marks)


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_corpus_case_decision(case: dict[str, Any], corpus_workspace: tuple[Path, dict[str, str]]) -> None:
    root, env = corpus_workspace
    expected = case["expect"] if isinstance(case["expect"], list) else [case["expect"]]

    verdict = check_command(case["command"], workspace=Workspace(root=root), cwd=str(root / case["cwd"]), env=env)

    assert verdict.decision.label in expected, (
        f"{case['command']!r}: got {verdict.decision.label}, expected {expected}; "
        f"operations: {[op.to_dict() for op in verdict.operations]}"
    )
