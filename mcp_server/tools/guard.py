"""Tools that ask the policy without acting: policy_check and approval_status."""

from __future__ import annotations

import time
from typing import Any, Literal

from pydantic import Field, model_validator

from mcp_server.errors import ToolArgumentError
from mcp_server.gate import ToolCall, decide, make_plan
from mcp_server.paths import resolve_inside
from mcp_server.registry import READ_ONLY, ToolInput, ToolOutput, ToolSpec
from safeshell import approvals, guard
from safeshell.decision import Decision, Verdict

MAX_COMMAND_CHARS = 65536
MAX_PATH_CHARS = 4096


class PolicyCheckInput(ToolInput):
    command: str | None = Field(
        default=None, max_length=MAX_COMMAND_CHARS, description="A shell command to decide on (bash syntax)."
    )
    cwd: str | None = Field(
        default=None,
        max_length=MAX_PATH_CHARS,
        description="Working directory for `command`, inside the workspace; the workspace root when omitted.",
    )
    tool: str | None = Field(
        default=None, pattern=r"^[a-z][a-z0-9_]{0,63}$", description="A tool of this server to decide on."
    )
    arguments: dict[str, Any] | None = Field(default=None, description="The arguments of the `tool` call.")

    @model_validator(mode="after")
    def _one_subject(self) -> PolicyCheckInput:
        if (self.command is None) == (self.tool is None):
            raise ValueError("pass exactly one of 'command' (with an optional 'cwd') or 'tool' (with 'arguments')")
        if self.command is not None and self.arguments is not None:
            raise ValueError("'arguments' belongs to 'tool'; a command takes only 'cwd'")
        if self.tool is not None and self.cwd is not None:
            raise ValueError("'cwd' belongs to 'command'; a tool call takes only 'arguments'")
        return self


class ApprovalStatusInput(ToolInput):
    request_id: str = Field(pattern=r"^[0-9a-f]{8}$", description='An approval request id such as "a1b2c3d4".')


class MatchInfo(ToolOutput):
    rule: str
    decision: Literal["allow", "require_approval", "deny"]
    operation: str  # the operation's kind
    path: str | None
    reason: str
    hint: str


class OperationInfo(ToolOutput):
    kind: str
    paths: list[str]
    source: str
    resolved: bool  # false: treated as touching every protected path


class PolicyCheckResult(ToolOutput):
    decision: Literal["allow", "require_approval", "deny"]
    rule: str | None
    reason: str
    hint: str
    elicitation_allowed: bool  # an MCP client's confirmation dialog may approve it
    operations: list[OperationInfo]
    matches: list[MatchInfo]
    notes: list[str]  # analysis limits hit, parse problems
    policy_version: str


class ApprovalStatus(ToolOutput):
    request_id: str
    status: Literal["open", "granted", "denied", "expired", "used"]
    rule: str
    summary: str
    created_at: float  # Unix seconds
    expires_at: float
    expires_in_s: int  # negative once expired
    decided_by: str | None
    grant_command: str


def verdict_output(verdict: Verdict, *, elicitation_allowed: bool) -> PolicyCheckResult:
    primary = verdict.primary
    return PolicyCheckResult(
        decision=verdict.decision.label,  # type: ignore[arg-type]
        rule=primary.rule if primary else None,
        reason=primary.reason if primary else "",
        hint=primary.hint if primary else "",
        elicitation_allowed=elicitation_allowed,
        operations=[
            OperationInfo(kind=op.kind.value, paths=list(op.paths), source=op.source[:1000], resolved=op.resolved)
            for op in verdict.operations
        ],
        matches=[
            MatchInfo(
                rule=match.rule,
                decision=match.decision.label,  # type: ignore[arg-type]
                operation=match.operation.kind.value,
                path=match.path,
                reason=match.reason,
                hint=match.hint,
            )
            for match in verdict.matches
        ],
        notes=list(verdict.notes),
        policy_version=verdict.policy_version,
    )


def _elicitation_allowed(call: ToolCall, verdict: Verdict) -> bool:
    if verdict.decision is not Decision.REQUIRE_APPROVAL:
        return False
    policy = guard.load_policy(call.workspace)
    blocking = [match for match in verdict.matches if match.decision is Decision.REQUIRE_APPROVAL]
    return all(policy.rule_allows_elicitation(match.rule) for match in blocking)


async def policy_check(call: ToolCall) -> PolicyCheckResult:
    arguments: PolicyCheckInput = call.arguments  # type: ignore[assignment]
    workspace = call.workspace

    if arguments.command is not None:
        cwd = resolve_inside(workspace, arguments.cwd or str(workspace.root), argument="cwd")
        verdict = guard.check_command(arguments.command, workspace=workspace, cwd=str(cwd))
        return verdict_output(verdict, elicitation_allowed=_elicitation_allowed(call, verdict))

    spec = call.state.specs.get(arguments.tool or "")
    if spec is None:
        raise ToolArgumentError(
            f"argument 'tool': this server has no tool {arguments.tool!r}",
            hint="list the tools with tools/list",
        )
    try:
        parsed = spec.input_model.model_validate(arguments.arguments or {})
    except ValueError as exc:
        raise ToolArgumentError(f"argument 'arguments' is invalid for {spec.name}: {exc}") from exc
    # The same planning and decision as a real call of that tool, without running it.
    dry_run = ToolCall(state=call.state, spec=spec, arguments=parsed, ctx=call.ctx)
    dry_run.plan = await make_plan(dry_run)
    _subject, verdict = decide(dry_run)
    return verdict_output(verdict, elicitation_allowed=_elicitation_allowed(call, verdict))


async def approval_status(call: ToolCall) -> ApprovalStatus:
    arguments: ApprovalStatusInput = call.arguments  # type: ignore[assignment]
    request = approvals.get_request(call.workspace, arguments.request_id)
    return ApprovalStatus(
        request_id=request.id,
        status=request.status,  # type: ignore[arg-type]
        rule=request.rule,
        summary=request.summary[:2000],
        created_at=request.created_at,
        expires_at=request.expires_at,
        expires_in_s=int(request.expires_at - time.time()),
        decided_by=request.decided_by,
        grant_command=request.grant_command,
    )


SPECS = [
    ToolSpec(
        name="policy_check",
        title="Check the policy (dry run)",
        description="Decide on a shell command (`command`, optional `cwd`) or on a call of one of this server's "
        "tools (`tool`, `arguments`) without running it: the decision (allow, require_approval, deny), the rule, "
        f"the operations found and every matching rule. Commands are at most {MAX_COMMAND_CHARS} characters.",
        input_model=PolicyCheckInput,
        output_model=PolicyCheckResult,
        hints=READ_ONLY,
        handler=policy_check,
    ),
    ToolSpec(
        name="approval_status",
        title="Approval request status",
        description="Read the state of an approval request (open, granted, denied, expired, used) and the command "
        "a human runs to grant it. This tool cannot grant anything; only a human on a terminal can.",
        input_model=ApprovalStatusInput,
        output_model=ApprovalStatus,
        hints=READ_ONLY,
        handler=approval_status,
    ),
]
