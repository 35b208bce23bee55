"""The approval key: the secret that approval tokens are signed with.

The key lives outside every workspace, at ``$SAFESHELL_APPROVAL_KEY`` or
``$XDG_CONFIG_HOME/safeshell/approval.key`` (default
``~/.config/safeshell/approval.key``). It is created on the first grant with
mode 0600, atomically: the bytes go to a private temporary file that is then
hard-linked into place, so two processes racing to create it agree on one
key. A key that is missing, unreadable, malformed, readable by others or
inside the workspace is an error when a token must be verified, never a
reason to skip the check.
"""

from __future__ import annotations

import os
import secrets
import stat
import tempfile
from pathlib import Path

from safeshell.errors import TokenError

KEY_ENV = "SAFESHELL_APPROVAL_KEY"
KEY_BYTES = 32

# The check name that TokenError carries for every key problem.
KEY_CHECK = "key"


def key_path() -> Path:
    """Return where the approval key is (or will be created)."""
    explicit = os.environ.get(KEY_ENV)
    if explicit:
        return Path(explicit).expanduser().absolute()
    config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config_home).expanduser().absolute() / "safeshell" / "approval.key"


def load_key(*, workspace_root: Path | None = None) -> bytes:
    """Read the approval key; raise :class:`TokenError` (check ``"key"``) on any problem."""
    path = key_path()
    _reject_inside_workspace(path, workspace_root)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise TokenError(
            f"approval key {str(path)!r} is missing, so no approval token can be verified",
            check=KEY_CHECK,
            hint="a human creates it by granting a request: 'safeshell approve ID' on a terminal",
        ) from None
    except OSError as exc:
        raise TokenError(
            f"approval key {str(path)!r} cannot be read: {exc.strerror}",
            check=KEY_CHECK,
            hint=f"check the permissions of {str(path)!r} and its directory",
        ) from exc
    try:
        _check_private(path, os.fstat(fd))
        raw = os.read(fd, 4096)
    finally:
        os.close(fd)
    return _decode(path, raw)


def load_or_create_key(*, workspace_root: Path | None = None) -> bytes:
    """Return the approval key, creating it (mode 0600) when it does not exist yet."""
    path = key_path()
    _reject_inside_workspace(path, workspace_root)
    if not path.exists():
        _create(path)
    return load_key(workspace_root=workspace_root)


def _create(path: Path) -> None:
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # mkstemp creates the file with mode 0600 before any byte is written.
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".approval.key.")
    except OSError as exc:
        raise TokenError(
            f"cannot create the approval key directory {str(path.parent)!r}: {exc.strerror}",
            check=KEY_CHECK,
            hint=f"create {str(path.parent)!r} (mode 0700) or set {KEY_ENV} to a writable path",
        ) from exc
    try:
        os.write(fd, secrets.token_hex(KEY_BYTES).encode("ascii") + b"\n")
        os.fsync(fd)
        os.close(fd)
        try:
            # link() fails if another process created the key first; its key wins.
            os.link(temporary, path)
        except FileExistsError:
            pass
    except OSError as exc:
        raise TokenError(
            f"cannot write the approval key {str(path)!r}: {exc.strerror}",
            check=KEY_CHECK,
            hint=f"check that {str(path.parent)!r} is writable",
        ) from exc
    finally:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass


def _check_private(path: Path, status: os.stat_result) -> None:
    if not stat.S_ISREG(status.st_mode):
        raise TokenError(
            f"approval key {str(path)!r} is not a regular file",
            check=KEY_CHECK,
            hint=f"remove {str(path)!r}; a new key is created on the next grant (earlier tokens stop working)",
        )
    loose = stat.S_IMODE(status.st_mode) & 0o077
    if loose:
        raise TokenError(
            f"approval key {str(path)!r} has mode {stat.S_IMODE(status.st_mode):04o}: "
            "other users can read or change it",
            check=KEY_CHECK,
            hint=f"run 'chmod 600 {path}'",
        )


def _decode(path: Path, raw: bytes) -> bytes:
    try:
        key = bytes.fromhex(raw.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        key = b""
    if len(key) < KEY_BYTES:
        raise TokenError(
            f"approval key {str(path)!r} is malformed: expected {KEY_BYTES * 2} or more hex digits",
            check=KEY_CHECK,
            hint=f"remove {str(path)!r}; a new key is created on the next grant (earlier tokens stop working)",
        )
    return key


def _reject_inside_workspace(path: Path, workspace_root: Path | None) -> None:
    if workspace_root is None:
        return
    resolved = Path(os.path.realpath(path))
    root = Path(os.path.realpath(workspace_root))
    if resolved == root or root in resolved.parents:
        raise TokenError(
            f"approval key {str(path)!r} is inside the workspace {str(root)!r}, "
            "where the assistant can read it",
            check=KEY_CHECK,
            hint=f"move it outside the workspace and point {KEY_ENV} at the new path",
        )
