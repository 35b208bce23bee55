"""fastjson gives json's results without importing json on the hot path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from safeshell import fastjson

REPOSITORY = Path(__file__).resolve().parents[2]

DOCUMENTS = [
    '{"a": [1, 2.0, -3e5, "x\\u00e9\\ud83d\\ude00", true, false, null]}',
    " [] ",
    '"text"',
    "12345678901234567890",
    '{"nested": {"deeper": {"deepest": {}}}}',
    "NaN",
    "\n{\"x\": 1}\n\t",
    '{"same": 1, "same": 2}',
]

INVALID = ["", " ", "{", '{"a": 1} x', "[1,]", "\ufeff{}", '{"a" 1}', "nul", "[1] [2]", '"\x01"', "{nope"]

VALUES = [
    {"b": [1, 2.5, None, True, "é\u2028"], "a": {"z": 1, "y": (1, 2)}},
    "plain",
    [],
    float("inf"),
    {1: "int key", 2.5: "float key", None: "null key"},
]

OPTIONS = [
    {},
    {"sort_keys": True},
    {"separators": (",", ":")},
    {"ensure_ascii": False},
    {"sort_keys": True, "separators": (",", ":"), "ensure_ascii": True},
    {"indent": 2},
]


def outcome(function, *args, **kwargs) -> tuple[str, str]:
    try:
        return ("ok", repr(function(*args, **kwargs)))
    except (ValueError, TypeError) as exc:
        return (type(exc).__name__, str(exc))


@pytest.mark.parametrize("text", DOCUMENTS + INVALID)
def test_loads_matches_json(text: str) -> None:
    assert outcome(fastjson.loads, text) == outcome(json.loads, text)


@pytest.mark.parametrize("text", DOCUMENTS + INVALID)
def test_loads_with_hooks_matches_json(text: str) -> None:
    def pairs(items: list[tuple[str, object]]) -> list[tuple[str, object]]:
        return items

    def constant(name: str) -> str:
        raise ValueError(f"constant {name}")

    ours = outcome(fastjson.loads, text, object_pairs_hook=pairs, parse_constant=constant)
    theirs = outcome(json.loads, text, object_pairs_hook=pairs, parse_constant=constant)
    assert ours == theirs


@pytest.mark.parametrize("options", OPTIONS, ids=repr)
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_dumps_matches_json(value: object, options: dict[str, object]) -> None:
    assert outcome(fastjson.dumps, value, **options) == outcome(json.dumps, value, **options)


def test_dumps_unserializable_raises_type_error() -> None:
    with pytest.raises(TypeError, match="Object of type object is not JSON serializable"):
        fastjson.dumps({"value": object()})
    assert fastjson.dumps({"value": {1, 2}}, default=sorted) == '{"value": [1, 2]}'


def test_invalid_text_raises_json_error_without_json_loaded() -> None:
    """The C scanner needs json.decoder loaded to raise; fastjson must still raise JSONDecodeError."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from safeshell import fastjson\n"
        "assert 'json' not in sys.modules\n"
        "assert fastjson.loads('{\"a\": [1]}') == {'a': [1]}\n"
        "assert 'json' not in sys.modules\n"
        "try:\n"
        "    fastjson.loads('{nope')\n"
        "except ValueError as exc:\n"
        "    print(type(exc).__name__, exc.lineno, exc.colno)\n"
    )
    result = subprocess.run([sys.executable, "-I", "-S", "-c", code, str(REPOSITORY)],
                            capture_output=True, text=True, timeout=60)
    assert result.stderr == ""
    assert result.stdout == "JSONDecodeError 1 2\n"
