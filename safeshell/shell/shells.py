"""Code that runs other code: nested shells, scripts, functions, interpreters.

``bash -c``, ``eval``, ``source`` and scripts run by path are parsed and
walked again, one level deeper, up to ``max_depth``. Python code is scanned
with the ``ast`` module and Perl, JavaScript and Ruby with a token scan
(:mod:`safeshell.shell.interpreters`). Code that cannot be read (a pipe from
an unknown command, a file written earlier in the same command, a file too
large) yields an unresolved ``exec_dynamic`` operation.
"""

from __future__ import annotations

import os

from safeshell.operations import OperationKind
from safeshell.shell import interpreters, parser, paths, trainctl, words
from safeshell.shell.fields import Arg
from safeshell.shell.state import Context, ShellState

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any

    from safeshell.shell.walker import Stdin, Walker

SHELL_VALUE_OPTIONS = frozenset({"-o", "+o", "-O", "+O", "--rcfile", "--init-file"})


def read_text_file(ctx: Context, path: str) -> str | None:
    """Return a small text file's content, or None if it is missing, large or binary."""
    try:
        if os.path.getsize(path) > ctx.limits.max_file_bytes:
            return None
        with open(path, "rb") as handle:
            data = handle.read(ctx.limits.max_file_bytes + 1)
    except OSError:
        return None
    if b"\0" in data[:4096]:
        return None
    return data.decode("utf-8", "surrogateescape")


def planned_text(ctx: Context, path: str | None) -> str | None:
    """Return the text a file will hold when an earlier command of this analysis runs it.

    A file written earlier in the same command has the content that command
    writes, when known; otherwise it is read from disk.
    """
    if path is None or path.startswith(("/dev/", "/proc/")):
        return None  # a pipe such as <(curl ...): its content is not known here
    if path in ctx.file_contents:
        return ctx.file_contents[path]
    if path in ctx.created_paths:
        return None
    return read_text_file(ctx, path)


def never_exists(ctx: Context, path: str | None) -> bool:
    """Return True when ``path`` is missing and nothing earlier in the command can create it.

    Running a missing script only fails. Anything written earlier in this
    analysis, at or above the path, or any unknown program run before, may
    have created it.
    """
    if path is None or os.path.lexists(path) or ctx.unknown_program_ran or path.startswith(("/dev/", "/proc/")):
        return False
    return not any(path == created or path.startswith(created.rstrip("/") + "/") for created in ctx.created_paths)


def script_text(ctx: Context, path: str | None, name: str, *, source: str) -> str | None:
    """Return the text of the script ``name`` (at ``path``) as it will be when it runs.

    None when it will not run (missing, and nothing earlier can create it) or
    cannot be read; the latter emits an unresolved EXEC_DYNAMIC, failing closed.
    """
    code = planned_text(ctx, path)
    if code is None and never_exists(ctx, path):
        return None
    if code is None:
        ctx.emit(OperationKind.EXEC_DYNAMIC, paths=() if path is None else (path,), source=source, resolved=False,
                 detail={"reason": f"script {name!r} cannot be read before it runs"})
    return code


def analyze_code(walker: "Walker", code: str, state: ShellState, *, source: str, positional: list[str] | None = None, same_shell: bool = True) -> str | None:
    """Parse and walk shell code one level deeper; return its static output."""
    from safeshell.shell.walker import Walker

    ctx = walker.ctx
    if walker.depth + 1 > ctx.max_depth:
        ctx.fail_closed(f"nesting of shells deeper than {ctx.max_depth} levels", source=source)
        return None
    if "\0" in code:
        ctx.fail_closed("code contains a NUL byte", source=source)
        return None
    root = parser.parse(code.encode("utf-8", "surrogateescape"))
    if root.has_error:
        ctx.fail_closed(f"cannot parse nested shell code {code[:80]!r}", source=source)
    inner_state = state if same_shell else state.copy()
    if positional is not None:
        inner_state.positional = positional
    inner = Walker(ctx, walker.depth + 1)
    output = inner.walk(root, inner_state)
    if not same_shell:
        inner_state.terminated = False
    return output


def call_function(walker: "Walker", body: Any, args: list[Arg], state: ShellState, stdin: "Stdin", *, source: str) -> str | None:
    from safeshell.shell.walker import Walker

    ctx = walker.ctx
    if walker.depth + 1 > ctx.max_depth:
        ctx.fail_closed(f"function calls nest deeper than {ctx.max_depth} levels", source=source)
        return None
    saved = state.positional
    state.positional = [arg.text for arg in args] if all(arg.resolved for arg in args) else None
    output = Walker(ctx, walker.depth + 1).walk(body, state, stdin)
    state.positional = saved
    return output


def run_shell(walker: "Walker", program: str, args: list[Arg], state: ShellState, stdin: "Stdin", *, source: str) -> str | None:
    """Analyze ``bash -c CODE``, ``bash script.sh`` or ``bash`` reading a pipe."""
    from safeshell.shell.walker import INHERITED

    if program == "busybox":
        if args and args[0].text in ("sh", "ash", "bash"):
            return run_shell(walker, args[0].text, args[1:], state, stdin, source=source)
        from safeshell.shell.commands import run_argv

        return run_argv(walker, args, state, stdin, source=source)
    if program == "bash" and "BASH_ENV" in state.variables and state.variables["BASH_ENV"] not in ("", "/dev/null"):
        # A non-interactive bash first runs the file BASH_ENV names.
        startup = state.variables["BASH_ENV"]
        run_script_file(walker, Arg(startup, True, startup) if startup is not None else Arg("$BASH_ENV", False, "$BASH_ENV"),
                        [], state, source=source, same_shell=False)
    command_mode = False
    stdin_mode = False  # -s: the script comes from standard input, every operand is an argument
    operands: list[Arg] = []
    index = 0
    while index < len(args):
        arg = args[index]
        text = arg.text
        if operands or not arg.resolved:
            operands.append(arg)
        elif text == "--" or text == "-":
            operands.extend(args[index + 1 :])
            break
        elif text in SHELL_VALUE_OPTIONS:
            index += 1
        elif text.startswith("--"):
            pass
        elif text.startswith(("-", "+")) and len(text) > 1:
            command_mode = command_mode or "c" in text[1:]
            stdin_mode = stdin_mode or text.startswith("-") and "s" in text[1:]
        else:
            operands.append(arg)
        index += 1

    if command_mode:
        if not operands:
            return ""
        code = operands[0]
        if not code.resolved:
            walker.ctx.emit(OperationKind.EXEC_DYNAMIC, source=source, resolved=False, detail={"reason": f"{program} -c with code that has no static value"})
            return None
        rest = operands[2:]
        positional = [arg.text for arg in rest] if all(arg.resolved for arg in rest) else None
        if len(operands) > 1:
            # `bash -c CODE NAME ARGS...`: NAME becomes $0.
            state = state.copy()
            state.arg0 = operands[1].text if operands[1].resolved else None
        return analyze_code(walker, code.text, state, source=source, positional=positional, same_shell=False)
    if operands and not stdin_mode:
        return run_script_file(walker, operands[0], operands[1:], state, source=source, same_shell=False)
    return run_stdin_code(walker, program, stdin, state, source=source, inherited=stdin is INHERITED)


def run_stdin_code(walker: "Walker", program: str, stdin: "Stdin", state: ShellState, *, source: str, inherited: bool) -> str | None:
    if inherited:
        return None
    if not isinstance(stdin, str):
        walker.ctx.emit(OperationKind.EXEC_DYNAMIC, source=source, resolved=False, detail={"reason": f"{program} runs code from a pipe with no static content"})
        return None
    if program in ("bash", "sh", "zsh", "dash", "ksh", "mksh", "ash"):
        return analyze_code(walker, stdin, state, source=source, same_shell=False)
    interpreters.scan(walker, program, stdin, state, source=source)
    return None


def run_script_file(walker: "Walker", script: Arg, args: list[Arg], state: ShellState, *, source: str, same_shell: bool) -> str | None:
    ctx = walker.ctx
    if not script.resolved:
        ctx.emit(OperationKind.EXEC_DYNAMIC, source=source, resolved=False, detail={"reason": "script path has no static value"})
        return None
    path = words.resolve_path(script.text, state.cwd)
    code = script_text(ctx, path, script.text, source=source)
    if code is None:
        return None
    ctx.emit(OperationKind.READ, paths.follow_paths(script.text, state.cwd) or (), source=source)
    positional = [arg.text for arg in args] if all(arg.resolved for arg in args) else None
    return analyze_code(walker, code, state, source=source, positional=positional, same_shell=same_shell)


def run_script_path(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", *, source: str) -> str | None:
    """Analyze a program run by path: a script by its shebang; a binary is unknown."""
    ctx = walker.ctx
    path = words.resolve_path(name, state.cwd)
    planned = path is not None and path in ctx.file_contents and ctx.file_contents[path] is not None
    if not planned and never_exists(ctx, path):
        return None
    if path is None or not planned and (path in ctx.created_paths or not os.path.exists(path)):
        ctx.emit(OperationKind.EXEC_DYNAMIC, paths=() if path is None else (path,), source=source, resolved=False,
                 detail={"reason": f"program {name!r} cannot be read before it runs"})
        return None
    code = planned_text(ctx, path)
    if code is None:
        # A binary: an unknown program, which may change files where it runs.
        from safeshell.shell.commands import emit_unknown_program

        ctx.unknown_program_ran = True
        emit_unknown_program(walker, os.path.basename(name), [state.cwd], source=source)
        return None
    interpreter = shebang_program(code)
    if interpreter is None or interpreter in ("bash", "sh", "zsh", "dash", "ksh", "mksh", "ash"):
        positional = [arg.text for arg in args] if all(arg.resolved for arg in args) else None
        return analyze_code(walker, code, state, source=source, positional=positional, same_shell=False)
    interpreters.scan(walker, interpreter, code, state, source=source)
    return None


def shebang_program(code: str) -> str | None:
    if not code.startswith("#!"):
        return None
    words_in_line = code[2:].split("\n", 1)[0].split()
    if not words_in_line:
        return None
    program = os.path.basename(words_in_line[0])
    if program == "env":
        rest = [word for word in words_in_line[1:] if not word.startswith("-")]
        program = rest[0] if rest else "env"
    return program


def run_interpreter(walker: "Walker", program: str, args: list[Arg], state: ShellState, stdin: "Stdin", *, source: str) -> str | None:
    """Analyze ``python -c``, ``python file.py``, ``perl -e``, ``node -e``, ``ruby -e`` and stdin code."""
    from safeshell.shell.walker import INHERITED

    ctx = walker.ctx
    if interpreters.family(program) == "python":
        trainctl_args = trainctl.module_args(args)
        if trainctl_args is not None:
            trainctl.run(walker, trainctl_args, state, source=source)
            return None
    plan = interpreters.parse_invocation(program, args)
    if plan.unresolved:
        ctx.emit(OperationKind.EXEC_DYNAMIC, source=source, resolved=False, detail={"reason": f"{program} arguments have no static value"})
        return None
    for path_text in plan.inplace_files:
        located = paths.follow_paths(path_text, state.cwd)
        if located is None:
            ctx.emit(OperationKind.WRITE, source=source, resolved=False, detail={"target": path_text})
        else:
            ctx.emit(OperationKind.WRITE, located, source=source)
    if plan.chdir is not None:
        state = state.copy()
        state.cwd = words.resolve_path(plan.chdir, state.cwd)
    if plan.code is not None:
        interpreters.scan(walker, program, plan.code, state, source=source)
    elif plan.script is not None:
        script_path = words.resolve_path(plan.script, state.cwd)
        code = script_text(ctx, script_path, plan.script, source=source)
        if code is None:
            return None
        ctx.emit(OperationKind.READ, (script_path,), source=source)
        interpreters.scan(walker, program, code, state, source=source)
    elif plan.module is not None:
        module_path = words.resolve_path(plan.module, state.cwd)
        if module_path is not None and os.path.isfile(module_path):
            code = script_text(ctx, module_path, plan.module, source=source)
            if code is not None:
                ctx.emit(OperationKind.READ, (module_path,), source=source)
                interpreters.scan(walker, program, code, state, source=source)
        else:
            _run_installed_module(walker, plan.module.removesuffix(".py").replace("/", "."), args, state, source=source)
    elif plan.reads_stdin:
        run_stdin_code(walker, program, stdin, state, source=source, inherited=stdin is INHERITED)
    return None


def _run_installed_module(walker: "Walker", module: str, args: list[Arg], state: ShellState, *, source: str) -> None:
    """Report what ``python -m MODULE ARGS`` does for standard-library modules with a file command line.

    Any other installed module is an unknown program: its code is not read here.
    """
    from safeshell.shell.commands import emit_unknown_program, emit_write, run_argv
    from safeshell.shell.programs import emit_paths

    start = next((index + 1 for index, arg in enumerate(args) if arg.text.startswith("-m") and not arg.text.startswith("--")), len(args))
    rest = args[start + 1 :] if start < len(args) and args[start - 1].text == "-m" else args[start:]
    flags = {arg.text for arg in rest if arg.text.startswith("-")}
    operands = [arg for arg in rest if not arg.text.startswith("-")]
    if module in ("zipfile", "tarfile") and ("-e" in flags or "--extract" in flags):
        target = operands[1:2] or [Arg(".", True, ".")]
        emit_paths(walker, OperationKind.READ, operands[:1], state, source=source)
        emit_paths(walker, OperationKind.WRITE, target, state, source=source, detail={"extract": True})
    elif module in ("zipfile", "tarfile") and ("-c" in flags or "--create" in flags):
        if operands:
            emit_write(walker, operands[0], state, source=source, truncate=True)
        emit_paths(walker, OperationKind.READ, operands[1:], state, source=source)
    elif module in ("zipfile", "tarfile"):
        emit_paths(walker, OperationKind.READ, operands[:1], state, source=source)
    elif module == "json.tool":
        values = [arg for arg in operands if not arg.text.isdigit()]  # `--indent 2`
        emit_paths(walker, OperationKind.READ, values[:1], state, source=source)
        for outfile in values[1:2]:
            emit_write(walker, outfile, state, source=source, truncate=True)
    elif module == "venv":
        emit_paths(walker, OperationKind.CREATE, operands, state, source=source)
    elif module == "pip":
        run_argv(walker, [Arg("pip", True, "pip"), *rest], state.copy(), None, source=source)
    elif module in ("torch.distributed.run", "torch.distributed.launch", "accelerate.commands.launch"):
        run_python_launcher(walker, module, rest, state, None, source=source)  # runs its .py operand, as torchrun does
    elif module == "safeshell.cli.main":
        run_safeshell(walker, rest, state.copy(), None, source=source)  # the safeshell command itself
    elif module == "gzip":
        # Like the gzip program, except that the input file is kept.
        run_argv(walker, [Arg("gzip", True, "gzip"), *rest, Arg("-k", True, "-k")], state.copy(), None, source=source)
    else:
        walker.ctx.unknown_program_ran = True
        emit_unknown_program(walker, f"python -m {module}", [state.cwd], source=source)


def run_python_launcher(walker: "Walker", program: str, args: list[Arg], state: ShellState, stdin: "Stdin", *, source: str) -> str | None:
    """Scan the script a distributed launcher runs: its first ``.py`` operand."""
    if any(not arg.resolved for arg in args):
        walker.ctx.emit(OperationKind.EXEC_DYNAMIC, source=source, resolved=False, detail={"reason": f"{program} arguments have no static value"})
        return None
    for index, arg in enumerate(args):
        if arg.text.endswith(".py") and not arg.text.startswith("-"):
            return run_interpreter(walker, "python3", args[index:], state, stdin, source=source)
    return None


def run_safeshell(walker: "Walker", args: list[Arg], state: ShellState, stdin: "Stdin", *, source: str) -> str | None:
    """``safeshell approve`` is an approval attempt; ``safeshell -c`` and ``--`` run code."""
    from safeshell.shell.commands import run_argv

    ctx = walker.ctx
    index = 0
    while index < len(args):
        text = args[index].text
        if text in ("--workspace", "--approval"):
            index += 2
            continue
        if text == "approve":
            ctx.emit(OperationKind.APPROVE, source=source, detail={"reason": "grants an approval request"})
            return None
        if text == "-c" and index + 1 < len(args):
            code = args[index + 1]
            if not code.resolved:
                ctx.emit(OperationKind.EXEC_DYNAMIC, source=source, resolved=False, detail={"reason": "safeshell -c with code that has no static value"})
                return None
            return analyze_code(walker, code.text, state, source=source, same_shell=False)
        if text == "--":
            return run_argv(walker, args[index + 1 :], state.copy(), stdin, source=source)
        if not args[index].resolved:
            ctx.emit(OperationKind.EXEC_DYNAMIC, source=source, resolved=False, detail={"reason": "safeshell arguments have no static value"})
            return None
        if not text.startswith("-"):
            return None
        index += 1
    return None
