"""The training workspace: where it is and what lives in it.

Commands find their workspace from ``--workspace``, then the
``SAFESHELL_WORKSPACE`` environment variable, then by walking up from the
current directory to a directory holding ``safeshell.yaml``.
"""

from __future__ import annotations

import os

from safeshell.errors import WorkspaceError
from safeshell.records import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from pathlib import Path

POLICY_FILE = "safeshell.yaml"
STATE_DIR = ".safeshell"
AUDIT_LOG = "audit.jsonl"  # inside STATE_DIR
CONFIG_FILE = "config.json"
WORKSPACE_ENV = "SAFESHELL_WORKSPACE"


# A Record rather than a dataclass: every guarded command builds one, and
# importing dataclasses would double the guard's start-up (see safeshell.records).
class Workspace(Record):
    """Absolute paths of everything in one workspace (see the layout in README).

    ``root_dir`` is the root as a string. The ``Path`` properties import
    ``pathlib`` on first use, so the guard's hot path works on
    ``root_dir`` and :meth:`path` and never imports it.
    """

    __slots__ = ("root_dir",)
    root_dir: str

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self._init(root_dir=_normalized(os.fspath(root)))

    def path(self, *parts: str) -> str:
        """Return the absolute path of ``parts`` below the root, as a string."""
        return os.path.join(self.root_dir, *parts)

    @property
    def root(self) -> Path:
        from pathlib import Path

        return Path(self.root_dir)

    @property
    def policy_file(self) -> Path:
        return self.root / POLICY_FILE

    @property
    def config_file(self) -> Path:
        return self.root / CONFIG_FILE

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
        return self.root / STATE_DIR

    @property
    def state_db(self) -> Path:
        return self.state_dir / "state.db"

    @property
    def audit_log(self) -> Path:
        return self.state_dir / AUDIT_LOG

    def exists(self) -> bool:
        return os.path.isfile(self.path(POLICY_FILE))


def find_workspace(explicit: str | os.PathLike[str] | None = None, *, cwd: str | None = None) -> Workspace:
    """Locate the workspace from an explicit path, the environment, or the cwd.

    Raises :class:`WorkspaceError` when none is found or the named one has no
    ``safeshell.yaml``.
    """
    if explicit is not None:
        return _checked(os.fspath(explicit), source="--workspace")

    from_env = os.environ.get(WORKSPACE_ENV)
    if from_env:
        return _checked(from_env, source=WORKSPACE_ENV)

    start = absolute(cwd or os.getcwd())
    for candidate in parents(start):
        if os.path.isfile(os.path.join(candidate, POLICY_FILE)):
            return Workspace(root=candidate)
    raise WorkspaceError(
        f"no workspace found: neither {start!r} nor any parent contains {POLICY_FILE}",
        hint="create one with 'safeshell init DIR', or pass --workspace DIR "
        f"or set {WORKSPACE_ENV}",
    )


def _normalized(path: str) -> str:
    # The spelling str(Path(path)) has: no empty or "." components, no trailing slash.
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if path.startswith("/"):
        return "/" + "/".join(parts)
    return "/".join(parts) or "."


def absolute(path: str) -> str:
    """Return ``path`` made absolute against the cwd, as ``Path.absolute`` does.

    Unlike ``os.path.abspath`` it keeps ``..`` components, whose meaning
    depends on symlinks; it drops empty and ``.`` components and trailing slashes.
    """
    if not os.path.isabs(path):
        path = os.path.join(os.getcwd(), path)
    return _normalized(path)


def parents(path: str) -> list[str]:
    """Return ``path`` (absolute, as :func:`absolute` returns it) and each parent up to ``/``."""
    chain = [path]
    while path != "/":
        path = os.path.dirname(path)
        chain.append(path)
    return chain


def _checked(path: str, *, source: str) -> Workspace:
    root = absolute(os.path.expanduser(path))
    if not os.path.isfile(os.path.join(root, POLICY_FILE)):
        raise WorkspaceError(
            f"{source} names {root!r}, which has no {POLICY_FILE}",
            hint=f"run 'safeshell init {root}' to create the workspace",
        )
    return Workspace(root=os.path.realpath(root))
