"""Pre-operation snapshots, so even an approved mistake can be undone.

Before an approved operation that deletes, moves, overwrites or truncates
protected data runs, what it will touch is kept:

- ``current_model/`` is recorded as a model version through
  :meth:`models.Store.snapshot` (nearly free when it still matches the
  current version); restore it with ``trainctl versions restore vNNN``;
- other files inside the workspace go under ``.safeshell/snapshots/<id>/files/``
  with their workspace-relative paths: hard links for deletes and moves (the
  data survives the unlink or rename, nothing is copied), copies for
  overwrites and truncations (a write in place would change a hard link too).

An unresolved operation could touch anything, so it snapshots the model and
``config.json``. ``.safeshell/`` itself is never copied into itself.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from safeshell.operations import Operation, OperationKind
from safeshell.workspace import Workspace

logger = logging.getLogger(__name__)

SNAPSHOTS_DIR = "snapshots"
_LINK_KINDS = frozenset({OperationKind.DELETE, OperationKind.MOVE})
_COPY_KINDS = frozenset({OperationKind.WRITE, OperationKind.TRUNCATE})
DESTRUCTIVE_KINDS = _LINK_KINDS | _COPY_KINDS | {OperationKind.CONFIG_CHANGE}


@dataclass
class SnapshotPlan:
    """Contents and cost of a snapshot taken before the operations."""

    model: bool = False  # current_model/ is recorded through the store
    model_bytes: int = 0
    model_files: int = 0
    link: dict[str, int] = field(default_factory=dict)  # workspace-relative file -> bytes (hard link)
    copy: dict[str, int] = field(default_factory=dict)  # workspace-relative file -> bytes (copied)

    @property
    def empty(self) -> bool:
        return not (self.model or self.link or self.copy)

    def describe(self) -> str:
        """Return one line per part of the snapshot, with its cost."""
        if self.empty:
            return "nothing: the operation deletes, moves or overwrites no existing workspace file"
        lines = []
        if self.model:
            lines.append(
                f"current_model/ ({self.model_files} files, {format_bytes(self.model_bytes)}) recorded as a "
                "model version: hashes only the files that changed since the current version"
            )
        if self.link:
            lines.append(f"{len(self.link)} files ({format_bytes(sum(self.link.values()))}) hard-linked: no data copied")
        if self.copy:
            lines.append(f"{len(self.copy)} files copied: {format_bytes(sum(self.copy.values()))}")
        return "\n".join(lines)


@dataclass
class Snapshot:
    """A snapshot that was taken: the model version and the file copy directory."""

    id: str
    model_version: str | None = None
    files_dir: Path | None = None
    files: int = 0
    problems: list[str] = field(default_factory=list)

    def restore_hint(self, workspace: Workspace) -> str:
        """Return the stderr lines that tell how to undo the operation."""
        lines = [f"safeshell: snapshot {self.id} taken before the approved command:"]
        if self.model_version:
            lines.append(f"  current_model/ is version {self.model_version}; "
                         f"undo with 'trainctl versions restore {self.model_version}'")
        if self.files_dir is not None and self.files:
            lines.append(f"  {self.files} other files are kept in {self.files_dir}; "
                         f"undo with 'cp -a {self.files_dir}/. {workspace.root}/'")
        lines.extend(f"  not kept: {problem}" for problem in self.problems)
        return "\n".join(lines)


def plan_snapshot(workspace: Workspace, operations: Iterable[Operation]) -> SnapshotPlan:
    """Work out what a snapshot before ``operations`` would keep."""
    plan = SnapshotPlan()
    root = Path(workspace.root)
    model_root = workspace.current_model
    for operation in operations:
        if not operation.resolved and operation.kind is not OperationKind.READ:
            plan.model = True
            _add_file(plan.copy, root, workspace.config_file)
            continue
        if operation.kind not in DESTRUCTIVE_KINDS:
            continue
        for raw in operation.paths:
            path = Path(raw)
            if _touches(path, model_root, operation.kind):
                plan.model = True
            if path == root or _inside(path, root):
                start = path
            elif _inside(root, path):
                # An operation on a parent of the workspace reaches everything in it.
                start = root
            else:
                continue
            target = plan.link if operation.kind in _LINK_KINDS else plan.copy
            for file_path in _files_under(start, skip=(model_root, workspace.state_dir)):
                _add_file(target, root, file_path)
    if plan.model:
        for file_path in _files_under(model_root, skip=()):
            plan.model_files += 1
            plan.model_bytes += _size(file_path)
    return plan


def take_snapshot(
    workspace: Workspace, operations: Iterable[Operation], *, snapshot_id: str, reason: str
) -> Snapshot | None:
    """Snapshot what ``operations`` will touch; return None when they touch nothing kept."""
    plan = plan_snapshot(workspace, operations)
    if plan.empty:
        return None
    snapshot = Snapshot(id=snapshot_id)
    files_dir = workspace.state_dir / SNAPSHOTS_DIR / snapshot_id / "files"

    if plan.model and plan.model_files:
        snapshot.model_version = _snapshot_model(workspace, reason, snapshot, files_dir)
    for relative in plan.link:
        if _keep(workspace.root / relative, files_dir / relative, copy=False, snapshot=snapshot):
            snapshot.files += 1
    for relative in plan.copy:
        if _keep(workspace.root / relative, files_dir / relative, copy=True, snapshot=snapshot):
            snapshot.files += 1
    if snapshot.files:
        snapshot.files_dir = files_dir

    from safeshell import audit

    audit.append(
        workspace,
        "snapshot",
        snapshot=snapshot.id,
        model_version=snapshot.model_version,
        files=snapshot.files,
        files_dir=str(files_dir) if snapshot.files else None,
        problems=snapshot.problems,
    )
    return snapshot


def format_bytes(count: int) -> str:
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


def _snapshot_model(workspace: Workspace, reason: str, snapshot: Snapshot, files_dir: Path) -> str | None:
    try:
        from models import Store
        from safeshell.errors import SafeshellError

        try:
            version = Store.for_workspace(workspace).snapshot(reason=reason, metadata={"snapshot": snapshot.id})
            logger.info("recorded current_model/ as %s before an approved command", version.id)
            return version.id
        except SafeshellError as exc:
            problem = f"model store snapshot failed ({exc.message}); current_model/ hard-linked instead"
    except ImportError as exc:
        problem = f"model store unavailable ({exc}); current_model/ hard-linked instead"
    logger.warning("%s", problem)
    snapshot.problems.append(problem)
    model_root = workspace.current_model
    for file_path in _files_under(model_root, skip=()):
        relative = file_path.relative_to(workspace.root)
        if _keep(file_path, files_dir / relative, copy=False, snapshot=snapshot):
            snapshot.files += 1
    return None


def _keep(source: Path, destination: Path, *, copy: bool, snapshot: Snapshot) -> bool:
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        if copy:
            shutil.copy2(source, destination, follow_symlinks=False)
        else:
            os.link(source, destination, follow_symlinks=False)
        return True
    except FileExistsError:
        return True
    except OSError as exc:
        if not copy and exc.errno is not None:
            # Another filesystem (EXDEV) or no link permission: fall back to a copy.
            return _keep(source, destination, copy=True, snapshot=snapshot)
        snapshot.problems.append(f"{source}: {exc.strerror}")
        return False


def _files_under(path: Path, *, skip: tuple[Path, ...]) -> Iterable[Path]:
    if any(path == skipped or _inside(path, skipped) for skipped in skip):
        return
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return
    if not stat.S_ISDIR(mode):
        yield path
        return
    try:
        entries = sorted(os.scandir(path), key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        yield from _files_under(Path(entry.path), skip=skip)


def _touches(path: Path, model_root: Path, kind: OperationKind) -> bool:
    if path == model_root or _inside(path, model_root):
        return True
    # Deleting or moving a parent directory takes current_model/ with it.
    return kind in _LINK_KINDS and _inside(model_root, path)


def _inside(path: Path, parent: Path) -> bool:
    return parent in path.parents


def _add_file(target: dict[str, int], root: Path, path: Path) -> None:
    if path.is_file():
        target[str(path.relative_to(root))] = _size(path)


def _size(path: Path) -> int:
    try:
        return os.lstat(path).st_size
    except OSError:
        return 0
