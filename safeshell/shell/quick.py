"""A lexical pre-screen for trivially read-only commands, without tree-sitter.

Importing tree-sitter costs about as much as starting Python, and most
assistant commands are plain reads (``ls -la``, ``cat file | wc -l``).
:func:`screen` recognizes one or more simple commands of known read-only
programs, made only of plain words, joined by ``|``, ``;``, ``&&`` or
``||``, with no redirect except to ``/dev/null`` or ``2>&1``, and returns
their READ operations. For anything else it returns None and the caller
runs the full :func:`safeshell.shell.analyze`. It must never report less
than the full analysis would; a test compares the two on every corpus case.
"""

from __future__ import annotations

import os

# program -> (options that take a value, operands to skip, options that cancel
# the skip, options whose value is read). The same facts as in
# safeshell.shell.semantics.PROGRAMS, copied because importing that table
# costs more than this whole screen; a test checks that they agree.
_GREP_VALUES = frozenset({"-e", "-f", "-m", "-A", "-B", "-C", "-d", "-D", "--regexp", "--file", "--max-count", "--context",
                          "--after-context", "--before-context", "--include", "--exclude", "--exclude-dir", "--color", "--label"})
_GREP = (_GREP_VALUES, 1, frozenset({"-e", "-f", "--regexp", "--file"}), frozenset({"-f", "--file"}))
_PLAIN = (frozenset(), 0, frozenset(), frozenset())
READ_ONLY: dict[str, tuple[frozenset[str], int, frozenset[str], frozenset[str]]] = {
    "cat": _PLAIN, "tac": _PLAIN, "nl": _PLAIN, "wc": _PLAIN, "md5sum": _PLAIN, "sha1sum": _PLAIN, "sha256sum": _PLAIN,
    "realpath": _PLAIN, "readlink": _PLAIN,
    "head": (frozenset({"-n", "-c", "--lines", "--bytes"}), 0, frozenset(), frozenset()),
    "tail": (frozenset({"-n", "-c", "-s", "--lines", "--bytes", "--pid", "--sleep-interval"}), 0, frozenset(), frozenset()),
    "ls": (frozenset({"-I", "-w", "--ignore", "--hide", "--width", "--format", "--sort", "--time-style", "--color"}), 0, frozenset(), frozenset()),
    "du": (frozenset({"-d", "-B", "-t", "--max-depth", "--block-size", "--threshold", "--exclude", "--time-style"}), 0, frozenset(), frozenset()),
    "df": (frozenset({"-t", "-x", "-B", "--type", "--exclude-type", "--output", "--block-size"}), 0, frozenset(), frozenset()),
    "stat": (frozenset({"-c", "-f", "--format", "--printf"}), 0, frozenset(), frozenset()),
    "file": (frozenset({"-m", "-F"}), 0, frozenset(), frozenset()),
    "diff": (frozenset({"-U", "-C", "--label", "-x", "--exclude", "-I"}), 0, frozenset(), frozenset()),
    "cmp": (frozenset({"-i", "-n"}), 0, frozenset(), frozenset()),
    "grep": _GREP, "egrep": _GREP, "fgrep": _GREP,
}
NO_OPERATION = frozenset({"echo", "pwd", "true", "false"})
PLAIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./,:+@%=")
SEPARATORS = frozenset({"|", ";", "&&", "||"})
NULL_REDIRECTS = frozenset({">/dev/null", "2>/dev/null", "2>&1", "&>/dev/null", "1>/dev/null"})


def join_words(words: list[str]) -> str:
    """Return the same text as ``shlex.join(words)``, without importing shlex (and with it re)."""
    return " ".join(quote_word(word) for word in words)


def quote_word(word: str) -> str:
    """Return the same text as ``shlex.quote(word)``: PLAIN_CHARS are the characters it leaves unquoted."""
    if not word:
        return "''"
    if PLAIN_CHARS.issuperset(word):
        return word
    return "'" + word.replace("'", "'\"'\"'") + "'"


def screen(command: str, *, cwd: str, env: dict[str, str] | None, home: str | None = None) -> list | None:
    """Return the READ operations (``Operation``) of a trivially read-only command, or None."""
    reads = screen_reads(command, cwd=cwd, env=env, home=home)
    if reads is None:
        return None
    from safeshell.operations import Operation, OperationKind

    return [Operation(OperationKind.READ, paths, source=source) for source, paths in reads]


def screen_reads(command: str, *, cwd: str, env: dict[str, str] | None, home: str | None = None) -> list[tuple[str, tuple[str, ...]]] | None:
    """Return (source, paths read) per simple command of a trivially read-only command, or None.

    Imports nothing beyond ``os``, for callers that must start fast.
    """
    commands = _split(command)
    if commands is None:
        return None
    approval_dirs = _approval_dirs(env or {}, home)
    reads: list[tuple[str, tuple[str, ...]]] = []
    for argv in commands:
        if not argv:
            return None
        program = argv[0]
        if program in NO_OPERATION:
            continue
        spec = READ_ONLY.get(program)
        if spec is None:
            return None
        value_options, skip, cancel, read_options = spec
        options, operands = _parse(argv[1:], value_options)
        if any(name in cancel for name, _ in options):
            skip = 0
        targets = [value for name, value in options if name in read_options and value is not None] + operands[skip:]
        located: list[str] = []
        for target in targets:
            path = os.path.normpath(target if os.path.isabs(target) else os.path.join(cwd, target))
            if path.startswith("//"):
                path = "/" + path.lstrip("/")
            located.extend((path, os.path.realpath(path)))
        if any(path in approval_dirs or os.path.dirname(path) in approval_dirs for path in located):
            return None
        if located:
            reads.append((" ".join(argv), tuple(dict.fromkeys(located))))
    return reads


def _parse(args: list[str], value_options: frozenset[str]) -> tuple[list[tuple[str, str | None]], list[str]]:
    """Split GNU-style arguments like safeshell.shell.programs.parse_options does."""
    options: list[tuple[str, str | None]] = []
    operands: list[str] = []
    index = 0
    while index < len(args):
        text = args[index]
        index += 1
        if text == "-" or not text.startswith("-"):
            operands.append(text)
            continue
        if text == "--":
            operands.extend(args[index:])
            break
        if text.startswith("--"):
            name, equals, value = text.partition("=")
            if equals:
                options.append((name, value))
            elif name in value_options and index < len(args):
                options.append((name, args[index]))
                index += 1
            else:
                options.append((name, None))
            continue
        letters = text[1:]
        for position, letter in enumerate(letters):
            name = "-" + letter
            rest = letters[position + 1 :]
            if name in value_options:
                if rest:
                    options.append((name, rest))
                elif index < len(args):
                    options.append((name, args[index]))
                    index += 1
                else:
                    options.append((name, None))
                break
            options.append((name, None))
    return options, operands


def _split(command: str) -> list[list[str]] | None:
    """Split into argument vectors; None for anything beyond plain words and separators."""
    commands: list[list[str]] = [[]]
    for token in _tokens(command):
        if token is None:
            return None
        if token in SEPARATORS:
            if not commands[-1]:
                return None
            commands.append([])
        elif token in NULL_REDIRECTS:
            continue
        else:
            commands[-1].append(token)
    if not commands[-1]:
        return None if len(commands) > 1 else []
    return commands


def _tokens(command: str) -> list[str | None]:
    tokens: list[str | None] = []
    index = 0
    length = len(command)
    while index < length:
        char = command[index]
        if char in " \t":
            index += 1
            continue
        if command.startswith(("&&", "||"), index):
            tokens.append(command[index : index + 2])
            index += 2
            continue
        if char == "&":
            return [None]  # background job or an fd redirect the screen does not know
        if char in "|;":
            tokens.append(char)
            index += 1
            continue
        redirect = next((item for item in NULL_REDIRECTS if command.startswith(item, index)), None)
        if redirect is not None:
            tokens.append(redirect)
            index += len(redirect)
            continue
        word: list[str] = []
        while index < length and command[index] not in " \t|;&":
            char = command[index]
            if char == "'":
                end = command.find("'", index + 1)
                if end < 0:
                    return [None]
                word.append(command[index + 1 : end])
                index = end + 1
                continue
            if char not in PLAIN_CHARS:
                return [None]
            word.append(char)
            index += 1
        text = "".join(word)
        if text.startswith(("=", "%")) or "=" in text.split("/")[0] and not text.startswith("-"):
            return [None]  # an assignment or job spec, not a plain argument
        tokens.append(text)
    return tokens


def _approval_dirs(env: dict[str, str], home: str | None) -> set[str]:
    """Return the approval key's possible paths and the directories holding them."""
    keys = {os.path.abspath(candidate) for candidate in approval_key_candidates(env, home)}
    keys |= {os.path.realpath(key) for key in keys}
    return keys | {os.path.dirname(key) for key in keys}


def approval_key_candidates(env: dict[str, str], home: str | None) -> list[str]:
    """Return every path the approval key may have, for this command (``env``) and this process.

    Shared with :mod:`safeshell.shell.state`; it lives here because this
    module may import nothing beyond ``os``.
    """
    candidates: list[str] = []
    for source in (env, os.environ):
        explicit = source.get("SAFESHELL_APPROVAL_KEY")
        if explicit:
            candidates.append(explicit)
        config_home = source.get("XDG_CONFIG_HOME")
        if config_home:
            candidates.append(os.path.join(config_home, "safeshell", "approval.key"))
    for base in (home, env.get("HOME"), os.path.expanduser("~")):
        if base:
            candidates.append(os.path.join(base, ".config", "safeshell", "approval.key"))
    return candidates
