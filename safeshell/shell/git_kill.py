"""Handlers for ``git`` worktree changes and for ``kill``, ``pkill``, ``killall``.

git commands that rewrite or delete worktree files become writes or
deletes of their pathspecs (``clean -f``, ``rm``, ``checkout -- FILE``,
``restore FILE``); a directory pathspec is rewritten as a whole. Commands
that may overwrite or remove any file of the work tree (``reset --hard``,
``checkout -f``, ``stash``, ``switch --discard-changes``) become a delete
of the work tree root, which reaches every protected path below it.
The work tree is the one ``--work-tree`` or ``GIT_WORK_TREE`` names, else
the repository above the directory ``-C`` leaves, else that directory,
because git may still find a repository through ``GIT_DIR``.
"""

from __future__ import annotations

import os

from safeshell.operations import OperationKind as K
from safeshell.shell import paths
from safeshell.shell.fields import Arg
from safeshell.shell.programs import Parsed, emit_paths, parse_options
from safeshell.shell.state import ShellState
from safeshell.shell.words import resolve_path
from safeshell.signals import GRACEFUL as GRACEFUL_SIGNALS
from safeshell.signals import is_name as _is_signal_name
from safeshell.signals import normalize as normalize_signal

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from safeshell.shell.walker import Stdin, Walker

# Words that expand to the pid of the shell running the command.
SHELL_ITSELF = frozenset({"$$", "${$}", "$BASHPID", "${BASHPID}", '"$$"', '"$BASHPID"'})

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


def _global_options(args: list[Arg], state: ShellState) -> tuple[int, str | None, bool]:
    """Apply git's options before the subcommand to ``state.cwd``.

    Return the index of the subcommand, the work tree that ``--work-tree``
    or ``GIT_WORK_TREE`` names (None when neither is set), and whether a
    value among them has no static value. ``-C`` is cumulative and relative
    to the previous one, and ``--work-tree`` is relative to the directory
    ``-C`` leaves, as in git. With ``--git-dir`` or ``GIT_DIR`` and no work
    tree, git takes the directory it runs in as the top of the work tree.
    """
    unknown = False
    git_dir = "GIT_DIR" in state.variables and state.lookup("GIT_DIR") != ""
    work_tree_text = state.lookup("GIT_WORK_TREE") if "GIT_WORK_TREE" in state.variables else ""
    if work_tree_text is None:
        unknown = True
    index = 0
    while index < len(args) and args[index].text.startswith("-"):
        arg = args[index]
        text = arg.text
        value = args[index + 1] if index + 1 < len(args) else None
        name, equals, attached = text.partition("=")
        if not arg.resolved:
            unknown = True
        elif text == "-C" and value is not None:
            state.cwd = resolve_path(value.text, state.cwd) if value.resolved else None
            unknown = unknown or not value.resolved
        elif name == "--git-dir":
            git_dir = True
        elif name == "--work-tree":
            if equals:
                work_tree_text = attached
            elif value is not None:
                work_tree_text = value.text
                unknown = unknown or not value.resolved
        index += 2 if text in GIT_GLOBAL_VALUE_OPTIONS else 1
    work_tree = resolve_path(work_tree_text, state.cwd) if work_tree_text else None
    if work_tree is None and git_dir:
        work_tree = state.cwd
    return index, work_tree, unknown


def git(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    state = state.copy()
    index, work_tree, unknown = _global_options(args, state)
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
    root = None if unknown else work_tree or _repository_root(state.cwd) or state.cwd
    if work_tree and state.cwd and not (state.cwd == work_tree or state.cwd.startswith(work_tree.rstrip("/") + "/")):
        state.cwd = work_tree  # outside its work tree git takes pathspecs from the top of the tree
    # git matches a pathspec glob against every path below its fixed
    # directories, so the glob stands for that directory as a whole.
    rest = [_glob_base(_from_top(arg, root)) for arg in rest]
    parsed = parse_options(rest, frozenset({"-e", "--exclude", "-m", "--message", "-b", "-B", "--source", "-s", "--pathspec-from-file", "-c", "--conflict"}))
    pathspecs = parsed.operands
    if subcommand in ("clone", "mv", "worktree"):
        _git_paths(walker, subcommand, parsed, state, source=source)
        return None
    if subcommand == "lfs" and pathspecs and pathspecs[0].text in ("pull", "checkout") and root is not None:
        # Replaces pointer files in the work tree with their content: the --include paths, else anywhere.
        includes: list[Arg] = []
        for option, value in parse_options(rest, frozenset({"-I", "--include", "-X", "--exclude"})).options:
            if option in ("-I", "--include") and value is not None:
                includes.extend(Arg(part, value.resolved, value.source) for part in value.text.split(",") if part)
        if includes:
            emit_paths(walker, K.WRITE, [_glob_base(arg) for arg in includes], state, source=source)
        else:
            walker.ctx.emit(K.WRITE, (root,), source=source, detail={"git": "lfs", "worktree": True})
        return None
    tree_change = _worktree_change(subcommand, parsed, rest, state)
    if tree_change is None:
        return None
    if root is None:
        walker.ctx.emit(K.DELETE, source=source, resolved=False, detail={"reason": "git worktree has no static value"})
        return None
    if tree_change == "pathspecs":
        if subcommand == "clean":
            base = Arg(state.cwd or root, True, root)
            emit_paths(walker, K.DELETE, pathspecs or [base], state, source=source, detail={"untracked": True})
        elif subcommand == "rm":
            emit_paths(walker, K.DELETE, pathspecs, state, source=source)
        elif subcommand == "checkout-index":
            emit_paths(walker, K.WRITE, pathspecs, state, source=source)
        else:
            _emit_restored(walker, _restore_targets(subcommand, pathspecs, rest, state), state, root, source=source)
        return None
    # The whole work tree: files below it are overwritten or removed, so a
    # protected path anywhere in it is reached as through a parent directory.
    kind = K.DELETE if tree_change == "tree" else K.WRITE
    walker.ctx.emit(kind, (root,), source=source, detail={"git": subcommand, "worktree": True})
    return None


def _glob_base(arg: Arg) -> Arg:
    """Return the directory a pathspec glob searches (``'*.json'`` searches the whole tree below cwd)."""
    if not arg.resolved or not any(char in arg.text for char in "*?["):
        return arg
    parts = arg.text.split("/")
    fixed = next(index for index, part in enumerate(parts) if any(char in part for char in "*?["))
    return Arg("/".join(parts[:fixed]) or ".", True, arg.source)


def _from_top(arg: Arg, root: str | None) -> Arg:
    """Return a pathspec with the ``:/`` or ``:(top)`` magic (relative to the work tree's top) as an absolute path."""
    if not arg.resolved or root is None:
        return arg
    for magic in (":/", ":(top)"):
        if arg.text.startswith(magic):
            return Arg(os.path.join(root, arg.text[len(magic):]), True, arg.source)
    return arg


def _worktree_change(subcommand: str, parsed: Parsed, rest: list[Arg], state: ShellState) -> str | None:
    """Return how a git subcommand changes the work tree.

    "tree" means it may overwrite or remove any file of the work tree, and
    "pathspecs" that it changes the paths it names. "merge" means it
    rewrites tracked files to another commit's version but stops rather
    than overwrite local changes. None means the work tree stays as it is.
    """
    if subcommand == "clean":
        forced = parsed.has("-f", "--force") and not parsed.has("-n", "--dry-run")
        return "pathspecs" if forced else None
    if subcommand == "rm":
        return None if parsed.has("--cached", "-n", "--dry-run") else "pathspecs"
    if subcommand == "restore":
        if parsed.has("--staged", "-S") and not parsed.has("--worktree", "-W"):
            return None
        return "pathspecs"
    if subcommand == "checkout":
        if parsed.has("-f", "--force") and not any(arg.text == "--" for arg in rest) and \
                not any(_is_path(arg, state) for arg in parsed.operands):
            return "tree"  # `git checkout -f [BRANCH]`: drops every local change
        return "pathspecs"
    if subcommand == "reset":
        return "tree" if parsed.has("--hard", "--keep", "--merge") else None
    if subcommand == "stash":
        action = parsed.operands[0].text if parsed.operands else "push"
        if action in ("list", "show", "create", "store", "drop", "clear", "branch"):
            return None  # `stash branch` checks out a new branch: like a switch
        return "tree"  # push, save, pop, apply: local changes are replaced or reapplied
    if subcommand == "switch":
        return "tree" if parsed.has("-f", "--force", "--discard-changes") else "merge"
    if subcommand in ("merge", "pull", "rebase", "cherry-pick", "revert", "am", "apply"):
        return "merge"
    if subcommand == "read-tree" and parsed.has("-u") and parsed.has("--reset"):
        return "tree"  # `read-tree -u --reset`: the index and work tree become the tree, local changes gone
    if subcommand == "checkout-index" and parsed.has("-f", "--force"):
        return "tree" if parsed.has("-a", "--all") else "pathspecs"
    return None


def _git_paths(walker: "Walker", subcommand: str, parsed: Parsed, state: ShellState, *, source: str) -> None:
    """Emit what ``git clone URL [DIR]`` creates, ``git mv SRC... DST`` moves and ``git worktree add|remove PATH`` changes."""
    operands = parsed.operands
    if subcommand == "clone":
        if not operands:
            return
        if len(operands) > 1:
            target = operands[1]
        else:
            url = operands[0]
            name = url.text.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
            name = name[:-4] if name.endswith(".git") else name
            target = Arg(name or ".", url.resolved, url.source)
        emit_paths(walker, K.CREATE, [target], state, source=source)
        return
    if subcommand == "mv":
        if parsed.has("-n", "--dry-run") or len(operands) < 2:
            return
        emit_paths(walker, K.MOVE, operands[:-1], state, source=source)
        emit_paths(walker, K.CREATE, operands[-1:], state, source=source)
        return
    # worktree: `add PATH [BRANCH]` creates PATH; `remove PATH` deletes it.
    if len(operands) < 2:
        return
    action = operands[0].text
    if action == "add":
        emit_paths(walker, K.CREATE, operands[1:2], state, source=source)
    elif action in ("remove", "rm"):
        emit_paths(walker, K.DELETE, operands[1:2], state, source=source)


def _restore_targets(subcommand: str, pathspecs: list[Arg], rest: list[Arg], state: ShellState) -> list[Arg] | None:
    """Return the paths ``git checkout`` or ``git restore`` rewrites; None for a branch switch."""
    separator = next((position for position, arg in enumerate(rest) if arg.text == "--"), None)
    if separator is not None:
        return rest[separator + 1 :] or None
    if subcommand == "restore":
        return pathspecs or None
    if len(pathspecs) > 1:
        return pathspecs[1:]  # `git checkout REV PATH...`
    # `git checkout X` switches branches unless X names an existing path.
    return [arg for arg in pathspecs if _is_path(arg, state)] or None


def _emit_restored(walker: "Walker", targets: list[Arg] | None, state: ShellState, root: str, *, source: str) -> None:
    """Emit the rewrite of restored paths: a directory is rewritten as a whole tree."""
    if targets is None:
        walker.ctx.emit(K.WRITE, (root,), source=source, detail={"git": "checkout", "worktree": True})
        return
    for target in targets:
        if target.resolved and paths.is_directory(target.text, state.cwd):
            located = resolve_path(target.text, state.cwd)
            walker.ctx.emit(K.DELETE, (located,) if located else (), source=source, resolved=located is not None,
                            detail={"git": "restore", "worktree": True})
        else:
            emit_paths(walker, K.WRITE, [target], state, source=source)


def _is_path(arg: Arg, state: ShellState) -> bool:
    path = resolve_path(arg.text, state.cwd) if arg.resolved else None
    return path is not None and os.path.lexists(path)


# pkill and killall options that choose processes by something other than
# their name: without a pattern they choose every such process.
SELECTION_OPTIONS = frozenset({"-u", "-U", "-g", "-G", "-P", "-s", "-t", "--uid", "--euid", "--group", "--parent", "--session",
                               "--terminal", "--user", "--older-than", "-o", "--younger-than", "-y"})
# Names the training daemon's process can have: the Python interpreter
# runs it (`python -m trainer.daemon`), or the trainctl console script,
# whose process name is the script's, or a launcher.
DAEMON_PROCESS_NAMES = ("python", "python3", *(f"python3.{minor}" for minor in range(8, 15)), "pypy3", "trainctl",
                        "torchrun", "accelerate", "deepspeed")
# Names of the daemon's own programs and modules (the default policy's
# kill-training-daemon names), which the policy matches itself.
DAEMON_OWN_NAMES = ("trainctl", "trainer.daemon", "trainer.cli.main", "trainer.job")
# Command lines the daemon can have, for `pkill -f`.
DAEMON_COMMAND_LINES = ("python3 -m trainer.daemon --workspace {cwd}", "python -m trainer.daemon --workspace {cwd}",
                        "/usr/bin/python3 /usr/local/bin/trainctl daemon --workspace {cwd}")


def _broad_pattern_reason(name: str, targets: list[str], *, match: str, exact: bool, selected: bool, cwd: str | None) -> str | None:
    """Return why a pkill or killall may reach the training daemon whether or not it runs now, or None.

    The policy checks patterns against the daemon's names and the running
    processes. A pattern such as ``python`` matches the daemon's process
    too, so it is reported even when no daemon runs at the moment of the check.
    """
    if not targets:
        return f"{name} without a pattern chooses every process of a user, group or terminal" if selected else None
    samples = DAEMON_COMMAND_LINES if match == "full" else DAEMON_PROCESS_NAMES
    for target in targets:
        if any(_pattern_hits(target, own, exact=False) for own in DAEMON_OWN_NAMES):
            continue  # the policy's process names match it, with the policy's own message
        for sample in samples:
            text = sample.format(cwd=cwd or "/")
            if _pattern_hits(target, text, exact=exact or match == "name"):
                return f"the pattern {target!r} matches {text!r}, a process the training daemon can run as"
    return None


def _pattern_hits(pattern: str, text: str, *, exact: bool) -> bool:
    import re

    if exact:
        return pattern == text
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return pattern in text


def kill(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    signal = "TERM"
    signal_given = False
    signal_known = True  # False once a word that may be the signal has no static value
    exact = False  # pkill -x, killall -e: the whole name must match
    ignore_case = False  # pkill -i, killall -I
    pid_file = False  # pkill -F FILE
    selected = False  # processes chosen by owner, group, parent, session or terminal
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
        if arg.source in SHELL_ITSELF:
            continue  # the shell running the command, never the daemon
        if arg.resolved and arg.text == "0" and arg.source.lstrip('"').startswith("$"):
            # $!, $PPID and the like expand to a placeholder 0 for path
            # purposes; as a pid their value is unknown.
            arg = Arg(arg.source, False, arg.source)
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
        if text.startswith("--signal="):
            signal = normalize_signal(text.partition("=")[2])
            signal_given = True
            continue
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
        if text in ("-F", "--pidfile") and name == "pkill":
            pid_file = True  # the pids come from a file read when the command runs
            targets.append(f"pids in {args[index].text if index < len(args) else ''}")
            index += 1
            continue
        if text in ("-I", "--ignore-case") and name == "killall" or text in ("-i", "--ignore-case") and name == "pkill":
            ignore_case = True
            continue
        if text in value_options:
            selected = selected or text in SELECTION_OPTIONS
            index += 1
            continue
        if text in ("-f", "--full"):
            match = "full"
            continue
        if text in ("-x", "--exact") and name == "pkill" or text in ("-e", "--exact") and name == "killall":
            exact = True
            continue
        if text in ("-r", "--regexp") and name == "killall":
            match = "pattern"
            continue
        if text.startswith("--"):
            selected = selected or text.split("=", 1)[0] in SELECTION_OPTIONS
            continue
        if text.startswith("-") and len(text) > 1:
            candidate = text[1:]
            if name == "pkill" and candidate.isalpha() and not _is_signal_name(candidate):
                match = "full" if "f" in candidate else match  # a flag bundle: `pkill -fx NAME`
                exact = exact or "x" in candidate
                continue
            if name == "kill" and candidate.isdigit() and signal_given:
                targets.append(text)  # `kill -9 -1`: after the signal, -N is a process group
                continue
            if name == "killall" and not _is_signal_name(candidate) and set(candidate) <= set("egiqrvwZ"):
                continue  # flags such as -w (wait) and -q (quiet)
            signal_given = True
            if candidate.isdigit() or _is_signal_name(candidate):
                signal = normalize_signal(candidate)
            elif name != "pkill":
                # An option that is no signal we know: kill and killall reject it,
                # but treat it as unknown rather than as the default TERM.
                signal, signal_known = candidate.upper(), False
            elif name == "kill" and candidate.isdigit():
                targets.append(text)
            continue
        targets.append(text)
    if name == "kill" and signal not in GRACEFUL_SIGNALS and any(target.startswith("%") for target in targets):
        # A job of this shell (`trainctl daemon &` then `kill -9 %1`) has no pid to check.
        walker.ctx.emit(K.KILL, source=source, resolved=False,
                        detail={"signal": signal, "targets": targets, "match": match, "reason": "a job of the shell is killed"})
        return None
    if ignore_case:
        targets = [target.lower() for target in targets]  # the daemon's names are lower case
    if pid_file:
        if signal_known and signal in GRACEFUL_SIGNALS:
            return None
        resolved = False
    if name != "kill" and resolved and signal not in GRACEFUL_SIGNALS:
        reason = _broad_pattern_reason(name, targets, match=match, exact=exact, selected=selected, cwd=state.cwd)
        if reason is not None:
            walker.ctx.emit(K.KILL, source=source, resolved=False,
                            detail={"signal": signal, "targets": targets, "match": match, "reason": reason})
            return None
    if not targets and resolved:
        return None
    if not resolved and name == "kill" and signal_known and signal in GRACEFUL_SIGNALS:
        # The process handles these signals itself (the daemon checkpoints on
        # TERM), so which process gets one does not decide anything. Only for
        # kill: after its signal, every word is a target, never a new signal.
        resolved = True
    walker.ctx.emit(K.KILL, source=source, resolved=resolved, detail={"signal": signal, "targets": targets, "match": match})
    return None


def systemctl(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``systemctl kill -s KILL UNIT``: the unit may be the training daemon run as a service.

    Which processes a unit holds is not known here, so a non-graceful
    signal to any unit is an unresolved kill. ``systemctl stop`` sends
    SIGTERM, which the daemon handles with a checkpoint.
    """
    parsed = parse_options(args, frozenset({"-s", "--signal", "--kill-whom", "--kill-value", "-H", "--host", "-M", "--machine",
                                            "-p", "--property", "-t", "--type", "--state"}))
    if parsed.operands and parsed.operands[0].text in SYSTEMCTL_POWER:
        return _power_off(walker, "systemctl " + parsed.operands[0].text, source=source)
    if not parsed.operands or parsed.operands[0].text != "kill":
        return None
    signals = parsed.values("-s", "--signal")
    signal = normalize_signal(signals[-1].text) if signals else "TERM"
    resolved = not signals or signals[-1].resolved
    if resolved and signal in GRACEFUL_SIGNALS:
        return None
    units = [arg.text for arg in parsed.operands[1:]]
    walker.ctx.emit(K.KILL, source=source, resolved=False,
                    detail={"signal": signal, "targets": units, "match": "unit", "reason": "the processes of a systemd unit are not known here"})
    return None


# systemctl verbs that end every process on the machine.
SYSTEMCTL_POWER = frozenset({"reboot", "poweroff", "halt", "kexec", "soft-reboot", "emergency", "rescue"})


def _power_off(walker: "Walker", what: str, *, source: str) -> None:
    """Emit an unresolved SIGKILL: a reboot, halt or kill of every process ends the training without a checkpoint."""
    walker.ctx.emit(K.KILL, source=source, resolved=False,
                    detail={"signal": "KILL", "targets": [], "match": "all",
                            "reason": f"{what} ends every process, the training daemon included"})


def power(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``reboot``, ``shutdown``, ``poweroff``, ``halt``, ``killall5``, ``init 0``: every process ends."""
    texts = [arg.text for arg in args]
    if any(text in ("--help", "--version") for text in texts):
        return None
    if name == "shutdown" and any(text in ("-c", "-k", "--show") for text in texts):
        return None  # cancels a pending shutdown, or only warns users
    if name in ("init", "telinit") and not any(text in ("0", "6") for text in texts):
        return None  # other runlevels keep user processes
    if name == "killall5" and not any(text.lstrip("-").upper() in ("9", "KILL", "SIGKILL", "3", "QUIT", "6", "ABRT") for text in texts):
        return None  # SIGTERM by default: the daemon checkpoints
    _power_off(walker, name, source=source)
    return None


def loginctl(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``loginctl terminate-user|kill-user|terminate-session|kill-session``: every process of a user or session ends."""
    parsed = parse_options(args, frozenset({"-s", "--signal", "--kill-whom", "-H", "--host", "-M", "--machine", "-p", "--property"}))
    if not parsed.operands:
        return None
    action = parsed.operands[0].text
    if action in ("terminate-user", "terminate-session"):
        _power_off(walker, f"loginctl {action}", source=source)
    elif action in ("kill-user", "kill-session"):
        signals = parsed.values("-s", "--signal")
        signal = normalize_signal(signals[-1].text) if signals else "TERM"
        if not signals or signals[-1].resolved and signal in GRACEFUL_SIGNALS:
            return None
        _power_off(walker, f"loginctl {action} -s {signal}", source=source)
    return None


HANDLERS = {"git": git, "kill": kill, "pkill": kill, "killall": kill, "systemctl": systemctl, "loginctl": loginctl,
            **{program: power for program in ("reboot", "shutdown", "poweroff", "halt", "killall5", "init", "telinit")}}
