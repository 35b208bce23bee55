"""``safeshell explain``: show how a command was parsed, resolved and decided."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from safeshell.cli import exit_codes
from safeshell.cli.check import UsageError, parse_args

if TYPE_CHECKING:
    from safeshell.guard import CommandCheck

USAGE = """usage: safeshell explain [--workspace DIR] [--cwd DIR] [--json] -- COMMAND...
       safeshell explain [OPTIONS] -c COMMAND

Show the simple commands the shell analysis found (with the working
directory each runs in), the operations and resolved paths they imply,
every rule that matched, and the decision. Nothing runs, nothing is
recorded in the audit log and no approval request is opened.

exit status: as 'safeshell check' (0 allow, 120 require_approval, 121 deny,
64 invalid arguments, 78 missing or invalid policy or workspace)
"""


def main(argv: list[str]) -> int:
    try:
        args = parse_args(argv, usage=USAGE, prog="safeshell explain")
    except UsageError as exc:
        print(f"safeshell explain: {exc}\n\n{USAGE}", file=sys.stderr)
        return exit_codes.USAGE
    if args is None:
        return exit_codes.OK
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(errors="backslashreplace")  # type: ignore[attr-defined]

    from safeshell.cli.check import DECISION_EXIT
    from safeshell.errors import SafeshellError
    from safeshell.guard import check_command_detailed
    from safeshell.workspace import find_workspace

    cwd = os.path.abspath(args.cwd or os.getcwd())
    try:
        workspace = find_workspace(args.workspace, cwd=cwd)
        result = check_command_detailed(args.command, workspace=workspace, cwd=cwd, include_allow=True)
    except SafeshellError as exc:
        print(f"safeshell explain: {exc}", file=sys.stderr)
        return exit_codes.CONFIG

    verdict = result.verdict
    if args.json:
        import json

        data = verdict.to_dict()
        data["commands"] = [
            {"argv": list(item.argv), "cwd": item.cwd, "source": item.source, "resolved": item.resolved, "depth": item.depth}
            for item in result.commands
        ]
        data["allow_matches"] = [match.to_dict() for match in result.allow_matches]
        data["problems"] = list(result.problems)
        data["workspace"] = str(workspace.root)
        data["cwd"] = cwd
        print(json.dumps(data, indent=2, ensure_ascii=True))
    else:
        print(render(result, workspace_root=str(workspace.root)))
    return DECISION_EXIT[verdict.decision.label]


def render(result: CommandCheck, *, workspace_root: str) -> str:
    """Return the readable account of one checked command."""
    verdict = result.verdict
    lines = [f"command:   {result.command!r}", f"cwd:       {result.cwd}", f"workspace: {workspace_root}", ""]

    lines.append(f"simple commands ({len(result.commands)}):")
    for item in result.commands:
        indent = "  " * (item.depth + 1)
        flag = "" if item.resolved else "  [unresolved]"
        lines.append(f"{indent}{' '.join(item.argv) or item.source!r}   (in {item.cwd or 'unknown directory'}){flag}")
    if not result.commands:
        lines.append("  (none)")

    lines.append("")
    lines.append(f"operations ({len(verdict.operations)}):")
    for operation in verdict.operations:
        flag = "" if operation.resolved else "  [unresolved: treated as touching every protected path]"
        paths = ", ".join(operation.paths) or "-"
        lines.append(f"  {operation.kind.value:<13} {paths}{flag}")
        if operation.detail:
            lines.append(f"  {'':<13} detail: {dict(operation.detail)}")
        if operation.source:
            lines.append(f"  {'':<13} from: {operation.source!r}")
    if not verdict.operations:
        lines.append("  (none)")

    lines.append("")
    lines.append("rules matched:")
    for match in (*verdict.matches, *result.allow_matches):
        target = f" on {match.path}" if match.path else ""
        lines.append(f"  {match.decision.label:<17} {match.rule}{target}: {match.reason}")
        if match.hint:
            lines.append(f"  {'':<17} hint: {match.hint}")
    if not verdict.matches and not result.allow_matches:
        lines.append("  (none: operations that no rule names are allowed)")

    for problem in result.problems:
        lines.append(f"analysis problem: {problem}")
    lines.append("")
    lines.append(f"decision: {verdict.decision.label}")
    return "\n".join(lines)
