"""The audit log: hash-chained JSON lines at ``.safeshell/audit.jsonl``.

Each line is one JSON object with ``seq`` (1, 2, ...), ``time`` (UTC, ISO
8601), ``event``, ``prev`` (SHA-256 hex of the previous line's bytes, without
its newline; 64 zeros for the first line) and the event's fields. A head file
``audit.head`` records the sequence number and digest of the last line, so
removing lines from the end or editing the last line is detected too.

Appenders serialise on an exclusive ``flock`` of ``audit.lock``. Lines are
flushed but not fsynced: the log is tamper-evident, not crash-proof, and a
torn last line is reported by :func:`verify` like any other damage.
"""

from __future__ import annotations

import fcntl
import os
import time

from safeshell import fastjson
from safeshell.digests import sha256_hex
from safeshell.errors import AuditError
from safeshell.records import Record
from safeshell.workspace import AUDIT_LOG, STATE_DIR, Workspace

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any, Iterator

GENESIS = "0" * 64
_TAIL_CHUNK = 64 * 1024


class AuditProblem(Record):
    """One break in the chain; ``line`` is 1-based in the file."""

    __slots__ = ("line", "message")
    line: int
    message: str

    def __init__(self, line: int, message: str) -> None:
        self._init(line=line, message=message)


class AuditReport(Record):
    """The result of :func:`verify`: ``ok`` when the whole chain holds."""

    __slots__ = ("path", "entries", "problems")
    path: str
    entries: int
    problems: tuple[AuditProblem, ...]

    def __init__(self, path: str, entries: int, problems: tuple[AuditProblem, ...] = ()) -> None:
        self._init(path=path, entries=entries, problems=problems)

    @property
    def ok(self) -> bool:
        return not self.problems


def append(workspace: Workspace, event: str, **fields: Any) -> dict[str, Any]:
    """Append one event to the workspace's audit log and return the entry written."""
    log = log_path(workspace)
    try:
        os.makedirs(os.path.dirname(log), exist_ok=True)
        with _locked(log):
            last = _last_line(log)
            if last is None:
                seq, prev = 1, GENESIS
            else:
                seq = _seq_of(last, log) + 1
                prev = _digest(last)
            entry: dict[str, Any] = {
                "seq": seq,
                "time": _now(),
                "event": event,
                "prev": prev,
            }
            for key, value in fields.items():
                if key not in entry:
                    entry[key] = value
            line = fastjson.dumps(entry, sort_keys=False, separators=(",", ":"), ensure_ascii=True, default=str)
            data = line.encode("ascii")
            with open(log, "ab") as handle:
                handle.write(data + b"\n")
            _write_head(log, seq, _digest(data))
    except OSError as exc:
        raise AuditError(
            f"cannot append to the audit log {str(log)!r}: {exc.strerror}",
            hint="check that the workspace's .safeshell/ directory is writable and the disk is not full",
        ) from exc
    return entry


def log_path(workspace: Workspace) -> str:
    """Return the path of the workspace's audit log (``workspace.audit_log`` as a string)."""
    return workspace.path(STATE_DIR, AUDIT_LOG)


def verify(workspace: Workspace) -> AuditReport:
    """Check every line of the chain; report each break with its line number."""
    log = log_path(workspace)
    problems: list[AuditProblem] = []
    entries = 0
    prev = GENESIS
    last_digest: str | None = None
    try:
        for number, raw in _lines(log):
            entries += 1
            try:
                entry = fastjson.loads(raw.decode("utf-8"))
            except ValueError:
                problems.append(AuditProblem(number, "not valid JSON (edited or torn line)"))
                prev = _digest(raw)
                continue
            if not isinstance(entry, dict):
                problems.append(AuditProblem(number, "not a JSON object"))
            else:
                reasons = []
                if entry.get("seq") != number:
                    reasons.append(
                        f"sequence number {entry.get('seq')!r}, expected {number} "
                        "(a line was removed, inserted or moved)"
                    )
                if entry.get("prev") != prev:
                    reasons.append(
                        "'prev' does not match the previous line (that line was edited, "
                        "or lines were removed, inserted or reordered)"
                    )
                if reasons:
                    problems.append(AuditProblem(number, "; ".join(reasons)))
            prev = _digest(raw)
            last_digest = prev
    except FileNotFoundError:
        return AuditReport(path=str(log), entries=0, problems=_head_problems(log, 0, None))
    except OSError as exc:
        raise AuditError(f"cannot read the audit log {str(log)!r}: {exc.strerror}") from exc

    problems.extend(_head_problems(log, entries, last_digest))
    return AuditReport(path=str(log), entries=entries, problems=tuple(problems))


def read_entries(workspace: Workspace, *, tail: int | None = None) -> list[dict[str, Any]]:
    """Return the log's entries (the last ``tail`` ones when given); skips unreadable lines."""
    entries: list[dict[str, Any]] = []
    try:
        for _, raw in _lines(log_path(workspace)):
            try:
                entry = fastjson.loads(raw.decode("utf-8"))
            except ValueError:
                continue
            if isinstance(entry, dict):
                entries.append(entry)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise AuditError(f"cannot read the audit log {log_path(workspace)!r}: {exc.strerror}") from exc
    return entries[-tail:] if tail else entries


def _head_problems(log: str, entries: int, last_digest: str | None) -> tuple[AuditProblem, ...]:
    head = _head_path(log)
    head_name = os.path.basename(head)
    try:
        with open(head, encoding="ascii") as handle:
            recorded = fastjson.loads(handle.read())
        seq, digest = int(recorded["seq"]), recorded["sha256"]
    except FileNotFoundError:
        if entries == 0:
            return ()
        return (AuditProblem(entries, f"head file {head_name} is missing"),)
    except (OSError, ValueError, KeyError, TypeError):
        return (AuditProblem(entries, f"head file {head_name} is unreadable"),)
    if seq != entries:
        return (
            AuditProblem(
                entries,
                f"the log ends at line {entries} but {head_name} records {seq} lines "
                "(lines were removed from or added to the end)",
            ),
        )
    if digest != last_digest:
        return (AuditProblem(entries, f"the last line does not match {head_name} (it was edited)"),)
    return ()


def _lines(log: str) -> Iterator[tuple[int, bytes]]:
    with open(log, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            yield number, raw.rstrip(b"\n")


def _last_line(log: str) -> bytes | None:
    try:
        with open(log, "rb") as handle:
            end = handle.seek(0, os.SEEK_END)
            if end == 0:
                return None
            position = end
            buffer = b""
            while position > 0:
                step = min(_TAIL_CHUNK, position)
                position -= step
                handle.seek(position)
                buffer = handle.read(step) + buffer
                stripped = buffer.rstrip(b"\n")
                newline = stripped.rfind(b"\n")
                if newline >= 0:
                    return stripped[newline + 1:]
            return buffer.rstrip(b"\n")
    except FileNotFoundError:
        return None


def _seq_of(line: bytes, log: str) -> int:
    try:
        seq = fastjson.loads(line.decode("utf-8"))["seq"]
    except (ValueError, KeyError, TypeError) as exc:
        raise AuditError(
            f"the last line of the audit log {log!r} is damaged; refusing to extend a broken chain",
            hint="run 'safeshell audit verify' to see the damage; move the file aside to start a new log",
        ) from exc
    if not isinstance(seq, int):
        raise AuditError(f"the last line of the audit log {log!r} has an invalid seq {seq!r}")
    return seq


def _write_head(log: str, seq: int, digest: str) -> None:
    head = _head_path(log)
    temporary = head + ".tmp"
    with open(temporary, "w", encoding="ascii") as handle:
        handle.write(fastjson.dumps({"seq": seq, "sha256": digest}))
    os.replace(temporary, head)


def _head_path(log: str) -> str:
    return os.path.join(os.path.dirname(log), "audit.head")


class _locked:
    """Exclusive ``flock`` on the log's lock file for the duration of a block."""

    def __init__(self, log: str) -> None:
        self._path = os.path.join(os.path.dirname(log), "audit.lock")
        self._fd = -1

    def __enter__(self) -> None:
        self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def __exit__(self, *exc_info: object) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)


def _digest(data: bytes) -> str:
    return sha256_hex(data)


def _now() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"


def record_decision(workspace: Workspace, verdict: Any, *, source: str, **fields: Any) -> dict[str, Any]:
    """Append a "decision" event for ``verdict`` (a :class:`~safeshell.decision.Verdict`).

    ``source`` names the entry point ("check", "run", "hook", "mcp"); extra
    fields (command, cwd, tool, request_id) are stored as given.
    """
    primary = verdict.primary
    return append(
        workspace,
        "decision",
        source=source,
        decision=verdict.decision.label,
        rule=primary.rule if primary else None,
        path=primary.path if primary else None,
        policy_version=verdict.policy_version,
        **fields,
    )
