"""Handlers for archivers other than tar, zip and unzip: 7z, cpio, ar, rar, unar, pax, jar.

Extracting writes below a target directory: the directory an option names
(``7z x -oDIR``, ``cpio -D DIR``, ``unar -o DIR``) or the working
directory. The target is reported as written, so extracting into a
protected directory or anywhere below it is a protected write. Creating or
updating an archive writes the archive file and reads its inputs.
"""

from __future__ import annotations

import os

from safeshell.operations import OperationKind as K
from safeshell.shell.fields import Arg
from safeshell.shell.programs import emit_paths, parse_options
from safeshell.shell.state import ShellState

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from safeshell.shell.walker import Stdin, Walker

CWD = Arg(".", True, ".")


def _opts(*names: str) -> frozenset[str]:
    return frozenset(names)


def _extract(walker: "Walker", target: Arg, members: list[Arg], state: ShellState, *, source: str) -> None:
    """Emit the write of an extraction into ``target``, and of the named ``members`` below it."""
    written = [target]
    if target.resolved:
        written += [Arg(os.path.join(target.text, member.text), True, member.source) for member in members if member.resolved]
    emit_paths(walker, K.WRITE, written, state, source=source, detail={"extract": True})


def seven_zip(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``7z x|e ARCHIVE [-oDIR] [FILES]``, ``7z a|u|d|rn ARCHIVE FILES``, ``7z l|t ARCHIVE``."""
    switches = [arg for arg in args if arg.resolved and arg.text.startswith("-") and arg.text != "-"]
    operands = [arg for arg in args if arg not in switches]
    if not operands:
        return None
    command, rest = operands[0], operands[1:]
    if not command.resolved:
        walker.ctx.emit(K.WRITE, source=source, resolved=False, detail={"reason": f"{name} command has no static value"})
        return None
    archive = rest[:1]
    if command.text in ("x", "e"):
        emit_paths(walker, K.READ, archive, state, source=source)
        outputs = [Arg(arg.text[2:], True, arg.source) for arg in switches if arg.text.startswith("-o")]
        target = outputs[-1] if outputs and outputs[-1].text else CWD
        members = [] if command.text == "e" else rest[1:]
        _extract(walker, target, members, state, source=source)
    elif command.text in ("a", "u", "d", "rn"):
        emit_paths(walker, K.WRITE, archive, state, source=source)
        if command.text in ("a", "u"):
            emit_paths(walker, K.READ, rest[1:], state, source=source)
        if any(arg.text == "-sdel" for arg in switches):
            emit_paths(walker, K.DELETE, rest[1:], state, source=source)  # delete the files after compressing
    else:
        emit_paths(walker, K.READ, archive, state, source=source)
    return None


def cpio(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``cpio -i`` extracts into the working directory or ``-D DIR``; ``-p DIR`` copies into DIR; ``-o`` writes stdout or ``-O FILE``."""
    parsed = parse_options(args, _opts("-D", "--directory", "-F", "--file", "-I", "-O", "-E", "--pattern-file", "-H",
                                       "--format", "-R", "--owner", "-M", "--message", "-C", "--io-size", "--block-size",
                                       "--rsh-command"))
    directory = (parsed.values("-D", "--directory") or [CWD])[-1]
    emit_paths(walker, K.READ, parsed.values("-E", "--pattern-file"), state, source=source)
    if parsed.has("-i", "--extract"):
        emit_paths(walker, K.READ, parsed.values("-F", "--file", "-I"), state, source=source)
        if parsed.has("-t", "--list", "--only-verify-crc"):
            return None
        _extract(walker, directory, [], state, source=source)
    elif parsed.has("-p", "--pass-through"):
        emit_paths(walker, K.WRITE, parsed.operands[:1], state, source=source, detail={"extract": True})
    elif parsed.has("-o", "--create"):
        from safeshell.shell.commands import emit_write

        for archive in parsed.values("-F", "--file", "-O"):
            emit_write(walker, archive, state, source=source, truncate=True)
    return None


def ar(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``ar x ARCHIVE [MEMBERS]`` extracts into the working directory (or ``--output DIR``); r, q, d, m, s change ARCHIVE."""
    outputs: list[Arg] = []
    rest: list[Arg] = []
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg.resolved and arg.text in ("--output", "-o") and index < len(args) and not rest:
            outputs.append(args[index])
            index += 1
        elif arg.resolved and arg.text.startswith("--output="):
            outputs.append(Arg(arg.text.split("=", 1)[1], True, arg.source))
        elif arg.resolved and arg.text.startswith("--") and not rest:
            continue  # --plugin NAME, --target BFD: their value is a word, not a path
        else:
            rest.append(arg)
    if not rest:
        return None
    keys, operands = rest[0], rest[1:]
    if not keys.resolved:
        walker.ctx.emit(K.WRITE, source=source, resolved=False, detail={"reason": "ar operation has no static value"})
        return None
    letters = keys.text.lstrip("-")
    # Modifiers a, b, i take a member name before the archive.
    if any(letter in letters for letter in "abi") and operands:
        operands = operands[1:]
    archive, members = operands[:1], operands[1:]
    if "x" in letters:
        emit_paths(walker, K.READ, archive, state, source=source)
        _extract(walker, outputs[-1] if outputs else CWD, members, state, source=source)
    elif any(letter in letters for letter in "rqdms"):
        emit_paths(walker, K.WRITE, archive, state, source=source)
        emit_paths(walker, K.READ, members, state, source=source)
    else:
        emit_paths(walker, K.READ, archive, state, source=source)
    return None


def rar(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``unrar x|e ARCHIVE [FILES] [DIR/]``: extracts into the trailing directory operand or the working directory."""
    switches = [arg for arg in args if arg.resolved and arg.text.startswith("-") and arg.text != "-"]
    operands = [arg for arg in args if arg not in switches]
    if not operands:
        return None
    command, rest = operands[0], operands[1:]
    archive = rest[:1]
    emit_paths(walker, K.READ, archive, state, source=source)
    if not command.resolved or command.text in ("x", "e"):
        trailing = rest[-1] if len(rest) > 1 and rest[-1].text.endswith("/") else None
        outputs = [Arg(arg.text[3:], True, arg.source) for arg in switches if arg.text.startswith("-op")]
        target = trailing or (outputs[-1] if outputs else CWD)
        _extract(walker, target, [], state, source=source)
    elif command.text in ("a", "u", "d", "m", "f", "rn", "c", "k", "ch"):
        emit_paths(walker, K.WRITE, archive, state, source=source)
        if command.text == "m":
            emit_paths(walker, K.DELETE, rest[1:], state, source=source)  # move into the archive
    return None


def unar(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``unar [-o DIR] ARCHIVE``: extracts into DIR or the working directory."""
    parsed = parse_options(args, _opts("-o", "-output-directory", "-e", "-encoding", "-p", "-password", "-i", "-indexes"))
    emit_paths(walker, K.READ, parsed.operands[:1], state, source=source)
    outputs = parsed.values("-o", "-output-directory")
    _extract(walker, outputs[-1] if outputs else CWD, [], state, source=source)
    return None


def pax(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``pax -r`` extracts into the working directory; ``pax -rw FILES DIR`` copies into DIR; ``pax -w -f FILE`` writes FILE."""
    parsed = parse_options(args, _opts("-f", "-s", "-o", "-x", "-b", "-p"))
    reads, writes = parsed.has("-r"), parsed.has("-w")
    if reads and writes:
        emit_paths(walker, K.READ, parsed.operands[:-1], state, source=source)
        emit_paths(walker, K.WRITE, parsed.operands[-1:], state, source=source, detail={"extract": True})
    elif reads:
        emit_paths(walker, K.READ, parsed.values("-f"), state, source=source)
        _extract(walker, CWD, [], state, source=source)
    elif writes:
        from safeshell.shell.commands import emit_write

        for archive in parsed.values("-f"):
            emit_write(walker, archive, state, source=source, truncate=True)
        emit_paths(walker, K.READ, parsed.operands, state, source=source)
    return None


def jar(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``jar xf ARCHIVE`` extracts into the working directory (``-C DIR`` for some versions); c and u write the archive."""
    if not args or not args[0].resolved:
        return None
    letters = args[0].text.lstrip("-")
    archive = args[1:2] if "f" in letters else []
    if "x" in letters:
        emit_paths(walker, K.READ, archive, state, source=source)
        directories = [args[index + 1] for index, arg in enumerate(args[:-1]) if arg.text in ("-C", "--dir")]
        _extract(walker, directories[-1] if directories else CWD, [], state, source=source)
    elif "c" in letters or "u" in letters:
        emit_paths(walker, K.WRITE, archive, state, source=source)
    return None


HANDLERS = {
    "7z": seven_zip, "7za": seven_zip, "7zr": seven_zip, "7zz": seven_zip,
    "cpio": cpio, "bsdcpio": cpio,
    "ar": ar,
    "unrar": rar, "rar": rar,
    "unar": unar,
    "pax": pax,
    "jar": jar,
}
