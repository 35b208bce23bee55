"""The training workspace: where it is and what lives in it.

Commands find their workspace from ``--workspace``, then the
``SAFESHELL_WORKSPACE`` environment variable, then by walking up from the
current directory to a directory holding ``safeshell.yaml``.
"""

from __future__ import annotations

import os
from pathlib import Path

from safeshell.errors import WorkspaceError
from safeshell.records import Record

POLICY_FILE = "safeshell.yaml"
WORKSPACE_ENV = "SAFESHELL_WORKSPACE"


# A Record rather than a dataclass: every guarded command builds one, and
# importing dataclasses would double the guard's start-up (see safeshell.records).
class Workspace(Record):
    """Absolute paths of everything in one workspace (see the layout in README)."""

    __slots__ = ("root",)
    root: Path

    def __init__(self, root: Path) -> None:
        self._init(root=root)

    @property
    def policy_file(self) -> Path:
        return self.root / POLICY_FILE

    @property
    def config_file(self) -> Path:
        return self.root / "config.json"

    @property
    def current_model(self) -> Path:
        return self.root / "current_model"

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def control_dir(self) -> Path:
        return self.root / "control"

    @property
    def status_file(self) -> Path:
        return self.root / "status" / "training_status.json"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @property
    def state_dir(self) -> Path:
        return self.root / ".safeshell"

    @property
    def state_db(self) -> Path:
        return self.state_dir / "state.db"

    @property
    def audit_log(self) -> Path:
        return self.state_dir / "audit.jsonl"

    def exists(self) -> bool:
        return self.policy_file.is_file()


def find_workspace(explicit: str | os.PathLike[str] | None = None, *, cwd: str | None = None) -> Workspace:
    """Locate the workspace from an explicit path, the environment, or the cwd.

    Raises :class:`WorkspaceError` when none is found or the named one has no
    ``safeshell.yaml``.
    """
    if explicit is not None:
        return _checked(Path(explicit), source="--workspace")

    from_env = os.environ.get(WORKSPACE_ENV)
    if from_env:
        return _checked(Path(from_env), source=WORKSPACE_ENV)

    start = Path(cwd or os.getcwd()).absolute()
    for candidate in (start, *start.parents):
        if (candidate / POLICY_FILE).is_file():
            return Workspace(root=candidate)
    raise WorkspaceError(
        f"no workspace found: neither {str(start)!r} nor any parent contains {POLICY_FILE}",
        hint="create one with 'safeshell init DIR', or pass --workspace DIR "
        f"or set {WORKSPACE_ENV}",
    )


def _checked(path: Path, *, source: str) -> Workspace:
    root = path.expanduser().absolute()
    if not (root / POLICY_FILE).is_file():
        raise WorkspaceError(
            f"{source} names {str(root)!r}, which has no {POLICY_FILE}",
            hint=f"run 'safeshell init {root}' to create the workspace",
        )
    return Workspace(root=Path(os.path.realpath(root)))
