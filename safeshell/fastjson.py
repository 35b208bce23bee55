"""``json.loads`` and ``json.dumps`` for the hot path, without importing ``json``.

The ``json`` package imports ``re`` (and with it ``enum``, ``functools`` and
``collections``), which costs a guarded command more start-up time than its
whole decision. The C accelerator ``_json`` that ``json`` itself uses needs
none of that, so this module drives ``_json``'s scanner and encoder directly,
with the same settings as ``json``'s defaults. The results are identical to
``json.loads`` and ``json.dumps``: any input the fast path does not accept
(invalid JSON, bytes, an object that is not serializable, an ``indent``) is
handed to ``json`` itself, which then gives its usual result or error.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any, Callable

try:
    import _json
except ImportError:  # an interpreter without the C accelerator: json does it all
    _json = None

# JSON's insignificant whitespace (RFC 8259, section 2).
_WHITESPACE = " \t\n\r"

_CONSTANTS = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}


class _ScannerSettings:
    # The attributes _json.make_scanner reads, set as json.JSONDecoder() sets them.
    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = _CONSTANTS.__getitem__


_scan = _json.make_scanner(_ScannerSettings()) if _json is not None else None


def loads(
    text: str,
    *,
    object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None,
    parse_constant: Callable[[str], Any] | None = None,
) -> Any:
    """Parse one JSON document from ``text``, as ``json.loads`` with the same arguments does."""
    if _json is None or not isinstance(text, str):
        import json

        return json.loads(text, object_pairs_hook=object_pairs_hook, parse_constant=parse_constant)
    scan = _scan
    if object_pairs_hook is not None or parse_constant is not None:
        settings = _ScannerSettings()
        settings.object_pairs_hook = object_pairs_hook
        settings.parse_constant = parse_constant or _CONSTANTS.__getitem__
        scan = _json.make_scanner(settings)
    start = len(text) - len(text.lstrip(_WHITESPACE))
    try:
        value, end = scan(text, start)
    except (StopIteration, ValueError, SystemError):
        # _json raises its syntax errors as json.decoder.JSONDecodeError, which
        # it looks up in sys.modules without importing it: CPython 3.11 raises
        # SystemError when json.decoder is not loaded. Parsing again with json
        # gives json's own error, or the same exception from a hook.
        value, end = None, -1
    if end < 0 or len(text.rstrip(_WHITESPACE)) != end:
        import json

        return json.loads(text, object_pairs_hook=object_pairs_hook, parse_constant=parse_constant)
    return value


def _not_serializable(value: object) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dumps(
    value: Any,
    *,
    sort_keys: bool = False,
    separators: tuple[str, str] | None = None,
    ensure_ascii: bool = True,
    default: Callable[[Any], Any] | None = None,
    **options: Any,
) -> str:
    """Serialize ``value`` to the text that ``json.dumps`` returns for the same arguments."""
    if _json is None or options:
        import json

        return json.dumps(
            value, sort_keys=sort_keys, separators=separators, ensure_ascii=ensure_ascii, default=default, **options
        )
    item_separator, key_separator = separators or (", ", ": ")
    encode_string = _json.encode_basestring_ascii if ensure_ascii else _json.encode_basestring
    encoder = _json.make_encoder(
        {}, default or _not_serializable, encode_string, None, key_separator, item_separator, sort_keys, False, True
    )
    return "".join(encoder(value, 0))
