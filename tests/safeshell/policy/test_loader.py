"""Policy files: schema errors with file, line and key; extends and merge semantics."""

from __future__ import annotations

from pathlib import Path

import pytest

from policies import DEFAULT_POLICY
from safeshell.decision import Decision
from safeshell.errors import PolicyError
from safeshell.policy import compile_from_files


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_default_policy_compiles() -> None:
    policy = compile_from_files(DEFAULT_POLICY)
    assert len(policy.version) == 64
    assert "learning_rate" in policy.critical_keys
    assert {rule.id for rule in policy.rules} >= {
        "catastrophic-target",
        "guard-files",
        "approval-key-read",
        "approve-command",
        "current-model",
        "model-versions",
        "model-backups",
        "config-file",
        "config-critical-keys",
        "kill-training-daemon",
    }


def test_every_blocking_default_rule_has_hint() -> None:
    policy = compile_from_files(DEFAULT_POLICY)
    for rule in policy.rules:
        assert rule.reason, rule.id
        if rule.decision is not Decision.ALLOW:
            assert rule.hint, rule.id
    for tool_rule in policy.tool_rules.values():
        if tool_rule.decision is not Decision.ALLOW:
            assert tool_rule.hint, tool_rule.tool


@pytest.mark.parametrize(
    ("text", "line", "key", "fragment"),
    [
        # an invalid decision value inside the second rule
        (
            "extends: default\nrules:\n  - id: a\n    decision: allow\n    operations: [read]\n    reason: r\n"
            "  - id: b\n    decision: maybe\n    operations: [read]\n    reason: r\n",
            8,
            "rules[1].decision",
            "'maybe' is not one of",
        ),
        # an unknown top-level key names that key and its line
        ("extends: default\n\nprotect: [x]\n", 3, "protect", "unknown key"),
        # an unknown key inside a rule
        (
            "rules:\n  - id: a\n    decision: allow\n    operations: [read]\n    reason: r\n    colour: red\n",
            6,
            "rules[0].colour",
            "unknown key",
        ),
        # a blocking rule without a hint
        (
            "rules:\n  - id: a\n    decision: deny\n    operations: [read]\n    reason: r\n",
            2,
            "rules[0]",
            "'hint' is required",
        ),
        # an operation kind that does not exist
        (
            "rules:\n  - id: a\n    decision: allow\n    operations: [read, erase]\n    reason: r\n",
            4,
            "rules[0].operations[1]",
            "'erase' is not one of",
        ),
        # a tool rule without a reason
        ("tool_rules:\n  version_delete:\n    decision: allow\n", 2, "tool_rules.version_delete", "'reason' is required"),
    ],
)
def test_schema_error_names_file_line_key(tmp_path: Path, text: str, line: int, key: str, fragment: str) -> None:
    path = write(tmp_path / "safeshell.yaml", text)
    with pytest.raises(PolicyError) as caught:
        compile_from_files(path)
    error = caught.value
    assert error.file == str(path)
    assert error.line == line
    assert error.key == key
    assert fragment in error.message
    assert f"{path}:{line}: key {key!r}" in str(error)


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    path = write(tmp_path / "safeshell.yaml", "extends: default\nrules: [\n  - id: x\n")
    with pytest.raises(PolicyError) as caught:
        compile_from_files(path)
    assert caught.value.file == str(path)
    assert caught.value.line is not None and caught.value.line >= 2
    assert "invalid YAML" in caught.value.message


def test_duplicate_yaml_key_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "safeshell.yaml", "extends: default\ndescription: a\ndescription: b\n")
    with pytest.raises(PolicyError) as caught:
        compile_from_files(path)
    assert (caught.value.line, caught.value.key) == (3, "description")


def test_duplicate_rule_id_rejected(tmp_path: Path) -> None:
    rule = "  - id: same\n    decision: allow\n    operations: [read]\n    reason: r\n"
    path = write(tmp_path / "safeshell.yaml", "rules:\n" + rule + rule)
    with pytest.raises(PolicyError) as caught:
        compile_from_files(path)
    assert (caught.value.line, caught.value.key) == (6, "rules[1].id")


def test_non_mapping_policy_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "safeshell.yaml", "- just\n- a list\n")
    with pytest.raises(PolicyError, match="must be a YAML mapping"):
        compile_from_files(path)


def test_empty_policy_file_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "safeshell.yaml", "")
    with pytest.raises(PolicyError, match="must be a YAML mapping"):
        compile_from_files(path)


def test_missing_policy_file_rejected(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="policy file not found"):
        compile_from_files(tmp_path / "absent.yaml")


def test_unknown_shipped_policy_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "safeshell.yaml", "description: x\nextends: strictest\n")
    with pytest.raises(PolicyError) as caught:
        compile_from_files(path)
    assert (caught.value.line, caught.value.key) == (2, "extends")
    assert "'strictest'" in caught.value.message


def test_extends_cycle_rejected(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "extends: ./b.yaml\n")
    write(tmp_path / "b.yaml", "extends: ./a.yaml\n")
    with pytest.raises(PolicyError, match="cycle"):
        compile_from_files(tmp_path / "a.yaml")


def test_extends_missing_path_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "safeshell.yaml", "extends: ../nowhere/base.yaml\n")
    with pytest.raises(PolicyError, match="does not exist"):
        compile_from_files(path)


def test_rule_with_same_id_replaces(tmp_path: Path) -> None:
    path = write(
        tmp_path / "safeshell.yaml",
        "extends: default\nrules:\n  - id: current-model\n    decision: deny\n    operations: [delete]\n"
        "    paths: [current_model]\n    reason: never\n    hint: do not\n",
    )
    policy = compile_from_files(path)
    default = compile_from_files(DEFAULT_POLICY)
    replaced = policy.rule("current-model")
    assert replaced is not None
    assert replaced.decision is Decision.DENY
    assert replaced.reason == "never"
    # Replacing keeps the rule's position, and every other rule stays.
    assert [rule.id for rule in policy.rules] == [rule.id for rule in default.rules]
    assert policy.origins["current-model"] == (str(path), 3)


def test_new_rule_is_appended(tmp_path: Path) -> None:
    path = write(
        tmp_path / "safeshell.yaml",
        "extends: default\nrules:\n  - id: datasets\n    decision: require_approval\n    operations: [delete]\n"
        "    paths: [data]\n    reason: raw data\n    hint: ask\n",
    )
    policy = compile_from_files(path)
    assert policy.rules[-1].id == "datasets"
    assert len(policy.rules) == len(compile_from_files(DEFAULT_POLICY).rules) + 1


def test_critical_keys_extend_parent(tmp_path: Path) -> None:
    path = write(tmp_path / "safeshell.yaml", "extends: default\ncritical_keys: [save_steps, seed]\n")
    policy = compile_from_files(path)
    assert "save_steps" in policy.critical_keys
    assert "learning_rate" in policy.critical_keys
    assert list(policy.document["critical_keys"]).count("seed") == 1


def test_tool_rule_and_settings_override(tmp_path: Path) -> None:
    path = write(
        tmp_path / "safeshell.yaml",
        "extends: default\nsettings:\n  unknown_tool: deny\ntool_rules:\n"
        "  version_restore: {decision: allow, reason: trusted here}\n",
    )
    policy = compile_from_files(path)
    assert policy.tool_rules["version_restore"].decision is Decision.ALLOW
    assert policy.tool_rules["backup_delete"].decision is Decision.REQUIRE_APPROVAL
    assert policy.settings["unknown_tool"] == "deny"
    assert policy.settings["unknown_program_with_protected_path"] == "allow"


def test_relative_extends_chain(tmp_path: Path) -> None:
    (tmp_path / "team").mkdir()
    write(tmp_path / "team" / "base.yaml", "extends: default\ncritical_keys: [save_steps]\n")
    path = write(tmp_path / "safeshell.yaml", "extends: team/base.yaml\ncritical_keys: [logging_steps]\n")
    policy = compile_from_files(path)
    assert {"save_steps", "logging_steps", "learning_rate"} <= policy.critical_keys
    assert policy.source_files[:3] == (str(path), str(tmp_path / "team" / "base.yaml"), str(DEFAULT_POLICY))


def test_version_changes_with_content(tmp_path: Path) -> None:
    path = write(tmp_path / "safeshell.yaml", "extends: default\n")
    first = compile_from_files(path).version
    # A comment does not change the effective policy, so the version stays.
    write(path, "# comment\nextends: default\n")
    assert compile_from_files(path).version == first
    write(path, "extends: default\ncritical_keys: [save_steps]\n")
    assert compile_from_files(path).version != first
