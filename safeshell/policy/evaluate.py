"""Evaluate operations against a compiled policy: the rule matching itself.

Every rule is tried on every operation and every match is kept; the caller
combines them into a verdict whose decision is the strictest match. An
operation with ``resolved=False`` is treated as touching every protected
path: an unresolved ``exec_dynamic`` operation hits every rule that names
paths, an unresolved operation of another kind hits every rule for its kind.
"""

from __future__ import annotations

import os

from safeshell.decision import Decision, Match
from safeshell.operations import Operation, OperationKind
from safeshell.policy.model import (
    UNKNOWN_PROGRAM_RULE,
    UNKNOWN_TOOL_RULE,
    UNRESOLVED_RULE,
    Policy,
    Rule,
    normalize_signal,
)
from safeshell.policy.paths import (
    BACKUP_TARGETS,
    DIRECT_HIT,
    NO_HIT,
    backup_targets,
    backup_targets_key,
    path_hits,
    resolve_rule_path,
)
from safeshell.policy.processes import kill_target_hit

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Iterable, Mapping

# Kinds that write content, so a move's destination is checked against them.
_WRITE_KINDS = frozenset({OperationKind.WRITE, OperationKind.CREATE})

# Resolved rule paths per (policy version, root, path variables); resolving
# follows symlinks, which costs system calls on every check otherwise.
_RESOLVED: dict[tuple[object, ...], dict[str, tuple[str, ...]]] = {}
_ENV_KEYS = ("HOME", "XDG_CONFIG_HOME", "SAFESHELL_APPROVAL_KEY")


def evaluate(
    policy: Policy,
    operations: Iterable[Operation],
    *,
    root: str,
    env: Mapping[str, str] | None = None,
    include_allow: bool = False,
) -> list[Match]:
    """Return every non-allow match of ``policy``'s rules on ``operations``.

    ``include_allow`` also returns matches of rules whose decision is allow
    (for checking rule examples and for ``safeshell explain``).
    """
    env = os.environ if env is None else env
    resolved = resolved_rule_paths(policy, root, env)
    matches: list[Match] = []
    for operation in operations:
        if operation.kind is OperationKind.TOOL_CALL:
            # Tool rules decide by name; rules that list tool_call still apply below.
            match = _tool_match(policy, operation)
            if match is not None:
                matches.append(match)

        found: list[Match] = []
        for rule in policy.rules:
            match = _rule_match(policy, rule, operation, resolved.get(rule.id, ()), root)
            if match is not None and (include_allow or match.decision is not Decision.ALLOW):
                found.append(match)
        if not operation.resolved and len(found) > 1:
            found = [_unresolved_match(operation, found)]
        matches.extend(found)

        if operation.detail.get("unknown_program"):
            match = _unknown_program_match(policy, operation, resolved)
            if match is not None:
                matches.append(match)
    return matches


def _rule_match(
    policy: Policy, rule: Rule, operation: Operation, protected: tuple[str, ...], root: str
) -> Match | None:
    kind = operation.kind
    unresolved_dynamic = not operation.resolved and kind is OperationKind.EXEC_DYNAMIC
    if kind not in rule.operations and not (unresolved_dynamic and rule.paths):
        # A move writes its destination: check it against the rule's write kinds.
        if kind is OperationKind.MOVE and rule.paths and rule.operations & _WRITE_KINDS:
            return _destination_match(rule, operation, protected)
        return None

    path: str | None = None
    # An unresolved operation might reach a protected path, which is as
    # uncertain as reaching it through a parent directory.
    direct = operation.resolved
    if rule.paths and operation.resolved:
        path, direct = _first_hit(rule, operation, protected)
        if path is None:
            if kind is OperationKind.MOVE and rule.operations & _WRITE_KINDS:
                return _destination_match(rule, operation, protected)
            return None
    if rule.signals and operation.resolved:
        if normalize_signal(operation.detail.get("signal", "TERM")) not in rule.signals:
            return None
    if rule.processes is not None and operation.resolved:
        targets = [str(target) for target in operation.detail.get("targets", ())]
        if kill_target_hit(targets, rule.processes, root) is None:
            return None
    if rule.changed_keys_critical and operation.resolved:
        changed = operation.detail.get("changed_keys")
        # A change that does not list its keys is treated as touching all of them.
        if isinstance(changed, (list, tuple)) and not (set(map(str, changed)) & policy.critical_keys):
            return None
    return _match(rule, operation, path, direct=direct)


def _unknown_program_match(
    policy: Policy, operation: Operation, resolved: Mapping[str, tuple[str, ...]]
) -> Match | None:
    """Decide on a program without known semantics that is handed a protected path."""
    decision = policy.setting_decision("unknown_program_with_protected_path")
    if decision is Decision.ALLOW:
        return None
    for rule in policy.rules:
        if rule.scope == "exact":
            continue
        for raw_path in operation.paths:
            path = os.path.normpath(raw_path)
            for protected in resolved.get(rule.id, ()):
                if path_hits(path, protected, kind=OperationKind.READ, exact=False) != NO_HIT:
                    return Match(
                        rule=UNKNOWN_PROGRAM_RULE,
                        decision=decision,
                        operation=operation,
                        path=path,
                        reason=(
                            f"A program safeshell has no semantics for is handed {path!r}, "
                            f"which rule {rule.id!r} protects; what it does with it is unknown."
                        ),
                        hint="Copy the file out first and run the program on the copy.",
                    )
    return None


def _unresolved_match(operation: Operation, found: list[Match]) -> Match:
    """Fold the matches of an unresolved operation into one readable match."""
    strictest = max(found, key=lambda match: int(match.decision))
    cause = operation.detail.get("reason") or operation.source or operation.kind.value
    return Match(
        rule=UNRESOLVED_RULE,
        decision=strictest.decision,
        operation=operation,
        path=None,
        reason=(
            f"The command's effect could not be determined statically ({cause}), so it is treated "
            f"as touching every protected path; the strictest rule that could apply is "
            f"{strictest.rule!r}: {strictest.reason}"
        ),
        hint="Write the command with literal paths and no dynamic code; "
        "'safeshell explain -- COMMAND' shows what could not be resolved.",
    )


def _destination_match(rule: Rule, operation: Operation, protected: tuple[str, ...]) -> Match | None:
    destination = operation.detail.get("destination")
    if not isinstance(destination, str) or not destination:
        return None
    target = os.path.normpath(destination)
    for protected_path in protected:
        hit = path_hits(
            target, protected_path, kind=OperationKind.WRITE,
            exact=rule.scope == "exact", children=rule.scope == "children",
        )
        if hit != NO_HIT:
            return _match(rule, operation, target)
    return None


def _first_hit(rule: Rule, operation: Operation, protected: tuple[str, ...]) -> tuple[str | None, bool]:
    """Return the first path that hits the rule, preferring a direct hit, and whether it is direct."""
    exact = rule.scope == "exact"
    children = rule.scope == "children"
    recursive = bool(operation.detail.get("recursive"))
    parent_hit: str | None = None
    for raw_path in operation.paths:
        path = os.path.normpath(raw_path) if raw_path else raw_path
        for protected_path in protected:
            hit = path_hits(
                path, protected_path, kind=operation.kind, exact=exact, recursive=recursive, children=children
            )
            if hit == DIRECT_HIT:
                return path, True
            if hit != NO_HIT and parent_hit is None:
                parent_hit = path
    return parent_hit, False


def _match(rule: Rule, operation: Operation, path: str | None, *, direct: bool = True) -> Match:
    return Match(
        rule=rule.id,
        decision=rule.decision if direct or rule.indirect_decision is None else rule.indirect_decision,
        operation=operation,
        path=path,
        reason=rule.reason,
        hint=rule.hint,
    )


def _tool_match(policy: Policy, operation: Operation) -> Match | None:
    tool = str(operation.detail.get("tool") or operation.source)
    tool_rule = policy.tool_rules.get(tool)
    if tool_rule is None:
        decision = policy.setting_decision("unknown_tool")
        if decision is Decision.ALLOW:
            return None
        return Match(
            rule=UNKNOWN_TOOL_RULE,
            decision=decision,
            operation=operation,
            reason=f"The tool {tool!r} has no entry in the policy's tool_rules.",
            hint="Add a tool_rules entry for it to safeshell.yaml if it is safe.",
        )
    if tool_rule.decision is Decision.ALLOW:
        return None
    return Match(
        rule=tool_rule.id,
        decision=tool_rule.decision,
        operation=operation,
        path=operation.paths[0] if operation.paths else None,
        reason=tool_rule.reason,
        hint=tool_rule.hint,
    )


def resolved_rule_paths(policy: Policy, root: str, env: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """Return each path rule's paths resolved for ``root`` and ``env`` (cached)."""
    key = (policy.version, root, tuple(env.get(name) for name in _ENV_KEYS), backup_targets_key(root))
    cached = _RESOLVED.get(key)
    if cached is None:
        cached = {
            rule.id: _both_forms(rule.paths, root, env)
            for rule in policy.rules
            if rule.paths
        }
        if len(_RESOLVED) > 64:
            _RESOLVED.clear()
        _RESOLVED[key] = cached
    return cached


def _both_forms(paths: tuple[str, ...], root: str, env: Mapping[str, str]) -> tuple[str, ...]:
    """Return each rule path with symlinks followed and as written, without duplicates.

    Operation paths follow symlinks too, but a delete or move of a link acts on
    the link itself: ``rm -rf /bin`` removes the ``/bin -> usr/bin`` link, so
    the rule must match ``/bin`` as well as ``/usr/bin``.
    """
    forms: dict[str, None] = {}
    expanded: list[str] = []
    for path in paths:
        expanded.extend(backup_targets(root) if path == BACKUP_TARGETS else [path])
    for path in expanded:
        forms[resolve_rule_path(path, root=root, env=env)] = None
        forms[resolve_rule_path(path, root=root, env=env, follow_symlinks=False)] = None
    return tuple(forms)
