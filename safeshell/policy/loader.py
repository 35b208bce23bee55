"""Load a policy file and its ``extends`` chain: parse, validate, merge.

Each file is validated against ``policies/schema.json`` on its own, so an
error names the file, line and key where it sits. ``extends: NAME`` (letters,
digits, ``-``, ``_``) names a shipped policy ``policies/NAME.yaml``; any
other value is a path relative to the file that contains it.
This module imports yaml and jsonschema; the hot path reaches it only when
the compiled-policy cache is missing or stale.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policies import POLICIES_DIR, SCHEMA_FILE
from safeshell.errors import PolicyError
from safeshell.policy.merge import merge_documents
from safeshell.policy.yamlfile import JsonPath, PolicyFile, dotted_path, read_policy_file

MAX_EXTENDS_DEPTH = 8

_SHIPPED_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class LoadedChain:
    """The effective document of a chain plus where each part came from."""

    document: dict[str, Any]
    files: tuple[PolicyFile, ...]  # the starting file first, then each parent
    origins: dict[str, tuple[str, int]]  # rule id -> (file, line) of its effective definition


def load_chain(path: Path) -> LoadedChain:
    """Read, validate and merge ``path`` and every file it extends."""
    validator = _validator()
    files: list[PolicyFile] = []
    seen: set[Path] = set()
    current: Path | None = path.absolute()
    while current is not None:
        resolved = current.resolve()
        if resolved in seen:
            raise PolicyError(
                f"'extends' forms a cycle back to {str(current)!r}",
                file=str(files[-1].path),
                line=files[-1].line_of(("extends",)),
                key="extends",
            )
        if len(files) >= MAX_EXTENDS_DEPTH:
            raise PolicyError(
                f"'extends' chain is longer than {MAX_EXTENDS_DEPTH} files",
                file=str(files[-1].path),
                line=files[-1].line_of(("extends",)),
                key="extends",
            )
        seen.add(resolved)
        policy_file = read_policy_file(current)
        _validate(policy_file, validator)
        files.append(policy_file)
        current = _parent_of(policy_file)

    document: dict[str, Any] = {}
    origins: dict[str, tuple[str, int]] = {}
    for policy_file in reversed(files):
        document = merge_documents(document, policy_file.data)
        for index, rule in enumerate(policy_file.data.get("rules", [])):
            origins[rule["id"]] = (str(policy_file.path), policy_file.line_of(("rules", index)) or 1)
    document.setdefault("version", 1)
    return LoadedChain(document=document, files=tuple(files), origins=origins)


def _parent_of(policy_file: PolicyFile) -> Path | None:
    extends = policy_file.data.get("extends")
    if extends is None:
        return None
    if _SHIPPED_NAME.match(extends):
        parent = POLICIES_DIR / f"{extends}.yaml"
        if not parent.is_file():
            shipped = sorted(item.stem for item in POLICIES_DIR.glob("*.yaml"))
            raise PolicyError(
                f"'extends' names {extends!r}, which is not a shipped policy (shipped: {', '.join(shipped)})",
                file=str(policy_file.path),
                line=policy_file.line_of(("extends",)),
                key="extends",
                hint="use a shipped name such as 'default', or a path such as './base.yaml'",
            )
        return parent
    parent = (policy_file.path.parent / extends).absolute()
    if not parent.is_file():
        raise PolicyError(
            f"'extends' names {extends!r}, which does not exist ({str(parent)!r})",
            file=str(policy_file.path),
            line=policy_file.line_of(("extends",)),
            key="extends",
        )
    return parent


def _validate(policy_file: PolicyFile, validator: Any) -> None:
    errors = sorted(
        validator.iter_errors(policy_file.data),
        key=lambda error: policy_file.line_of(_error_path(error)) or 0,
    )
    if errors:
        first = errors[0]
        path = _error_path(first)
        message = _describe(first)
        if len(errors) > 1:
            # Listing every problem lets the user fix the file in one edit.
            message += f"\n{len(errors) - 1} more problem(s):"
            for error in errors[1:]:
                other = _error_path(error)
                line = policy_file.line_of(other)
                where = f"line {line}" if line is not None else "file"
                key = dotted_path(other)
                message += f"\n  {where}: " + (f"key {key!r}: " if key else "") + _describe(error)
        raise PolicyError(
            message,
            file=str(policy_file.path),
            line=policy_file.line_of(path),
            key=dotted_path(path) or None,
            hint=f"the allowed keys are in {str(SCHEMA_FILE)!r}; 'safeshell policy validate' rechecks",
        )

    seen: dict[str, int] = {}
    for index, rule in enumerate(policy_file.data.get("rules", [])):
        if rule["id"] in seen:
            raise PolicyError(
                f"duplicate rule id {rule['id']!r} (first at rules[{seen[rule['id']]}])",
                file=str(policy_file.path),
                line=policy_file.line_of(("rules", index, "id")),
                key=f"rules[{index}].id",
            )
        seen[rule["id"]] = index


def _error_path(error: Any) -> JsonPath:
    """Return the JSON path a schema error is about, down to the offending key."""
    path: JsonPath = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(key for key in error.instance if key not in allowed)
        if extra:
            return path + (extra[0],)
    return path


def _describe(error: Any) -> str:
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown key")
    if error.validator == "required":
        return error.message.replace("is a required property", "is required")
    return error.message


_VALIDATOR: list[Any] = []


def _validator() -> Any:
    if not _VALIDATOR:
        import jsonschema

        try:
            schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise PolicyError(f"cannot read the policy schema: {exc}", file=str(SCHEMA_FILE)) from exc
        _VALIDATOR.append(jsonschema.Draft202012Validator(schema))
    return _VALIDATOR[0]
