"""The compiled-policy cache: valid while every source file is unchanged, never pickle."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from safeshell.decision import Decision
from safeshell.errors import PolicyError
from safeshell.guard import load_policy
from safeshell.policy.cache import cache_file
from safeshell.workspace import Workspace



def test_cache_written_as_json(workspace: Workspace) -> None:
    policy = load_policy(workspace)
    cached = json.loads(Path(cache_file(workspace)).read_text())
    assert [source["path"] for source in cached["sources"]] == list(policy.source_files)
    assert cached["sources"][0]["path"] == str(workspace.policy_file)
    assert all(len(source["sha256"]) == 64 for source in cached["sources"])


def test_edit_of_workspace_policy_invalidates(workspace: Workspace) -> None:
    first = load_policy(workspace)
    workspace.policy_file.write_text("extends: default\ncritical_keys: [save_steps]\n")
    second = load_policy(workspace)
    assert second.version != first.version
    assert "save_steps" in second.critical_keys


def test_edit_of_extended_file_invalidates(workspace: Workspace) -> None:
    base = workspace.root / "base.yaml"
    base.write_text("extends: default\n")
    workspace.policy_file.write_text("extends: ./base.yaml\n")
    first = load_policy(workspace)
    assert "save_steps" not in first.critical_keys
    # Only the extended file changes; the workspace file stays byte for byte the same.
    base.write_text("extends: default\ncritical_keys: [save_steps]\n")
    assert "save_steps" in load_policy(workspace).critical_keys


def test_edit_to_invalid_policy_raises(workspace: Workspace) -> None:
    load_policy(workspace)
    workspace.policy_file.write_text("extends: default\nrules: 7\n")
    with pytest.raises(PolicyError) as caught:
        load_policy(workspace)
    assert (caught.value.line, caught.value.key) == (2, "rules")


def test_missing_policy_raises(workspace: Workspace) -> None:
    load_policy(workspace)
    workspace.policy_file.unlink()
    with pytest.raises(PolicyError, match="policy file not found"):
        load_policy(workspace)


def test_cache_from_another_file_ignored(workspace: Workspace, tmp_path: Path) -> None:
    """A cache whose digests do not match the files is rebuilt, never trusted."""
    load_policy(workspace)
    record = json.loads(Path(cache_file(workspace)).read_text())
    record["policy"]["rules"] = []
    record["sources"][0]["sha256"] = "0" * 64
    Path(cache_file(workspace)).write_text(json.dumps(record))
    fresh = _load_in_subprocess(workspace)
    assert fresh["rules"] > 0


def test_corrupt_cache_ignored(workspace: Workspace) -> None:
    load_policy(workspace)
    Path(cache_file(workspace)).write_text("{not json")
    assert _load_in_subprocess(workspace)["rules"] > 0


def test_hot_path_skips_yaml_and_jsonschema(workspace: Workspace) -> None:
    load_policy(workspace)
    result = _load_in_subprocess(workspace)
    assert result["yaml"] is False
    assert result["jsonschema"] is False


def test_cold_load_uses_yaml(workspace: Workspace) -> None:
    Path(cache_file(workspace)).unlink(missing_ok=True)
    result = _load_in_subprocess(workspace)
    assert result["yaml"] is True
    assert Path(cache_file(workspace)).is_file()


def test_unwritable_cache_still_decides(workspace: Workspace) -> None:
    cache_dir = Path(cache_file(workspace)).parent
    cache_dir.parent.mkdir(parents=True, exist_ok=True)
    cache_dir.write_text("a file where the cache folder should be")
    policy = load_policy(workspace)
    assert policy.rule("current-model") is not None
    assert policy.rule("current-model").decision is Decision.REQUIRE_APPROVAL  # type: ignore[union-attr]


def _load_in_subprocess(workspace: Workspace) -> dict[str, object]:
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from safeshell.guard import load_policy\n"
        "from safeshell.workspace import Workspace\n"
        f"policy = load_policy(Workspace(Path({str(workspace.root)!r})))\n"
        "print(json.dumps({'rules': len(policy.rules), 'yaml': 'yaml' in sys.modules,"
        " 'jsonschema': 'jsonschema' in sys.modules}))\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    return json.loads(completed.stdout)


def test_same_size_quick_edit_noticed(workspace: Workspace) -> None:
    """Two edits of equal size within one timestamp tick differ only by content."""
    workspace.policy_file.write_text("extends: default\ncritical_keys: [aaaa]\n")
    assert "aaaa" in load_policy(workspace).critical_keys
    workspace.policy_file.write_text("extends: default\ncritical_keys: [bbbb]\n")
    assert "bbbb" in load_policy(workspace).critical_keys
