"""Simple commands: expansion, redirects, builtins and dispatch by program.

:func:`run_command_node` expands a command node, applies its redirects and
hands the argument vector to :func:`run_argv`, which wrappers, ``xargs``,
``find -exec`` and interpreters call again with the command they run.
"""

from __future__ import annotations

import os

from safeshell.operations import OperationKind
from safeshell.shell import interpreters, paths, programs, semantics, shells, trainctl, words
from safeshell.shell.fields import Arg
from safeshell.shell.model import SimpleCommand
from safeshell.shell.quick import quote_word
from safeshell.shell.state import LimitExceeded, ShellState
from safeshell.shell.words import node_text

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any

    from safeshell.shell.walker import Stdin, Walker
    from safeshell.shell.words import Node

OUTPUT_OPERATORS = {">": "truncate", ">|": "truncate", "&>": "truncate", ">&": "truncate", ">>": "append", "&>>": "append", "<>": "append"}


def run_command_node(walker: "Walker", node: Node, state: ShellState, stdin: "Stdin", *, redirects: list[Node]) -> str | None:
    from safeshell.shell.walker import PIPED_UNKNOWN

    if node.child_count > walker.ctx.limits.max_nodes:
        raise LimitExceeded(f"a command has more than {walker.ctx.limits.max_nodes} words")
    source = node_text(node)
    assignments: list[Node] = []
    name_node: Node | None = None
    argument_nodes: list[Node] = []
    inner_redirects: list[Node] = []
    for child in node.named_children:
        if child.type == "variable_assignment":
            assignments.append(child)
        elif child.type == "command_name":
            name_node = child
        elif child.type.endswith("redirect"):
            inner_redirects.append(child)
        elif child.type != "comment":
            argument_nodes.append(child)
    all_redirects = inner_redirects + list(redirects)

    if name_node is None:
        for assignment in assignments:
            walker.assign(assignment, state)
        apply_redirects(walker, all_redirects, state, source=source)
        return ""

    prefix: dict[str, str | None] = {}
    for assignment in assignments:
        walker.assign(assignment, state, target=prefix)
    argv = words.expand_words(walker, [*name_node.named_children, *argument_nodes], state)
    stdin, trailing = redirect_stdin(walker, all_redirects, state, stdin)
    apply_redirects(walker, all_redirects, state, source=source)

    output = run_argv(walker, argv, state, stdin, source=source, prefix=prefix)
    record_written_content(walker, all_redirects, state, output)
    if redirects_stdout(all_redirects):
        output = ""
    for kind, trailing_node in trailing:
        if kind == "pipe":
            output = walker._walk_pipeline_tail(trailing_node, state, output)
        elif kind == "||":
            walker.walk(trailing_node, state.copy())
        else:
            walker.walk(trailing_node, state)
    if output is None and stdin is PIPED_UNKNOWN:
        return None
    return output


def run_argv(
    walker: "Walker",
    argv: list[Arg],
    state: ShellState,
    stdin: "Stdin",
    *,
    source: str,
    prefix: dict[str, str | None] | None = None,
    functions: bool = True,
) -> str | None:
    """Run the analysis of one argument vector; return its static output or None.

    ``prefix`` holds the command's own assignments (``X=1 cmd``), visible to
    the programs it starts; ``functions`` is False under ``command``/``builtin``.
    """
    ctx = walker.ctx
    argv = [arg for arg in argv]
    if not argv:
        return ""
    ctx.record_command(
        SimpleCommand(
            argv=tuple(arg.text for arg in argv),
            cwd=state.cwd,
            source=source,
            resolved=all(arg.resolved for arg in argv),
            depth=walker.depth,
        )
    )
    head = argv[0]
    if not head.resolved:
        ctx.emit(OperationKind.EXEC_DYNAMIC, source=source, resolved=False, detail={"reason": "the program name has no static value"})
        for arg in argv[1:]:
            if arg.resolved:
                located = paths.follow_paths(arg.text, state.cwd)
                if located:
                    ctx.emit(OperationKind.READ, located, source=source)
        return None
    name = head.text
    args = argv[1:]

    if functions and name in state.aliases:
        return _run_alias(walker, name, args, state, source=source)
    if functions and name in state.functions:
        return shells.call_function(walker, state.functions[name], args, state, stdin, source=source)
    program = os.path.basename(name) if "/" in name else name
    builtin = BUILTINS.get(program)
    if builtin is not None and "/" not in name:
        return builtin(walker, args, state, stdin, source)
    if prefix:
        state = state.copy()
        state.variables.update(prefix)
    if program in semantics.WRAPPERS:
        return programs.unwrap(walker, program, args, state, stdin, source=source, prefix=prefix)
    if program in semantics.RUNNERS and args and args[0].text in ("run", "exec", "dlx", "x"):
        parsed = programs.parse_options(args[1:], semantics.RUNNERS[program], stop_at_operand=True)
        operands = parsed.operands
        if program == "uv" and operands and operands[0].text.endswith(".py"):
            operands = [Arg("python3", True, "python3"), *operands]  # `uv run script.py` runs it with Python
        return run_argv(walker, operands, state.copy(), stdin, source=source)
    if program in semantics.PYTHON_LAUNCHERS or program.startswith(semantics.PYTHONS_PREFIX):
        # A training or conversion script writes where its output option points (`train.py --output_dir DIR`).
        _emit_output_options(walker, args, state, source=source)
    if program in semantics.PYTHON_LAUNCHERS:
        return shells.run_python_launcher(walker, program, args, state, stdin, source=source)
    if program in semantics.SHELLS:
        return shells.run_shell(walker, program, args, state, stdin, source=source)
    if program.startswith(semantics.PYTHONS_PREFIX) or program in ("perl", "node", "nodejs", "ruby", "deno", "bun") or interpreters.is_opaque(program):
        return shells.run_interpreter(walker, program, args, state, stdin, source=source)
    if program == "safeshell":
        return shells.run_safeshell(walker, args, state, stdin, source=source)
    if program == "trainctl":
        trainctl.run(walker, args, state, source=source)
        # A trainctl by path is also scanned as the script it is.
        return shells.run_script_path(walker, name, args, state, stdin, source=source) if "/" in name else None
    if program.startswith("mkfs.") and program not in semantics.PROGRAMS:
        program = "mkfs"  # every mkfs.TYPE formats the device it is given
    spec = semantics.PROGRAMS.get(program)
    if spec is not None:
        return programs.apply(walker, program, spec, args, state, stdin, source=source)
    if program in semantics.NO_EFFECT:
        return None  # no file effects, but an output the analysis does not know
    if "/" in name:
        return shells.run_script_path(walker, name, args, state, stdin, source=source)
    ctx.unknown_program_ran = True
    emit_unknown_program(walker, program, [state.cwd, *_directory_options(args, state), *_output_directories(program, args, state)],
                         source=source)
    _emit_output_options(walker, args, state, source=source)
    emit_existing_reads(walker, args, state, source=source)
    if program not in REMOTE_RUNNERS:
        _run_embedded_command(walker, args, state, source=source)
    return None


def _runnable_programs() -> frozenset[str]:
    """Return the programs that change files or run code, which a wrapper the analysis does not know may run."""
    changing = {name for name, spec in semantics.PROGRAMS.items() if spec.action != "read"}
    return frozenset({*changing, *semantics.SHELLS, *semantics.WRAPPERS, "python", "python3", "perl", "node", "ruby",
                      "trainctl", "safeshell"})


RUNNABLE_PROGRAMS = _runnable_programs()
# Programs that run their command on another machine or in a container,
# where paths name nothing of this file system.
REMOTE_RUNNERS = frozenset({"kubectl", "oc", "docker-compose", "podman-compose", "vagrant", "gcloud", "az", "ansible", "pdsh",
                            "clush", "mosh", "lxc", "incus", "multipass"})


def _run_embedded_command(walker: "Walker", args: list[Arg], state: ShellState, *, source: str) -> None:
    """Analyze ``PROGRAM ARGS`` found among the arguments of a program without known semantics.

    Wrappers such as ``gosu USER rm -rf DIR``, ``tini -- CMD`` or
    ``eatmydata CMD`` run the command they are given. So an argument that
    names a program which changes files, followed by its own arguments, is
    taken to be such a command.
    """
    for index, arg in enumerate(args[:-1]):
        if arg.resolved and os.path.basename(arg.text) in RUNNABLE_PROGRAMS:
            run_argv(walker, args[index:], state.copy(), None, source=source)
            return


# Options by which programs of every kind name the file or directory they
# write (`pandoc -o OUT`, `iconv -o OUT`, `tool --output-dir DIR`).
OUTPUT_OPTIONS = frozenset({"-o", "-out", "--out", "--output", "--output-file", "--outfile", "--output-document", "--output-dir",
                            "--output_dir", "--outdir", "--out-dir", "--save-dir", "--save_dir", "--save-path", "--save_path"})


def _emit_output_options(walker: "Walker", args: list[Arg], state: ShellState, *, source: str) -> None:
    """Report a write of each value of an output option of a program without known semantics."""
    for index, arg in enumerate(args):
        text = arg.text
        value: Arg | None = None
        if text in OUTPUT_OPTIONS and index + 1 < len(args):
            value = args[index + 1]
        elif text.startswith("--") and text.partition("=")[0] in OUTPUT_OPTIONS and "=" in text:
            value = Arg(text.partition("=")[2], arg.resolved, arg.source)
        if value is not None and value.text not in ("-", ""):
            programs.emit_paths(walker, OperationKind.WRITE, [value], state, source=source, detail={"output_option": text})


def emit_existing_reads(walker: "Walker", args: list[Arg], state: ShellState, *, source: str) -> None:
    """Report a read of every file a program without known semantics is handed.

    An argument is taken as a file when it exists or contains a ``/`` (and
    is no URL). Such a program may read what it is given (``base64 KEY``);
    only rules on reads (the approval key) match these.
    """
    for arg in args:
        if not arg.resolved:
            continue
        text = arg.text.split("=", 1)[1] if arg.text.startswith("--") and "=" in arg.text else arg.text
        if not text or text.startswith("-") or len(text) > 4096:
            continue
        path = words.resolve_path(text, state.cwd)
        if path is not None and ("/" in text and "://" not in text or os.path.isfile(path)):
            located = paths.follow_paths(text, state.cwd)
            if located:
                walker.ctx.emit(OperationKind.READ, located, source=source)


def emit_unknown_program(walker: "Walker", program: str, directories: list[str | None], *, source: str) -> None:
    """Report that a program without known semantics may create or change files in ``directories``.

    The report is a create of each directory. A rule that protects the
    directory or a tree above it matches, but one that protects a path
    below it does not. So ``make`` inside current_model/ needs approval and
    ``make`` in the workspace root does not. None in ``directories`` is a
    directory with no static value, which fails closed.
    """
    detail = {"program": program, "reason": f"{program} has no known semantics and runs in this directory"}
    known = [directory for directory in directories if directory is not None]
    if len(known) < len(directories):
        walker.ctx.emit(OperationKind.CREATE, source=source, resolved=False, detail=detail)
    if known:
        walker.ctx.emit(OperationKind.CREATE, known, source=source, detail=detail)


# Options of common build and package tools whose value is a directory the
# tool creates or writes into, whether or not it exists yet.
OUTPUT_DIRECTORY_OPTIONS = {
    "cmake": frozenset({"-B", "--build", "--install-prefix"}),
    "npm": frozenset({"--prefix"}),
    "pip": frozenset({"-t", "--target", "--prefix", "--root", "--src"}),
    "pip3": frozenset({"-t", "--target", "--prefix", "--root", "--src"}),
    "cargo": frozenset({"--target-dir"}),
    "meson": frozenset({"setup"}),  # the subcommand `meson setup BUILDDIR`
    "huggingface-cli": frozenset({"--local-dir", "--cache-dir"}),  # `download REPO --local-dir DIR`
    "hf": frozenset({"--local-dir", "--cache-dir"}),
}


def _output_directories(program: str, args: list[Arg], state: ShellState) -> list[str | None]:
    """Return the directories a build or package tool writes by an option (``cmake -B DIR``, ``pip install -t DIR``)."""
    options = OUTPUT_DIRECTORY_OPTIONS.get(program)
    if options is None:
        return []
    found: list[str | None] = []
    for index, arg in enumerate(args):
        name, equals, attached = arg.text.partition("=")
        if name in options and equals:
            value = Arg(attached, arg.resolved, arg.source)
        elif arg.text in options and index + 1 < len(args):
            value = args[index + 1]
        elif len(arg.text) > 2 and arg.text[:2] in options and not arg.text.startswith("--"):
            value = Arg(arg.text[2:], arg.resolved, arg.source)  # `cmake -Bbuild`
        else:
            continue
        found.append(words.resolve_path(value.text, state.cwd) if value.resolved else None)
    return found


def _directory_options(args: list[Arg], state: ShellState) -> list[str | None]:
    """Return the directories named by ``-C DIR``, ``--directory DIR`` or ``--directory=DIR``.

    Most programs that take these (make, ninja, tar, git) change into the
    directory. So for a program without known semantics an existing
    directory is taken as a second working directory.
    """
    found: list[str | None] = []
    base = state.cwd  # a second -C is relative to the first, as in make and git
    for index, arg in enumerate(args):
        text = arg.text
        value: Arg | None = None
        if text in ("-C", "--directory", "--cwd", "--chdir") and index + 1 < len(args):
            value = args[index + 1]
        elif text.startswith(("--directory=", "--cwd=", "--chdir=")) and arg.resolved:
            value = Arg(text.split("=", 1)[1], True, text)
        if value is None:
            continue
        if not value.resolved:
            found.append(None)
            continue
        path = words.resolve_path(value.text, base)
        if path is None:
            found.append(None)
        elif os.path.isdir(path):
            found.append(path)
            base = path
    return found


def _run_alias(walker: "Walker", name: str, args: list[Arg], state: ShellState, *, source: str) -> str | None:
    """Analyze an alias call as its value followed by the arguments.

    bash expands aliases only where ``expand_aliases`` is on and only in
    lines read after the definition. The analysis expands every later use,
    which can only report more. The alias is not expanded again inside its
    own value, as in bash.
    """
    value = state.aliases[name]
    if value is None:
        walker.ctx.emit(OperationKind.EXEC_DYNAMIC, source=source, resolved=False,
                        detail={"reason": f"alias {name!r} has no static value"})
        return None
    words_after = " ".join(quote_word(arg.text) if arg.resolved else arg.source for arg in args)
    del state.aliases[name]
    try:
        return shells.analyze_code(walker, f"{value} {words_after}".strip(), state, source=source)
    finally:
        state.aliases[name] = value


# -- redirects -----------------------------------------------------------------------


def redirect_stdin(walker: "Walker", redirects: list[Node], state: ShellState, stdin: "Stdin") -> tuple["Stdin", list[tuple[str, Node]]]:
    """Return the standard input the redirects give and the statements a heredoc carries along."""
    from safeshell.shell.walker import PIPED_UNKNOWN

    trailing: list[tuple[str, Node]] = []
    for redirect in redirects:
        if redirect.type == "herestring_redirect":
            values = [child for child in redirect.named_children]
            if values:
                arg = words.expand_single(walker, values[-1], state)
                stdin = arg.text + "\n" if arg.resolved else PIPED_UNKNOWN
        elif redirect.type == "heredoc_redirect":
            stdin = heredoc_text(walker, redirect, state)
            pending_operator = None
            for child in redirect.children:
                if child.type == "pipeline":
                    trailing.append(("pipe", child))
                elif child.type in ("&&", "||", ";"):
                    pending_operator = child.type
                elif child.is_named and child.type not in ("heredoc_start", "heredoc_body", "heredoc_end", "file_redirect", "heredoc_content"):
                    trailing.append((pending_operator or ";", child))
        elif redirect.type == "file_redirect" and _operator(redirect) == "<":
            target = _destination(redirect)
            if target is not None:
                arg = words.expand_redirect_target(walker, target, state)
                stdin = _read_small_file(walker, arg, state)
    return stdin, trailing


def heredoc_text(walker: "Walker", redirect: Node, state: ShellState) -> Any:
    from safeshell.shell.walker import PIPED_UNKNOWN

    start = next((child for child in redirect.children if child.type == "heredoc_start"), None)
    body = next((child for child in redirect.children if child.type == "heredoc_body"), None)
    if body is None:
        return ""
    delimiter = node_text(start) if start is not None else ""
    literal = any(char in delimiter for char in "'\"\\")
    strip_tabs = any(child.type == "<<-" for child in redirect.children)
    if literal:
        text = node_text(body)
    else:
        pieces: list[str] = []
        cursor = body.start_byte
        raw = body.text
        for child in body.named_children:
            if child.type in ("simple_expansion", "expansion", "command_substitution", "arithmetic_expansion"):
                pieces.append(raw[cursor - body.start_byte : child.start_byte - body.start_byte].decode("utf-8", "surrogateescape"))
                try:
                    value = "".join(piece.text for piece in words.word_pieces(walker, child, state, quoted=True))
                except words.Unknown:
                    return PIPED_UNKNOWN
                pieces.append(value)
                cursor = child.end_byte
        pieces.append(raw[cursor - body.start_byte :].decode("utf-8", "surrogateescape"))
        text = "".join(pieces)
        if "`" in text:
            # The parser leaves `CMD` in a heredoc body as text; the shell runs it.
            text = _heredoc_backticks(walker, text, state)
            if text is None:
                return PIPED_UNKNOWN
    if strip_tabs:
        text = "\n".join(line.lstrip("\t") for line in text.split("\n"))
    return text


def _heredoc_backticks(walker: "Walker", text: str, state: ShellState) -> str | None:
    """Run each `CMD` of an unquoted heredoc body; return the body with their outputs, or None if one is unknown."""
    from safeshell.shell import shells

    parts = text.split("`")
    if len(parts) % 2 == 0:
        return None  # an unmatched backquote: bash reports an error
    result = [parts[0]]
    for index in range(1, len(parts), 2):
        output = shells.analyze_code(walker, parts[index], state.copy(), source=parts[index], same_shell=False)
        if output is None:
            return None
        result.append(output.rstrip("\n"))
        result.append(parts[index + 1])
    return "".join(result)


def apply_redirects(walker: "Walker", redirects: list[Node], state: ShellState, *, source: str) -> None:
    for redirect in redirects:
        if redirect.type == "heredoc_redirect":
            apply_redirects(walker, [child for child in redirect.named_children if child.type == "file_redirect"], state, source=source)
            continue
        if redirect.type != "file_redirect":
            continue
        operator = _operator(redirect)
        destinations = [child for child in redirect.named_children if redirect.field_name_for_child(_index(redirect, child)) == "destination"]
        for extra in destinations[1:]:
            walker.walk_substitutions(extra, state)
            if extra.type in ("process_substitution", "command_substitution"):
                walker.walk_inner(extra, state.copy())
        if not destinations:
            continue
        target = destinations[0]
        if target.type in ("process_substitution",):
            walker.walk_inner(target, state.copy())
            continue
        if operator in (">&", "<&") and target.type == "number" or node_text(target) == "-":
            continue
        mode = OUTPUT_OPERATORS.get(operator or "")
        arg = words.expand_redirect_target(walker, target, state)
        if mode is None:
            if operator == "<" and arg.resolved:
                located = paths.follow_paths(arg.text, state.cwd)
                if located:
                    walker.ctx.emit(OperationKind.READ, located, source=source)
            continue
        emit_write(walker, arg, state, source=source, truncate=mode == "truncate")


def emit_write(walker: "Walker", arg: Arg, state: ShellState, *, source: str, truncate: bool) -> None:
    """Emit the operation of writing to ``arg``: truncate or append, create when missing."""
    ctx = walker.ctx
    if not arg.resolved:
        kind = OperationKind.TRUNCATE if truncate else OperationKind.WRITE
        ctx.emit(kind, source=source, resolved=False, detail={"target": arg.source})
        return
    if arg.text in semantics_devices():
        return
    located = paths.follow_paths(arg.text, state.cwd)
    if located is None:
        ctx.emit(OperationKind.WRITE, source=source, resolved=False, detail={"target": arg.text})
        return
    if not os.path.lexists(located[0]) and located[0] not in ctx.created_paths:
        ctx.emit(OperationKind.CREATE, located, source=source)
    else:
        ctx.emit(OperationKind.TRUNCATE if truncate else OperationKind.WRITE, located, source=source)


def record_written_content(walker: "Walker", redirects: list[Node], state: ShellState, output: str | None) -> None:
    """Remember what a command's stdout redirect writes, for a script run later in the command."""
    for redirect in redirects:
        if redirect.type == "heredoc_redirect":
            record_written_content(walker, [child for child in redirect.named_children if child.type == "file_redirect"], state, output)
            continue
        if redirect.type != "file_redirect":
            continue
        operator = _operator(redirect)
        descriptor = redirect.child_by_field_name("descriptor")
        if operator not in (">", ">|", ">>", "&>", "&>>") or (descriptor is not None and node_text(descriptor) != "1"):
            continue
        target = _destination(redirect)
        if target is None or target.type not in ("word", "string", "raw_string", "concatenation"):
            continue
        arg = words.expand_single(walker, target, state)
        path = words.resolve_path(arg.text, state.cwd) if arg.resolved else None
        if path is None:
            continue
        contents = walker.ctx.file_contents
        if output is None or operator.startswith("&"):
            contents[path] = None
        elif operator == ">>":
            previous = contents[path] if path in contents else shells.planned_text(walker.ctx, path)
            contents[path] = None if previous is None else previous + output
        else:
            contents[path] = output


def semantics_devices() -> frozenset[str]:
    from safeshell.shell.walker import DEVICE_TARGETS

    return DEVICE_TARGETS


def redirects_stdout(redirects: list[Node]) -> bool:
    for redirect in redirects:
        if redirect.type == "heredoc_redirect":
            if redirects_stdout([child for child in redirect.named_children if child.type == "file_redirect"]):
                return True
            continue
        if redirect.type != "file_redirect":
            continue
        operator = _operator(redirect)
        descriptor = redirect.child_by_field_name("descriptor")
        if operator in OUTPUT_OPERATORS and (descriptor is None or node_text(descriptor) == "1" or operator.startswith("&")):
            return True
    return False


def _operator(redirect: Node) -> str | None:
    for child in redirect.children:
        if not child.is_named:
            return child.type
    return None


def _destination(redirect: Node) -> Node | None:
    return redirect.child_by_field_name("destination")


def _index(parent: Node, child: Node) -> int:
    for index, candidate in enumerate(parent.children):
        if candidate.id == child.id:
            return index
    return -1


def _read_small_file(walker: "Walker", arg: Arg, state: ShellState) -> Any:
    from safeshell.shell.walker import PIPED_UNKNOWN

    if not arg.resolved:
        return PIPED_UNKNOWN
    path = words.resolve_path(arg.text, state.cwd)
    if path is None:
        return PIPED_UNKNOWN
    text = shells.planned_text(walker.ctx, path)
    return PIPED_UNKNOWN if text is None else text


# -- builtins ---------------------------------------------------------------------------


def _cd(walker: "Walker", args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str:
    operands = [arg for arg in args if not (arg.resolved and arg.text in ("-L", "-P", "-e", "-@"))]
    if operands and operands[0].text == "--":
        operands = operands[1:]
    if not operands:
        target: str | None = walker.ctx.home
    elif not operands[0].resolved:
        target = None
    elif operands[0].text == "-":
        target = state.oldpwd
    else:
        target = words.resolve_path(operands[0].text, state.cwd)
    change_directory(walker, state, target)
    return ""


def change_directory(walker: "Walker", state: ShellState, target: str | None) -> None:
    """Move the tracked cwd; a directory that does not exist (and was not created here) makes it unknown."""
    if target is not None and not os.path.isdir(target) and target not in walker.ctx.created_paths:
        target = None
    state.oldpwd = state.cwd
    state.cwd = target


def _pushd(walker: "Walker", args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str:
    operands = [arg for arg in args if not arg.text.startswith(("-", "+"))]
    if not operands:
        return ""
    state.dirstack.append(state.cwd)
    target = words.resolve_path(operands[0].text, state.cwd) if operands[0].resolved else None
    change_directory(walker, state, target)
    return ""


def _popd(walker: "Walker", args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str:
    if state.dirstack:
        state.oldpwd = state.cwd
        state.cwd = state.dirstack.pop()
    else:
        state.cwd = None
    return ""


def _echo(walker: "Walker", args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    if not all(arg.resolved for arg in args):
        return None
    texts = [arg.text for arg in args]
    newline = True
    interpret = False
    while texts and texts[0].startswith("-") and len(texts[0]) > 1 and set(texts[0][1:]) <= set("neE"):
        flags = texts.pop(0)[1:]
        newline = newline and "n" not in flags
        interpret = ("e" in flags) or (interpret and "E" not in flags)
    text = " ".join(texts)
    if interpret:
        text = words.decode_ansi_c(text)
    return text + ("\n" if newline else "")


def _printf(walker: "Walker", args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    if not args or not all(arg.resolved for arg in args):
        return None
    texts = [arg.text for arg in args]
    if texts[0] == "-v":
        if len(texts) > 1:
            state.variables[texts[1]] = None
        return ""
    if texts[0] == "--":
        texts = texts[1:]
    if not texts:
        return None
    return programs.format_printf(texts[0], texts[1:])


def _pwd(walker: "Walker", args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    if state.cwd is None:
        return None
    if any(arg.text == "-P" for arg in args):
        return os.path.realpath(state.cwd) + "\n"  # the physical directory, symlinks resolved
    return state.cwd + "\n"


def _exit(walker: "Walker", args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str:
    state.terminated = True
    return ""


def _read(walker: "Walker", args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str:
    value_options = {"-a", "-d", "-i", "-n", "-N", "-p", "-t", "-u"}
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg.text in value_options:
            skip = True
            continue
        if arg.text.startswith("-"):
            continue
        state.variables[arg.text] = None
    return ""


def _set(walker: "Walker", args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str:
    if args and args[0].text == "--":
        state.positional = [arg.text for arg in args[1:]] if all(arg.resolved for arg in args[1:]) else None
    return ""


def _shift(walker: "Walker", args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str:
    if state.positional:
        count = int(args[0].text) if args and args[0].text.isdigit() else 1
        state.positional = state.positional[count:]
    return ""


def _mapfile(walker: "Walker", args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str:
    operands = [arg.text for arg in args if not arg.text.startswith("-")]
    state.variables[operands[-1] if operands else "MAPFILE"] = None
    return ""


def _eval(walker: "Walker", args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    if not all(arg.resolved for arg in args):
        walker.ctx.emit(OperationKind.EXEC_DYNAMIC, source=source, resolved=False, detail={"reason": "eval of a string with no static value"})
        return None
    return shells.analyze_code(walker, " ".join(arg.text for arg in args), state, source=source)


def _trap(walker: "Walker", args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """Analyze the handler code ``trap CODE SIGNAL...`` installs: it runs later in the same shell."""
    operands = [arg for arg in args if arg.text not in ("-p", "-l", "--")]
    if len(operands) < 2 or operands[0].text in ("-", ""):
        return ""
    return _eval(walker, operands[:1], state, stdin, source)


def _shopt(walker: "Walker", args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str:
    texts = [arg.text for arg in args]
    if "-s" in texts:
        walker.ctx.shell_options.update(text for text in texts if not text.startswith("-"))
    return ""


def _source(walker: "Walker", args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    if not args:
        return ""
    return shells.run_script_file(walker, args[0], args[1:], state, source=source, same_shell=True)


def run_declaration(walker: "Walker", node: Node, state: ShellState) -> str:
    """Walk ``export``, ``local``, ``declare``, ``readonly`` and ``unset``."""
    is_unset = node.type == "unset_command"
    for child in node.named_children:
        if child.type == "variable_assignment":
            walker.assign(child, state)
        elif child.type == "variable_name" and is_unset:
            state.variables[node_text(child)] = ""
        elif child.type == "variable_name":
            state.variables.setdefault(node_text(child), None)
        else:
            walker.walk_substitutions(child, state)
    return ""


def _no_output(walker: "Walker", args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str:
    return ""


def _alias(walker: "Walker", args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """Record ``alias NAME=VALUE`` definitions; a word with no static value may define any alias."""
    for arg in args:
        if not arg.resolved:
            name = arg.source.partition("=")[0]
            if "=" in arg.source and name.replace("-", "_").replace(".", "_").isidentifier():
                state.aliases[name] = None  # a use of it fails closed
            else:
                walker.ctx.emit(OperationKind.EXEC_DYNAMIC, source=source, resolved=False,
                                detail={"reason": "alias definition has no static value"})
            continue
        name, equals, value = arg.text.partition("=")
        if equals and name and not name.startswith("-"):
            state.aliases[name] = value
    return None


def _unalias(walker: "Walker", args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str:
    if any(arg.text == "-a" for arg in args):
        state.aliases.clear()
    for arg in args:
        state.aliases.pop(arg.text, None)
    return ""


BUILTINS: dict[str, Any] = {
    "cd": _cd,
    "pushd": _pushd,
    "popd": _popd,
    "echo": _echo,
    "printf": _printf,
    "pwd": _pwd,
    "exit": _exit,
    "return": _no_output,  # code after `return` is still walked: conservative
    "read": _read,
    "set": _set,
    "shift": _shift,
    "mapfile": _mapfile,
    "readarray": _mapfile,
    "eval": _eval,
    "trap": _trap,
    "shopt": _shopt,
    "source": _source,
    ".": _source,
    "alias": _alias,
    "unalias": _unalias,
    "true": _no_output,
    "false": _no_output,
    ":": _no_output,
}
