"""Load a workspace's compiled policy, from memory or the JSON cache when valid.

The cache (``.safeshell/cache/policy.json``) stores the effective policy
document with the SHA-256 of every file it was built from: each file of the
``extends`` chain and the schema. It is valid while every one of those files
still has that digest, so the hot path reads and hashes a few small files
and never imports yaml or jsonschema. Within one process the compiled policy
is also kept in memory and revalidated by ``stat`` (size, mtime, ctime,
inode). File times are coarse (a few milliseconds on many filesystems), so,
as git does for its index, a file modified within ``RACY_WINDOW_NS`` of the
moment it was cached is compared by digest instead.
The cache is JSON, never pickle, so a tampered cache cannot run code.
"""

from __future__ import annotations

import os
import time

from safeshell import __version__, fastjson, logs
from safeshell.digests import sha256_hex
from safeshell.errors import PolicyError
from safeshell.policy.model import COMPILED_FORMAT, Policy, compile_policy
from safeshell.records import Record
from safeshell.workspace import POLICY_FILE, STATE_DIR, Workspace

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

logger = logs.get_logger(__name__)

CACHE_NAME = "policy.json"

RACY_WINDOW_NS = 2_000_000_000

_StatKey = tuple[tuple[int, int, int, int], ...]


class _Remembered(Record):
    # ``racy``: a source changed too close to caching for its stat to be trusted.
    __slots__ = ("policy", "stats", "digests", "racy")
    policy: Policy
    stats: _StatKey
    digests: tuple[str | None, ...]
    racy: bool

    def __init__(self, policy: Policy, stats: _StatKey, digests: tuple[str | None, ...], racy: bool) -> None:
        self._init(policy=policy, stats=stats, digests=digests, racy=racy)


_MEMORY: dict[str, _Remembered] = {}


def cache_file(workspace: Workspace) -> str:
    return workspace.path(STATE_DIR, "cache", CACHE_NAME)


def load_policy(workspace: Workspace) -> Policy:
    """Return the workspace's compiled policy; raise :class:`PolicyError` when invalid."""
    root = workspace.root_dir
    remembered = _MEMORY.get(root)
    if remembered is not None and _still_valid(remembered):
        if remembered.racy:
            stats = remembered.stats
            _MEMORY[root] = _Remembered(remembered.policy, stats, remembered.digests, _is_racy(stats))
        return remembered.policy

    policy_file = workspace.path(POLICY_FILE)
    if not os.path.isfile(policy_file):
        raise PolicyError(
            "policy file not found",
            file=policy_file,
            hint=f"run 'safeshell init {root}' to create it (safeshell never runs without a policy)",
        )

    policy = _from_cache(workspace)
    if policy is None:
        policy = compile_from_files(policy_file)
        _write_cache(workspace, policy)
    _MEMORY[root] = _remember(policy)
    return policy


def compile_from_files(policy_file: str | Path) -> Policy:
    """Parse, validate and merge ``policy_file`` and its chain (no cache)."""
    from pathlib import Path

    from policies import SCHEMA_FILE
    from safeshell.policy.loader import load_chain

    chain = load_chain(Path(policy_file))
    sources = tuple(str(item.path) for item in chain.files) + (str(SCHEMA_FILE),)
    return compile_policy(chain.document, source_files=sources, origins=chain.origins)


def _from_cache(workspace: Workspace) -> Policy | None:
    path = cache_file(workspace)
    try:
        with open(path, encoding="utf-8") as handle:
            cached = fastjson.loads(handle.read())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        logger.debug("ignoring unreadable policy cache %s: %s", path, exc)
        return None

    try:
        if cached["format"] != COMPILED_FORMAT or cached["safeshell"] != __version__:
            return None
        sources = cached["sources"]
        if not sources or sources[0]["path"] != workspace.path(POLICY_FILE):
            return None
        for source in sources:
            if _digest(source["path"]) != source["sha256"]:
                return None
        origins = {key: (value[0], int(value[1])) for key, value in cached["origins"].items()}
        return compile_policy(
            cached["policy"],
            source_files=tuple(source["path"] for source in sources),
            origins=origins,
        )
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        logger.debug("ignoring malformed policy cache %s: %s", path, exc)
        return None


def _write_cache(workspace: Workspace, policy: Policy) -> None:
    path = cache_file(workspace)
    record: dict[str, Any] = {
        "format": COMPILED_FORMAT,
        "safeshell": __version__,
        "sources": [{"path": source, "sha256": _digest(source)} for source in policy.source_files],
        "policy": policy.document,
        "origins": {key: list(value) for key, value in policy.origins.items()},
    }
    temporary = os.path.join(os.path.dirname(path), f".{CACHE_NAME}.{os.getpid()}.tmp")
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(fastjson.dumps(record, sort_keys=True))
        os.replace(temporary, path)
    except OSError as exc:
        # A read-only workspace still works; every call then compiles from YAML.
        logger.debug("cannot write policy cache %s: %s", path, exc)
        try:
            os.unlink(temporary)
        except OSError:
            pass


def _digest(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return sha256_hex(handle.read())
    except OSError:
        return None


def _remember(policy: Policy) -> _Remembered:
    stats = _stat_key(policy.source_files)
    digests = tuple(_digest(path) for path in policy.source_files)
    return _Remembered(policy=policy, stats=stats, digests=digests, racy=_is_racy(stats))


def _is_racy(stats: _StatKey) -> bool:
    horizon = time.time_ns() - RACY_WINDOW_NS
    return any(modified >= horizon or changed >= horizon for _, _, modified, changed in stats)


def _still_valid(remembered: _Remembered) -> bool:
    stats = _stat_key(remembered.policy.source_files)
    if stats != remembered.stats:
        return False
    if not remembered.racy:
        return True
    return tuple(_digest(path) for path in remembered.policy.source_files) == remembered.digests


def _stat_key(paths: tuple[str, ...]) -> _StatKey:
    key = []
    for path in paths:
        try:
            status = os.stat(path)
        except OSError:
            key.append((-1, -1, -1, -1))
            continue
        key.append((status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns))
    return tuple(key)
