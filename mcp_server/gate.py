"""The policy gate every tool call passes before it does anything.

A call is turned into operations: ``Operation(TOOL_CALL)`` naming the tool
and its validated arguments, plus the operations the call implies. A version
delete is a DELETE of ``models/versions/vNNN``, a config edit a CONFIG_CHANGE
naming the changed keys, and a shell command whatever the shell analysis
found. ``guard.check_operations`` decides on them:

- allow: the handler runs;
- deny: the call returns a rejection (``isError``), even with a token;
- require_approval: an ``approval_token`` argument is redeemed (once, for
  exactly this call). Without one, the client is asked to confirm where the
  policy rule allows it and the client declared form elicitation. Otherwise
  the call returns a rejection naming the approval request and the command a
  human runs to grant it.

The workspace and the approval key never come from tool arguments.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from mcp.server.elicitation import render_elicitation_schema
from mcp.server.mcpserver import Context
from mcp_types import ElicitRequest, ElicitRequestFormParams, ElicitResult, InputRequiredResult
from mcp_types.version import is_version_at_least
from pydantic import BaseModel, Field

from mcp_server.registry import HandlerResult, ToolInput, ToolSpec
from mcp_server.results import Rejection, rejection_result
from mcp_server.state import ServerState
from safeshell import approvals, audit, guard
from safeshell.decision import Decision, Verdict
from safeshell.errors import SafeshellError, TokenError
from safeshell.operations import Operation, OperationKind, Subject
from safeshell.workspace import Workspace

logger = logging.getLogger(__name__)

# The first protocol revision that carries elicitation inside an
# InputRequiredResult instead of a server-to-client request mid-call.
INPUT_REQUIRED_VERSION = "2026-07-28"
CONFIRM_KEY = "safeshell_confirm"
ElicitationOutcome = Literal["accept", "decline", "cancel"]


class Confirmation(BaseModel):
    """The form an MCP client shows to confirm one tool call."""

    approve: bool = Field(description="Run this tool call once, exactly as shown.")


@dataclass(frozen=True)
class ShellCheck:
    """A shell command inside a tool call, already decided by ``guard.check_command``."""

    command: str
    cwd: str
    verdict: Verdict


@dataclass(frozen=True)
class Plan:
    """The effects a call implies, computed before the policy check and without side effects.

    ``operations`` are the effects beyond the tool call itself, and
    ``touched`` the workspace paths named on the TOOL_CALL operation.
    ``shell`` is the command a run_command call would run, with its verdict.
    """

    operations: tuple[Operation, ...] = ()
    touched: tuple[str, ...] = ()
    shell: ShellCheck | None = None
    data: Any = None


@dataclass
class ToolCall:
    """One validated tool call, as handlers receive it after the gate let it through."""

    state: ServerState
    spec: ToolSpec
    arguments: ToolInput
    ctx: Context
    plan: Plan = field(default_factory=Plan)
    approved_by: str | None = None  # "token REQUEST_ID" or "elicitation" when approval was needed

    @property
    def workspace(self) -> Workspace:
        return self.state.workspace

    async def report_progress(self, done: float, total: float | None, message: str) -> None:
        await self.ctx.report_progress(done, total, message)


async def run_tool(state: ServerState, spec: ToolSpec, arguments: ToolInput, ctx: Context) -> HandlerResult:
    """Plan the call, put it through the policy, and run the handler when allowed."""
    call = ToolCall(state=state, spec=spec, arguments=arguments, ctx=ctx)
    call.plan = await make_plan(call)

    subject, verdict = decide(call)
    logger.debug("tool %s: %s (%s)", spec.name, verdict.decision.label, verdict.primary.rule if verdict.primary else "-")

    if verdict.decision is Decision.ALLOW:
        # Allowed reads are not audited: they change nothing, and training_status may be polled often.
        if not spec.hints.read_only:
            _audit_decision(call, verdict)
        return await spec.handler(call)
    if verdict.decision is Decision.DENY:
        _audit_decision(call, verdict)
        return rejection_result(_rejection(call, verdict, request=None, message=_deny_message(call, verdict)))

    if arguments.approval_token:
        return await _run_with_token(call, subject, verdict, arguments.approval_token)

    if _elicitation_allowed(call, verdict):
        outcome = await _confirm_in_client(call, subject, verdict)
        if isinstance(outcome, InputRequiredResult):
            return outcome
        if outcome == "accept":
            call.approved_by = "elicitation"
            _audit_event(call, "grant", by="MCP client confirmation (elicitation)", digest=subject.digest())
            _audit_decision(call, verdict, approved=True)
            return await spec.handler(call)
        request = approvals.ensure_request(state.workspace, subject, verdict)
        _audit_decision(call, verdict, request_id=request.id)
        message = (
            f"The confirmation for {spec.name} was {_past_tense(outcome)} in the client, so nothing ran. "
            f"A human can still approve request {request.id}."
        )
        return rejection_result(_rejection(call, verdict, request=request, message=message))

    request = approvals.ensure_request(state.workspace, subject, verdict)
    _audit_decision(call, verdict, request_id=request.id)
    return rejection_result(_rejection(call, verdict, request=request, message=_approval_message(call, verdict, request)))


async def make_plan(call: ToolCall) -> Plan:
    """Run the tool's planning step (sync or async); a call without one is only its TOOL_CALL."""
    if call.spec.plan is None:
        return Plan()
    plan = call.spec.plan(call)
    if inspect.isawaitable(plan):
        plan = await plan
    return plan


def decide(call: ToolCall) -> tuple[Subject, Verdict]:
    """Return the subject an approval is bound to and the policy's verdict on it.

    A shell command whose tool call the policy allows is decided, and
    approved, exactly as ``safeshell -c`` would: same verdict, same subject,
    so one approval request and token serve both.
    """
    workspace = call.state.workspace
    arguments = canonical_arguments(call.arguments)
    tool_operation = Operation(
        OperationKind.TOOL_CALL,
        paths=call.plan.touched,
        source=call.spec.name,
        detail={"tool": call.spec.name, "arguments": arguments},
    )
    verdict = guard.check_operations((tool_operation, *call.plan.operations), workspace=workspace)

    shell = call.plan.shell
    if shell is not None:
        if verdict.decision is Decision.ALLOW:
            return approvals.shell_subject(workspace, shell.command, shell.cwd, shell.verdict), shell.verdict
        verdict = _combine((verdict, shell.verdict))
    subject = Subject(
        kind="tool_call",
        workspace=str(workspace.root),
        operations=verdict.operations,
        tool=call.spec.name,
        arguments=arguments,
    )
    return subject, verdict


def canonical_arguments(arguments: ToolInput) -> dict[str, Any]:
    """Return the validated arguments an approval binds to; the token itself is left out."""
    return arguments.model_dump(mode="json", exclude={"approval_token"})


def _combine(verdicts: Sequence[Verdict]) -> Verdict:
    operations: list[Operation] = []
    for verdict in verdicts:
        operations.extend(op for op in verdict.operations if op not in operations)
    matches = [match for verdict in verdicts for match in verdict.matches]
    notes = [note for verdict in verdicts for note in verdict.notes]
    return Verdict.combine(operations, matches, policy_version=verdicts[0].policy_version, notes=notes)


async def _run_with_token(call: ToolCall, subject: Subject, verdict: Verdict, token: str) -> HandlerResult:
    workspace = call.state.workspace
    try:
        grant = approvals.redeem_token(workspace, subject, verdict, token)
    except TokenError as exc:
        request = approvals.ensure_request(workspace, subject, verdict)
        _audit_decision(call, verdict, request_id=request.id)
        message = (
            f"The approval token was rejected ({exc.check}): {exc.message}. Nothing ran. "
            "A token is valid once, for exactly the call it was granted for."
        )
        rejection = _rejection(call, verdict, request=request, message=message)
        rejection.token_check = exc.check
        return rejection_result(rejection)
    call.approved_by = f"token for request {grant.request.id}"
    _audit_decision(call, verdict, request_id=grant.request.id, approved=True)
    return await call.spec.handler(call)


def _elicitation_allowed(call: ToolCall, verdict: Verdict) -> bool:
    """Return whether every blocking rule allows elicitation and the client can show a form."""
    policy = guard.load_policy(call.state.workspace)
    blocking = [match for match in verdict.matches if match.decision is Decision.REQUIRE_APPROVAL]
    if not blocking or not all(policy.rule_allows_elicitation(match.rule) for match in blocking):
        return False
    capabilities = call.ctx.client_capabilities
    elicitation = capabilities.elicitation if capabilities is not None else None
    # A bare ``elicitation: {}`` (declared before modes existed) means form support.
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


async def _confirm_in_client(
    call: ToolCall, subject: Subject, verdict: Verdict
) -> ElicitationOutcome | InputRequiredResult:
    """Ask the client to confirm the call: mid-call on 2025 revisions, as an input round on 2026."""
    message = _confirmation_text(call, verdict)
    version = call.ctx.protocol_version
    if version is None or not is_version_at_least(version, INPUT_REQUIRED_VERSION):
        try:
            result = await call.ctx.elicit(message, Confirmation)
        except ValueError as exc:
            raise SafeshellError(f"the client's confirmation response was invalid: {exc}") from exc
        if result.action == "accept":
            return "accept" if result.data.approve else "decline"
        return result.action

    # The SDK seals request_state (authenticated encryption, bound to this
    # request), so the digest read back here is the one written below.
    digest = subject.digest()
    answer = (call.ctx.input_responses or {}).get(CONFIRM_KEY)
    if answer is not None and _state_digest(call.ctx.request_state) == digest:
        if not isinstance(answer, ElicitResult):
            raise SafeshellError("the client's confirmation response is not a form result")
        if answer.action != "accept":
            return answer.action
        try:
            confirmation = Confirmation.model_validate(answer.content or {})
        except ValueError as exc:
            raise SafeshellError(f"the client's confirmation response was invalid: {answer.content!r}") from exc
        return "accept" if confirmation.approve else "decline"

    request = ElicitRequest(
        params=ElicitRequestFormParams(message=message, requested_schema=render_elicitation_schema(Confirmation))
    )
    return InputRequiredResult(
        input_requests={CONFIRM_KEY: request},
        request_state=json.dumps({"digest": digest}, separators=(",", ":")),
    )


def _state_digest(request_state: str | None) -> str | None:
    if not request_state:
        return None
    try:
        value = json.loads(request_state)
    except ValueError:
        return None
    return value.get("digest") if isinstance(value, dict) else None


def _confirmation_text(call: ToolCall, verdict: Verdict) -> str:
    primary = verdict.primary
    arguments = json.dumps(canonical_arguments(call.arguments), sort_keys=True)
    reason = primary.reason if primary else ""
    return f"safeshell: allow {call.spec.name} {arguments}? {reason}".strip()


def _rejection(
    call: ToolCall, verdict: Verdict, *, request: approvals.ApprovalRequest | None, message: str
) -> Rejection:
    primary = verdict.primary
    decision: Literal["require_approval", "deny"] = (
        "deny" if verdict.decision is Decision.DENY else "require_approval"
    )
    how_to_approve = None
    if request is not None:
        how_to_approve = (
            f"ask a human to run this on their terminal: {request.grant_command} ; then call "
            f"{call.spec.name} again with the same arguments and approval_token set to the printed token"
        )
    return Rejection(
        decision=decision,
        rule=primary.rule if primary else None,
        request_id=request.id if request is not None else None,
        how_to_approve=how_to_approve,
        message=message,
        reason=primary.reason if primary else "",
        hint=primary.hint if primary else "",
        path=primary.path if primary else None,
        tool=call.spec.name,
        policy_version=verdict.policy_version,
    )


def _deny_message(call: ToolCall, verdict: Verdict) -> str:
    primary = verdict.primary
    rule = primary.rule if primary else "?"
    reason = primary.reason if primary else ""
    return f"{call.spec.name} is denied by rule {rule}: {reason} No approval can allow it.".strip()


def _approval_message(call: ToolCall, verdict: Verdict, request: approvals.ApprovalRequest) -> str:
    primary = verdict.primary
    rule = primary.rule if primary else "?"
    reason = primary.reason if primary else ""
    text = f"{call.spec.name} needs approval (rule {rule}): {reason}"
    if request.status == "granted":
        return (
            f"{text} Approval request {request.id} is already granted: call again with approval_token set to "
            "the token that 'safeshell approve' printed."
        )
    return f"{text} Approval request {request.id} is waiting."


def _past_tense(outcome: str) -> str:
    return {"decline": "declined", "cancel": "cancelled"}.get(outcome, outcome)


def _audit_decision(call: ToolCall, verdict: Verdict, **fields: Any) -> None:
    """Append the decision to the audit log; an AuditError stops the call (fail closed)."""
    shell = call.plan.shell
    if shell is not None:
        fields.update(command=shell.command[:4096], cwd=shell.cwd)
    audit.record_decision(call.state.workspace, verdict, source="mcp", tool=call.spec.name, **fields)


def _audit_event(call: ToolCall, event: str, **fields: Any) -> None:
    audit.append(call.state.workspace, event, source="mcp", tool=call.spec.name, **fields)
