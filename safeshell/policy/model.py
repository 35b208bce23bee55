"""The compiled policy: typed rules built from the effective policy document.

The effective policy is the merged, schema-valid JSON document of a whole
``extends`` chain (see :mod:`safeshell.policy.loader`). :func:`compile_policy`
turns it into a :class:`Policy` without YAML or jsonschema, so the hot path
can build one from the JSON cache alone.

The records are :class:`~safeshell.records.Record` classes, not dataclasses
or NamedTuples, because this module is imported once per guarded command and
both of those import modules (``inspect``, ``typing``) that cost more
start-up time than the decision itself.
"""

from __future__ import annotations

from types import MappingProxyType

from safeshell import fastjson
from safeshell.decision import Decision
from safeshell.digests import sha256_hex
from safeshell.operations import OperationKind
from safeshell.records import Record
from safeshell.signals import normalize as normalize_signal

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any, Mapping

# Bump when the meaning of a compiled document changes, so old caches are rebuilt.
COMPILED_FORMAT = 2

DEFAULT_SETTINGS: dict[str, str] = {
    "unknown_program_with_protected_path": "allow",
    "unknown_tool": "require_approval",
}

TOOL_RULE_PREFIX = "tool:"
UNKNOWN_TOOL_RULE = "unknown-tool"
UNKNOWN_PROGRAM_RULE = "unknown-program"
UNRESOLVED_RULE = "unresolved"

_EMPTY: Mapping[str, Any] = MappingProxyType({})


class ProcessSpec(Record):
    """The processes a kill rule protects: a pid file and command-line names."""

    __slots__ = ("pid_file", "names")
    pid_file: str | None
    names: tuple[str, ...]

    def __init__(self, pid_file: str | None = None, names: tuple[str, ...] = ()) -> None:
        self._init(pid_file=pid_file, names=names)


class Rule(Record):
    """One policy rule; every condition that is set must hold for a match.

    ``scope`` "tree" covers the path, everything below it, and its parents for
    delete and move. ``indirect_decision`` is the decision when the rule is
    reached only through a parent directory or by an unresolved operation;
    ``None`` means the same as ``decision``.
    """

    __slots__ = (
        "id", "decision", "operations", "reason", "hint", "paths", "scope", "indirect_decision",
        "signals", "processes", "changed_keys_critical", "elicitation", "hook_ask",
        "match_examples", "no_match_examples",
    )
    id: str
    decision: Decision
    operations: frozenset[OperationKind]
    reason: str
    hint: str
    paths: tuple[str, ...]
    scope: str
    indirect_decision: Decision | None
    signals: frozenset[str]
    processes: ProcessSpec | None
    changed_keys_critical: bool
    elicitation: bool
    hook_ask: bool
    match_examples: tuple[str, ...]
    no_match_examples: tuple[str, ...]

    def __init__(
        self,
        id: str,  # noqa: A002 - the rule id as the policy file spells it
        decision: Decision,
        operations: frozenset[OperationKind],
        reason: str,
        hint: str = "",
        paths: tuple[str, ...] = (),
        scope: str = "tree",
        indirect_decision: Decision | None = None,
        signals: frozenset[str] = frozenset(),
        processes: ProcessSpec | None = None,
        changed_keys_critical: bool = False,
        elicitation: bool = False,
        hook_ask: bool = False,
        match_examples: tuple[str, ...] = (),
        no_match_examples: tuple[str, ...] = (),
    ) -> None:
        self._init(
            id=id, decision=decision, operations=operations, reason=reason, hint=hint, paths=paths,
            scope=scope, indirect_decision=indirect_decision, signals=signals, processes=processes,
            changed_keys_critical=changed_keys_critical, elicitation=elicitation, hook_ask=hook_ask,
            match_examples=match_examples, no_match_examples=no_match_examples,
        )


class ToolRule(Record):
    """The decision for one MCP tool, by tool name."""

    __slots__ = ("tool", "decision", "reason", "hint", "elicitation", "hook_ask")
    tool: str
    decision: Decision
    reason: str
    hint: str
    elicitation: bool
    hook_ask: bool

    def __init__(
        self,
        tool: str,
        decision: Decision,
        reason: str,
        hint: str = "",
        elicitation: bool = False,
        hook_ask: bool = False,
    ) -> None:
        self._init(tool=tool, decision=decision, reason=reason, hint=hint, elicitation=elicitation, hook_ask=hook_ask)

    @property
    def id(self) -> str:
        return TOOL_RULE_PREFIX + self.tool


class Policy(Record):
    """A compiled, ready-to-evaluate policy.

    ``version`` is the SHA-256 of the canonical JSON of the effective policy,
    so approvals granted under one policy do not carry over to an edited one.
    ``source_files`` lists every file of the ``extends`` chain, workspace first.
    """

    __slots__ = (
        "version", "rules", "tool_rules", "critical_keys", "settings", "source_files", "document", "origins",
    )
    version: str
    rules: tuple[Rule, ...]
    tool_rules: Mapping[str, ToolRule]
    critical_keys: frozenset[str]
    settings: Mapping[str, str]
    source_files: tuple[str, ...]
    document: Mapping[str, Any]
    origins: Mapping[str, tuple[str, int]]

    def __init__(
        self,
        version: str,
        rules: tuple[Rule, ...],
        tool_rules: Mapping[str, ToolRule],
        critical_keys: frozenset[str],
        settings: Mapping[str, str],
        source_files: tuple[str, ...],
        document: Mapping[str, Any] = _EMPTY,
        origins: Mapping[str, tuple[str, int]] = _EMPTY,
    ) -> None:
        self._init(
            version=version, rules=rules, tool_rules=tool_rules, critical_keys=critical_keys,
            settings=settings, source_files=source_files, document=document, origins=origins,
        )

    def rule(self, rule_id: str) -> Rule | ToolRule | None:
        """Return the rule or tool rule with ``rule_id`` (tool rules as ``tool:NAME``)."""
        if rule_id.startswith(TOOL_RULE_PREFIX):
            return self.tool_rules.get(rule_id[len(TOOL_RULE_PREFIX):])
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        return None

    def rule_allows_elicitation(self, rule_id: str) -> bool:
        """Return whether an MCP client's elicitation response may grant approval for ``rule_id``."""
        rule = self.rule(rule_id)
        return bool(rule is not None and rule.elicitation)

    def rule_allows_ask(self, rule_id: str) -> bool:
        """Return whether a hook may return "ask" (the host asks its user) for ``rule_id``."""
        rule = self.rule(rule_id)
        return bool(rule is not None and rule.hook_ask)

    def setting_decision(self, name: str) -> Decision:
        return Decision.parse(self.settings[name])


def policy_version(document: Mapping[str, Any]) -> str:
    """Return the SHA-256 of the canonical JSON text of ``document``."""
    text = fastjson.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return sha256_hex(text.encode("ascii"))


def compile_policy(
    document: Mapping[str, Any],
    *,
    source_files: tuple[str, ...],
    origins: Mapping[str, tuple[str, int]] | None = None,
) -> Policy:
    """Build a :class:`Policy` from a schema-valid effective policy document."""
    settings = dict(DEFAULT_SETTINGS)
    settings.update(document.get("settings", {}))
    rules = tuple(_compile_rule(raw) for raw in document.get("rules", ()))
    tool_rules = {
        name: ToolRule(
            tool=name,
            decision=Decision.parse(raw["decision"]),
            reason=raw["reason"],
            hint=raw.get("hint", ""),
            elicitation=bool(raw.get("elicitation", False)),
            hook_ask=bool(raw.get("hook_ask", False)),
        )
        for name, raw in document.get("tool_rules", {}).items()
    }
    return Policy(
        version=policy_version(document),
        rules=rules,
        tool_rules=tool_rules,
        critical_keys=frozenset(document.get("critical_keys", ())),
        settings=settings,
        source_files=source_files,
        document=document,
        origins=dict(origins or {}),
    )


def _compile_rule(raw: Mapping[str, Any]) -> Rule:
    processes = raw.get("processes")
    examples = raw.get("examples", {})
    indirect = raw.get("indirect_decision")
    return Rule(
        id=raw["id"],
        decision=Decision.parse(raw["decision"]),
        indirect_decision=Decision.parse(indirect) if indirect is not None else None,
        operations=frozenset(OperationKind(kind) for kind in raw["operations"]),
        reason=raw["reason"],
        hint=raw.get("hint", ""),
        paths=tuple(raw.get("paths", ())),
        scope=raw.get("scope", "tree"),
        signals=frozenset(normalize_signal(signal) for signal in raw.get("signals", ())),
        processes=(
            ProcessSpec(pid_file=processes.get("pid_file"), names=tuple(processes.get("names", ())))
            if processes is not None
            else None
        ),
        changed_keys_critical=raw.get("changed_keys") == "critical",
        elicitation=bool(raw.get("elicitation", False)),
        hook_ask=bool(raw.get("hook_ask", False)),
        match_examples=tuple(examples.get("match", ())),
        no_match_examples=tuple(examples.get("no_match", ())),
    )
