"""A full, human-readable description of an approval request.

``safeshell approve`` shows it before asking for confirmation and
``safeshell approvals show`` prints it: the command or tool call, the
directory, every operation with its resolved paths (sizes and file counts of
what exists now), the rules with their reasons, and what the snapshot taken
before the operation will cost.
"""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

from safeshell.approvals.requests import ApprovalRequest
from safeshell.operations import Operation
from safeshell.workspace import Workspace

# Walking a huge tree to count it must not keep the human waiting.
MAX_COUNTED_ENTRIES = 200_000


def describe_request(workspace: Workspace, request: ApprovalRequest, *, token_ttl_s: int | None = None) -> str:
    """Return the multi-line description of ``request``."""
    from safeshell.undo import format_bytes, plan_snapshot

    subject = request.subject
    lines = [
        f"Approval request {request.id} ({request.status}; created {_utc(request.created_at)}, "
        f"expires {_utc(request.expires_at)})",
    ]
    if subject.kind == "shell":
        lines.append(f"  command:    {subject.command}")
        lines.append(f"  directory:  {subject.cwd}")
    else:
        lines.append(f"  tool call:  {subject.tool}")
        arguments = json.dumps(subject.arguments or {}, indent=2, sort_keys=True)
        lines.extend(f"    {line}" for line in arguments.splitlines())
    lines.append(f"  workspace:  {subject.workspace}")

    lines.append("  rules:")
    reasons = {match.get("rule"): match for match in request.verdict.get("matches", [])}
    for rule in request.rules:
        match = reasons.get(rule, {})
        lines.append(f"    {rule} ({match.get('decision', 'require_approval')}): {match.get('reason', '')}".rstrip())

    lines.append("  operations:")
    for operation in subject.operations:
        lines.extend(_operation_lines(operation))

    plan = plan_snapshot(workspace, subject.operations)
    lines.append("  snapshot before it runs:")
    lines.extend(f"    {line}" for line in plan.describe().splitlines())
    if token_ttl_s is not None:
        lifetime = f"{token_ttl_s // 60} min" if token_ttl_s % 60 == 0 else f"{token_ttl_s} s"
        lines.append(f"  A grant prints a token valid once, for exactly this operation, for {lifetime}, "
                     "while the policy is unchanged.")
    return "\n".join(lines)


def _operation_lines(operation: Operation) -> list[str]:
    head = f"    {operation.kind.value}"
    if not operation.resolved:
        head += " (unresolved: could touch any protected path)"
    if operation.source:
        head += f"  from {operation.source!r}"
    lines = [head]
    for path in operation.paths:
        lines.append(f"      {path}  {_path_summary(Path(path))}")
    destination = operation.detail.get("destination") if operation.detail else None
    if destination:
        lines.append(f"      -> {destination}")
    for key in ("signal", "targets", "changed_keys"):
        if operation.detail and key in operation.detail:
            lines.append(f"      {key}: {operation.detail[key]}")
    return lines


def _path_summary(path: Path) -> str:
    from safeshell.undo import format_bytes

    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return "(does not exist now)"
    except OSError as exc:
        return f"(cannot stat: {exc.strerror})"
    if stat.S_ISLNK(status.st_mode):
        return f"(symbolic link to {os.readlink(path)!r})"
    if not stat.S_ISDIR(status.st_mode):
        return f"(file, {format_bytes(status.st_size)})"
    files, total, truncated = _count_tree(path)
    more = "+" if truncated else ""
    return f"(directory: {files}{more} files, {format_bytes(total)}{more})"


def _count_tree(root: Path) -> tuple[int, int, bool]:
    files = total = seen = 0
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > MAX_COUNTED_ENTRIES:
                return files, total, True
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                else:
                    files += 1
                    total += entry.stat(follow_symlinks=False).st_size
            except OSError:
                continue
    return files, total, False


def _utc(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(timestamp))
