"""Verification: stream every stored byte through SHA-256 and report every problem.

Nothing stops at the first problem: a report lists each missing, extra,
truncated, altered or invalid file with where it is and what was found.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from models import fsutil
from models.errors import CorruptStoreError, VersionNotFoundError
from models.records import FileEntry, Problem, ProblemKind, Version, VerifyReport
from models.workcopy import WORKERS

if TYPE_CHECKING:
    from models.objects import ObjectStore
    from models.store import Store

DIGEST_NAME = re.compile(r"^[0-9a-f]{64}$")
VERSION_FILES = {"manifest.json", "metadata.json"}


def check_objects(objects: ObjectStore, wanted: dict[str, tuple[int, str]], report: VerifyReport) -> None:
    """Hash each object of ``wanted`` (digest -> (size, scope)) once, in parallel."""
    items = sorted(wanted.items())
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = pool.map(lambda item: objects.check_and_seal(item[0], item[1][0], scope=item[1][1]), items)
        for (_digest, (size, _scope)), problem in zip(items, results, strict=True):
            report.checked_files += 1
            report.checked_bytes += size
            if problem is not None:
                report.problems.append(problem)


def verify_version(store: Store, version: Version) -> VerifyReport:
    report = VerifyReport(scope=version.id)
    check_objects(store.objects, {entry.sha256: (entry.size, version.id) for entry in version.files}, report)
    return report


def verify_store(store: Store, *, working_copy: bool) -> VerifyReport:
    """Check the pointer, every version, every object, and optionally ``current_model/``."""
    # NOTE: runs without the store lock, so a prune running at the same time can
    # make the objects of a version it removes look missing; rerun to confirm.
    report = VerifyReport(scope="store")
    current: Version | None = None
    try:
        current = store.current()
    except CorruptStoreError as exc:
        report.problems.append(Problem(ProblemKind.INVALID, str(store.pointer_file), exc.message, "pointer"))
    except VersionNotFoundError as exc:
        report.problems.append(Problem(ProblemKind.MISSING, str(store.pointer_file), exc.message, "pointer"))

    wanted: dict[str, tuple[int, str]] = {}
    for name in sorted(os.listdir(store.versions_dir)) if store.versions_dir.is_dir() else []:
        if name.startswith((".tmp-", ".trash-")):
            continue
        path = store.versions_dir / name
        if not re.match(r"^v\d{3,}$", name) or not path.is_dir():
            report.problems.append(Problem(ProblemKind.EXTRA, str(path), "not a version directory", "versions"))
            continue
        try:
            version = store.get(name)
        except CorruptStoreError as exc:
            report.problems.append(Problem(ProblemKind.INVALID, str(path), exc.message, name))
            continue
        for extra in sorted(set(os.listdir(path)) - VERSION_FILES):
            report.problems.append(Problem(ProblemKind.EXTRA, str(path / extra), "unexpected file in a version directory", name))
        for entry in version.files:
            size, scope = wanted.get(entry.sha256, (entry.size, ""))
            wanted[entry.sha256] = (size, f"{scope},{name}" if scope else name)

    for name, path in store.objects.digests():
        if not DIGEST_NAME.match(name) or path.parent.name != name[:2] or not path.is_file():
            report.problems.append(Problem(ProblemKind.EXTRA, str(path), "not an object file", "objects"))
    check_objects(store.objects, wanted, report)

    if working_copy and current is not None:
        report.merge(verify_working_copy(store.current_model, current))
    return report


def verify_working_copy(root: Path, version: Version) -> VerifyReport:
    """Compare the files under ``root`` with ``version``'s manifest, hashing every byte."""
    report = VerifyReport(scope="current_model")
    scope = f"current_model ({version.id})"
    if not root.is_dir():
        report.problems.append(Problem(ProblemKind.MISSING, str(root), f"working copy of {version.id} is missing", scope))
        return report
    expected = {entry.path: entry for entry in version.files}
    present: set[str] = set()
    for directory, _subdirectories, names in os.walk(root):
        for name in names:
            present.add((Path(directory) / name).relative_to(root).as_posix())

    for relative in sorted(present - expected.keys()):
        report.problems.append(Problem(ProblemKind.EXTRA, str(root / relative), f"not in {version.id}", scope))
    checked = sorted(expected.keys() & present)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = pool.map(lambda relative: _check_file(root / relative, expected[relative], scope), checked)
        for relative, problem in zip(checked, results, strict=True):
            report.checked_files += 1
            report.checked_bytes += expected[relative].size
            if problem is not None:
                report.problems.append(problem)
    for relative in sorted(expected.keys() - present):
        report.problems.append(Problem(ProblemKind.MISSING, str(root / relative), f"{version.id} has it", scope))
    return report


def _check_file(path: Path, entry: FileEntry, scope: str) -> Problem | None:
    try:
        digest, size = fsutil.hash_file(path)
    except OSError as exc:
        return Problem(ProblemKind.UNREADABLE, str(path), f"cannot be read: {exc.strerror}", scope)
    if size < entry.size:
        return Problem(ProblemKind.TRUNCATED, str(path), f"has {size} bytes, expected {entry.size}", scope)
    if size != entry.size or digest != entry.sha256:
        return Problem(ProblemKind.ALTERED, str(path), f"differs from the stored file ({size} bytes, sha256 {digest[:12]})", scope)
    return None
