"""Handlers for ``git`` worktree changes and for ``kill``, ``pkill``, ``killall``.

git commands that rewrite or delete worktree files (``clean``, ``rm``,
``checkout``, ``restore``, ``reset --hard``, ``stash``, ``switch``) become
writes or deletes of their pathspecs, or of the whole worktree when none is
given. Outside a repository git changes nothing, so nothing is reported.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from safeshell.operations import OperationKind as K
from safeshell.shell.fields import Arg
from safeshell.shell.programs import emit_paths, parse_options
from safeshell.shell.state import ShellState
from safeshell.shell.words import resolve_path

if TYPE_CHECKING:
    from safeshell.shell.walker import Stdin, Walker

SIGNALS = {"1": "HUP", "2": "INT", "3": "QUIT", "6": "ABRT", "9": "KILL", "15": "TERM", "18": "CONT", "19": "STOP", "10": "USR1", "12": "USR2"}
GRACEFUL_SIGNALS = frozenset({"TERM", "INT", "HUP", "CONT", "USR1", "USR2", "0"})
# Subcommands that create no files (so a script run later cannot come from them).
GIT_READ_ONLY = frozenset({"status", "log", "diff", "show", "branch", "rev-parse", "ls-files", "blame", "grep", "describe",
                           "remote", "config", "tag", "shortlog", "reflog", "add", "commit", "push", "help", "version"})
GIT_GLOBAL_VALUE_OPTIONS = frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--exec-path"})


def _repository_root(start: str | None) -> str | None:
    current = start
    while current:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent
    return None


def git(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    state = state.copy()
    work_tree: str | None = None
    index = 0
    while index < len(args) and args[index].text.startswith("-"):
        text = args[index].text
        value = args[index + 1] if index + 1 < len(args) else None
        if text == "-C" and value is not None:
            state.cwd = resolve_path(value.text, state.cwd) if value.resolved else None
        if text.startswith("--work-tree"):
            if "=" in text:
                tree = text.split("=", 1)[1]
            else:
                tree = value.text if value is not None else ""
            work_tree = resolve_path(tree, state.cwd)
        index += 2 if text in GIT_GLOBAL_VALUE_OPTIONS else 1
    if index >= len(args):
        return None
    subcommand = args[index].text
    rest = args[index + 1 :]
    if not args[index].resolved:
        walker.ctx.emit(K.EXEC_DYNAMIC, source=source, resolved=False, detail={"reason": "git subcommand has no static value"})
        return None
    if subcommand not in GIT_READ_ONLY:
        walker.ctx.unknown_program_ran = True  # clone, pull, submodule... create files
    # Without a repository found above cwd, git may still reach one through
    # GIT_DIR or GIT_WORK_TREE; a worktree-changing subcommand is taken to
    # reach cwd (fail closed) rather than to change nothing.
    root = work_tree or _repository_root(state.cwd) or state.cwd
    if root is None:
        walker.ctx.emit(K.DELETE, source=source, resolved=False, detail={"reason": "git worktree has no static value"})
        return None
    whole_tree = [Arg(root, True, root)]
    parsed = parse_options(rest, frozenset({"-e", "--exclude", "-m", "--message", "-b", "-B", "--source", "-s", "--pathspec-from-file", "-c", "--conflict"}))
    pathspecs = parsed.operands
    if subcommand == "clean":
        if parsed.has("-n", "--dry-run") or not parsed.has("-f", "--force"):
            return None
        emit_paths(walker, K.DELETE, pathspecs or [Arg(state.cwd or root, True, root)], state, source=source, detail={"untracked": True})
    elif subcommand == "rm":
        if not parsed.has("--cached", "-n", "--dry-run"):
            emit_paths(walker, K.DELETE, pathspecs, state, source=source)
    elif subcommand in ("checkout", "restore"):
        if subcommand == "restore" and parsed.has("--staged", "-S") and not parsed.has("--worktree", "-W"):
            return None
        separator = next((position for position, arg in enumerate(rest) if arg.text == "--"), None)
        if separator is not None:
            targets = rest[separator + 1 :]
        elif subcommand == "restore":
            targets = pathspecs
        elif len(pathspecs) > 1:
            targets = pathspecs[1:]  # `git checkout REV PATH...`
        else:
            # `git checkout X` switches branches unless X names an existing path.
            targets = [arg for arg in pathspecs if _is_path(arg, state)] or whole_tree
        emit_paths(walker, K.WRITE, targets or whole_tree, state, source=source)
    elif subcommand == "reset":
        if parsed.has("--hard", "--keep", "--merge"):
            emit_paths(walker, K.WRITE, whole_tree, state, source=source, detail={"reset": True})
    elif subcommand == "stash":
        action = pathspecs[0].text if pathspecs else "push"
        if action in ("push", "save", "pop", "apply") or not pathspecs:
            emit_paths(walker, K.WRITE, whole_tree, state, source=source)
    elif subcommand in ("switch", "merge", "pull", "rebase", "cherry-pick", "revert", "am", "apply"):
        emit_paths(walker, K.WRITE, whole_tree, state, source=source)
    return None


def _is_path(arg: Arg, state: ShellState) -> bool:
    path = resolve_path(arg.text, state.cwd) if arg.resolved else None
    return path is not None and os.path.lexists(path)


def normalize_signal(text: str) -> str:
    name = text.upper()
    if name.startswith("SIG"):
        name = name[3:]
    return SIGNALS.get(name, name)


def kill(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    signal = "TERM"
    signal_given = False
    signal_known = True  # False once a word that may be the signal has no static value
    targets: list[str] = []
    resolved = True
    index = 0
    match = {"kill": "pid", "killall": "name"}.get(name, "pattern")
    value_options = {"kill": {"-n"}, "pkill": {"-u", "-U", "-g", "-G", "-P", "-t", "-F", "--pidfile", "--ns", "--nslist", "--uid", "--euid", "--group", "--parent", "--session", "-s", "--session", "--terminal"},
                     "killall": {"-u", "--user", "-o", "--older-than", "-y", "--younger-than", "-n", "--ns"}}[name]
    while index < len(args):
        arg = args[index]
        text = arg.text
        index += 1
        if not arg.resolved:
            resolved = False
            signal_known = signal_known and not arg.source.startswith("-") and signal_given
            targets.append(arg.source)
            continue
        if text == "--":
            targets.extend(rest.text if rest.resolved else rest.source for rest in args[index:])
            resolved = resolved and all(rest.resolved for rest in args[index:])
            break
        if text in ("-l", "-L", "--list", "--table"):
            return None
        if text in ("-s", "--signal") and name != "pkill" or (name == "pkill" and text == "--signal"):
            if index < len(args):
                signal = normalize_signal(args[index].text)
                signal_given = True
                signal_known = args[index].resolved
                resolved = resolved and signal_known
                index += 1
            continue
        if text == "-n" and name == "kill" and index < len(args):
            signal = normalize_signal(args[index].text)
            signal_given = True
            signal_known = args[index].resolved
            resolved = resolved and signal_known
            index += 1
            continue
        if text in value_options:
            index += 1
            continue
        if text in ("-f", "--full"):
            match = "full"
            continue
        if text.startswith("--"):
            continue
        if text.startswith("-") and len(text) > 1:
            candidate = text[1:]
            if name == "kill" and candidate.isdigit() and signal_given:
                targets.append(text)  # `kill -9 -1`: after the signal, -N is a process group
                continue
            signal_given = True
            if candidate.isdigit() or candidate.isalpha() and (candidate.upper() in SIGNALS.values() or candidate.upper().startswith("SIG")):
                signal = normalize_signal(candidate)
            elif name == "kill" and candidate.isdigit():
                targets.append(text)
            continue
        targets.append(text)
    if not targets and resolved:
        return None
    if not resolved and name == "kill" and signal_known and signal in GRACEFUL_SIGNALS:
        # The process handles these signals itself (the daemon checkpoints on
        # TERM), so which process gets one does not decide anything. Only for
        # kill: after its signal, every word is a target, never a new signal.
        resolved = True
    walker.ctx.emit(K.KILL, source=source, resolved=resolved, detail={"signal": signal, "targets": targets, "match": match})
    return None


HANDLERS = {"git": git, "kill": kill, "pkill": kill, "killall": kill}
