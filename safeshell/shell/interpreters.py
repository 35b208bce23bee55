"""Inline interpreter code: command lines of python, perl, node, ruby, and their effects.

:func:`parse_invocation` finds the code (``-c``/``-e``), the script file or
standard input, and ``-i`` in-place edits. :func:`scan` turns the code into
operations: Python through :mod:`safeshell.shell.python_scan` (the ``ast``
module), the others through :mod:`safeshell.shell.token_scan`.
"""

from __future__ import annotations

import os

from safeshell.operations import OperationKind
from safeshell.records import MutableRecord
from safeshell.shell import fields, paths, token_scan
from safeshell.shell.fields import Arg
from safeshell.shell.scan_model import HOME, Effect
from safeshell.shell.state import ShellState

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from safeshell.shell.walker import Walker

# Options that take a value, per interpreter family.
VALUE_OPTIONS = {
    "python": frozenset({"-W", "-X", "--check-hash-based-pycs"}),
    # -0 and -l take their value attached (`-0777`, `-l012`), never as the next word.
    "perl": frozenset({"-I", "-M", "-m", "-x", "-C", "-F", "-d", "-D"}),
    "node": frozenset({"-r", "--require", "--import", "--loader", "--input-type", "-C", "--conditions", "--env-file", "--experimental-loader"}),
    "ruby": frozenset({"-r", "-I", "-C", "-E", "-F", "-0", "-x", "-T", "--encoding"}),
}


class Invocation(MutableRecord):
    __slots__ = ("code", "script", "reads_stdin", "inplace_files", "chdir", "unresolved", "module")
    code: str | None
    script: str | None
    reads_stdin: bool
    inplace_files: list[str]
    chdir: str | None
    unresolved: bool
    module: str | None  # `python -m a.b` as the relative path a/b.py

    def __init__(
        self,
        code: str | None = None,
        script: str | None = None,
        reads_stdin: bool = False,
        inplace_files: list[str] | None = None,
        chdir: str | None = None,
        unresolved: bool = False,
        module: str | None = None,
    ) -> None:
        self.code = code
        self.script = script
        self.reads_stdin = reads_stdin
        self.inplace_files = [] if inplace_files is None else inplace_files
        self.chdir = chdir
        self.unresolved = unresolved
        self.module = module


# Option letters whose value is inline code, per interpreter family.
CODE_LETTERS = {"perl": "eE", "ruby": "e", "php": "rBRE", "r": "e", "lua": "e", "julia": "eE"}
# Interpreters without a scanner: their code is checked for any call that could
# change files or run commands, and fails closed when one appears.
OPAQUE_FAMILIES = frozenset({"php", "r", "lua", "julia"})
OPAQUE_PROGRAMS = frozenset({"Rscript", "R", "luajit", "julia", "ipython", "ipython3"})
# Searched with re, which this module imports only when opaque code is scanned.
OPAQUE_RISKY = (
    r"\b(unlink|remove|rmdir|rm|delete|rename|move|copy|system|exec|shell_exec|passthru|popen|proc_open|execute|run|spawn|"
    r"eval|file_put_contents|fopen|fwrite|open|write|writeLines|writelines|truncate|chmod|chown|sink|save|saveRDS|"
    r"mkdir|symlink|link|touch|cp|mv|dir_create|file_create|file_delete|file_move|file_copy)\b"
)


def is_opaque(program: str) -> bool:
    """Whether ``program`` is an interpreter whose code has no scanner here."""
    # (php|lua)[0-9.]* without re, because this runs for every simple command.
    return program in OPAQUE_PROGRAMS or (program[:3] in ("php", "lua") and not program[3:].strip("0123456789."))


def family(program: str) -> str:
    if program.startswith(("python", "pypy")) or program.startswith("ipython"):
        return "python"
    if program in ("node", "nodejs", "deno", "bun"):
        return "node"
    if program.startswith("php"):
        return "php"
    if program in ("Rscript", "R"):
        return "r"
    if program.startswith("lua"):
        return "lua"
    return program


def parse_invocation(program: str, args: list[Arg]) -> Invocation:
    kind = family(program)
    value_options = VALUE_OPTIONS.get(kind, frozenset())
    plan = Invocation()
    code_parts: list[str] = []
    inplace = False
    operands: list[str] = []
    index = 0
    if program in ("deno", "bun") and args and args[0].text in ("eval", "run", "x"):
        # `deno eval CODE`, `deno run FILE`: the subcommand comes first.
        if args[0].text == "eval":
            code_args = [arg for arg in args[1:] if not arg.text.startswith("-")]
            if not code_args or not code_args[0].resolved:
                plan.unresolved = True
                return plan
            plan.code = code_args[0].text
            return plan
        index = 1
    while index < len(args):
        arg = args[index]
        if not arg.resolved:
            plan.unresolved = True
            return plan
        text = arg.text
        index += 1
        if operands or text == "-" or not text.startswith("-") or text == "--":
            if text == "--":
                operands.extend(a.text for a in args[index:])
                break
            operands.append(text)
            if kind == "python" or not code_parts:
                operands.extend(a.text for a in args[index:])
                if any(not a.resolved for a in args[index:]):
                    plan.unresolved = True
                break
            continue
        if text in value_options or (text.startswith("--") and "=" not in text and text in value_options):
            if text == "-C" and kind == "ruby" and index < len(args):
                plan.chdir = args[index].text
            index += 1
            continue
        if kind == "node" and text in ("-e", "--eval", "-p", "--print"):
            if index < len(args):
                if not args[index].resolved:
                    plan.unresolved = True
                    return plan
                code_parts.append(args[index].text)
                index += 1
            continue
        if text.startswith("--"):
            continue
        # A bundle of short flags: `-pi.bak`, `-ne CODE`, `-uc CODE`.
        letters = text[1:]
        for position, letter in enumerate(letters):
            rest = letters[position + 1 :]
            if kind == "python" and letter == "c":
                if not rest and index < len(args) and not args[index].resolved:
                    plan.unresolved = True
                    return plan
                code_parts.append(rest if rest else (args[index].text if index < len(args) else ""))
                if not rest:
                    index += 1
                operands = [a.text for a in args[index:]]
                plan.code = "\n".join(code_parts)
                return plan
            if kind == "python" and letter == "m":
                # A module: scanned when it is a file of the working tree
                # (`python -m scratch.cleanup`); otherwise an unknown program.
                module = rest or (args[index].text if index < len(args) and args[index].resolved else "")
                if module and all(part.isidentifier() for part in module.split(".")):
                    plan.module = module.replace(".", "/") + ".py"
                return plan
            if letter in CODE_LETTERS.get(kind, ""):
                if rest:
                    code_parts.append(rest)
                elif index < len(args):
                    if not args[index].resolved:
                        plan.unresolved = True
                        return plan
                    code_parts.append(args[index].text)
                    index += 1
                break
            if kind in ("perl", "ruby") and letter == "i":
                inplace = True
                break
            if "-" + letter in value_options:
                if not rest:
                    index += 1
                break
    if code_parts:
        plan.code = "\n".join(code_parts)
        if inplace:
            plan.inplace_files = operands
        return plan
    if operands and operands[0] != "-":
        plan.script = operands[0]
        if inplace:
            plan.inplace_files = operands[1:]
        return plan
    plan.reads_stdin = True
    return plan


def scan(walker: "Walker", program: str, code: str, state: ShellState, *, source: str) -> None:
    """Emit the operations of interpreter ``code`` run in ``state.cwd``.

    NOTE: only this code is scanned; modules it imports from the workspace
    are not, so an effect hidden in an imported helper is missed here.
    """
    kind = family(program)
    if kind in OPAQUE_FAMILIES:
        import re

        risky = re.search(OPAQUE_RISKY, code)
        if risky is not None:
            walker.ctx.emit(OperationKind.EXEC_DYNAMIC, source=source, resolved=False,
                            detail={"reason": f"{program} code calls {risky.group(1)!r}, which this analysis cannot follow"})
        return
    if kind == "python":
        from safeshell.shell import python_scan  # imports ast, which only Python code needs

        effects = python_scan.scan(code)
    else:
        effects = token_scan.scan(kind, code)
    for effect in effects:
        emit_effect(walker, effect, state, source=source)


def emit_effect(walker: "Walker", effect: Effect, state: ShellState, *, source: str) -> None:
    from safeshell.shell import commands, shells

    ctx = walker.ctx
    effect = _with_home(effect, ctx.home)
    if effect.shell is not None:
        shells.analyze_code(walker, effect.shell, state, source=source, same_shell=False)
        return
    if effect.argv is not None:
        commands.run_argv(walker, [Arg(text, True, text) for text in effect.argv], state.copy(), None, source=source)
        return
    detail = {"call": effect.call} if effect.call else {}
    if effect.path is None:
        if effect.kind is OperationKind.READ:
            return  # an unknown read is not reported, as for `cat "$X"`
        ctx.emit(effect.kind, source=source, resolved=False, detail=detail)
        return
    targets = [effect.path]
    if effect.glob and any(char in effect.path for char in "*?["):
        if state.cwd is None and not os.path.isabs(effect.path):
            ctx.emit(effect.kind, source=source, resolved=False, detail=detail)
            return
        try:
            matches = fields.expand_glob(effect.path, state.cwd or "/", ctx.limits.max_glob_matches)
        except fields.ExpansionLimit as exc:
            ctx.fail_closed(str(exc), source=source)
            return
        targets = matches or targets
    for target in targets:
        if effect.kind is OperationKind.DELETE:
            located = paths.delete_paths(target, state.cwd)
        else:
            located = paths.follow_paths(target, state.cwd)
        if located is None:
            ctx.emit(effect.kind, source=source, resolved=False, detail=detail)
        elif effect.kind is OperationKind.MOVE and effect.destination is not None:
            destination = paths.follow_paths(effect.destination, state.cwd)
            ctx.emit(effect.kind, located, source=source, detail={**detail, "destination": destination[0] if destination else effect.destination})
            if destination:
                ctx.emit(OperationKind.WRITE, destination, source=source, detail=detail)
        else:
            ctx.emit(effect.kind, located, source=source, detail=detail)


def _with_home(effect: Effect, home: str | None) -> Effect:
    """Replace :data:`HOME` at the start of the effect's paths with ``home``; unknown without one."""

    def expand(path: str | None) -> str | None:
        if path is None or not path.startswith(HOME):
            return path
        return None if home is None else home + path[len(HOME):]

    texts = (effect.path, effect.destination, effect.shell, *(effect.argv or ()))
    if not any(text is not None and HOME in text for text in texts):
        return effect
    shell = effect.shell
    if shell is not None and home is not None:
        import shlex

        shell = shell.replace(HOME, shlex.quote(home))  # `os.system("rm -rf " + os.path.expanduser("~"))`
    argv = None if effect.argv is None else tuple(expand(text) or text for text in effect.argv)
    return Effect(
        effect.kind, path=expand(effect.path), destination=expand(effect.destination), glob=effect.glob,
        shell=shell, argv=argv, call=effect.call,
    )
