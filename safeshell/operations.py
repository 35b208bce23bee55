"""Operations: the one vocabulary that every adapter translates requests into.

A shell command, an MCP tool call and an assistant's file edit all become a
list of :class:`Operation`; the policy decides on operations only. Paths are
absolute and resolved (symlinks followed, globs expanded) by whoever builds
the operation. An operation with ``resolved=False`` could not be fully
understood statically; the policy treats it as touching every protected path.
"""

from __future__ import annotations

from safeshell.records import ChoiceType, Record, StrChoice

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any


class OperationKind(StrChoice):
    """What an operation does to its paths."""

    READ = "read"
    CREATE = "create"  # a new file or directory where none existed
    WRITE = "write"  # content changes: overwrite, append, write into a directory
    TRUNCATE = "truncate"
    DELETE = "delete"
    MOVE = "move"  # paths[0] is moved away; detail["destination"] names the target
    CHMOD = "chmod"  # permission or ownership change
    KILL = "kill"  # detail: {"signal": "KILL", "targets": [...]}
    EXEC_DYNAMIC = "exec_dynamic"  # code whose effect cannot be known statically
    CONFIG_CHANGE = "config_change"  # detail: {"changed_keys": [...], "before": {...}, "after": {...}}
    TOOL_CALL = "tool_call"  # detail: {"tool": name, "arguments": {...}}
    APPROVE = "approve"  # an attempt to grant an approval or read the approval key


# A Record rather than a dataclass: every guarded command builds these, and
# importing dataclasses would double the guard's start-up (see safeshell.records).
class Operation(Record):
    """One effect on the world that the policy rules on.

    ``paths`` are absolute and resolved; ``source`` is the text the operation
    came from (a simple command, a tool name) for messages and the audit log.
    ``detail`` defaults to a new empty dict.
    """

    __slots__ = ("kind", "paths", "source", "resolved", "detail")
    kind: OperationKind
    paths: tuple[str, ...]
    source: str
    resolved: bool
    detail: Mapping[str, Any]

    def __init__(
        self,
        kind: OperationKind,
        paths: tuple[str, ...] = (),
        source: str = "",
        resolved: bool = True,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        self._init(kind=kind, paths=paths, source=source, resolved=resolved,
                   detail={} if detail is None else detail)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict with a stable key order."""
        return {
            "kind": self.kind.value,
            "paths": list(self.paths),
            "source": self.source,
            "resolved": self.resolved,
            "detail": _jsonable(self.detail),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Operation:
        return cls(
            kind=OperationKind(data["kind"]),
            paths=tuple(data.get("paths", ())),
            source=data.get("source", ""),
            resolved=bool(data.get("resolved", True)),
            detail=dict(data.get("detail", {})),
        )


class Subject(Record):
    """The whole request an approval is granted for.

    ``kind`` is ``"shell"`` (``command`` and ``cwd`` set) or ``"tool_call"``
    (``tool`` and ``arguments`` set, arguments already validated and
    canonical). ``workspace`` is the absolute workspace root.
    """

    __slots__ = ("kind", "workspace", "operations", "command", "cwd", "tool", "arguments")
    kind: str
    workspace: str
    operations: tuple[Operation, ...]
    command: str | None
    cwd: str | None
    tool: str | None
    arguments: Mapping[str, Any] | None

    def __init__(
        self,
        kind: str,
        workspace: str,
        operations: tuple[Operation, ...] = (),
        command: str | None = None,
        cwd: str | None = None,
        tool: str | None = None,
        arguments: Mapping[str, Any] | None = None,
    ) -> None:
        self._init(kind=kind, workspace=workspace, operations=operations, command=command,
                   cwd=cwd, tool=tool, arguments=arguments)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "workspace": self.workspace,
            "command": self.command,
            "cwd": self.cwd,
            "tool": self.tool,
            "arguments": _jsonable(self.arguments) if self.arguments is not None else None,
            "operations": [op.to_dict() for op in self.operations],
        }

    def canonical_json(self) -> str:
        """Return the canonical JSON text that digests are computed over."""
        import json  # only approvals need this; the allow path stays without json

        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=True)

    def digest(self) -> str:
        """Return the SHA-256 hex digest of :meth:`canonical_json`."""
        import hashlib  # only approvals need digests; the allow path stays without OpenSSL

        return hashlib.sha256(self.canonical_json().encode("ascii")).hexdigest()


def _jsonable(value: Any) -> Any:
    if hasattr(value, "items"):  # a Mapping, tested without importing collections.abc
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(type(value), ChoiceType):
        return value.value
    return value
