"""Handlers for programs whose arguments need more than the generic table.

Each handler has the signature ``(walker, name, args, state, stdin, source)``
and returns the program's static standard output or None.
"""

from __future__ import annotations

import os

from safeshell.operations import OperationKind as K
from safeshell.shell import find_sim, paths
from safeshell.shell.fields import Arg
from safeshell.shell.programs import emit_paths, parse_options
from safeshell.shell.state import ShellState
from safeshell.shell.words import resolve_path

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any, Callable

    from safeshell.shell.walker import Stdin, Walker

    Handler = Callable[["Walker", str, list[Arg], ShellState, Any, str], str | None]


def _opts(*names: str) -> frozenset[str]:
    return frozenset(names)


def tee(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    from safeshell.shell.commands import emit_write

    parsed = parse_options(args, _opts("--output-error"))
    for arg in parsed.operands:
        emit_write(walker, arg, state, source=source, truncate=not parsed.has("-a", "--append"))
    return stdin if isinstance(stdin, str) else None


def rsync(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    parsed = parse_options(args, _opts("-e", "--rsh", "--exclude", "--include", "--filter", "-f", "--files-from", "--backup-dir",
                                       "--suffix", "--chmod", "--chown", "--timeout", "--bwlimit", "--log-file", "--partial-dir",
                                       "--temp-dir", "-T", "--compare-dest", "--link-dest", "--copy-dest", "--exclude-from",
                                       "--include-from", "--password-file", "--port", "--max-size", "--min-size", "-B", "--block-size"))
    local = [arg for arg in parsed.operands if not _is_remote(arg.text)]
    if len(parsed.operands) < 2:
        emit_paths(walker, K.READ, local, state, source=source)
        return None
    destination, sources = parsed.operands[-1], parsed.operands[:-1]
    emit_paths(walker, K.READ, [arg for arg in sources if not _is_remote(arg.text)], state, source=source)
    if parsed.has("-n", "--dry-run") and not parsed.values("--dry-run"):
        return None  # -n lists what would change and changes nothing
    if parsed.has("--remove-source-files"):
        emit_paths(walker, K.DELETE, [arg for arg in sources if not _is_remote(arg.text)], state, source=source)
    if _is_remote(destination.text):
        return None
    emit_paths(walker, K.WRITE, [destination], state, source=source)
    if any(option.startswith("--delete") or option in ("--del", "--prune-empty-dirs") for option, _ in parsed.options):
        emit_paths(walker, K.DELETE, [destination], state, source=source, detail={"contents": True})
    return None


def _is_remote(text: str) -> bool:
    head = text.split("/", 1)[0]
    return ":" in head or text.startswith("rsync://")


def dd(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    notrunc = any(arg.text.startswith("conv=") and "notrunc" in arg.text for arg in args)
    for arg in args:
        if not arg.resolved:
            walker.ctx.emit(K.WRITE, source=source, resolved=False, detail={"operand": arg.source})
        elif arg.text.startswith("of="):
            emit_paths(walker, K.WRITE if notrunc else K.TRUNCATE, [Arg(arg.text[3:], True, arg.source)], state, source=source)
        elif arg.text.startswith("if="):
            emit_paths(walker, K.READ, [Arg(arg.text[3:], True, arg.source)], state, source=source)
    return None


def tar(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    args = list(args)
    # Old-style first argument without a dash: `tar xzf file`.
    if args and args[0].resolved and args[0].text and not args[0].text.startswith("-"):
        letters = args[0].text
        expanded: list[Arg] = []
        rest = args[1:]
        for letter in letters:
            expanded.append(Arg("-" + letter, True, args[0].source))
            if letter in "fCbTXNgK" and rest:
                expanded.append(rest.pop(0))
        args = expanded + rest
    value_options = _opts("-f", "--file", "-C", "--directory", "-b", "--blocking-factor", "-T", "--files-from", "-X",
                          "--exclude-from", "--exclude", "-N", "--newer", "-g", "--listed-incremental", "-K", "--starting-file",
                          "--transform", "--xform", "--owner", "--group", "--mode", "--use-compress-program", "-I", "--strip-components",
                          "--to-command")
    parsed = parse_options(args, value_options)
    if parsed.has("-x", "--extract", "--get") and parsed.has("-O", "--to-stdout"):
        emit_paths(walker, K.READ, parsed.values("-f", "--file"), state, source=source)
        return None  # members go to standard output
    for command in parsed.values("--to-command"):
        # Each member is piped into this shell command instead of being written.
        from safeshell.shell.commands import run_argv

        emit_paths(walker, K.READ, parsed.values("-f", "--file"), state, source=source)
        run_argv(walker, [Arg("sh", True, "sh"), Arg("-c", True, "-c"), command], state.copy(), None, source=source)
        return None
    archives = parsed.values("-f", "--file")
    directory = parsed.values("-C", "--directory")
    extract = parsed.has("-x", "--extract", "--get")
    create = parsed.has("-c", "--create")
    append = parsed.has("-r", "--append", "-u", "--update", "-A", "--catenate", "--concatenate", "--delete")
    if extract:
        emit_paths(walker, K.READ, archives, state, source=source)
        target = directory[-1] if directory else Arg(".", True, ".")
        if target.resolved:
            base = resolve_path(target.text, state.cwd)
            members = [Arg(os.path.join(target.text, arg.text), True, arg.source) for arg in parsed.operands if arg.resolved]
            if not members:
                members = _archive_members(archives[-1] if archives else None, target, state)
            emit_paths(walker, K.WRITE, [target, *members], state, source=source, detail={"extract": True})
            if base is None:
                walker.ctx.emit(K.WRITE, source=source, resolved=False)
        else:
            walker.ctx.emit(K.WRITE, source=source, resolved=False, detail={"operand": target.source})
        return None
    if create or append:
        from safeshell.shell.commands import emit_write

        for archive in archives:
            if archive.text != "-":
                emit_write(walker, archive, state, source=source, truncate=create)
        base_state = state
        if directory and directory[-1].resolved:
            base_state = state.copy()
            base_state.cwd = resolve_path(directory[-1].text, state.cwd)
        emit_paths(walker, K.READ, parsed.operands, base_state, source=source)
        if parsed.has("--remove-files"):
            emit_paths(walker, K.DELETE, parsed.operands, base_state, source=source)
        return None
    emit_paths(walker, K.READ, archives, state, source=source)
    return None


def unzip(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    parsed = parse_options(args, _opts("-d", "-x", "-P"))
    if parsed.has("-l", "-t", "-v", "-p", "-Z", "-z"):
        emit_paths(walker, K.READ, parsed.operands[:1], state, source=source)
        return None
    emit_paths(walker, K.READ, parsed.operands[:1], state, source=source)
    target = (parsed.values("-d") or [Arg(".", True, ".")])[-1]
    # `unzip ARCHIVE MEMBER...` extracts only the named members.
    named = [Arg(os.path.join(target.text, arg.text), True, arg.source) for arg in parsed.operands[1:] if arg.resolved]
    members = named or (_archive_members(parsed.operands[0] if parsed.operands else None, target, state) if target.resolved else [])
    emit_paths(walker, K.WRITE, [target, *members], state, source=source, detail={"extract": True})
    return None


def _archive_members(archive: Arg | None, target: Arg, state: ShellState) -> list[Arg]:
    """Return the paths extracting ``archive`` into ``target`` writes, when they can be listed."""
    from safeshell.shell import archives

    if archive is None or not archive.resolved:
        return []
    names = archives.members(resolve_path(archive.text, state.cwd))
    if not names:
        return []
    return [Arg(os.path.join(target.text, name.lstrip("/")), True, archive.source) for name in names]


def zip_(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    from safeshell.shell.commands import emit_write

    parsed = parse_options(args, _opts("-x", "-i", "-b", "-n", "-t", "-tt", "-P", "-O", "--out"))
    if not parsed.operands:
        return None
    emit_write(walker, parsed.operands[0], state, source=source, truncate=False)
    emit_paths(walker, K.READ, parsed.operands[1:], state, source=source)
    if parsed.has("-m", "--move"):
        emit_paths(walker, K.DELETE, parsed.operands[1:], state, source=source)
    return None


# Suffixes each compressor adds, so that decompressing FILE.SUFFIX writes FILE.
COMPRESS_SUFFIXES = {"gzip": ".gz", "pigz": ".gz", "bzip2": ".bz2", "pbzip2": ".bz2", "xz": ".xz", "lzma": ".lzma",
                     "zstd": ".zst", "lz4": ".lz4", "lzip": ".lz", "brotli": ".br", "compress": ".Z"}
DECOMPRESSORS = {"gunzip": "gzip", "unpigz": "pigz", "bunzip2": "bzip2", "unxz": "xz", "unlzma": "lzma", "unzstd": "zstd",
                 "unlz4": "lz4", "uncompress": "compress"}
# Programs that keep their input file unless --rm is given.
KEEPS_INPUT = frozenset({"zstd", "lz4", "brotli"})


def compress(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """Report a compressor replacing FILE with FILE.gz (or back), or writing ``-o FILE``.

    gzip, bzip2 and xz remove their input unless ``-k``; zstd, lz4 and
    brotli keep it unless ``--rm``. With ``-c`` the output goes to standard
    output and no file is written.
    """
    parsed = parse_options(args, _opts("-S", "--suffix", "-T", "--threads", "-o", "--output", "-p", "--processes",
                                       "--window", "-D", "--dict", "-M", "--memlimit", "-F", "--format"))
    family = DECOMPRESSORS.get(name, name)
    if parsed.has("-l", "--list", "-t", "--test"):
        emit_paths(walker, K.READ, parsed.operands, state, source=source)
        return None
    to_stdout = parsed.has("-c", "--stdout", "--to-stdout")
    outputs = parsed.values("-o", "--output")
    operands = list(parsed.operands)
    if family in ("lz4",) and len(operands) == 2 and not outputs:
        outputs, operands = operands[1:], operands[:1]  # `lz4 -d IN OUT`
    keeps = parsed.has("-k", "--keep") or (family in KEEPS_INPUT and not parsed.has("--rm"))
    emit_paths(walker, K.READ if keeps or to_stdout else K.DELETE, operands, state, source=source)
    if to_stdout:
        return None
    if outputs:
        emit_paths(walker, K.WRITE, outputs, state, source=source)
        return None
    decompress = name in DECOMPRESSORS or parsed.has("-d", "--decompress", "--uncompress")
    suffix = (parsed.values("-S", "--suffix") or [Arg(COMPRESS_SUFFIXES.get(family, ".gz"), True, "")])[-1].text
    written = []
    for arg in operands:
        if not arg.resolved:
            written.append(arg)
            continue
        if decompress:
            stem = arg.text[: -len(suffix)] if suffix and arg.text.endswith(suffix) else os.path.splitext(arg.text)[0]
            written.append(Arg(stem or arg.text, True, arg.source))
        else:
            written.append(Arg(arg.text + suffix, True, arg.source))
    emit_paths(walker, K.WRITE, written, state, source=source)
    return None


def sed(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    # GNU sed: `-i` takes an optional attached suffix, so `-ie` means suffix "e".
    inplace = False
    script_given = False
    scripts: list[Arg] = []
    script_files: list[Arg] = []
    operands: list[Arg] = []
    index = 0
    while index < len(args):
        arg = args[index]
        text = arg.text
        index += 1
        if not arg.resolved or not text.startswith("-") or text == "-":
            operands.append(arg)
            continue
        if text == "--":
            operands.extend(args[index:])
            break
        if text.startswith("--"):
            option = text.split("=", 1)[0]
            inplace = inplace or option == "--in-place"
            if option in ("--expression", "--file"):
                script_given = True
                if "=" in text:
                    value = Arg(text.split("=", 1)[1], True, text)
                elif index < len(args):
                    value = args[index]
                    index += 1
                else:
                    continue
                (scripts if option == "--expression" else script_files).append(value)
            elif option == "--line-length" and "=" not in text:
                index += 1
            continue
        for position, letter in enumerate(text[1:]):
            if letter == "i":
                inplace = True
                break
            if letter in "efl":
                script_given = script_given or letter in "ef"
                rest = text[position + 2 :]
                if rest:
                    value = Arg(rest, True, text)
                elif index < len(args):
                    value = args[index]
                    index += 1
                else:
                    break
                if letter == "e":
                    scripts.append(value)
                elif letter == "f":
                    script_files.append(value)
                break
    if not script_given and operands:
        scripts.append(operands[0])
    files = operands if script_given else operands[1:]
    emit_paths(walker, K.WRITE if inplace else K.READ, files, state, source=source)
    _scan_sed_scripts(walker, scripts, script_files, state, source=source)
    return None


def _scan_sed_scripts(walker: "Walker", scripts: list[Arg], script_files: list[Arg], state: ShellState, *, source: str) -> None:
    from safeshell.shell import sed_scan
    from safeshell.shell.commands import emit_write
    from safeshell.shell.shells import planned_text

    texts: list[str | None] = [arg.text if arg.resolved else None for arg in scripts]
    for arg in script_files:
        emit_paths(walker, K.READ, [arg], state, source=source)
        texts.append(planned_text(walker.ctx, resolve_path(arg.text, state.cwd)) if arg.resolved else None)
    for text in texts:
        if text is None:
            walker.ctx.emit(K.EXEC_DYNAMIC, source=source, resolved=False, detail={"reason": "sed script has no static value"})
            continue
        for effect in sed_scan.scan(text):
            if effect.kind == "exec":
                walker.ctx.emit(K.EXEC_DYNAMIC, source=source, resolved=False, detail={"reason": "sed runs a command (e)"})
            elif effect.path and effect.path not in ("/dev/stdout", "/dev/stderr"):
                emit_write(walker, Arg(effect.path, True, effect.path), state, source=source, truncate=True)


def awk(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    parsed = parse_options(args, _opts("-f", "-v", "-F", "-i", "--include", "--file", "--assign", "--field-separator", "-l", "--load", "-E", "--exec"))
    inplace = any(value.text == "inplace" for value in parsed.values("-i", "--include"))
    programs = parsed.values("-f", "--file", "-E", "--exec")
    operands = parsed.operands if programs else parsed.operands[1:]
    if not programs and parsed.operands:
        program = parsed.operands[0]
        if not program.resolved:
            walker.ctx.emit(K.EXEC_DYNAMIC, source=source, resolved=False, detail={"reason": "awk program has no static value"})
        else:
            _scan_awk(walker, program.text, state, source=source)
    files = [arg for arg in operands if not (arg.resolved and "=" in arg.text and arg.text.split("=", 1)[0].isidentifier())]
    emit_paths(walker, K.WRITE if inplace else K.READ, files, state, source=source)
    return None


def _scan_awk(walker: "Walker", program: str, state: ShellState, *, source: str) -> None:
    from safeshell.shell import token_scan

    tokens = token_scan.tokenize("awk", program)
    in_print = False
    for index, token in enumerate(tokens):
        if token.kind == "word" and token.text in ("system",):
            literal = tokens[index + 2] if index + 3 < len(tokens) and tokens[index + 1].text == "(" and tokens[index + 3].text == ")" else None
            if literal is not None and literal.kind == "string" and not literal.interpolated:
                from safeshell.shell import shells

                shells.analyze_code(walker, literal.text, state, source=source, same_shell=False)
            else:
                walker.ctx.emit(K.EXEC_DYNAMIC, source=source, resolved=False, detail={"reason": "awk system() call"})
        if token.kind == "word" and token.text in ("print", "printf"):
            in_print = True
        elif token.kind == "punct" and token.text in (";", "}", "{"):
            in_print = False
        elif in_print and token.kind == "punct" and token.text in (">", "|"):
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            if following is not None and following.text == ">":
                following = tokens[index + 2] if index + 2 < len(tokens) else None
            if token.text == "|":
                walker.ctx.emit(K.EXEC_DYNAMIC, source=source, resolved=False, detail={"reason": "awk prints into a command"})
            elif following is not None and following.kind == "string":
                emit_paths(walker, K.WRITE, [Arg(following.text, True, following.text)], state, source=source)
            else:
                walker.ctx.emit(K.WRITE, source=source, resolved=False, detail={"reason": "awk prints to a computed file"})
            in_print = False


def uniq(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    from safeshell.shell.commands import emit_write

    parsed = parse_options(args, _opts("-f", "-s", "-w", "--skip-fields", "--skip-chars", "--check-chars", "--group", "--all-repeated"))
    emit_paths(walker, K.READ, parsed.operands[:1], state, source=source)
    if len(parsed.operands) > 1:
        emit_write(walker, parsed.operands[1], state, source=source, truncate=True)
    return None


def at(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``at TIME``, ``batch``: the job is shell code from standard input or ``-f FILE``."""
    from safeshell.shell import shells
    from safeshell.shell.walker import INHERITED

    parsed = parse_options(args, _opts("-f", "-q", "-t", "-m"))
    if any(arg.text in ("-l", "-r", "-d", "-c", "-V") for arg in args):
        return None  # lists, removes or prints jobs
    files = parsed.values("-f")
    if files:
        return shells.run_script_file(walker, files[-1], [], state, source=source, same_shell=False)
    return shells.run_stdin_code(walker, "sh", stdin, state, source=source, inherited=stdin is INHERITED)


TMUX_COMMAND_SUBCOMMANDS = frozenset({"new", "new-session", "new-window", "neww", "split-window", "splitw", "respawn-pane", "respawnp",
                                      "respawn-window", "respawnw", "run-shell", "run"})
TMUX_VALUE_OPTIONS = _opts("-s", "-n", "-c", "-t", "-x", "-y", "-e", "-F", "-f", "-l", "-p", "-L", "-S", "-T")


def tmux(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``tmux new -d CMD`` runs CMD in a shell; ``tmux send-keys -t X CMD Enter`` types it into one."""
    from safeshell.shell import shells

    parsed = parse_options(args, _opts("-L", "-S", "-f", "-T"), stop_at_operand=True)
    if not parsed.operands:
        return None
    subcommand, rest = parsed.operands[0], parsed.operands[1:]
    if not subcommand.resolved:
        walker.ctx.emit(K.EXEC_DYNAMIC, source=source, resolved=False, detail={"reason": "tmux subcommand has no static value"})
        return None
    if subcommand.text in TMUX_COMMAND_SUBCOMMANDS:
        words_run = parse_options(rest, TMUX_VALUE_OPTIONS, stop_at_operand=True).operands
    elif subcommand.text in ("send-keys", "send"):
        words_run = [arg for arg in parse_options(rest, TMUX_VALUE_OPTIONS).operands if arg.text not in ("Enter", "C-m", "KPEnter")]
    else:
        return None
    if not words_run:
        return None
    if any(not arg.resolved for arg in words_run):
        walker.ctx.emit(K.EXEC_DYNAMIC, source=source, resolved=False, detail={"reason": "tmux command has no static value"})
        return None
    return shells.analyze_code(walker, " ".join(arg.text for arg in words_run), state, source=source, same_shell=False)


def screen(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``screen -dmS NAME CMD ARGS``: runs CMD with its arguments in a new session."""
    from safeshell.shell.commands import run_argv

    index = 0
    while index < len(args) and args[index].text.startswith("-"):
        text = args[index].text
        index += 1
        if text in ("-ls", "-list", "-r", "-x", "-X", "-R", "-wipe", "-v", "-version"):
            return None  # attaches to, lists or commands an existing session
        # A bundle whose last letter takes a value (-S NAME, -c FILE...) uses the next word.
        if text[-1] in "SctTehpl" and not text.startswith("--"):
            index += 1
    if index >= len(args):
        return None
    return run_argv(walker, args[index:], state.copy(), None, source=source)


def mktemp(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``mktemp [-d] [-p DIR] [TEMPLATE]``: a new, not yet existing path, which it prints.

    The printed name stands in for the random one: what matters downstream is
    that it is a fresh entry of the temporary directory, not which one.
    """
    parsed = parse_options(args, _opts("-p", "--suffix"))
    if any(not arg.resolved for arg in args):
        walker.ctx.emit(K.CREATE, source=source, resolved=False, detail={"reason": "mktemp arguments have no static value"})
        return None
    directories = parsed.values("-p")
    template = parsed.operands[0].text if parsed.operands else "tmp.XXXXXXXXXX"
    relative_to_tmp = bool(directories) or "/" not in template or parsed.has("-t")
    base = directories[-1].text if directories else (state.lookup("TMPDIR") or "/tmp")
    stem = template.rstrip("X")
    filled = stem + "safeshell" + "0" * max(0, len(template) - len(stem) - 9)
    path = os.path.join(base, os.path.basename(filled)) if relative_to_tmp else filled
    located = resolve_path(path, state.cwd)
    if located is None:
        return None
    if not parsed.has("-u", "--dry-run"):
        walker.ctx.emit(K.CREATE, (located,), source=source)
    return located + "\n"


def sqlite3(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``sqlite3 DATABASE [SQL]``: the database is opened for writing unless -readonly."""
    parsed = parse_options(args, _opts("-cmd", "-separator", "-nullvalue", "-newline", "-init", "-vfs", "-mmap", "-lookaside",
                                       "-pagecache", "-maxsize"))
    kind = K.READ if any(arg.text in ("-readonly", "--readonly") for arg in args) else K.WRITE
    emit_paths(walker, kind, parsed.operands[:1], state, source=source)
    return None


def find(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    return find_sim.run_find(walker, args, state, source=source)


def xargs(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    from safeshell.shell.commands import run_argv

    args = _xargs_optional_values(args)
    parsed = parse_options(args, XARGS_VALUE_OPTIONS, stop_at_operand=True)
    command = parsed.operands or [Arg("echo", True, "echo")]
    replace = parsed.values("-I", "--replace")
    files = parsed.values("-a", "--arg-file")
    items: list[Arg] | None
    if files:
        items = None
    elif isinstance(stdin, str):
        if parsed.has("-0", "--null"):
            words = [word for word in stdin.split("\0") if word]
        elif parsed.values("-d", "--delimiter"):
            delimiter = parsed.values("-d", "--delimiter")[-1].text.replace("\\n", "\n")
            words = [word for word in stdin.split(delimiter) if word]
        elif replace:
            words = [line for line in stdin.split("\n") if line]
        else:
            words = stdin.split()
        items = [Arg(word, True, word) for word in words]
    else:
        items = None
    if items is None:
        items = [Arg("<xargs input>", False, "<xargs input>")]
    if replace:
        # -I runs the command once per input line, with the line in place of the marker.
        marker = replace[-1].text or "{}"
        limit = walker.ctx.limits.max_loop_values
        if len(items) > limit:
            items = [*items[:limit], Arg("<xargs input>", False, "<xargs input>")]
        outputs: list[str | None] = []
        for item in items:
            argv = [Arg(part.text.replace(marker, item.text), part.resolved and item.resolved, part.source)
                    if marker in part.text else part for part in command]
            outputs.append(run_argv(walker, argv, state.copy(), None, source=source))
        return None if any(output is None for output in outputs) else "".join(outputs)  # type: ignore[arg-type]
    return run_argv(walker, [*command, *items], state.copy(), None, source=source)


# xargs options that take the next word as their value.
XARGS_VALUE_OPTIONS = _opts("-I", "-n", "-P", "-d", "-a", "-L", "-s", "-E", "--delimiter", "--arg-file", "--max-args",
                            "--max-procs", "--max-lines", "--eof")


def _xargs_optional_values(args: list[Arg]) -> list[Arg]:
    """Rewrite xargs's options whose value is optional and attached (-i[R], -e[EOF], -l[N], --replace[=R]).

    Alone, -i and --replace mean ``-I {}``; -e and -l change nothing the analysis needs.
    """
    result: list[Arg] = []
    index = 0
    while index < len(args):
        arg = args[index]
        text = arg.text
        if not arg.resolved or not text.startswith("-") or text in ("-", "--"):
            result.extend(args[index:])
            break
        index += 1
        if text in XARGS_VALUE_OPTIONS:
            result.extend(args[index - 1 : index + 1])
            index += 1
        elif text == "--replace" or text.startswith("-i"):
            marker = "{}" if text == "--replace" else text[2:] or "{}"
            result.extend([Arg("-I", True, text), Arg(marker, True, text)])
        elif text.startswith(("-e", "-l")):
            continue
        else:
            result.append(arg)
    return result


def parallel(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    from safeshell.shell.commands import run_argv

    separator = next((index for index, arg in enumerate(args) if arg.text in (":::", "::::")), None)
    head = args if separator is None else args[:separator]
    inputs = None if separator is None or args[separator].text == "::::" else [arg for arg in args[separator + 1 :] if arg.text != ":::"]
    parsed = parse_options(head, _opts("-j", "--jobs", "-S", "--sshlogin", "--joblog", "--results", "-I", "--delay", "--timeout", "--colsep", "-N", "-n", "--max-args"), stop_at_operand=True)
    if inputs is None and isinstance(stdin, str):
        inputs = [Arg(line, True, line) for line in stdin.split("\n") if line]
    if inputs is None:
        inputs = [Arg("<parallel input>", False, "<parallel input>")]
    command = parsed.operands
    if len(command) == 1 and " " in command[0].text:
        command = [Arg("sh", True, "sh"), Arg("-c", True, "-c"), command[0]]
    argv: list[Arg] = []
    substituted = False
    for part in command:
        if "{}" in part.text:
            substituted = True
            argv.extend(Arg(part.text.replace("{}", item.text), part.resolved and item.resolved, part.source) for item in inputs)
        else:
            argv.append(part)
    if not substituted:
        argv.extend(inputs)
    return run_argv(walker, argv, state.copy(), None, source=source)


def watch(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    from safeshell.shell.commands import run_argv

    parsed = parse_options(args, _opts("-n", "--interval", "-d", "--differences", "-q", "--equexit"), stop_at_operand=True)
    if parsed.has("-x", "--exec"):
        return run_argv(walker, parsed.operands, state.copy(), None, source=source)
    code = Arg(" ".join(arg.text for arg in parsed.operands), all(arg.resolved for arg in parsed.operands), source)
    return run_argv(walker, [Arg("sh", True, "sh"), Arg("-c", True, "-c"), code], state.copy(), None, source=source)


HANDLERS: dict[str, Handler] = {
    "at": at,
    "batch": at,
    "tmux": tmux,
    "screen": screen,
    "mktemp": mktemp,
    "sqlite3": sqlite3,
    "tee": tee, "rsync": rsync, "dd": dd, "tar": tar, "unzip": unzip, "zip": zip_, "uniq": uniq,
    **{program: compress for program in (*COMPRESS_SUFFIXES, *DECOMPRESSORS)},
    "sed": sed, "awk": awk, "gawk": awk, "mawk": awk, "nawk": awk,
    "find": find, "xargs": xargs, "parallel": parallel, "watch": watch,
}


def _register_late() -> None:
    from safeshell.shell import archive_tools, disks, editors, git_kill, remote, transfer

    HANDLERS.update(git_kill.HANDLERS)
    HANDLERS.update(disks.HANDLERS)
    HANDLERS.update(archive_tools.HANDLERS)
    HANDLERS.update(editors.HANDLERS)
    HANDLERS.update(remote.HANDLERS)
    HANDLERS.update(transfer.HANDLERS)
    HANDLERS.update({"bsdtar": tar, "gtar": tar})


_register_late()
