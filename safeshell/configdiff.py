"""Key-level comparison of two versions of a workspace's ``config.json``.

An assistant's edit of ``config.json`` is judged by what it changes, not by
the bytes it rewrites: a change to a critical key (``Policy.critical_keys``)
needs approval, other keys do not, and a change of formatting alone changes
no key. Nested keys are named by dotted paths (``"optimizer.beta1"``).

Parsing is strict JSON: duplicate keys, ``NaN``/``Infinity`` and a top level
that is not an object are rejected, because each could hide a change from a
reader who looks at the file.
"""

from __future__ import annotations

from safeshell import fastjson
from safeshell.errors import SafeshellError
from safeshell.records import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any, Iterable


class ConfigSyntaxError(SafeshellError):
    """The text is not a valid ``config.json``; names the line and column."""

    def __init__(self, message: str, *, source: str, line: int | None = None, column: int | None = None) -> None:
        location = source
        if line is not None:
            location += f":{line}"
            if column is not None:
                location += f":{column}"
        super().__init__(
            f"{location}: invalid JSON: {message}",
            hint="fix the JSON syntax; 'python -m json.tool FILE' shows where it breaks",
        )
        self.source = source
        self.line = line
        self.column = column


class ConfigDiff(Record):
    """The keys an edit changes, as sorted dotted paths.

    A key counts as changed when it is added, removed, or its value differs in
    type or value (``1`` and ``1.0`` are the same number; ``true`` and ``1``
    are not). ``before_valid`` is false when the current file could not be
    parsed; every key of the new file then counts as changed.
    """

    __slots__ = ("changed_keys", "before", "after", "before_valid")
    changed_keys: tuple[str, ...]
    before: dict[str, Any] | None
    after: dict[str, Any]
    before_valid: bool

    def __init__(
        self,
        changed_keys: tuple[str, ...],
        before: dict[str, Any] | None,
        after: dict[str, Any],
        before_valid: bool = True,
    ) -> None:
        self._init(changed_keys=changed_keys, before=before, after=after, before_valid=before_valid)

    def critical(self, critical_keys: Iterable[str]) -> tuple[str, ...]:
        """Return the changed keys that are, contain or lie below a critical key."""
        critical = frozenset(critical_keys)
        return tuple(key for key in self.changed_keys if is_critical(key, critical))


def is_critical(key: str, critical_keys: frozenset[str]) -> bool:
    """Tell whether the dotted ``key`` touches a critical key.

    ``"optimizer.lr"`` is critical when ``"optimizer"`` is; ``"optimizer"`` is
    critical when ``"optimizer.lr"`` is (the whole subtree changed).
    """
    if key in critical_keys:
        return True
    parts = key.split(".")
    for end in range(1, len(parts)):
        if ".".join(parts[:end]) in critical_keys:
            return True
    prefix = key + "."
    return any(name.startswith(prefix) for name in critical_keys)


def parse_config(text: str, *, source: str = "config.json") -> dict[str, Any]:
    """Parse ``text`` as a strict JSON object; raise :class:`ConfigSyntaxError`."""
    try:
        value = fastjson.loads(text, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)
    except _StrictJSONError as exc:
        raise ConfigSyntaxError(str(exc), source=source) from exc
    except ValueError as exc:  # json.JSONDecodeError, or a number too long to convert
        raise ConfigSyntaxError(
            getattr(exc, "msg", str(exc)), source=source, line=getattr(exc, "lineno", None),
            column=getattr(exc, "colno", None),
        ) from exc
    if not isinstance(value, dict):
        raise ConfigSyntaxError(
            f"the top level must be an object, not {type(value).__name__}", source=source, line=1, column=1
        )
    return value


def diff_config(before_text: str | None, after_text: str, *, source: str = "config.json") -> ConfigDiff:
    """Compare the current text (``None`` when the file is missing) with the new one.

    Raises :class:`ConfigSyntaxError` when ``after_text`` is invalid. An invalid
    current file is not an error: every key of the new text counts as changed.
    """
    after = parse_config(after_text, source=source)
    if before_text is None:
        return ConfigDiff(changed_keys=tuple(sorted(_leaf_keys(after))), before=None, after=after)
    try:
        before = parse_config(before_text, source=source)
    except ConfigSyntaxError:
        return ConfigDiff(
            changed_keys=tuple(sorted(_leaf_keys(after))), before=None, after=after, before_valid=False
        )
    return ConfigDiff(changed_keys=tuple(sorted(changed_paths(before, after))), before=before, after=after)


def changed_paths(before: dict[str, Any], after: dict[str, Any], prefix: str = "") -> list[str]:
    """Return the dotted paths whose values differ between two parsed objects."""
    changed: list[str] = []
    for key in before.keys() | after.keys():
        path = prefix + key
        if key not in before or key not in after:
            changed.append(path)
            continue
        old, new = before[key], after[key]
        if isinstance(old, dict) and isinstance(new, dict):
            changed.extend(changed_paths(old, new, path + "."))
        elif not same_value(old, new):
            changed.append(path)
    return changed


def same_value(old: Any, new: Any) -> bool:
    """Compare JSON values by type and value; ``True`` never equals ``1``."""
    if isinstance(old, bool) or isinstance(new, bool):
        return type(old) is type(new) and old == new
    if isinstance(old, (int, float)) and isinstance(new, (int, float)):
        return old == new
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(same_value(a, b) for a, b in zip(old, new))
    if isinstance(old, dict) and isinstance(new, dict):
        return old.keys() == new.keys() and all(same_value(old[k], new[k]) for k in old)
    return type(old) is type(new) and old == new


def _leaf_keys(value: dict[str, Any], prefix: str = "") -> list[str]:
    keys: list[str] = []
    for key, item in value.items():
        if isinstance(item, dict) and item:
            keys.extend(_leaf_keys(item, prefix + key + "."))
        else:
            keys.append(prefix + key)
    return keys


class _StrictJSONError(ValueError):
    pass


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _StrictJSONError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise _StrictJSONError(f"{name} is not a JSON number")
