"""Host-neutral records a hook adapter builds from a payload and renders back.

An adapter turns one host's pre-tool-use payload into a :class:`ToolCall`
carrying one or more actions (a shell command, a file write, a file edit,
paths a tool names), and renders the :class:`HookDecision` the core reaches
into that host's answer (:class:`HookAnswer`: stdout, stderr, exit status).
"""

from __future__ import annotations

from safeshell.errors import SafeshellError
from safeshell.operations import OperationKind
from safeshell.records import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any


class HookBlock(SafeshellError):
    """The call must be blocked for a reason that is not a policy decision.

    Raised for invalid payloads, edits that cannot be applied, and internal
    failures; adapters answer it with the host's blocking exit status.
    """


# Records rather than dataclasses: the hook runs once per tool call, and
# importing dataclasses would double its start-up (see safeshell.records).
class ShellAction(Record):
    """A shell command the tool would run in ``cwd``."""

    __slots__ = ("command",)
    command: str

    def __init__(self, command: str) -> None:
        self._init(command=command)


class Edit(Record):
    """One string replacement of an edit tool (Claude Code's Edit semantics)."""

    __slots__ = ("old_string", "new_string", "replace_all")
    old_string: str
    new_string: str
    replace_all: bool

    def __init__(self, old_string: str, new_string: str, replace_all: bool = False) -> None:
        self._init(old_string=old_string, new_string=new_string, replace_all=replace_all)


class FileWriteAction(Record):
    """A whole-file write; ``content`` is ``None`` when the tool does not say it."""

    __slots__ = ("path", "content")
    path: str
    content: str | None

    def __init__(self, path: str, content: str | None) -> None:
        self._init(path=path, content=content)


class FileEditAction(Record):
    """String replacements applied in order to the current content of ``path``.

    ``dialect`` names whose replacement semantics apply: ``"claude-code"``
    (exact, then curly-quote-normalised match) or ``"gemini"`` (exact match,
    ``expected_replacements`` occurrences, model-corrected when it misses).
    """

    __slots__ = ("path", "edits", "dialect", "expected_replacements")
    path: str
    edits: tuple[Edit, ...]
    dialect: str
    expected_replacements: int | None

    def __init__(
        self,
        path: str,
        edits: tuple[Edit, ...],
        dialect: str = "claude-code",
        expected_replacements: int | None = None,
    ) -> None:
        self._init(path=path, edits=edits, dialect=dialect, expected_replacements=expected_replacements)


class PathsAction(Record):
    """Paths a tool names in its arguments, with what the tool may do to them."""

    __slots__ = ("paths", "kind")
    paths: tuple[str, ...]
    kind: OperationKind

    def __init__(self, paths: tuple[str, ...], kind: OperationKind) -> None:
        self._init(paths=paths, kind=kind)


Action = ShellAction | FileWriteAction | FileEditAction | PathsAction


class ToolCall(Record):
    """One tool call as the core decides on it.

    ``cwd`` is absolute; relative paths in actions resolve against it.
    ``permission_mode`` is the host's mode when it sends one (Claude Code:
    ``default``, ``acceptEdits``, ``plan``, ``bypassPermissions``, ...).
    """

    __slots__ = ("host", "tool", "cwd", "actions", "arguments", "permission_mode", "supports_ask")
    host: str
    tool: str
    cwd: str
    actions: tuple[Action, ...]
    arguments: Mapping[str, Any]
    permission_mode: str | None
    supports_ask: bool

    def __init__(
        self,
        host: str,
        tool: str,
        cwd: str,
        actions: tuple[Action, ...],
        arguments: Mapping[str, Any] | None = None,
        permission_mode: str | None = None,
        supports_ask: bool = False,
    ) -> None:
        self._init(host=host, tool=tool, cwd=cwd, actions=actions,
                   arguments={} if arguments is None else arguments,
                   permission_mode=permission_mode, supports_ask=supports_ask)


class HookDecision(Record):
    """The core's answer: ``allow``, ``ask`` or ``deny``, with the reason text."""

    __slots__ = ("action", "reason")
    action: str
    reason: str

    def __init__(self, action: str, reason: str = "") -> None:
        self._init(action=action, reason=reason)

    @classmethod
    def allow(cls) -> HookDecision:
        return cls("allow")


class HookAnswer(Record):
    """What the hook process writes and how it exits."""

    __slots__ = ("stdout", "stderr", "exit_code")
    stdout: str
    stderr: str
    exit_code: int

    def __init__(self, stdout: str, stderr: str, exit_code: int) -> None:
        self._init(stdout=stdout, stderr=stderr, exit_code=exit_code)
