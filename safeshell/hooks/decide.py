"""The host-neutral decision for one tool call.

Shell actions go through ``guard.check_command`` (the payload's cwd, the
hook's environment); file and path actions become operations for
``guard.check_operations``. The strictest verdict wins:

- allow: the host's normal permission flow continues (the hook writes nothing);
- deny: blocked with the rule's reason and alternative;
- require_approval: ``ask`` (the host asks the human) when the host supports
  it, runs in an interactive permission mode, and the policy allows ``ask``
  for every rule that matched; otherwise blocked. A blocked shell command
  gets an approval request and the steps to approve and rerun it.
"""

from __future__ import annotations

import os

from safeshell import logs
from safeshell.decision import Decision, Verdict
from safeshell.hooks import reasons
from safeshell.hooks.model import HookDecision, ShellAction, ToolCall
from safeshell.hooks.translate import file_operations
from safeshell.operations import Operation
from safeshell.shell.inline_token import TOKEN_VARIABLE, split_inline_token
from safeshell.workspace import Workspace

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Mapping

logger = logs.get_logger(__name__)

# Permission modes in which a human answers Claude Code's prompt. In
# bypassPermissions, dontAsk and auto no human may be watching, so "ask"
# becomes a block there (and for modes this code does not know).
INTERACTIVE_MODES = frozenset({"default", "acceptEdits", "plan"})


def decide(call: ToolCall, workspace: Workspace, env: Mapping[str, str]) -> HookDecision:
    """Return the hook's answer for ``call`` in ``workspace``."""
    from safeshell import guard

    policy = guard.load_policy(workspace)
    shell = next((action for action in call.actions if isinstance(action, ShellAction)), None)
    token = None
    inline = split_inline_token(shell.command) if shell is not None else None
    if inline is not None:
        # 'SAFESHELL_APPROVAL_TOKEN=T COMMAND' reruns an approved COMMAND: the
        # policy and the approval see COMMAND, as 'safeshell -c' does.
        token, shell = inline[0], ShellAction(inline[1])

    verdicts: list[Verdict] = []
    if shell is not None:
        verdicts.append(guard.check_command(shell.command, workspace=workspace, cwd=call.cwd, env=env))
    operations: list[Operation] = []
    for action in call.actions:
        if not isinstance(action, ShellAction):
            operations.extend(file_operations(action, tool=call.tool, cwd=call.cwd, workspace=workspace))
    if operations:
        verdicts.append(guard.check_operations(operations, workspace=workspace))
    if not verdicts:
        return HookDecision.allow()

    verdict = max(verdicts, key=lambda item: int(item.decision))
    logger.debug("hook %s %s: %s", call.host, call.tool, verdict.decision.label)
    if verdict.decision == Decision.ALLOW:
        return HookDecision.allow()
    token_problem = None
    if token is not None and shell is not None and verdict.decision == Decision.REQUIRE_APPROVAL:
        token_problem = _check_inline_token(call, workspace, env, shell, verdict, token)
        if token_problem is None:
            return HookDecision.allow()  # 'safeshell -c' redeems the token when it runs

    _audit(workspace, call, verdict, shell)
    if verdict.decision == Decision.DENY:
        return HookDecision("deny", reasons.describe_verdict(verdict, tool=call.tool))

    if _may_ask(call, verdict, policy, env):
        return HookDecision("ask", reasons.ask_text(verdict, tool=call.tool))
    text = reasons.describe_verdict(verdict, tool=call.tool)
    if token_problem is not None:
        text += "\n" + token_problem
    if shell is None:
        return HookDecision("deny", text + "\n" + reasons.NON_SHELL_APPROVAL)

    from safeshell import approvals

    # The subject must be built exactly as ``safeshell -c`` builds it, so the
    # token the human grants is valid for the rerun.
    subject = approvals.shell_subject(workspace, shell.command, call.cwd, verdict)
    request = approvals.ensure_request(workspace, subject, verdict)
    # Through the safeshell shell prefix a nested 'safeshell --approval' is
    # rejected by the outer safeshell -c; a leading assignment carries the token.
    prefixed = call.tool == "Bash" and shell_prefix_is_safeshell(env)
    if prefixed:
        from safeshell.approvals.render import ECHO_LIMIT

        command = shell.command
        if len(command) > ECHO_LIMIT:
            command = f"<the same command as before, {len(command)} characters>"
        rerun = f"{TOKEN_VARIABLE}=<token> {command}"
    else:
        rerun = approvals.run_command_template(request, token="<token>")
    steps = reasons.shell_approval_steps(request.id, request.grant_command, rerun, prefixed=prefixed)
    return HookDecision("deny", text + "\n" + steps)


def _check_inline_token(
    call: ToolCall, workspace: Workspace, env: Mapping[str, str], shell: ShellAction, verdict: Verdict, token: str
) -> str | None:
    """Return None when ``token`` approves ``shell`` for the prefix to redeem, else why not.

    Only through the safeshell shell prefix: there 'safeshell -c' redeems the
    token (once, with an undo snapshot) before the command runs. Elsewhere
    the command would run without safeshell, so the token is not honoured.
    """
    if not (call.tool == "Bash" and shell_prefix_is_safeshell(env)):
        return (f"The {TOKEN_VARIABLE} assignment is honoured only when the shell runs through "
                "safeshell (CLAUDE_CODE_SHELL_PREFIX); rerun as shown below.")
    from safeshell import approvals

    subject = approvals.shell_subject(workspace, shell.command, call.cwd, verdict)
    check = approvals.check_token(workspace, subject, verdict, token)
    if check.ok:
        return None
    hint = f" ({check.hint})" if check.hint else ""
    return f"The approval token was not accepted: {check.message}{hint}."


def shell_prefix_is_safeshell(env: Mapping[str, str]) -> bool:
    """Tell whether Claude Code runs every Bash command through ``safeshell -c``."""
    prefix = env.get("CLAUDE_CODE_SHELL_PREFIX", "").strip()
    if not prefix:
        return False
    program = prefix.split(" -", 1)[0].strip().strip("'\"")
    return os.path.basename(program) == "safeshell"


def _may_ask(call: ToolCall, verdict: Verdict, policy: object, env: Mapping[str, str]) -> bool:
    if not call.supports_ask:
        return False
    if (call.permission_mode or "default") not in INTERACTIVE_MODES:
        return False
    # Through the safeshell shell prefix, a Bash command the human allows in
    # the host's dialog is still rejected without a token, so asking is useless.
    if call.tool == "Bash" and shell_prefix_is_safeshell(env):
        return False
    rules = {match.rule for match in verdict.matches if match.decision == Decision.REQUIRE_APPROVAL}
    return bool(rules) and all(policy.rule_allows_ask(rule) for rule in rules)  # type: ignore[attr-defined]


def _audit(workspace: Workspace, call: ToolCall, verdict: Verdict, shell: ShellAction | None) -> None:
    from safeshell import audit

    audit.record_decision(
        workspace,
        verdict,
        source="hook",
        host=call.host,
        tool=call.tool,
        command=shell.command[:4096] if shell else None,
        cwd=call.cwd,
    )
