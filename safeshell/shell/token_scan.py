"""Effects of Perl, JavaScript and Ruby code, found by a token scan.

NOTE: this is a lexical scan, not a parser. It finds calls by name
(``unlink``, ``fs.rmSync``, ``FileUtils.rm_rf``...) and reads their
arguments as string literals; an argument that is not a plain literal (a
variable, an interpolated string, a computed path) makes the effect
unresolved. It misses effects reached through aliases, ``eval`` of built
strings or method names assembled at run time, and Perl's regex syntax can
hide a quote from it; ``eval``-like calls are reported as unresolved
``exec_dynamic`` to keep those cases closed.
"""

from __future__ import annotations

from safeshell import signals
from safeshell.operations import OperationKind as K
from safeshell.records import Record
from safeshell.shell.scan_model import HOME, Effect

# name -> (kind, role): "all" = every argument is a path, "first", "second",
# "skip1" / "skip2" = paths after the first one or two arguments, "move",
# "open" (mode decides), "shell" (a command string), "spawn" (an argv).
CALLS: dict[str, dict[str, tuple[K, str]]] = {
    "perl": {
        "unlink": (K.DELETE, "all"), "rmdir": (K.DELETE, "all"), "rmtree": (K.DELETE, "all"), "remove_tree": (K.DELETE, "all"),
        "rename": (K.MOVE, "move"), "move": (K.MOVE, "move"), "mv": (K.MOVE, "move"), "copy": (K.WRITE, "second"), "cp": (K.WRITE, "second"),
        "truncate": (K.TRUNCATE, "first"), "chmod": (K.CHMOD, "skip1"), "chown": (K.CHMOD, "skip2"), "mkdir": (K.CREATE, "first"),
        "make_path": (K.CREATE, "all"), "open": (K.WRITE, "open"), "sysopen": (K.WRITE, "second"),
        "symlink": (K.CREATE, "second"), "link": (K.CREATE, "second"), "utime": (K.WRITE, "skip2"),
        "system": (K.EXEC_DYNAMIC, "shell"), "exec": (K.EXEC_DYNAMIC, "shell"), "qx": (K.EXEC_DYNAMIC, "shell"),
        "eval": (K.EXEC_DYNAMIC, "dynamic"), "kill": (K.KILL, "kill"),
    },
    "node": {
        "rmSync": (K.DELETE, "first"), "rmdirSync": (K.DELETE, "first"), "unlinkSync": (K.DELETE, "first"),
        "rm": (K.DELETE, "first"), "rmdir": (K.DELETE, "first"), "unlink": (K.DELETE, "first"),
        "writeFileSync": (K.TRUNCATE, "first"), "writeFile": (K.TRUNCATE, "first"), "appendFileSync": (K.WRITE, "first"),
        "appendFile": (K.WRITE, "first"), "createWriteStream": (K.WRITE, "first"), "openSync": (K.WRITE, "open"), "open": (K.WRITE, "open"),
        "renameSync": (K.MOVE, "move"), "rename": (K.MOVE, "move"), "copyFileSync": (K.WRITE, "second"), "copyFile": (K.WRITE, "second"),
        "cpSync": (K.WRITE, "second"), "cp": (K.WRITE, "second"), "truncateSync": (K.TRUNCATE, "first"), "truncate": (K.TRUNCATE, "first"),
        "chmodSync": (K.CHMOD, "first"), "chmod": (K.CHMOD, "first"), "mkdirSync": (K.CREATE, "first"),
        "chownSync": (K.CHMOD, "first"), "lchownSync": (K.CHMOD, "first"), "utimesSync": (K.WRITE, "first"),
        "lutimesSync": (K.WRITE, "first"), "symlinkSync": (K.CREATE, "second"), "linkSync": (K.CREATE, "second"),
        "symlink": (K.CREATE, "second"), "link": (K.CREATE, "second"), "utimes": (K.WRITE, "first"),
        "mkdir": (K.CREATE, "first"),
        "execSync": (K.EXEC_DYNAMIC, "shell"), "exec": (K.EXEC_DYNAMIC, "shell"), "spawnSync": (K.EXEC_DYNAMIC, "spawn"),
        "spawn": (K.EXEC_DYNAMIC, "spawn"), "execFileSync": (K.EXEC_DYNAMIC, "spawn"), "execFile": (K.EXEC_DYNAMIC, "spawn"),
        "eval": (K.EXEC_DYNAMIC, "dynamic"), "Function": (K.EXEC_DYNAMIC, "dynamic"),
        # Deno's file API.
        "removeSync": (K.DELETE, "first"), "remove": (K.DELETE, "first"), "writeTextFileSync": (K.TRUNCATE, "first"),
        "writeTextFile": (K.TRUNCATE, "first"), "run": (K.EXEC_DYNAMIC, "dynamic"), "Command": (K.EXEC_DYNAMIC, "dynamic"),
        "kill": (K.KILL, "kill_pid_first"),  # process.kill(pid, signal)
    },
    "ruby": {
        "rm_rf": (K.DELETE, "all"), "rm_r": (K.DELETE, "all"), "rm": (K.DELETE, "all"), "rm_f": (K.DELETE, "all"),
        "remove_dir": (K.DELETE, "first"), "remove_entry": (K.DELETE, "first"), "remove_entry_secure": (K.DELETE, "first"),
        "rmtree": (K.DELETE, "all"), "remove_file": (K.DELETE, "first"), "safe_unlink": (K.DELETE, "all"), "rmdir": (K.DELETE, "all"),
        "delete": (K.DELETE, "all"), "unlink": (K.DELETE, "all"), "write": (K.TRUNCATE, "first"), "binwrite": (K.TRUNCATE, "first"),
        "open": (K.WRITE, "open"), "mv": (K.MOVE, "move"), "move": (K.MOVE, "move"), "rename": (K.MOVE, "move"),
        "cp": (K.WRITE, "second"), "cp_r": (K.WRITE, "second"), "copy": (K.WRITE, "second"), "copy_file": (K.WRITE, "second"),
        "chmod": (K.CHMOD, "skip1"), "chmod_R": (K.CHMOD, "skip1"), "chown": (K.CHMOD, "skip2"), "chown_R": (K.CHMOD, "skip2"),
        "touch": (K.WRITE, "all"), "mkdir_p": (K.CREATE, "all"), "truncate": (K.TRUNCATE, "first"),
        "symlink": (K.CREATE, "second"), "link": (K.CREATE, "second"), "ln_s": (K.CREATE, "second"), "ln_sf": (K.CREATE, "second"),
        "utime": (K.WRITE, "skip2"), "popen": (K.EXEC_DYNAMIC, "shell"), "capture2": (K.EXEC_DYNAMIC, "shell"),
        "capture2e": (K.EXEC_DYNAMIC, "shell"), "capture3": (K.EXEC_DYNAMIC, "shell"), "popen2": (K.EXEC_DYNAMIC, "shell"),
        "popen2e": (K.EXEC_DYNAMIC, "shell"), "popen3": (K.EXEC_DYNAMIC, "shell"),
        "system": (K.EXEC_DYNAMIC, "shell"), "exec": (K.EXEC_DYNAMIC, "shell"), "spawn": (K.EXEC_DYNAMIC, "shell"),
        "eval": (K.EXEC_DYNAMIC, "dynamic"), "instance_eval": (K.EXEC_DYNAMIC, "dynamic"),
        "kill": (K.KILL, "kill"),  # Process.kill(signal, pid...)
    },
}
# Names that other objects also have: counted only on these receivers or as bare calls.
AMBIGUOUS = {
    "node": ({"rm", "rmdir", "unlink", "rename", "exec", "spawn", "cp", "truncate", "chmod", "open", "writeFile", "appendFile", "remove", "run", "Command",
              "symlink", "link", "utimes", "mkdir", "kill"},
             ("fs", "child_process", "cp", "promises", "Deno", "process")),
    "ruby": ({"delete", "unlink", "write", "open", "rename", "rmdir", "truncate", "chmod", "chown", "rm", "copy", "move", "touch",
              "symlink", "link", "utime", "popen", "kill"}, ("File", "FileUtils", "Dir", "IO", "FU", "Open3", "Process")),
    "perl": (set(), ()),
}
WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:$@%")


class Token(Record):
    __slots__ = ("kind", "text", "interpolated")
    kind: str  # "word", "string", "shell" (backticks), "punct"
    text: str
    interpolated: bool

    def __init__(
        self,
        kind: str,
        text: str,
        interpolated: bool = False,
    ) -> None:
        self._init(kind=kind, text=text, interpolated=interpolated)


def tokenize(language: str, code: str) -> list[Token]:
    tokens: list[Token] = []
    index = 0
    length = len(code)
    while index < length:
        char = code[index]
        if char in " \t\r\n":
            index += 1
            continue
        if (char == "#" and language != "node") or (language == "node" and code.startswith("//", index)):
            newline = code.find("\n", index)
            index = length if newline < 0 else newline + 1
            continue
        if language == "node" and code.startswith("/*", index):
            end = code.find("*/", index + 2)
            index = length if end < 0 else end + 2
            continue
        if char in "'\"`":
            end = index + 1
            while end < length and code[end] != char:
                end += 2 if code[end] == "\\" else 1
            body = code[index + 1 : end]
            interpolated = char != "'" and any(marker in body for marker in ("$", "#{", "@"))
            if char == "`" and language != "node":
                tokens.append(Token("shell", body, interpolated))
            else:
                tokens.append(Token("string", _unescape(body) if char != "'" else body.replace("\\'", "'"), interpolated or (char == "`" and "${" in body)))
            index = end + 1
            continue
        if char in WORD_CHARS:
            end = index
            while end < length and code[end] in WORD_CHARS:
                end += 1
            tokens.append(Token("word", code[index:end]))
            index = end
            continue
        tokens.append(Token("punct", char))
        index += 1
    return tokens


def _unescape(body: str) -> str:
    return body.replace('\\"', '"').replace("\\\\", "\\")


def scan(language: str, code: str) -> list[Effect]:
    table = CALLS.get(language, {})
    ambiguous, receivers = AMBIGUOUS.get(language, (set(), ()))
    tokens = tokenize(language, code)
    effects: list[Effect] = []
    changes_directory = any(token.kind == "word" and token.text.replace("::", ".").split(".")[-1] == "chdir" for token in tokens)
    quoted_words = _quote_word_lists(tokens) if language == "perl" else set()
    for index, token in enumerate(tokens):
        if index in quoted_words:
            continue  # `use File::Path qw(rmtree)` imports the name, it calls nothing
        if token.kind == "shell":
            effects.append(Effect(K.EXEC_DYNAMIC, call="backticks") if token.interpolated else Effect(K.EXEC_DYNAMIC, shell=token.text, call="backticks"))
            continue
        if token.kind != "word":
            continue
        parts = token.text.replace("::", ".").split(".")
        name = parts[-1]
        if name not in table:
            continue
        receiver = ".".join(parts[:-1])
        if name in ambiguous and receiver and not any(known in receiver for known in receivers):
            continue
        if name in ambiguous and not receiver and index > 0 and tokens[index - 1].text in (")", "."):
            previous = tokens[index - 2].text if index > 1 else ""
            if not any(known in previous for known in receivers) and tokens[index - 1].text == ".":
                continue
        if index + 1 < len(tokens) and tokens[index + 1].text in ("=", ":") and language != "perl":
            continue  # a definition or a property, not a call
        arguments = _arguments(tokens, index + 1)
        kind, role = table[name]
        effects.extend(_effects(kind, role, arguments, name))
    if changes_directory:
        from safeshell.shell.python_scan import unanchor

        return unanchor(effects)
    return effects


def _quote_word_lists(tokens: list[Token]) -> set[int]:
    """Return the indexes of the words inside Perl ``qw(...)`` lists, which are strings."""
    inside: set[int] = set()
    for index, token in enumerate(tokens[:-1]):
        if token.kind == "word" and token.text == "qw" and tokens[index + 1].text == "(":
            position = index + 2
            while position < len(tokens) and tokens[position].text != ")":
                inside.add(position)
                position += 1
    return inside


# Calls that join literal path parts (node's path.join, Ruby's File.join) or
# return the working directory (process.cwd(), Dir.pwd).
JOIN_WORDS = frozenset({"path.join", "path.resolve", "File.join", "File.expand_path"})
CWD_WORDS = frozenset({"process.cwd", "Dir.pwd", "Dir.getwd"})


def _joined_literal(argument: list[Token]) -> str | None:
    """Return a path built from literals: ``path.join('a', 'b')``, ``process.cwd() + '/x'``; else None."""
    words = [token.text for token in argument if token.kind == "word"]
    strings = [token for token in argument if token.kind == "string"]
    puncts = {token.text for token in argument if token.kind == "punct"}
    if any(token.interpolated for token in strings) or not puncts <= {"(", ")", ",", "+"}:
        return None
    parts = [token.text for token in strings]
    if len(words) == 1 and words[0] in JOIN_WORDS and parts and "+" not in puncts:
        return "/".join(part.rstrip("/") for part in parts)
    if len(words) == 1 and words[0] in CWD_WORDS and argument[0].text == words[0] and puncts <= {"(", ")", "+"}:
        return "." + "".join(parts) if not parts or parts[0].startswith("/") else None
    return None


def _arguments(tokens: list[Token], start: int) -> list[list[Token]]:
    """Return the call's arguments, each a list of tokens, split at top-level commas."""
    if start < len(tokens) and tokens[start].text == "(":
        closing, depth, index = ")", 1, start + 1
    else:
        closing, depth, index = None, 0, start
    arguments: list[list[Token]] = [[]]
    while index < len(tokens):
        token = tokens[index]
        if token.kind == "punct" and token.text in "([{":
            depth += 1
        elif token.kind == "punct" and token.text in ")]}":
            depth -= 1
            if depth <= 0 and (closing is not None or depth < 0):
                break
        elif token.kind == "punct" and token.text == ";" and depth <= (1 if closing else 0):
            break
        elif token.kind == "word" and closing is None and depth == 0 and token.text in ("or", "and", "if", "unless", "||", "&&"):
            break
        if token.kind == "punct" and token.text == "," and depth == (1 if closing else 0):
            arguments.append([])
        else:
            arguments[-1].append(token)
        index += 1
    return [argument for argument in arguments if argument]


# Expressions for the home directory: node's os.homedir() and
# process.env.HOME, ruby's Dir.home and ENV["HOME"].
HOME_WORDS = frozenset({"os.homedir", "homedir", "Dir.home", "process.env.HOME", "Etc.home"})
HOME_HELPER_STRINGS = frozenset({"os", "node:os", "HOME", "etc"})


def _home_expression(argument: list[Token]) -> bool:
    strings = {token.text for token in argument if token.kind == "string"}
    words = [token.text for token in argument if token.kind == "word"]
    if not strings <= HOME_HELPER_STRINGS or any(token.kind == "punct" and token.text in "+," for token in argument):
        return False
    return any(word in HOME_WORDS or word.endswith(".homedir") for word in words) or words == ["ENV"] and strings == {"HOME"}


def _literal(argument: list[Token]) -> tuple[str | None, bool]:
    """Return (value, is_glob) of an argument that is a plain string literal (or the home directory)."""
    if _home_expression(argument):
        return HOME, False
    joined = _joined_literal(argument)
    if joined is not None:
        return joined, False
    strings = [token for token in argument if token.kind == "string"]
    words = [token for token in argument if token.kind == "word"]
    if len(strings) == 1 and not strings[0].interpolated:
        if not words:
            return strings[0].text, False
        if [word.text for word in words] == ["glob"]:
            return strings[0].text, True
    return None, False


def _kill_effects(arguments: list[list[Token]], *, pid_first: bool, name: str) -> list[Effect]:
    """Return the kill of ``kill SIGNAL, PID...`` (Perl, Ruby) or ``process.kill(PID, SIGNAL)`` (Node).

    With a literal signal and literal pids it becomes a ``kill`` command, whose
    analysis compares the pids with the daemon's. Otherwise a signal that may
    end the daemon is an unresolved kill.
    """
    if pid_first:
        pid_arguments, signal_argument = arguments[:1], arguments[1] if len(arguments) > 1 else None
        signal_text: str | None = "TERM" if signal_argument is None else _signal_literal(signal_argument)
    else:
        pid_arguments = arguments[1:]
        signal_text = _signal_literal(arguments[0]) if arguments else None
    pids = [_pid_literal(argument) for argument in pid_arguments]
    if signal_text is not None and pids and all(pid is not None for pid in pids):
        signal = signals.normalize(signal_text.lstrip("-"))
        targets = tuple(f"-{pid}" if signal_text.startswith("-") else str(pid) for pid in pids if pid is not None)
        return [Effect(K.KILL, argv=("kill", "-s", signal, "--", *targets), call=name)]
    if signal_text is not None and signals.normalize(signal_text.lstrip("-")) in signals.GRACEFUL:
        return []
    return [Effect(K.KILL, call=name)]


def _signal_literal(argument: list[Token]) -> str | None:
    # 9, -9 (Perl: a process group), 'KILL', "SIGKILL", :KILL (Ruby symbol).
    texts = [token.text for token in argument if token.kind in ("word", "string")]
    puncts = [token.text for token in argument if token.kind == "punct"]
    if len(texts) != 1 or any(token.kind == "string" and token.interpolated for token in argument):
        return None
    text = texts[0].lstrip(":")
    prefix = "-" if puncts == ["-"] else ""
    if puncts not in ([], ["-"], [":"]) or not (text.isdigit() or signals.is_name(text)):
        return None
    return prefix + text


def _pid_literal(argument: list[Token]) -> int | None:
    texts = [token.text for token in argument]
    return int(texts[0]) if len(texts) == 1 and texts[0].isdigit() else None


def _effects(kind: K, role: str, arguments: list[list[Token]], name: str) -> list[Effect]:
    if role in ("kill", "kill_pid_first"):
        return _kill_effects(arguments, pid_first=role == "kill_pid_first", name=name)
    if role == "dynamic":
        return [Effect(K.EXEC_DYNAMIC, call=name)]
    if role == "shell":
        if len(arguments) == 1:
            value, _ = _literal(arguments[0])
            if value is not None:
                return [Effect(K.EXEC_DYNAMIC, shell=value, call=name)]
        values = [_literal(argument)[0] for argument in arguments]
        if values and all(value is not None for value in values):
            return [Effect(K.EXEC_DYNAMIC, argv=tuple(value for value in values if value is not None), call=name)]
        return [Effect(K.EXEC_DYNAMIC, call=name)]
    if role == "spawn":
        flat = [token for argument in arguments for token in argument if token.kind != "punct"]
        if flat and all(token.kind == "string" and not token.interpolated for token in flat):
            return [Effect(K.EXEC_DYNAMIC, argv=tuple(token.text for token in flat), call=name)]
        return [Effect(K.EXEC_DYNAMIC, call=name)]
    if role == "open":
        return _open_effects(arguments, name)
    if role == "move":
        source = _literal(arguments[0])[0] if arguments else None
        destination = _literal(arguments[1])[0] if len(arguments) > 1 else None
        return [Effect(K.MOVE, path=source, destination=destination, call=name)]
    selected = {
        "all": arguments,
        "first": arguments[:1],
        "second": arguments[1:2],
        "skip1": arguments[1:],
        "skip2": arguments[2:],
    }[role]
    if not selected:
        return [Effect(kind, call=name)] if role in ("all", "first") else []
    effects = []
    for argument in selected:
        value, is_glob = _literal(argument)
        effects.append(Effect(kind, path=value, glob=is_glob, call=name))
    return effects


def _open_effects(arguments: list[list[Token]], name: str) -> list[Effect]:
    literals = [_literal(argument)[0] for argument in arguments]
    for position, value in enumerate(literals):
        if value is None:
            continue
        stripped = value.strip()
        if stripped in (">", ">>", "+<", "+>", "w", "a", "w+", "a+", "r+", "wb", "ab"):
            target = literals[position + 1] if position + 1 < len(literals) else None
            if position == 1 and name in ("open", "openSync") and literals[0] is not None:
                target = literals[0]  # node and ruby: open(path, mode)
            return [Effect(K.WRITE, path=target, call=name)]
        if stripped.startswith((">", "+<", "+>")):
            return [Effect(K.WRITE, path=stripped.lstrip(">+<").strip(), call=name)]
        if stripped.startswith("|") or stripped.endswith("|"):
            return [Effect(K.EXEC_DYNAMIC, shell=stripped.strip("|").strip(), call=name)]
    if any(value is None for value in literals[1:]):
        return [Effect(K.WRITE, call=name)]
    return []
