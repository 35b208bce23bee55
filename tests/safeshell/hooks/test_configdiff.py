"""Key-level diff of config.json: critical, non-critical, formatting-only, invalid."""

from __future__ import annotations

import json

import pytest

from safeshell.configdiff import ConfigSyntaxError, diff_config, is_critical

BEFORE = json.dumps({"learning_rate": 0.0005, "batch_size": 8, "logging_steps": 5,
                     "optimizer": {"name": "adamw", "betas": [0.9, 0.999]}}, indent=2)
CRITICAL = frozenset({"learning_rate", "batch_size", "optimizer.name"})


def after(**changes: object) -> str:
    value = json.loads(BEFORE)
    value.update(changes)
    return json.dumps(value)


def test_critical_key_change_reported() -> None:
    diff = diff_config(BEFORE, after(learning_rate=0.05))
    assert diff.changed_keys == ("learning_rate",)
    assert diff.critical(CRITICAL) == ("learning_rate",)


def test_noncritical_key_change_reported() -> None:
    diff = diff_config(BEFORE, after(logging_steps=10))
    assert diff.changed_keys == ("logging_steps",)
    assert diff.critical(CRITICAL) == ()


def test_formatting_only_changes_nothing() -> None:
    reformatted = json.dumps(json.loads(BEFORE), indent=4, sort_keys=True).replace("0.0005", "5e-4")
    assert diff_config(BEFORE, reformatted).changed_keys == ()


def test_nested_keys_use_dotted_paths() -> None:
    diff = diff_config(BEFORE, after(optimizer={"name": "sgd", "betas": [0.9, 0.99]}))
    assert diff.changed_keys == ("optimizer.betas", "optimizer.name")
    assert diff.critical(CRITICAL) == ("optimizer.name",)


@pytest.mark.parametrize(
    ("old", "new", "changed"),
    [
        (1, 1.0, False),  # same number
        (True, 1, True),  # a boolean is not a number
        (0, False, True),
        ([1, 2], [1, 2.0], False),
        (None, 0, True),
    ],
)
def test_values_compare_by_type_and_value(old: object, new: object, changed: bool) -> None:
    diff = diff_config(json.dumps({"k": old}), json.dumps({"k": new}))
    assert (diff.changed_keys == ("k",)) is changed


def test_added_and_removed_keys_count() -> None:
    value = json.loads(BEFORE)
    del value["batch_size"]
    value["seed"] = 1
    assert diff_config(BEFORE, json.dumps(value)).changed_keys == ("batch_size", "seed")


def test_invalid_json_names_line_and_column() -> None:
    with pytest.raises(ConfigSyntaxError) as caught:
        diff_config(BEFORE, '{\n  "learning_rate": 0.1,\n}\n', source="config.json")
    assert caught.value.message == "config.json:3:1: invalid JSON: Expecting property name enclosed in double quotes"
    assert (caught.value.line, caught.value.column) == (3, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": 1, "a": 2}', "config.json: invalid JSON: duplicate key 'a'"),
        ('{"a": NaN}', "config.json: invalid JSON: NaN is not a JSON number"),
        ("[1]", "config.json:1:1: invalid JSON: the top level must be an object, not list"),
    ],
)
def test_strict_json_rejects_hidden_changes(text: str, message: str) -> None:
    with pytest.raises(ConfigSyntaxError) as caught:
        diff_config(BEFORE, text)
    assert caught.value.message == message


def test_invalid_current_file_counts_every_key() -> None:
    diff = diff_config("{broken", after())
    assert diff.before_valid is False
    assert diff.changed_keys == ("batch_size", "learning_rate", "logging_steps", "optimizer.betas",
                                 "optimizer.name")


def test_parent_and_child_keys_are_critical() -> None:
    assert is_critical("optimizer", frozenset({"optimizer.name"}))
    assert is_critical("optimizer.name", frozenset({"optimizer"}))
    assert not is_critical("optimizer_name", frozenset({"optimizer"}))
