"""``find``: which paths its actions touch, by walking the real filesystem.

The expression is evaluated for each path with find's short-circuit rules
and three-valued logic. Tests the simulation understands (``-name``,
``-iname``, ``-path``, ``-type``, ``-mindepth``, ``-maxdepth``...) give True
or False and any other test gives "maybe". An action applies to every path
for which evaluation may reach it, and a certain ``-prune`` stops the
descent. When the walk visits more entries than the limit allows, the start
paths stand for everything below them.
"""

from __future__ import annotations

import os

from safeshell.operations import OperationKind as K
from safeshell.records import MutableRecord
from safeshell.shell import words
from safeshell.shell.fields import Arg
from safeshell.shell.programs import emit_paths, is_root_like
from safeshell.shell.state import ShellState

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from safeshell.shell.walker import Walker

ACTIONS_WITH_COMMAND = ("-exec", "-execdir", "-ok", "-okdir")
PRINT_ACTIONS = ("-print", "-print0", "-ls", "-printf")
# Prefix of action tokens (<action>delete, <action>exec0, <action>print): an
# action applies to a path when evaluation reaches it.
ACTION = "<action>"
IMPLICIT_PRINT = ACTION + "print"
FILE_ACTIONS = ("-fprint", "-fprint0", "-fprintf", "-fls")
VALUE_TESTS = {"-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename", "-type", "-xtype", "-regex", "-iregex",
               "-newer", "-mtime", "-mmin", "-atime", "-amin", "-ctime", "-cmin", "-size", "-user", "-group", "-perm",
               "-inum", "-links", "-uid", "-gid", "-samefile", "-lname", "-ilname", "-used", "-fstype", "-context",
               "-maxdepth", "-mindepth", "-regextype", "-newermt", "-anewer", "-cnewer"}


def run_find(walker: "Walker", args: list[Arg], state: ShellState, *, source: str) -> str | None:
    from safeshell.shell.commands import run_argv

    index = 0
    follow = False
    while index < len(args) and args[index].text in ("-H", "-L", "-P", "-O0", "-O1", "-O2", "-O3", "-D"):
        if args[index].text in ("-H", "-L", "-P"):
            follow = args[index].text != "-P"  # the last of -H, -L, -P wins
        index += 2 if args[index].text == "-D" else 1
    starts: list[Arg] = []
    while index < len(args) and not (args[index].resolved and (args[index].text.startswith("-") or args[index].text in ("(", "!", ")"))):
        starts.append(_followed(args[index], state) if follow else args[index])
        index += 1
    expression = args[index:]
    if not starts:
        starts = [Arg(".", True, ".")]
    if any(arg.text == "-follow" for arg in expression):
        follow = True  # the old spelling of -L
        starts = [_followed(start, state) for start in starts]

    tokens, commands, deletes, writes = _split_actions(expression)
    min_depth, max_depth = _depth_limits(tokens)
    unresolved = any(not arg.resolved for arg in args)
    matches = None if unresolved else _walk(walker, starts, tokens, state, min_depth, max_depth, follow=follow)

    emit_paths(walker, K.WRITE, writes, state, source=source)

    def targets_of(action: str) -> list[Arg]:
        if matches is None:
            return starts  # the start paths stand for everything below them
        return [Arg(match, True, match) for match in matches.get(action, [])]

    if deletes and matches is None and not unresolved:
        # The tree is too large to walk: each start is deleted only when the
        # expression may select it; what lies below is unknown (fails closed).
        action = ACTION + "delete"
        selected = [start for start in starts if action in _evaluate(tokens, start.text, os.path.join(state.cwd or "/", start.text)).acted]
        emit_paths(walker, K.DELETE, selected, state, source=source)
        walker.ctx.emit(K.DELETE, source=source, resolved=False, detail={"reason": "find -delete below a tree too large to walk"})
    elif deletes:
        emit_paths(walker, K.DELETE, targets_of(ACTION + "delete"), state, source=source)
    if deletes and _selects_everything(tokens) and max_depth is None:
        # `find DIR -mindepth 1 -delete` empties DIR, whatever it contains now.
        # For the home or a top-level directory that is as bad as deleting it.
        located = [path for start in starts if start.resolved
                   for path in [words.resolve_path(start.text, state.cwd)] if path is not None and is_root_like(path, walker.ctx.home)]
        if located:
            walker.ctx.emit(K.DELETE, located, source=source, detail={"contents": True})
    for number, command in enumerate(commands):
        targets = targets_of(f"{ACTION}exec{number}")
        argv: list[Arg] = []
        for part in command:
            if "{}" in part.text:
                argv.extend(Arg(part.text.replace("{}", target.text), part.resolved and target.resolved, part.source) for target in targets)
            else:
                argv.append(part)
        if not targets:
            continue
        run_argv(walker, argv, state.copy(), None, source=source)
    if not deletes and not commands:
        emit_paths(walker, K.READ, starts, state, source=source)
        if matches is not None and not writes:
            separator = "\0" if any(arg.text == "-print0" for arg in expression) else "\n"
            return "".join(match + separator for match in matches.get(IMPLICIT_PRINT, []))
    return None


def _followed(start: Arg, state: ShellState) -> Arg:
    """With -H or -L, a start path that is a symlink stands for its target."""
    if not start.resolved or state.cwd is None and not os.path.isabs(start.text):
        return start
    path = os.path.join(state.cwd or "/", start.text)
    if not os.path.islink(path.rstrip("/") or "/"):
        return start
    target = os.path.realpath(path)
    return Arg(target, True, start.source)


def _split_actions(expression: list[Arg]) -> tuple[list[str | None], list[list[Arg]], bool, list[Arg]]:
    tokens: list[str | None] = []
    commands: list[list[Arg]] = []
    deletes = False
    writes: list[Arg] = []
    index = 0
    while index < len(expression):
        arg = expression[index]
        text = arg.text if arg.resolved else None
        index += 1
        if text in ACTIONS_WITH_COMMAND:
            command: list[Arg] = []
            while index < len(expression) and expression[index].text not in (";", "+"):
                command.append(expression[index])
                index += 1
            index += 1
            commands.append(command)
            tokens.append(f"{ACTION}exec{len(commands) - 1}")
        elif text == "-delete":
            deletes = True
            tokens.append(ACTION + "delete")
        elif text in FILE_ACTIONS:
            if index < len(expression):
                writes.append(expression[index])
            index += 2 if text == "-fprintf" else 1
            tokens.append(ACTION + "write")
        elif text in PRINT_ACTIONS:
            tokens.append(ACTION + "print")
            if text == "-printf":
                index += 1
        elif text in VALUE_TESTS:
            value = expression[index].text if index < len(expression) and expression[index].resolved else None
            tokens.extend([text, value])
            index += 1
        else:
            tokens.append(text)
    return tokens, commands, deletes, writes


def _depth_limits(tokens: list[str | None]) -> tuple[int, int | None]:
    min_depth, max_depth = 0, None
    for position, token in enumerate(tokens[:-1]):
        value = tokens[position + 1]
        if token == "-mindepth" and value is not None and value.isdigit():
            min_depth = int(value)
        if token == "-maxdepth" and value is not None and value.isdigit():
            max_depth = int(value)
    return min_depth, max_depth


# Expression words that select no subset of the tree.
SELECT_ALL = frozenset({"-mindepth", "-depth", "-xdev", "-mount", "-ignore_readdir_race", "-noleaf", ACTION + "delete"})


def _selects_everything(tokens: list[str | None]) -> bool:
    """Return whether the expression is only ``-delete`` with depth and traversal options."""
    for position, token in enumerate(tokens):
        if token in SELECT_ALL:
            continue
        if position > 0 and tokens[position - 1] == "-mindepth":
            continue  # its value
        return False
    return True


def _walk(walker: "Walker", starts: list[Arg], tokens: list[str | None], state: ShellState, min_depth: int, max_depth: int | None,
          *, follow: bool = False) -> dict[str, list[str]] | None:
    """Return, per action token, the paths it applies to; None when the walk cannot be done.

    With ``follow`` (``find -L``) symlinks to directories are descended, each real directory once.
    """
    budget = walker.ctx.limits.max_find_entries
    visited: set[str] = set()
    has_action = any(token is not None and token.startswith(ACTION) for token in tokens)
    matches: dict[str, list[str]] = {}
    for start in starts:
        root = start.text
        base = root if os.path.isabs(root) else os.path.join(state.cwd or "", root)
        if state.cwd is None and not os.path.isabs(root):
            return None
        if not os.path.lexists(base):
            continue
        pending = [(root, base, 0)]
        while pending:
            display, real, depth = pending.pop()
            budget -= 1
            if budget < 0:
                return None
            outcome = _evaluate(tokens, display, real) if depth >= min_depth else Outcome(None, set(), False)
            if depth >= min_depth:
                if has_action:
                    acted = outcome.acted
                else:
                    acted = {IMPLICIT_PRINT} if outcome.value is not False else set()
                for action in acted:
                    matches.setdefault(action, []).append(display)
            if outcome.pruned:
                continue
            if follow and os.path.isdir(real):
                identity = os.path.realpath(real)
                if identity in visited:
                    continue
                visited.add(identity)
            if os.path.isdir(real) and (follow or not os.path.islink(real)) and (max_depth is None or depth < max_depth):
                try:
                    names = sorted(os.listdir(real))
                except OSError:
                    continue
                for entry in reversed(names):
                    pending.append((os.path.join(display, entry), os.path.join(real, entry), depth + 1))
    return matches


class Outcome(MutableRecord):
    """The result of the expression for one path.

    ``acted`` names the actions evaluation may reach; ``pruned`` is True
    when ``-prune`` is certainly reached, so find does not descend.
    """

    __slots__ = ("value", "acted", "pruned")
    value: bool | None
    acted: set[str]
    pruned: bool

    def __init__(
        self,
        value: bool | None,
        acted: set[str],
        pruned: bool,
    ) -> None:
        self.value = value
        self.acted = acted
        self.pruned = pruned


def _evaluate(tokens: list[str | None], display: str, real: str) -> Outcome:
    """Evaluate the expression for one path with find's short-circuit rules.

    Values are True, False or None (maybe). ``active`` is True when
    evaluation may reach the current token, ``certain`` when it surely does.
    """
    position = 0
    acted: set[str] = set()
    pruned = False

    def parse_or(active: bool, certain: bool) -> bool | None:
        nonlocal position
        value = parse_and(active, certain)
        while position < len(tokens) and tokens[position] in ("-o", "-or", ","):
            comma = tokens[position] == ","
            position += 1
            reach = comma or value is not True
            right = parse_and(active and reach, certain and (comma or value is False))
            value = right if comma else _either(value, right)
        return value

    def parse_and(active: bool, certain: bool) -> bool | None:
        nonlocal position
        value = parse_not(active, certain)
        while position < len(tokens) and tokens[position] not in ("-o", "-or", ",", ")"):
            if tokens[position] in ("-a", "-and"):
                position += 1
            right = parse_not(active and value is not False, certain and value is True)
            value = _both(value, right)
        return value

    def parse_not(active: bool, certain: bool) -> bool | None:
        nonlocal position
        if position < len(tokens) and tokens[position] in ("!", "-not"):
            position += 1
            inner = parse_not(active, certain)
            return None if inner is None else not inner
        if position < len(tokens) and tokens[position] == "(":
            position += 1
            inner = parse_or(active, certain)
            position += 1
            return inner
        return primary(active, certain)

    def primary(active: bool, certain: bool) -> bool | None:
        nonlocal position, pruned
        if position >= len(tokens):
            return True
        token = tokens[position]
        position += 1
        if token is not None and token.startswith(ACTION):
            if active:
                acted.add(token)
            return True
        if token == "-prune":
            pruned = pruned or certain
            return True
        if token in VALUE_TESTS:
            value = tokens[position] if position < len(tokens) else None
            position += 1
            return _test(token, value, display, real)
        if token in ("-true", "-quit", "-depth", "-xdev", "-mount", "-follow", "-noleaf", "-daystart", "-nowarn", "-ignore_readdir_race"):
            return True
        if token == "-false":
            return False
        if token == "-empty":
            try:
                return os.path.getsize(real) == 0 if not os.path.isdir(real) else not os.listdir(real)
            except OSError:
                return None
        return None

    try:
        value = parse_or(True, True)
    except (IndexError, RecursionError):
        return Outcome(None, {token for token in tokens if token is not None and token.startswith(ACTION)}, False)
    return Outcome(value, acted, pruned)


def _either(left: bool | None, right: bool | None) -> bool | None:
    """Three-valued OR: True wins, then unknown."""
    if left is True or right is True:
        return True
    if left is None or right is None:
        return None
    return False


def _both(left: bool | None, right: bool | None) -> bool | None:
    """Three-valued AND: False wins, then unknown."""
    if left is False or right is False:
        return False
    if left is None or right is None:
        return None
    return True


def _test(test: str, value: str | None, display: str, real: str) -> bool | None:
    if value is None:
        return None
    import fnmatch  # imports re, which only find's name and path tests need

    name = os.path.basename(display.rstrip("/")) or display
    if test == "-name":
        return fnmatch.fnmatchcase(name, value)
    if test == "-iname":
        return fnmatch.fnmatchcase(name.lower(), value.lower())
    if test in ("-path", "-wholename"):
        return fnmatch.fnmatchcase(display, value)
    if test in ("-ipath", "-iwholename"):
        return fnmatch.fnmatchcase(display.lower(), value.lower())
    if test == "-type":
        checks = {"f": lambda: os.path.isfile(real) and not os.path.islink(real), "d": lambda: os.path.isdir(real) and not os.path.islink(real), "l": lambda: os.path.islink(real)}
        kinds = value.split(",")
        if all(kind in checks for kind in kinds):
            return any(checks[kind]() for kind in kinds)
        return None
    if test in ("-regex", "-iregex"):
        return _regex_test(value, display, ignore_case=test == "-iregex")
    if test in ("-maxdepth", "-mindepth", "-regextype"):
        return True
    return None


def _regex_test(pattern: str, display: str, *, ignore_case: bool) -> bool | None:
    """find's default (emacs) regex against the whole path, where it reads like Python's; else None.

    Grouping, alternation and intervals are written differently in the two
    dialects, so a pattern with any of ``()|{}`` stays unknown.
    NOTE: a -regextype option is not followed; such a pattern is read as emacs.
    """
    if any(char in pattern for char in "(){}|"):
        return None
    import re

    try:
        return re.fullmatch(pattern, display, re.IGNORECASE if ignore_case else 0) is not None
    except re.error:
        return None
