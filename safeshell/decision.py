"""Decisions, rule matches and verdicts: the policy's answer as data.

Decisions are ordered (``ALLOW < REQUIRE_APPROVAL < DENY``) and combined by
taking the strictest. A :class:`Verdict` is rendered by every adapter (CLI
text and JSON, MCP error body, hook reason, audit log) from the same object.
"""

from __future__ import annotations

from safeshell.operations import Operation
from safeshell.records import IntChoice, Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any


class Decision(IntChoice):
    """What happens to a request; a larger value is stricter."""

    ALLOW = 0
    REQUIRE_APPROVAL = 1
    DENY = 2

    @property
    def label(self) -> str:
        """Return the wire name: ``allow``, ``require_approval`` or ``deny``."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Decision:
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(
                f"invalid decision {text!r}: expected 'allow', 'require_approval' or 'deny'"
            ) from None


# Records rather than dataclasses: every guarded command builds these, and
# importing dataclasses would double the guard's start-up (see safeshell.records).
class Match(Record):
    """One rule that matched one operation (and, for path rules, one path)."""

    __slots__ = ("rule", "decision", "operation", "path", "reason", "hint")
    rule: str
    decision: Decision
    operation: Operation
    path: str | None
    reason: str
    hint: str

    def __init__(
        self,
        rule: str,
        decision: Decision,
        operation: Operation,
        path: str | None = None,
        reason: str = "",
        hint: str = "",
    ) -> None:
        self._init(rule=rule, decision=decision, operation=operation, path=path, reason=reason, hint=hint)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "decision": self.decision.label,
            "operation": self.operation.to_dict(),
            "path": self.path,
            "reason": self.reason,
            "hint": self.hint,
        }


class Verdict(Record):
    """The combined decision for a list of operations.

    ``matches`` holds every non-allow match, strictest first; ``primary`` is
    the one that messages lead with. ``policy_version`` is the SHA-256 of the
    effective policy the verdict was reached under.
    """

    __slots__ = ("decision", "operations", "matches", "policy_version", "notes")
    decision: Decision
    operations: tuple[Operation, ...]
    matches: tuple[Match, ...]
    policy_version: str
    notes: tuple[str, ...]

    def __init__(
        self,
        decision: Decision,
        operations: tuple[Operation, ...],
        matches: tuple[Match, ...] = (),
        policy_version: str = "",
        notes: tuple[str, ...] = (),
    ) -> None:
        self._init(decision=decision, operations=operations, matches=matches,
                   policy_version=policy_version, notes=notes)

    @property
    def primary(self) -> Match | None:
        return self.matches[0] if self.matches else None

    @classmethod
    def combine(
        cls,
        operations: Iterable[Operation],
        matches: Iterable[Match],
        *,
        policy_version: str = "",
        notes: Iterable[str] = (),
    ) -> Verdict:
        """Build a verdict whose decision is the strictest of ``matches``."""
        ordered = sorted(matches, key=lambda match: -int(match.decision))
        decision = ordered[0].decision if ordered else Decision.ALLOW
        return cls(
            decision=decision,
            operations=tuple(operations),
            matches=tuple(ordered),
            policy_version=policy_version,
            notes=tuple(notes),
        )

    def to_dict(self) -> dict[str, Any]:
        primary = self.primary
        return {
            "decision": self.decision.label,
            "rule": primary.rule if primary else None,
            "path": primary.path if primary else None,
            "reason": primary.reason if primary else "",
            "hint": primary.hint if primary else "",
            "operations": [op.to_dict() for op in self.operations],
            "matches": [match.to_dict() for match in self.matches],
            "policy_version": self.policy_version,
            "notes": list(self.notes),
        }
