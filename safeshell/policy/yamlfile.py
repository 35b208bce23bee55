"""Read one policy file: YAML to plain data plus the line of every key and item.

The line map lets a schema error at a JSON path (``rules/3/decision``) name
the line it sits on. Imported only when a policy is compiled, never on the
hot path with a valid cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from safeshell.errors import PolicyError

JsonPath = tuple[str | int, ...]


@dataclass(frozen=True)
class PolicyFile:
    """One parsed policy file: its data, raw bytes and line of every path."""

    path: Path
    data: dict[str, Any]
    raw: bytes
    lines: dict[JsonPath, int]

    def line_of(self, json_path: JsonPath) -> int | None:
        """Return the line of ``json_path`` or of its nearest parent that has one."""
        path = tuple(json_path)
        while True:
            line = self.lines.get(path)
            if line is not None:
                return line
            if not path:
                return None
            path = path[:-1]


def read_policy_file(path: Path) -> PolicyFile:
    """Parse ``path`` as YAML; raise :class:`PolicyError` naming file and line."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise PolicyError(
            "policy file not found",
            file=str(path),
            hint="create it with 'safeshell init DIR' or fix the 'extends' entry that names it",
        ) from exc
    except OSError as exc:
        raise PolicyError(f"cannot read policy file: {exc.strerror}", file=str(path)) from exc

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(f"policy file is not valid UTF-8 (byte {exc.start})", file=str(path)) from exc

    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise PolicyError(f"invalid YAML: {exc.problem or exc.context}", file=str(path), line=line) from exc
    except yaml.YAMLError as exc:
        raise PolicyError(f"invalid YAML: {exc}", file=str(path)) from exc
    finally:
        loader.dispose()

    if not isinstance(data, dict) or node is None:
        raise PolicyError(
            f"a policy file must be a YAML mapping, not {type(data).__name__}",
            file=str(path),
            line=1,
            hint="start from 'extends: default'",
        )
    lines: dict[JsonPath, int] = {(): 1}
    _collect_lines(node, (), lines, str(path))
    return PolicyFile(path=path, data=data, raw=raw, lines=lines)


def _collect_lines(node: yaml.Node, path: JsonPath, lines: dict[JsonPath, int], file: str) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise PolicyError("duplicate key", file=file, line=line, key=dotted_path(path + (key,)))
            seen.add(key)
            lines[path + (key,)] = line
            _collect_lines(value_node, path + (key,), lines, file)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[path + (index,)] = item.start_mark.line + 1
            _collect_lines(item, path + (index,), lines, file)


def dotted_path(path: JsonPath) -> str:
    """Return ``rules[3].decision`` for the path ``("rules", 3, "decision")``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text

