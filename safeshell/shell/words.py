"""Expansion of word nodes from the syntax tree into argument fields.

Quotes, backslash escapes, ANSI-C strings, parameter expansion (with the
``:-``, ``-``, ``:=``, ``:+`` operators), command substitution whose output
is known statically, braces, tilde and globs. A part with no static value
makes the whole word unresolved, and the caller fails closed on it.
"""

from __future__ import annotations

import os

from safeshell.shell import fields
from safeshell.shell.fields import EXPANDED, LITERAL, QUOTED, Arg, ExpansionLimit, Piece
from safeshell.shell.state import ShellState

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any

    from safeshell.shell.walker import Walker

    Node = Any  # a tree_sitter.Node


# Array variables are stored as their elements joined by NUL, which no bash
# value can contain.
ARRAY_SEPARATOR = "\0"


class Unknown(Exception):
    """Part of a word has no static value."""


# Values that are always numbers, so they can never spell a path that matters.
NUMERIC_SPECIALS = frozenset({"$", "!", "?", "#", "-", "RANDOM", "LINENO", "SECONDS", "BASHPID", "PPID", "UID", "EUID", "SRANDOM"})

ANSI_C_ESCAPES = {"a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"}


def node_text(node: Node) -> str:
    return node.text.decode("utf-8", "surrogateescape")


def expand_words(walker: "Walker", nodes: list[Node], state: ShellState) -> list[Arg]:
    """Expand argument nodes into fields as bash does for a command's words."""
    args: list[Arg] = []
    for node in nodes:
        walker.ctx.count_node()
        args.extend(expand_word(walker, node, state))
    return args


def expand_word(walker: "Walker", node: Node, state: ShellState) -> list[Arg]:
    source = node_text(node)
    if node.type == "word" and _is_plain(source):
        return [Arg(source, True, source)]
    try:
        pieces = word_pieces(walker, node, state, quoted=False)
    except Unknown:
        return [Arg(source, False, source)]
    limits = walker.ctx.limits
    chars = fields.to_chars(pieces)
    ifs = state.variables.get("IFS", " \t\n") if "IFS" in state.variables else " \t\n"
    if ifs is None and any(flag == EXPANDED for _, flag in chars):
        return [Arg(source, False, source)]  # IFS has no static value: the fields are unknown
    result: list[Arg] = []
    try:
        for braced in fields.expand_braces(chars, limits.max_words):
            tilded = fields.expand_tilde(braced, walker.ctx.home, state.cwd, state.oldpwd)
            if tilded is None:
                result.append(Arg(source, False, source))
                continue
            for field in fields.split_fields(tilded, ifs or ""):
                result.extend(_glob_field(walker, field, state, source))
            if len(result) > limits.max_words:
                raise ExpansionLimit(f"word {source[:80]!r} expands to more than {limits.max_words} fields")
    except ExpansionLimit as exc:
        walker.ctx.fail_closed(str(exc), source=source)
        return [Arg(source, False, source)]
    return result


def expand_single(walker: "Walker", node: Node, state: ShellState) -> Arg:
    """Expand a word that is not split or brace-expanded (assignments, redirect targets)."""
    source = node_text(node)
    try:
        chars = fields.to_chars(word_pieces(walker, node, state, quoted=False))
    except Unknown:
        return Arg(source, False, source)
    tilded = fields.expand_tilde(chars, walker.ctx.home, state.cwd, state.oldpwd)
    if tilded is None:
        return Arg(source, False, source)
    return Arg(fields.text_of(tilded), True, source)


def expand_redirect_target(walker: "Walker", node: Node, state: ShellState) -> Arg:
    """Expand a redirect target: a glob is used only when it matches exactly one path."""
    args = expand_word(walker, node, state)
    if len(args) == 1:
        return args[0]
    return Arg(node_text(node), False, node_text(node))


def _is_plain(text: str) -> bool:
    return not any(char in "\\$`'\"{}~*?[" for char in text)


def _glob_field(walker: "Walker", field: fields.Chars, state: ShellState, source: str) -> list[Arg]:
    text = fields.text_of(field)
    if "\0" in text:
        return [Arg(text, False, source)]
    if not fields.has_glob(field):
        return [Arg(text, True, source)]
    if state.cwd is None and not text.startswith("/"):
        return [Arg(text, False, source)]
    ctx = walker.ctx
    matches = fields.expand_glob(fields.glob_pattern(field), state.cwd or "/", ctx.limits.max_glob_matches,
                                 globstar="globstar" in ctx.shell_options, dotglob="dotglob" in ctx.shell_options)
    if not matches:
        return [Arg(text, True, source)]
    return [Arg(match, True, source) for match in matches]


def word_pieces(walker: "Walker", node: Node, state: ShellState, *, quoted: bool) -> list[Piece]:
    """Return the pieces of one word node; raises Unknown for a part with no static value."""
    walker.ctx.count_node()
    kind = node.type
    if kind == "word":
        return _unquoted_word(node_text(node))
    if kind in ("number", "variable_name", "brace_expression", "regex", "extglob_pattern", "special_variable_name"):
        return [Piece(node_text(node), QUOTED if quoted else LITERAL)]
    if kind == "raw_string":
        return [Piece(node_text(node)[1:-1], QUOTED)]
    if kind == "ansi_c_string":
        return [Piece(decode_ansi_c(node_text(node)[2:-1]), QUOTED)]
    if kind in ("string", "translated_string"):
        return _double_quoted(walker, node, state)
    if kind == "concatenation":
        pieces: list[Piece] = []
        for child in node.children:
            pieces.extend(word_pieces(walker, child, state, quoted=quoted))
        return pieces
    if kind in ("simple_expansion", "expansion"):
        value = expand_parameter(walker, node, state)
        if isinstance(value, list):
            return _list_pieces(value, quoted=quoted)
        return [Piece(value, QUOTED if quoted else EXPANDED)]
    if kind == "command_substitution":
        value = walker.substitute(node, state)
        if value is None:
            raise Unknown(node_text(node))
        return [Piece(value, QUOTED if quoted else EXPANDED)]
    if kind == "process_substitution":
        walker.walk_inner(node, state.copy())
        return [Piece("/dev/fd/63", QUOTED)]
    if kind == "arithmetic_expansion":
        for child in node.children:
            walker.walk_substitutions(child, state)
        return [Piece("0", QUOTED)]
    if kind == "$":
        return [Piece("$", QUOTED)]
    raise Unknown(node_text(node))


def _list_pieces(values: list[str], *, quoted: bool) -> list[Piece]:
    """Return ``"$@"``-style pieces: one field per value, even inside quotes."""
    pieces: list[Piece] = []
    for index, value in enumerate(values):
        if index:
            pieces.append(Piece(" ", EXPANDED))
        pieces.append(Piece(value, QUOTED if quoted else EXPANDED))
    return pieces


def _unquoted_word(text: str) -> list[Piece]:
    if "\\" not in text:
        return [Piece(text, LITERAL)]
    pieces: list[Piece] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            if text[index + 1] != "\n":
                pieces.append(Piece(text[index + 1], QUOTED))
            index += 2
            continue
        pieces.append(Piece(char, LITERAL))
        index += 1
    return pieces


def _double_quoted(walker: "Walker", node: Node, state: ShellState) -> list[Piece]:
    pieces: list[Piece] = []
    source = node.text
    start = node.start_byte
    cursor = 1 if node.type == "string" else 2
    end = len(source) - 1
    for child in node.children:
        child_start, child_end = child.start_byte - start, child.end_byte - start
        if child.type in ('"', "$\""):
            continue
        if child_start > cursor:
            pieces.append(Piece(_dquote_text(source[cursor:child_start]), QUOTED))
        if child.type == "string_content":
            pieces.append(Piece(_dquote_text(source[child_start:child_end]), QUOTED))
        else:
            pieces.extend(word_pieces(walker, child, state, quoted=True))
        cursor = max(cursor, child_end)
    if end > cursor:
        pieces.append(Piece(_dquote_text(source[cursor:end]), QUOTED))
    return pieces


def _dquote_text(raw: bytes) -> str:
    text = raw.decode("utf-8", "surrogateescape")
    if "\\" not in text:
        return text
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in '$`"\\\n':
            if text[index + 1] != "\n":
                out.append(text[index + 1])
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


def decode_ansi_c(body: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char != "\\" or index + 1 >= len(body):
            out.append(char)
            index += 1
            continue
        code = body[index + 1]
        if code in ANSI_C_ESCAPES:
            out.append(ANSI_C_ESCAPES[code])
            index += 2
        elif code in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[code]
            digits = ""
            cursor = index + 2
            while cursor < len(body) and len(digits) < width and body[cursor] in "0123456789abcdefABCDEF":
                digits += body[cursor]
                cursor += 1
            out.append(chr(int(digits, 16)) if digits else "\\" + code)
            index = cursor
        elif code in "01234567":
            digits = ""
            cursor = index + 1
            while cursor < len(body) and len(digits) < 3 and body[cursor] in "01234567":
                digits += body[cursor]
                cursor += 1
            out.append(chr(int(digits, 8)))
            index = cursor
        elif code == "c" and index + 2 < len(body):
            out.append(chr(ord(body[index + 2]) & 0x1F))
            index += 3
        else:
            out.append("\\" + code)
            index += 2
    return "".join(out)


def expand_parameter(walker: "Walker", node: Node, state: ShellState) -> str | list[str]:
    """Return the value of ``$X`` or ``${X...}``; raises Unknown when it has none.

    ``$@`` and ``${A[@]}`` return a list: one field per element.
    """
    name_node = None
    operator = None
    rest: list[Node] = []
    for child in node.children:
        if child.type in ("$", "${", "}"):
            continue
        if name_node is None and operator is None and child.type in ("variable_name", "special_variable_name", "subscript"):
            name_node = child
        elif node.field_name_for_child(_index_of(node, child)) == "operator":
            operator = node_text(child)
        else:
            rest.append(child)
    if name_node is None:
        raise Unknown(node_text(node))
    if operator in ("#", "!") and not rest:
        raise Unknown(node_text(node))
    elements = _variable_value(name_node, state)
    if operator is None:
        if rest or elements is None:
            raise Unknown(node_text(node))
        return elements
    value = " ".join(elements) if isinstance(elements, list) else elements
    if value is None:
        # The default or alternative word may be expanded where the command
        # runs, so the commands substituted in it are analyzed.
        _walk_word_substitutions(walker, rest, state)
    if operator in (":-", "-", ":=", "=", ":?", "?"):
        # A variable missing from the environment may still be set where the
        # command runs, so its default is not known to apply.
        if value is None:
            raise Unknown(node_text(node))
        if value or not operator.startswith(":"):
            return value
        if operator in (":?", "?"):
            return ""  # bash aborts the command instead of running it
        default = "".join(piece.text for child in rest for piece in word_pieces(walker, child, state, quoted=True))
        if operator in (":=", "="):
            state.variables[node_text(name_node)] = default
        return default
    if operator in (":+", "+"):
        if value is None:
            raise Unknown(node_text(node))
        if value or operator == "+":
            return "".join(piece.text for child in rest for piece in word_pieces(walker, child, state, quoted=True))
        return ""
    raise Unknown(node_text(node))


def _walk_word_substitutions(walker: "Walker", nodes: list[Node], state: ShellState) -> None:
    for child in nodes:
        if child.type in ("command_substitution", "process_substitution"):
            walker.walk_inner(child, state.copy())
        else:
            walker.walk_substitutions(child, state)


def _variable_value(name_node: Node, state: ShellState) -> str | list[str] | None:
    if name_node.type == "subscript":
        name = node_text(name_node.child_by_field_name("name") or name_node)
        index_node = name_node.child_by_field_name("index")
        index = node_text(index_node) if index_node is not None else ""
        raw = state.lookup(name)
        if raw is None:
            return None
        elements = raw.split(ARRAY_SEPARATOR)
        if index in ("@", "*"):
            return elements if index == "@" else " ".join(elements)
        if index.isdigit():
            position = int(index)
            return elements[position] if position < len(elements) else ""
        return None
    name = node_text(name_node)
    if name in NUMERIC_SPECIALS:
        return "0"
    if name.isdigit():
        position = int(name)
        if position == 0:
            return state.arg0
        if state.positional is None:
            return None
        return state.positional[position - 1] if position <= len(state.positional) else ""
    if name == "@":
        return None if state.positional is None else list(state.positional)
    if name == "*":
        return None if state.positional is None else " ".join(state.positional)
    raw = state.lookup(name)
    return raw.split(ARRAY_SEPARATOR)[0] if raw is not None else None


def _index_of(parent: Node, child: Node) -> int:
    for index, candidate in enumerate(parent.children):
        if candidate.id == child.id:
            return index
    return -1


def resolve_path(text: str, cwd: str | None) -> str | None:
    """Return ``text`` as an absolute, lexically normalized path, or None if it is unknown.

    A NUL byte cannot reach a program's arguments, so such a path is unknown too.
    """
    if "\0" in text or (cwd is not None and "\0" in cwd):
        return None
    if os.path.isabs(text):
        base = text
    elif cwd is None:
        return None
    else:
        base = os.path.join(cwd, text)
    normalized = os.path.normpath(base)
    if normalized.startswith("//"):
        normalized = "/" + normalized.lstrip("/")
    return normalized
