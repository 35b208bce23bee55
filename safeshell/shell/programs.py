"""Operations of known programs, driven by :mod:`safeshell.shell.semantics`.

:func:`apply` handles the table's generic actions and dispatches ``custom``
entries to the handler of the same name in :mod:`safeshell.shell.handlers`;
:func:`unwrap` runs the command inside a wrapper such as ``sudo``.
"""

from __future__ import annotations

import os

from safeshell.operations import OperationKind as K
from safeshell.records import MutableRecord
from safeshell.shell import paths
from safeshell.shell.fields import Arg
from safeshell.shell.semantics import WRAPPERS, Program
from safeshell.shell.state import ShellState

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from safeshell.shell.walker import Stdin, Walker


class Parsed(MutableRecord):
    """Options (name, value) in order, and the operands."""

    __slots__ = ("options", "operands")
    options: list[tuple[str, Arg | None]]
    operands: list[Arg]

    def __init__(
        self,
        options: list[tuple[str, Arg | None]] | None = None,
        operands: list[Arg] | None = None,
    ) -> None:
        self.options = [] if options is None else options
        self.operands = [] if operands is None else operands

    def has(self, *names: str) -> bool:
        return any(name in names for name, _ in self.options)

    def values(self, *names: str) -> list[Arg]:
        return [value for name, value in self.options if name in names and value is not None]


def parse_options(args: list[Arg], value_options: frozenset[str], *, stop_at_operand: bool = False) -> Parsed:
    """Split GNU-style arguments into options and operands."""
    parsed = Parsed()
    index = 0
    while index < len(args):
        arg = args[index]
        text = arg.text
        index += 1
        if not arg.resolved or text == "-" or not text.startswith("-"):
            parsed.operands.append(arg)
            if stop_at_operand:
                parsed.operands.extend(args[index:])
                break
            continue
        if text == "--":
            parsed.operands.extend(args[index:])
            break
        if text.startswith("--"):
            name, equals, value = text.partition("=")
            if equals:
                parsed.options.append((name, Arg(value, True, text)))
            elif name in value_options and index < len(args):
                parsed.options.append((name, args[index]))
                index += 1
            else:
                parsed.options.append((name, None))
            continue
        letters = text[1:]
        for position, letter in enumerate(letters):
            name = "-" + letter
            rest = letters[position + 1 :]
            if name in value_options:
                if rest:
                    parsed.options.append((name, Arg(rest, True, text)))
                elif index < len(args):
                    parsed.options.append((name, args[index]))
                    index += 1
                else:
                    parsed.options.append((name, None))
                break
            parsed.options.append((name, None))
    return parsed


def emit_paths(walker: "Walker", kind: K, args: list[Arg], state: ShellState, *, source: str, detail: dict | None = None) -> None:
    """Emit one operation of ``kind`` over ``args`` (unresolved ones separately)."""
    ctx = walker.ctx
    located: list[str] = []
    for arg in args:
        if not arg.resolved:
            if kind is K.READ:
                continue  # NOTE: an unresolved read is not reported, so `cat "$X"` stays allowed
            ctx.emit(kind, source=source, resolved=False, detail={**(detail or {}), "operand": arg.source})
            continue
        if ctx.planned_links:
            arg = _through_planned_link(ctx.planned_links, arg, state, follow_last=kind is not K.DELETE)
        if kind is K.DELETE:
            found = paths.delete_paths(arg.text, state.cwd)
        else:
            found = paths.follow_paths(arg.text, state.cwd)
        if found is None:
            ctx.emit(kind, source=source, resolved=False, detail={**(detail or {}), "operand": arg.text})
        else:
            located.extend(found)
    if located:
        ctx.emit(kind, located, source=source, detail=detail)
    if kind is K.DELETE:
        _emit_emptied_directories(walker, args, state, source=source, detail=detail)


def _through_planned_link(links: dict[str, str], arg: Arg, state: ShellState, *, follow_last: bool) -> Arg:
    """Return ``arg`` with a symlink an earlier command of this analysis creates replaced by its target.

    The link does not exist yet, so the file system cannot resolve it. A
    path below the link leads to the target, and so does the link itself
    when it is written through or named with a trailing ``/``. A delete of
    the link itself removes only the link.
    """
    path = paths.resolve_path(arg.text, state.cwd)
    if path is None:
        return arg
    for link, target in links.items():
        if path.startswith(link + "/"):
            return Arg(target + path[len(link):], True, arg.source)
        if path == link and (follow_last or arg.text.endswith("/")):
            return Arg(target + ("/" if arg.text.endswith("/") else ""), True, arg.source)
    return arg


# Top-level directories whose contents are temporary by definition: emptying
# them is decided on what the glob matches, like any other directory.
SCRATCH_TOP_LEVEL = frozenset({"/tmp"})


def is_root_like(directory: str, home: str | None) -> bool:
    """Return whether ``directory`` is ``/``, a top-level directory other than /tmp, or the home directory."""
    if directory in SCRATCH_TOP_LEVEL:
        return False
    if os.path.dirname(directory) == "/" or directory == "/":
        return True
    return home is not None and directory in (home, os.path.realpath(home))


def _emit_emptied_directories(walker: "Walker", args: list[Arg], state: ShellState, *, source: str, detail: dict | None) -> None:
    """Report ``rm -rf DIR/*`` as a delete of DIR itself when DIR is the home directory, ``/`` or a top-level directory.

    Emptying one of them is as catastrophic as removing it, whatever the
    glob matched when the command was checked. Emptying any other directory
    (``/dev/shm/*``, ``scratch/*``) is decided on the entries the glob
    matches. The word must end in an unquoted ``/*`` or ``/.*`` (or be ``*``).
    """
    emptied: list[str] = []
    for arg in args:
        if not arg.resolved:
            continue
        word = arg.source
        if word in ("*", ".*"):
            directory = state.cwd
        elif word.endswith(("/*", "/.*")):
            directory = paths.resolve_path(os.path.dirname(arg.text.rstrip("/")), state.cwd) if "/" in arg.text else state.cwd
        else:
            continue
        if directory is not None and directory not in emptied and is_root_like(directory, walker.ctx.home):
            emptied.append(directory)
    if emptied:
        walker.ctx.emit(K.DELETE, emptied, source=source, detail={**(detail or {}), "contents": True})


def apply(walker: "Walker", name: str, spec: Program, args: list[Arg], state: ShellState, stdin: "Stdin", *, source: str) -> str | None:
    from safeshell.shell import handlers

    if spec.action == "custom":
        return handlers.HANDLERS[name](walker, name, args, state, stdin, source)
    parsed = parse_options(args, spec.value_options)
    operands = parsed.operands
    skip = 0 if parsed.has(*spec.skip_cancel_options) else spec.skip
    targets = operands[skip:]
    for option in spec.write_options:
        for value in parsed.values(option):
            emit_paths(walker, K.WRITE, [value], state, source=source)
    for option in spec.read_options:
        emit_paths(walker, K.READ, parsed.values(option), state, source=source)

    if spec.action == "read":
        emit_paths(walker, K.READ, targets, state, source=source)
        return _static_read_output(walker, name, parsed, targets, state, stdin)
    if spec.action == "operands":
        if spec.kind is None:
            return None
        kind = spec.kind
        if name == "touch":
            fresh = [arg for arg in targets if arg.resolved and not _exists(arg, state)]
            emit_paths(walker, K.CREATE, fresh, state, source=source)
            targets = [arg for arg in targets if arg not in fresh]
        detail = {"recursive": True} if parsed.has("-r", "-R", "--recursive") else None
        emit_paths(walker, kind, targets, state, source=source, detail=detail)
        for flag, extra in spec.flag_kinds.items():
            if parsed.has(flag):
                emit_paths(walker, extra, targets, state, source=source)
        return ""
    if spec.action in ("copy", "move", "link"):
        _transfer(walker, spec.action, parsed, state, source=source, install_dirs=name == "install" and parsed.has("-d", "--directory"))
        return ""
    return None


def _static_read_output(walker: "Walker", name: str, parsed: Parsed, targets: list[Arg], state: ShellState, stdin: "Stdin") -> str | None:
    """Return the output of ``cat``, ``basename`` and ``dirname`` when it is known statically."""
    from safeshell.shell.shells import planned_text
    from safeshell.shell.words import resolve_path

    if any(not arg.resolved for arg in targets) or (parsed.options and name == "cat"):
        return None
    if name == "cat":
        if not targets:
            return stdin if isinstance(stdin, str) else None
        contents = []
        for arg in targets:
            path = resolve_path(arg.text, state.cwd)
            text = planned_text(walker.ctx, path)
            if text is None:
                return None
            contents.append(text)
        return "".join(contents)
    if name == "basename" and targets:
        base = os.path.basename(targets[0].text.rstrip("/")) or "/"
        if len(targets) == 2 and base.endswith(targets[1].text) and base != targets[1].text:
            base = base[: -len(targets[1].text)]
        return base + "\n"
    if name == "dirname" and targets:
        return "".join((os.path.dirname(arg.text.rstrip("/")) or ".") + "\n" for arg in targets)
    return None


def _exists(arg: Arg, state: ShellState) -> bool:
    located = paths.follow_paths(arg.text, state.cwd)
    return bool(located) and os.path.lexists(located[0])


def _transfer(walker: "Walker", action: str, parsed: Parsed, state: ShellState, *, source: str, install_dirs: bool) -> None:
    """Copy, move or link sources to a destination."""
    ctx = walker.ctx
    if install_dirs:
        emit_paths(walker, K.CREATE, parsed.operands, state, source=source)
        return
    target_dir = parsed.values("-t", "--target-directory")
    operands = list(parsed.operands)
    if target_dir:
        destination = target_dir[-1]
        sources = operands
        into = True
    elif action == "link" and len(operands) == 1:
        destination, sources, into = Arg(".", True, "."), operands, True
    elif len(operands) >= 2:
        destination, sources = operands[-1], operands[:-1]
        no_deref_link = action == "link" and parsed.has("-n", "--no-dereference", "-T")
        into = (
            not parsed.has("-T", "--no-target-directory")
            and destination.resolved
            and (len(sources) > 1 or destination.text.endswith("/") or (paths.is_directory(destination.text, state.cwd) and not (no_deref_link and _is_link(destination, state))))
        )
    else:
        return
    overwrite_kind = K.WRITE
    for item in sources:
        if action == "copy":
            emit_paths(walker, K.READ, [item], state, source=source)
        elif action == "move":
            if not item.resolved:
                ctx.emit(K.MOVE, source=source, resolved=False, detail={"operand": item.source})
        if not destination.resolved or not item.resolved:
            ctx.emit(overwrite_kind, source=source, resolved=False, detail={"operand": destination.source})
            continue
        written = paths.destination_paths(destination.text, item.text, state.cwd, into_directory=into)
        if written is None:
            ctx.emit(overwrite_kind, source=source, resolved=False, detail={"operand": destination.text})
            continue
        kind = overwrite_kind if os.path.lexists(written[0]) or written[0] in ctx.created_paths else K.CREATE
        if action == "move":
            moved = paths.delete_paths(item.text, state.cwd)
            if moved is None:
                ctx.emit(K.MOVE, source=source, resolved=False, detail={"operand": item.text})
            else:
                ctx.emit(K.MOVE, moved, source=source, detail={"destination": written[0]})
        if action == "link" and parsed.has("-s", "--symbolic"):
            target = item.text if os.path.isabs(item.text) else os.path.join(os.path.dirname(written[0]), item.text)
            ctx.planned_links[written[0]] = os.path.normpath(target)
        if action == "link" and not parsed.has("-f", "--force") and not os.path.lexists(written[0]):
            ctx.emit(K.CREATE, written[:1], source=source)
            continue
        ctx.emit(kind, written if kind is not K.CREATE else written[:2], source=source)


def _is_link(arg: Arg, state: ShellState) -> bool:
    located = paths.follow_paths(arg.text, state.cwd)
    return bool(located) and os.path.islink(located[0])


def unwrap(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", *, source: str, prefix: dict | None) -> str | None:
    """Run the command a wrapper (sudo, timeout, env...) runs."""
    from safeshell.shell.commands import run_argv

    wrapper = WRAPPERS[name]
    state = state.copy() if name != "exec" and name != "command" and name != "builtin" else state
    args = list(args)
    if name == "env":
        args = _strip_env(args, state)
        if args is None:
            walker.ctx.emit(K.EXEC_DYNAMIC, source=source, resolved=False, detail={"reason": "env -S with a string that has no static value"})
            return None
    if name == "nice" and args and args[0].text.startswith("-") and args[0].text[1:].isdigit():
        args = args[1:]
    parsed = parse_options(args, wrapper.value_options, stop_at_operand=True)
    if parsed.has(*wrapper.no_command_options):
        return ""
    if name == "sudo" and parsed.has("-e", "--edit"):
        from safeshell.shell.editors import plain_editor

        return plain_editor(walker, "sudoedit", parsed.operands, state, stdin, source)  # `sudo -e FILE` is sudoedit
    for option in wrapper.write_options:
        for value in parsed.values(option):
            emit_paths(walker, K.WRITE, [value], state, source=source)
    for option in wrapper.chdir_options:
        for value in parsed.values(option):
            from safeshell.shell.commands import change_directory
            from safeshell.shell.words import resolve_path

            change_directory(walker, state, resolve_path(value.text, state.cwd) if value.resolved else None)
    if name == "script":
        # `script [-c CMD] [FILE]`: FILE is the typescript it writes.
        emit_paths(walker, K.WRITE, parsed.operands[:1], state, source=source)
    if name == "sg" and len(parsed.operands) > 1 and not any(arg.text == "-c" for arg in args):
        code_words = parsed.operands[1:]
        code_arg = Arg(" ".join(arg.text for arg in code_words), all(arg.resolved for arg in code_words), source)
        return run_argv(walker, [Arg("sh", True, "sh"), Arg("-c", True, "-c"), code_arg], state, stdin, source=source)
    if name == "flock":
        # flock LOCKFILE -c CODE; a -c after the command belongs to the command (`flock L python3 -c CODE`).
        command_words = parsed.operands
        if len(command_words) > 2 and command_words[1].text in ("-c", "--command"):
            return run_argv(walker, [Arg("sh", True, "sh"), Arg("-c", True, "-c"), command_words[2]], state, stdin, source=source)
    if name in ("su", "script", "sg") or name == "runuser" and not parsed.has("-u", "--user"):
        # -c after `--` belongs to the command; `runuser -u USER CMD` runs CMD itself.
        end = next((index for index, arg in enumerate(args) if arg.text == "--"), len(args))
        code = [args[index + 1] for index, arg in enumerate(args[: min(end, len(args) - 1)])
                if arg.text in ("-c", "--command") or name == "script" and _bundle_ends_with_c(arg.text)]
        if code:
            return run_argv(walker, [Arg("sh", True, "sh"), Arg("-c", True, "-c"), code[-1]], state, stdin, source=source)
        if name in ("su", "script", "sg"):
            return ""  # an interactive shell: nothing in the command runs
    command = parsed.operands[wrapper.leading_operands :]
    if name == "flock" and not command:
        return ""
    # `command` and `builtin` skip shell functions of the same name.
    return run_argv(walker, command, state, stdin, source=source, functions=name not in ("command", "builtin"))


def _bundle_ends_with_c(text: str) -> bool:
    """Whether ``text`` is a bundle of short flags whose last one is -c (``script -qc CMD``)."""
    return len(text) > 2 and text[0] == "-" and text[1] != "-" and text.endswith("c") and text[1:].isalpha()


def _strip_env(args: list[Arg], state: ShellState) -> list[Arg] | None:
    """Drop env's own options and NAME=VALUE words; apply ``-S`` splitting."""
    result: list[Arg] = []
    index = 0
    while index < len(args):
        arg = args[index]
        text = arg.text
        if text in ("-S", "--split-string") and index + 1 < len(args):
            if not args[index + 1].resolved:
                return None
            result.extend(Arg(word, True, word) for word in args[index + 1].text.split())
            result.extend(args[index + 2 :])
            return result
        if text.startswith("-S") and len(text) > 2:
            result.extend(Arg(word, True, word) for word in text[2:].split())
            result.extend(args[index + 1 :])
            return result
        if arg.resolved and "=" in text and not text.startswith("-") and text.split("=", 1)[0].isidentifier():
            index += 1
            continue
        if text in ("-u", "--unset", "-C", "--chdir"):
            result.extend(args[index : index + 2])
            index += 2
            continue
        if text.startswith("-") and not result:
            result.append(arg)
            index += 1
            continue
        result.extend(args[index:])
        break
    return result


def format_printf(form: str, values: list[str]) -> str | None:
    """Return printf's output for ``%s``/``%b``/``%d`` formats; None for anything else."""
    output: list[str] = []
    pending = list(values)
    while True:
        index = 0
        text: list[str] = []
        while index < len(form):
            char = form[index]
            if char == "%" and index + 1 < len(form):
                code = form[index + 1]
                index += 2
                if code == "%":
                    text.append("%")
                elif code in "sbdiu":
                    value = pending.pop(0) if pending else ""
                    text.append(_ansi(value) if code == "b" else value)
                else:
                    return None
                continue
            text.append(char)
            index += 1
        output.append(_ansi("".join(text)))
        if not pending:
            break
    return "".join(output)


def _ansi(text: str) -> str:
    from safeshell.shell.words import decode_ansi_c

    return decode_ansi_c(text)
