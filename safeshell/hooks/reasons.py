"""The reason text a hook returns to the assistant, rendered from a verdict.

The assistant reads this text and acts on it, so it names the rule that
matched, the reason, the safer alternative, and (for a shell command that needs approval)
the exact steps a human takes. It never contains an approval token: only
the request ID, which grants nothing by itself.
"""

from __future__ import annotations

from safeshell.decision import Decision, Verdict

# How many further matches the text lists after the primary one.
MAX_EXTRA_MATCHES = 3


def describe_verdict(verdict: Verdict, *, tool: str) -> str:
    """Render the decision, the rule, the reason, the path and the alternative."""
    primary = verdict.primary
    verb = "denied" if verdict.decision == Decision.DENY else "requires approval for"
    if primary is None:
        return f"safeshell {verb} this {tool} call."
    lines = [f"safeshell {verb} this {tool} call (rule {primary.rule}): {primary.reason}".rstrip()]
    if primary.path:
        lines.append(f"Path: {primary.path}")
    changed_keys = primary.operation.detail.get("changed_keys") if primary.operation.detail else None
    if changed_keys:
        lines.append(f"Changed keys: {', '.join(str(key) for key in changed_keys)}")
    if primary.hint:
        lines.append(f"Instead: {primary.hint}")
    extra = [match for match in verdict.matches[1:] if match.rule != primary.rule]
    for match in extra[:MAX_EXTRA_MATCHES]:
        where = f" on {match.path}" if match.path else ""
        lines.append(f"Also: rule {match.rule} ({match.decision.label}){where}.")
    return "\n".join(lines)


def shell_approval_steps(request_id: str, grant_command: str, rerun: str, *, prefixed: bool = False) -> str:
    """Tell the assistant how a human approves a shell command and how to rerun it.

    ``rerun`` is the command line to run with the token, ``<token>`` standing
    for the token the human hands over. ``prefixed`` says the assistant's
    shell runs through ``safeshell -c`` (the shell prefix), where the rerun
    carries the token as a leading ``SAFESHELL_APPROVAL_TOKEN=`` assignment.
    """
    if prefixed:
        return (
            f"To run it anyway, a human must approve request {request_id}. Ask the user to run\n"
            f"  {grant_command}\n"
            "in their own terminal. Never run 'safeshell approve' yourself and never read the approval key. "
            "The user gives you the token it prints; then rerun the same command, from the same directory, "
            "prefixed by the token assignment:\n"
            f"  {rerun}"
        )
    return (
        f"To run it anyway, a human must approve request {request_id}. Ask the user to run\n"
        f"  {grant_command}\n"
        "in their own terminal. Never run 'safeshell approve' yourself and never read the approval key. "
        "The user gives you the token it prints; then rerun exactly:\n"
        f"  {rerun}"
    )


NON_SHELL_APPROVAL = (
    "This tool call cannot carry an approval token. To make the change anyway, run it as a shell "
    "command (for config.json, for example with jq or sed): safeshell then rejects it with an "
    "approval request ID, the user approves that ID in their own terminal, and you rerun the same "
    "command with the token they give you. With the safeshell MCP server, config_update takes the "
    "token as approval_token."
)


def ask_text(verdict: Verdict, *, tool: str) -> str:
    """Render the question Claude Code shows the user for an ``ask`` answer."""
    return describe_verdict(verdict, tool=tool) + "\nAllow it only if you intended this change."
