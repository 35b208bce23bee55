"""Resolution of path operands to the absolute paths an operation touches.

Deleting a symlink removes the link, not its target, so :func:`delete_paths`
resolves only the parent directory, unless the operand ends in ``/``: then
``rm -rf latest/`` with ``latest -> current_model`` removes the target's
contents, and both paths are reported. Writes, truncations, mode changes and
reads follow the link, so :func:`follow_paths` reports the path as written
and its real target.
"""

from __future__ import annotations

import os

from safeshell.shell.words import resolve_path

# Character devices where a write changes no file: data goes to a stream, a
# terminal or nowhere. A write to any other entry of /dev (a disk, a
# partition, /dev/mem) is a device write, which the default policy denies.
STREAM_DEVICES = frozenset({"/dev/null", "/dev/zero", "/dev/full", "/dev/stdout", "/dev/stderr", "/dev/stdin", "/dev/tty",
                            "/dev/random", "/dev/urandom", "/dev/ptmx", "/dev/console"})
STREAM_DEVICE_PREFIXES = ("/dev/fd/", "/dev/pts/", "/dev/tcp/", "/dev/udp/", "/dev/tty")


def is_stream_device(path: str) -> bool:
    """Return True when ``path`` (absolute, normalized) is a stream or terminal device, where a write changes no file."""
    return path in STREAM_DEVICES or path.startswith(STREAM_DEVICE_PREFIXES)


def follow_paths(text: str, cwd: str | None) -> list[str] | None:
    """Return the path as written and the path its symlinks lead to; None if cwd is unknown.

    NOTE: hard links are not followed, so a write through a second name of a
    protected file (made with ``ln`` or ``cp -l`` earlier) is reported at that name only.
    """
    path = resolve_path(text, cwd)
    if path is None:
        return None
    if is_stream_device(path):
        # /dev/stdout leads through /proc/self/fd to the guard's own output,
        # which is unrelated to where the command's output goes.
        return [path]
    return _unique([path, os.path.realpath(path), *_physical(text, cwd, entry=False)])


def _physical(text: str, cwd: str | None, *, entry: bool) -> list[str]:
    """Return where the kernel resolves a path with ``..`` after a symlink (``link/../x``).

    Lexical normalization drops ``link/..``, but the kernel follows the link
    first, so ``scratch/link_to_model/../current_model`` is the workspace's
    ``current_model``. ``entry`` keeps the last component itself unresolved
    (a delete removes a link, not its target).
    """
    if ".." not in text.split("/"):
        return []
    raw = text if os.path.isabs(text) else os.path.join(cwd or "/", text)
    raw = raw.rstrip("/") or "/"
    if entry:
        name = os.path.basename(raw)
        if name in ("", ".", ".."):
            return [os.path.realpath(raw)]
        return [os.path.join(os.path.realpath(os.path.dirname(raw)), name)]
    return [os.path.realpath(raw)]


def delete_paths(text: str, cwd: str | None) -> list[str] | None:
    """Return the paths a delete of ``text`` removes; None if cwd is unknown."""
    path = resolve_path(text, cwd)
    if path is None:
        return None
    if path == "/":
        return ["/"]
    through_link = text.endswith("/") or text.endswith("/.")
    parent = os.path.realpath(os.path.dirname(path))
    entry = os.path.join(parent, os.path.basename(path))
    result = [path, entry, *_physical(text, cwd, entry=not through_link)]
    if through_link or os.path.basename(text.rstrip("/")) in (".", ".."):
        result.append(os.path.realpath(path))
    return _unique(result)


def destination_paths(destination: str, source: str | None, cwd: str | None, *, into_directory: bool) -> list[str] | None:
    """Return what copying or moving ``source`` to ``destination`` writes.

    ``into_directory`` is True when the destination is a directory (it
    exists as one, ends in ``/`` or came from ``-t``), so the source's name
    is appended.
    """
    base = resolve_path(destination, cwd)
    if base is None:
        return None
    if into_directory and source is not None:
        name = os.path.basename(source.rstrip("/")) or source
        base = os.path.join(base, name)
    return _unique([base, os.path.join(os.path.realpath(os.path.dirname(base)), os.path.basename(base)), os.path.realpath(base)])


def is_directory(text: str, cwd: str | None) -> bool:
    path = resolve_path(text, cwd)
    return path is not None and os.path.isdir(path)


def exists(path: str) -> bool:
    return os.path.lexists(path)


def _unique(paths: list[str]) -> list[str]:
    return list(dict.fromkeys(paths))
