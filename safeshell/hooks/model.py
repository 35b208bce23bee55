"""Host-neutral records a hook adapter builds from a payload and renders back.

An adapter turns one host's pre-tool-use payload into a :class:`ToolCall`
carrying one or more actions (a shell command, a file write, a file edit,
paths a tool names), and renders the :class:`HookDecision` the core reaches
into that host's answer (:class:`HookAnswer`: stdout, stderr, exit status).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from safeshell.errors import SafeshellError
from safeshell.operations import OperationKind


class HookBlock(SafeshellError):
    """The call must be blocked for a reason that is not a policy decision.

    Raised for invalid payloads, edits that cannot be applied, and internal
    failures; adapters answer it with the host's blocking exit status.
    """


@dataclass(frozen=True)
class ShellAction:
    """A shell command the tool would run in ``cwd``."""

    command: str


@dataclass(frozen=True)
class Edit:
    """One string replacement of an edit tool (Claude Code's Edit semantics)."""

    old_string: str
    new_string: str
    replace_all: bool = False


@dataclass(frozen=True)
class FileWriteAction:
    """A whole-file write; ``content`` is ``None`` when the tool does not say it."""

    path: str
    content: str | None


@dataclass(frozen=True)
class FileEditAction:
    """String replacements applied in order to the current content of ``path``.

    ``dialect`` names whose replacement semantics apply: ``"claude-code"``
    (exact, then curly-quote-normalised match) or ``"gemini"`` (exact match,
    ``expected_replacements`` occurrences, model-corrected when it misses).
    """

    path: str
    edits: tuple[Edit, ...]
    dialect: str = "claude-code"
    expected_replacements: int | None = None


@dataclass(frozen=True)
class PathsAction:
    """Paths a tool names in its arguments, with what the tool may do to them."""

    paths: tuple[str, ...]
    kind: OperationKind


Action = ShellAction | FileWriteAction | FileEditAction | PathsAction


@dataclass(frozen=True)
class ToolCall:
    """One tool call as the core decides on it.

    ``cwd`` is absolute; relative paths in actions resolve against it.
    ``permission_mode`` is the host's mode when it sends one (Claude Code:
    ``default``, ``acceptEdits``, ``plan``, ``bypassPermissions``, ...).
    """

    host: str
    tool: str
    cwd: str
    actions: tuple[Action, ...]
    arguments: Mapping[str, Any] = field(default_factory=dict)
    permission_mode: str | None = None
    supports_ask: bool = False


@dataclass(frozen=True)
class HookDecision:
    """The core's answer: ``allow``, ``ask`` or ``deny``, with the reason text."""

    action: str
    reason: str = ""

    @classmethod
    def allow(cls) -> "HookDecision":
        return cls("allow")


@dataclass(frozen=True)
class HookAnswer:
    """What the hook process writes and how it exits."""

    stdout: str
    stderr: str
    exit_code: int
