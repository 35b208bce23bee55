"""The guard's entry points: decide on a shell command or on operations.

The CLI (``safeshell check``, ``safeshell -c``), the hook adapters and the MCP
server all decide through these functions, so one policy rules every path
into the workspace. A verdict never runs anything; callers act on it.

Failures fail closed: when the shell analysis itself breaks, the command
becomes one unresolved ``exec_dynamic`` operation, which the policy treats
as touching every protected path. A missing or invalid policy raises
:class:`~safeshell.errors.PolicyError`; it is never an implicit allow.
"""

from __future__ import annotations

import os

from safeshell import logs
from safeshell.decision import Verdict
from safeshell.operations import Operation, OperationKind
from safeshell.policy.cache import load_policy
from safeshell.policy.evaluate import evaluate
from safeshell.policy.model import Policy
from safeshell.records import Record
from safeshell.workspace import Workspace

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any, Mapping, Sequence

    from safeshell.shell.model import SimpleCommand

logger = logs.get_logger(__name__)

__all__ = ["CommandCheck", "check_command", "check_command_detailed", "check_operations", "load_policy"]


class CommandCheck(Record):
    """A command's verdict together with what the analysis saw (for explain)."""

    __slots__ = ("command", "cwd", "verdict", "commands", "problems", "allow_matches")
    command: str
    cwd: str
    verdict: Verdict
    commands: tuple[SimpleCommand, ...]
    problems: tuple[str, ...]
    allow_matches: tuple[Any, ...]

    def __init__(
        self,
        command: str,
        cwd: str,
        verdict: Verdict,
        commands: tuple[SimpleCommand, ...] = (),
        problems: tuple[str, ...] = (),
        allow_matches: tuple[Any, ...] = (),
    ) -> None:
        self._init(command=command, cwd=cwd, verdict=verdict, commands=commands, problems=problems,
                   allow_matches=allow_matches)


def check_command(
    command: str,
    *,
    workspace: Workspace,
    cwd: str,
    env: Mapping[str, str] | None = None,
) -> Verdict:
    """Decide on a shell command text without running it."""
    return check_command_detailed(command, workspace=workspace, cwd=cwd, env=env).verdict


def check_command_detailed(
    command: str,
    *,
    workspace: Workspace,
    cwd: str,
    env: Mapping[str, str] | None = None,
    include_allow: bool = False,
) -> CommandCheck:
    """Decide on ``command`` and return the analysis details with the verdict.

    ``include_allow`` also collects matches of allow rules (``explain``).
    """
    policy = load_policy(workspace)
    environment = os.environ if env is None else env
    strict_unknown = policy.settings["unknown_program_with_protected_path"] != "allow"
    operations, commands, problems = _analyze(
        command, cwd=cwd, env=environment, quick=not (include_allow or strict_unknown)
    )
    if strict_unknown:
        operations += _unknown_programs(commands, policy, workspace, environment)
    matches = evaluate(policy, operations, root=workspace.root_dir, env=environment, include_allow=include_allow)

    blocking = [match for match in matches if int(match.decision) > 0]
    verdict = Verdict.combine(operations, blocking, policy_version=policy.version, notes=problems)
    primary_rule = verdict.primary.rule if verdict.primary else None
    logger.debug("decision %s for %r (rule %s)", verdict.decision.label, command[:200], primary_rule)
    return CommandCheck(
        command=command,
        cwd=cwd,
        verdict=verdict,
        commands=tuple(commands),
        problems=tuple(problems),
        allow_matches=tuple(match for match in matches if int(match.decision) == 0),
    )


def check_operations(
    operations: Sequence[Operation],
    *,
    workspace: Workspace,
    env: Mapping[str, str] | None = None,
    policy: Policy | None = None,
) -> Verdict:
    """Decide on operations built by an adapter (MCP tool calls, hook file edits)."""
    policy = load_policy(workspace) if policy is None else policy
    matches = evaluate(policy, operations, root=workspace.root_dir, env=env)
    return Verdict.combine(operations, matches, policy_version=policy.version)


def _unknown_programs(
    commands: list["SimpleCommand"], policy: Policy, workspace: Workspace, env: Mapping[str, str]
) -> list[Operation]:
    from safeshell.policy.evaluate import resolved_rule_paths
    from safeshell.policy.unknown_programs import unknown_program_operations

    resolved = resolved_rule_paths(policy, workspace.root_dir, env)
    return unknown_program_operations(commands, policy, resolved)


def _analyze(
    command: str, *, cwd: str, env: Mapping[str, str], quick: bool = True
) -> tuple[list[Operation], list["SimpleCommand"], list[str]]:
    """Run the shell analysis; on an internal failure, fail closed.

    With ``quick``, plain read-only commands are first tried with the lexical
    pre-screen, which skips importing tree-sitter but lists no simple commands.
    """
    try:
        if quick:
            from safeshell.shell.quick import screen

            reads = screen(command, cwd=cwd, env=dict(env), home=env.get("HOME"))
            if reads is not None:
                return list(reads), [], []

        from safeshell.shell import analyze

        logs.apply_silence()  # the analysis modules log through logging directly
        analysis = analyze(command, cwd=cwd, env=env, home=env.get("HOME"))
    except Exception as exc:  # noqa: BLE001 - any analysis failure must fail closed, not allow
        logger.warning("shell analysis failed, treating the command as unresolved: %s", exc)
        logger.debug("shell analysis failure", exc_info=True)
        unresolved = Operation(
            OperationKind.EXEC_DYNAMIC,
            source=command[:1000],
            resolved=False,
            detail={"reason": f"shell analysis failed: {type(exc).__name__}: {exc}"},
        )
        return [unresolved], [], [f"shell analysis failed: {type(exc).__name__}"]
    return list(analysis.operations), list(analysis.commands), list(analysis.problems)
