"""Find programs the shell analysis has no semantics for that are handed protected paths.

The shell analysis reports what known programs do and lets unknown ones run
(verify-after-execute catches what they change when safeshell runs the
command). When a policy sets ``settings.unknown_program_with_protected_path``
to something stricter than allow, the guard needs to know which simple
commands run such a program with a protected path among their arguments;
:func:`unknown_program_operations` builds one operation per such command.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Iterable, Mapping

from safeshell.operations import Operation, OperationKind
from safeshell.policy.model import Policy
from safeshell.policy.paths import NO_HIT, path_hits

if TYPE_CHECKING:
    from safeshell.shell.model import SimpleCommand


def unknown_program_operations(
    commands: Iterable["SimpleCommand"], policy: Policy, resolved: Mapping[str, tuple[str, ...]]
) -> list[Operation]:
    """Return an operation marked ``unknown_program`` for each unknown program given a protected path."""
    known = _known_programs()
    protected = [path for rule in policy.rules if rule.scope != "exact" for path in resolved.get(rule.id, ())]
    operations: list[Operation] = []
    for command in commands:
        if not command.argv or command.cwd is None:
            continue
        program = os.path.basename(command.argv[0])
        if program in known or program.startswith(("python", "pypy")):
            continue
        handed = []
        for argument in command.argv[1:]:
            # "--output=current_model/x" hands over the part after "=".
            candidate = argument.split("=", 1)[1] if argument.startswith("-") and "=" in argument else argument
            if not candidate or candidate.startswith("-"):
                continue
            path = os.path.normpath(os.path.join(command.cwd, os.path.expanduser(candidate)))
            if any(path_hits(path, item, kind=OperationKind.READ, exact=False) != NO_HIT for item in protected):
                handed.append(path)
        if handed:
            operations.append(
                Operation(
                    OperationKind.EXEC_DYNAMIC,
                    paths=tuple(handed),
                    source=command.source,
                    detail={"unknown_program": True, "program": program},
                )
            )
    return operations


def _known_programs() -> frozenset[str]:
    from safeshell.shell import semantics
    from safeshell.shell.commands import BUILTINS

    names: set[str] = set(semantics.PROGRAMS) | set(semantics.WRAPPERS) | set(semantics.RUNNERS)
    names |= semantics.SHELLS | semantics.NO_EFFECT | semantics.PYTHON_LAUNCHERS | set(BUILTINS)
    names |= {"safeshell", "trainctl", "eval", "exec", "source", "."}
    return frozenset(names)
