"""The entry point of the shell analysis: parse, walk, fail closed on any failure."""

from __future__ import annotations

import os

from safeshell import logs
from safeshell.errors import AnalysisError
from safeshell.shell.model import DEFAULT_LIMITS, Analysis, Limits, SimpleCommand
from safeshell.shell.state import Context, LimitExceeded, ShellState

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Mapping

logger = logs.get_logger(__name__)


def analyze(
    command: str,
    *,
    cwd: str,
    env: Mapping[str, str],
    home: str | None = None,
    max_depth: int = 8,
    limits: Limits = DEFAULT_LIMITS,
) -> Analysis:
    """Return every operation ``command`` would perform when run by bash in ``cwd``.

    ``env`` is the environment the command runs with; variables missing
    from it have no static value. ``home`` defaults to ``env["HOME"]``.
    ``max_depth`` bounds nesting of ``bash -c``, ``eval``, scripts and
    function calls. Bad input fails closed instead of raising; only a missing
    bash grammar raises :class:`~safeshell.errors.AnalysisError`.
    """
    if home is None:
        home = env.get("HOME")
    ctx = Context(env=env, home=home, limits=limits, max_depth=max_depth)
    source = command if len(command) <= 200 else command[:200] + "..."

    if not command.strip():
        return ctx.analysis
    if "\0" in command:
        ctx.fail_closed("command contains a NUL byte, which bash cannot run as written", source=source)
        return ctx.analysis
    encoded = _encode(command)
    if len(encoded) > limits.max_command_bytes:
        ctx.fail_closed(f"command is longer than {limits.max_command_bytes} bytes", source=source)
        return ctx.analysis

    from safeshell.shell import parser
    from safeshell.shell.walker import Walker

    cwd = os.path.abspath(cwd)
    variables: dict[str, str | None] = dict(env)
    if home is not None:
        variables["HOME"] = home
    state = ShellState(cwd=cwd, variables=variables, oldpwd=env.get("OLDPWD"))
    try:
        root = parser.parse(encoded)
        if root.descendant_count > limits.max_nodes * 4:
            raise LimitExceeded(f"command has more than {limits.max_nodes * 4} syntax nodes")
        if root.has_error:
            ctx.fail_closed("command does not parse as bash (unterminated quote or unknown syntax)", source=source)
        Walker(ctx, depth=0).walk(root, state)
    except LimitExceeded as exc:
        ctx.fail_closed(str(exc), source=source)
    except (RecursionError, MemoryError) as exc:
        ctx.fail_closed(f"command is too deeply nested to analyze ({type(exc).__name__})", source=source)
    except AnalysisError:
        raise
    except Exception as exc:  # noqa: BLE001 - a bug here must fail closed, never pass a command
        logger.exception("shell analysis failed on %r", source)
        ctx.fail_closed(f"analysis failed internally: {type(exc).__name__}: {exc}", source=source)
    return ctx.analysis


def _encode(command: str) -> bytes:
    try:
        return command.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return command.encode("utf-8", "surrogatepass")
