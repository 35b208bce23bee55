"""Helpers for approval tests: a real workspace, a real policy verdict and real tokens."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from safeshell import approvals, guard
from safeshell.approvals import ApprovalSettings
from safeshell.cli.init_cmd import create_layout
from safeshell.decision import Verdict
from safeshell.operations import Operation, OperationKind, Subject
from safeshell.workspace import Workspace

MODEL_FILES = {
    "config.json": b'{"hidden_size": 8}\n',
    "model.safetensors": bytes(range(256)) * 16,
}


def make_workspace(root: Path) -> Workspace:
    """Create a workspace with the default layout and a tiny current_model/."""
    create_layout(root)
    for name, content in MODEL_FILES.items():
        (root / "current_model" / name).write_bytes(content)
    return Workspace(root=Path(os.path.realpath(root)))


def model_contents(workspace: Workspace) -> dict[str, bytes]:
    model = workspace.current_model
    if not model.is_dir():
        return {}
    return {path.name: path.read_bytes() for path in sorted(model.iterdir()) if path.is_file()}


@dataclass
class Rejected:
    """A rejected operation: the subject, its verdict and the open request."""

    subject: Subject
    verdict: Verdict
    request: approvals.ApprovalRequest


def reject(workspace: Workspace, target: str = "current_model", command: str | None = None) -> Rejected:
    """Decide on deleting ``target`` with the real policy and open its approval request."""
    operation = Operation(OperationKind.DELETE, paths=(str(workspace.root / target),), source=f"rm -rf {target}")
    verdict = guard.check_operations([operation], workspace=workspace)
    subject = approvals.shell_subject(workspace, command or f"rm -rf {target}", str(workspace.root), verdict)
    request = approvals.ensure_request(workspace, subject, verdict)
    return Rejected(subject=subject, verdict=verdict, request=request)


def grant(workspace: Workspace, rejected: Rejected, *, token_ttl_s: int = 600) -> str:
    """Grant the request as `safeshell approve` does after the confirmation; return the token."""
    policy = guard.load_policy(workspace)
    issued = approvals.grant_request(
        workspace,
        rejected.request.id,
        by="test",
        current_policy_version=policy.version,
        settings=ApprovalSettings(token_ttl_s=token_ttl_s),
    )
    return issued.text
