"""Handlers for text editors: vim and ex, ed, emacs, nano and other interactive editors.

An editor may save every file it is given, whether a human types the
commands or a script does (``vim -c '%s/a/b/' -c wq FILE``, ``ed FILE
<<EOF``), so each file operand is a write unless the editor is opened
read-only (``view``, ``vim -R``). Editor commands with a static value
(``-c``, ``+CMD``, a script file, an ed script on standard input) are
scanned. ``:w OTHER`` writes OTHER, and ``:!CMD`` and ``r !CMD`` run CMD as
shell code. Vim script calls that change files or run programs fail closed.
"""

from __future__ import annotations

import re

from safeshell.operations import OperationKind as K
from safeshell.shell.fields import Arg
from safeshell.shell.programs import emit_paths, parse_options
from safeshell.shell.state import ShellState

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from safeshell.shell.walker import Stdin, Walker

VIM_PROGRAMS = frozenset({"vim", "vi", "nvim", "gvim", "vimdiff", "nvimdiff", "ex", "view", "rview", "rvim", "evim",
                          "vim.basic", "vim.tiny", "vim.nox", "vim.gtk3", "nex", "nvi", "elvis", "vile"})
READ_ONLY_VIMS = frozenset({"view", "rview"})
# -s is silent mode in ex mode (`ex -s`, `vim -es`) and a file of typed keys otherwise.
VIM_VALUE_OPTIONS = frozenset({"-c", "--cmd", "-S", "-s", "-u", "-U", "-i", "-T", "-w", "-W", "-t",
                               "--servername", "--remote", "--remote-silent", "--remote-wait", "--remote-tab",
                               "--remote-send", "--remote-expr", "--startuptime", "--listen"})
ED_PROGRAMS = frozenset({"ed", "red"})
EMACS_PROGRAMS = frozenset({"emacs", "emacs-nox", "emacsclient", "xemacs"})
# Editors without a script language worth scanning: every file operand may be saved.
PLAIN_EDITORS = frozenset({"nano", "pico", "rnano", "micro", "joe", "jed", "jmacs", "jstar", "jpico", "mcedit", "kak",
                           "hx", "helix", "ne", "mg", "zile", "code", "codium", "code-insiders", "cursor", "gedit",
                           "kate", "kwrite", "subl", "mousepad", "leafpad", "pluma", "xed", "geany", "atom", "sudoedit"})
PLAIN_EDITOR_VALUE_OPTIONS = frozenset({"-T", "--tabsize", "-Y", "--syntax", "-o", "--operatingdir", "-X", "--wordchars",
                                        "-Q", "--quotestr", "-C", "--backupdir", "-r", "--fill", "-J", "--guidestripe",
                                        "-g", "--goto", "--user-data-dir", "--extensions-dir", "--profile",
                                        "--locale", "--config", "-c", "-e", "--execute"})
EMACS_VALUE_OPTIONS = frozenset({"--eval", "-l", "--load", "-f", "--funcall", "--script", "-L", "--directory", "--insert",
                                 "--chdir", "-t", "--terminal", "-d", "--display", "-u", "--user", "--init-directory",
                                 "-s", "--socket-name", "-a", "--alternate-editor", "-e"})
EMACS_CODE_OPTIONS = frozenset({"--eval", "-l", "--load", "-f", "--funcall", "--script", "-e"})

# A Vim or ex command line: an optional range, the command name, a bang, the argument.
_COMMAND = re.compile(r"^\s*:*\s*(?:silent!?\s+|sil!?\s+)?[-+0-9%.$,;'<>a-z]*?([A-Za-z]+|!)(!?)\s*(.*)$", re.DOTALL)
_RANGE_ONLY = re.compile(r"^[-+0-9%.$,;' ]*$")
WRITE_COMMANDS = frozenset({"w", "write", "wq", "x", "xit", "exit", "sav", "saveas", "up", "update", "W", "wa", "wall",
                            "wqa", "wqall", "xa", "xall"})
READ_COMMANDS = frozenset({"r", "read", "e", "edit"})
# Vim script that changes files or runs programs by a route this scan does not follow.
VIM_RISKY = re.compile(
    r"\b(system|systemlist|delete|rename|writefile|mkdir|setfperm|job_start|jobstart|termopen|execute|exe|exec|py|py3|"
    r"python|python3|pyx|pythonx|lua|luado|luafile|perl|perldo|ruby|rubydo|so|source|runtime|terminal|term|redir|mksession|"
    r"mks|mkvimrc|mkview|libcall|libcallnr|bufdo|argdo|windo|tabdo|cdo|ldo|normal|norm)\b"
)


def vim(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``vim [-es] [-c CMD]... [+CMD] FILE...``: the files, and what the commands write or run."""
    from safeshell.shell.walker import INHERITED

    commands: list[Arg] = []
    files: list[Arg] = []
    read_only = name in READ_ONLY_VIMS
    silent = name in ("ex", "nex")
    buffer_from_stdin = False
    index = 0
    while index < len(args):
        arg = args[index]
        text = arg.text
        index += 1
        if arg.resolved and text.startswith("+"):
            commands.append(Arg(text[1:] or "$", True, arg.source))
        elif arg.resolved and text == "-s" and silent:
            continue
        elif arg.resolved and text in VIM_VALUE_OPTIONS:
            value = args[index] if index < len(args) else None
            index += 1
            if value is None:
                continue
            if text in ("-c", "--cmd"):
                commands.append(value)
            elif text in ("-S", "-s"):
                commands.extend(_script_file_commands(walker, value, state, source=source))
            elif text in ("-w", "-W"):
                emit_paths(walker, K.WRITE, [value], state, source=source)  # the typed keys are written there
            elif text == "-u":
                commands.extend(_script_file_commands(walker, value, state, source=source))
            elif text.startswith("--remote"):
                walker.ctx.emit(K.EXEC_DYNAMIC, source=source, resolved=False,
                                detail={"reason": f"{name} {text} acts in another, running editor"})
        elif arg.resolved and text == "--":
            files.extend(args[index:])
            break
        elif arg.resolved and text.startswith("-") and text != "-":
            letters = text[1:] if not text.startswith("--") else ""
            read_only = read_only or text in ("-R", "-M", "-m") or (letters.isalpha() and ("R" in letters or "M" in letters))
            silent = silent or text in ("-e", "-s", "-es", "-Es", "--clean") or (letters.isalpha() and "s" in letters)
            if letters.isalpha() and letters[-1:] == "c" and len(letters) > 1 and index < len(args):
                commands.append(args[index])  # a bundle ending in -c: `-Nc CMD`
                index += 1
        elif text == "-":
            buffer_from_stdin = True
        else:
            files.append(arg)
    # Without `-`, standard input that is not a terminal contains typed keys
    # (or ex commands in silent mode), so its command lines are scanned.
    if not buffer_from_stdin and isinstance(stdin, str):
        commands.extend(Arg(line, True, line) for line in stdin.split("\n"))
    elif not buffer_from_stdin and stdin is not INHERITED:
        walker.ctx.emit(K.EXEC_DYNAMIC, source=source, resolved=False, detail={"reason": f"{name} commands from a pipe with no static value"})
    # `:w!` saves even a file opened read-only.
    saves = any(command.resolved and any(_saves_buffer(part) for part in _split_bar(command.text)) for command in commands)
    emit_paths(walker, K.READ if read_only and not saves else K.WRITE, files, state, source=source, detail={"editor": name})
    for command in commands:
        if not command.resolved:
            walker.ctx.emit(K.EXEC_DYNAMIC, source=source, resolved=False, detail={"reason": f"{name} command has no static value"})
            continue
        for part in _split_bar(command.text):
            _scan_command(walker, name, part, state, source=source, vim_script=True)
    return None


def ed(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``ed [-s] FILE``: FILE, and what the script on standard input writes or runs."""
    from safeshell.shell.walker import INHERITED

    parsed = parse_options(args, frozenset({"-p", "--prompt"}))
    files = [arg for arg in parsed.operands if arg.text != "-"]
    emit_paths(walker, K.WRITE, files[:1], state, source=source, detail={"editor": name})
    if isinstance(stdin, str):
        for line in _ed_commands(stdin):
            _scan_command(walker, name, line, state, source=source, vim_script=False)
    elif stdin is not INHERITED:
        walker.ctx.emit(K.EXEC_DYNAMIC, source=source, resolved=False, detail={"reason": f"{name} script from a pipe with no static value"})
    return None


def emacs(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``emacs [--batch] FILE... [--eval EXPR]``: the files; Emacs Lisp that may change files fails closed."""
    parsed = parse_options(args, EMACS_VALUE_OPTIONS)
    files = [arg for arg in parsed.operands if not (arg.resolved and re.fullmatch(r"\+[0-9:]+", arg.text))]
    emit_paths(walker, K.WRITE, files, state, source=source, detail={"editor": name})
    for option, value in parsed.options:
        if option in EMACS_CODE_OPTIONS and value is not None:
            if option in ("-l", "--load", "--script"):
                emit_paths(walker, K.READ, [value], state, source=source)
            if option not in ("-f", "--funcall") or not value.resolved or value.text not in ("save-buffer", "kill-emacs"):
                walker.ctx.emit(K.EXEC_DYNAMIC, source=source, resolved=False,
                                detail={"reason": f"{name} {option} runs Emacs Lisp, which may change any file"})
    return None


def plain_editor(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``nano FILE``, ``code DIR``: every file operand may be saved."""
    parsed = parse_options(args, PLAIN_EDITOR_VALUE_OPTIONS)
    files = [arg for arg in parsed.operands if arg.text != "-" and not (arg.resolved and re.fullmatch(r"\+[0-9,:]*", arg.text))]
    emit_paths(walker, K.READ if parsed.has("-v", "--view") and name in ("nano", "rnano") else K.WRITE, files, state,
               source=source, detail={"editor": name})
    return None


def _script_file_commands(walker: "Walker", script: Arg, state: ShellState, *, source: str) -> list[Arg]:
    """Return the lines of a Vim script file (``-S``, ``-s``, ``-u``) as commands, or an unresolved one."""
    from safeshell.shell.shells import planned_text
    from safeshell.shell.words import resolve_path

    if script.resolved and script.text in ("NONE", "NORC", "DEFAULTS"):
        return []
    emit_paths(walker, K.READ, [script], state, source=source)
    text = planned_text(walker.ctx, resolve_path(script.text, state.cwd)) if script.resolved else None
    if text is None:
        return [Arg(script.source, False, script.source)]
    return [Arg(line, True, line) for line in text.split("\n")]


def _split_bar(command: str) -> list[str]:
    """Split a Vim command line at ``|``, except after ``!`` where the rest is the shell command."""
    parts: list[str] = []
    for piece in command.split("|"):
        if parts and _shell_part(parts[-1]):
            parts[-1] += "|" + piece
        else:
            parts.append(piece)
    return parts


def _shell_part(command: str) -> bool:
    match = _COMMAND.match(command)
    return match is not None and (match.group(1) == "!" or match.group(3).startswith("!"))


def _saves_buffer(command: str) -> bool:
    match = _COMMAND.match(command.strip())
    return match is not None and match.group(1) in WRITE_COMMANDS and not match.group(3).strip()


def _ed_commands(script: str) -> list[str]:
    """Return the command lines of an ed script, without the text that a, i and c insert."""
    commands: list[str] = []
    inserting = False
    for line in script.split("\n"):
        if inserting:
            inserting = line != "."
            continue
        commands.append(line)
        if re.fullmatch(r"[-+0-9.$,;'a-z]*?[aic]", line.strip()):
            inserting = True
    return commands


def _scan_command(walker: "Walker", name: str, line: str, state: ShellState, *, source: str, vim_script: bool) -> None:
    from safeshell.shell import shells

    stripped = line.strip()
    if not stripped or stripped.startswith('"') or _RANGE_ONLY.match(stripped):
        return
    match = _COMMAND.match(stripped)
    if match is None:
        return
    command, bang, argument = match.group(1), match.group(2), match.group(3).strip()
    if command == "!":
        shell = (bang + " " + argument).strip() if bang else argument
        shells.analyze_code(walker, shell, state, source=source, same_shell=False)
        return
    if argument.startswith("!") and (command in WRITE_COMMANDS or command in READ_COMMANDS):
        # `:r !CMD` reads CMD's output, `:w !CMD` pipes the buffer into CMD.
        shells.analyze_code(walker, argument[1:], state, source=source, same_shell=False)
        return
    if command in WRITE_COMMANDS and argument:
        target = argument[2:].strip() if argument.startswith(">>") else argument
        emit_paths(walker, K.WRITE, [Arg(target, True, target)], state, source=source, detail={"editor": name})
        return
    if vim_script and VIM_RISKY.search(stripped):
        walker.ctx.emit(K.EXEC_DYNAMIC, source=source, resolved=False,
                        detail={"reason": f"{name} command {stripped[:60]!r} may change files or run programs"})


HANDLERS = {
    **{program: vim for program in VIM_PROGRAMS},
    **{program: ed for program in ED_PROGRAMS},
    **{program: emacs for program in EMACS_PROGRAMS},
    **{program: plain_editor for program in PLAIN_EDITORS},
}
