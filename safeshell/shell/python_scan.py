"""Effects of Python code, found with the ``ast`` module.

Calls are matched by their final attribute name (``shutil.rmtree``,
``os.remove``, ``Path(...).unlink``), with names that other types share
(``remove``, ``rename``, ``replace``, ``open``) counted only on ``os``,
``shutil``, ``pathlib`` or a variable bound to a literal path. String
literals, ``os.path.join`` and ``Path / "x"`` of literals are resolved; any
other argument makes the effect unresolved. Code that does not parse is one
unresolved ``exec_dynamic`` effect.
"""

from __future__ import annotations

import ast

from safeshell import signals
from safeshell.operations import OperationKind as K
from safeshell.shell.scan_model import HOME, Effect

# Calls whose first argument is a path the call deletes, writes, or changes mode of.
FIRST_ARGUMENT_CALLS: dict[str, K] = {
    "rmtree": K.DELETE, "remove": K.DELETE, "unlink": K.DELETE, "rmdir": K.DELETE, "removedirs": K.DELETE,
    "truncate": K.TRUNCATE, "chmod": K.CHMOD, "chown": K.CHMOD, "lchown": K.CHMOD, "lchmod": K.CHMOD,
    "makedirs": K.CREATE, "mkdir": K.CREATE, "mknod": K.CREATE, "mkfifo": K.CREATE,
    "utime": K.WRITE, "chflags": K.CHMOD, "setxattr": K.CHMOD, "removexattr": K.CHMOD,
}
# Functions that, passed as a value (``map(os.remove, files)``), delete or
# change whatever they are later called with.
CALLBACK_KINDS: dict[str, K] = {name: kind for name, kind in FIRST_ARGUMENT_CALLS.items() if kind is not K.CREATE}
# Modules whose ``open`` opens a file by name, as the builtin does.
OPEN_MODULES = frozenset({"io", "codecs", "builtins", "gzip", "bz2", "lzma"})
# Downloads into a directory given by a keyword (huggingface_hub).
DOWNLOAD_CALLS = frozenset({"snapshot_download", "hf_hub_download"})
# Calls with (source, destination): the source moves, the destination is written.
MOVE_CALLS = frozenset({"rename", "replace", "renames", "move"})
COPY_CALLS = frozenset({"copy", "copy2", "copyfile", "copytree", "copymode", "copystat", "symlink", "link", "copyfileobj"})
# Methods of a Path object (receiver is the path).
PATH_METHODS: dict[str, K] = {
    "read_text": K.READ, "read_bytes": K.READ,
    "unlink": K.DELETE, "rmdir": K.DELETE, "write_text": K.TRUNCATE, "write_bytes": K.TRUNCATE, "touch": K.WRITE,
    "chmod": K.CHMOD, "lchmod": K.CHMOD, "mkdir": K.CREATE, "symlink_to": K.CREATE, "hardlink_to": K.CREATE,
}
# Calls that save to a path on any receiver (model.save_pretrained, df.to_csv),
# with the index of the path argument; torch.save(obj, f) is handled apart.
SAVE_CALLS: dict[str, int] = {"save_pretrained": 0, "save_model": 0, "save_file": 1, "to_csv": 0, "to_json": 0,
                              "to_parquet": 0, "savetxt": 0, "savez": 0, "savez_compressed": 0, "dump_model": 0}
PATH_MOVE_METHODS = frozenset({"rename", "replace"})
# Methods specific enough to paths that an unknown receiver counts.
UNAMBIGUOUS_METHODS = frozenset({"unlink", "rmdir", "write_text", "write_bytes", "rmtree"})
PATH_MODULES = frozenset({"os", "shutil", "pathlib", "posix", "Path", "PurePath", "PosixPath"})
SHELL_CALLS = frozenset({"system", "popen", "getoutput", "getstatusoutput"})
SUBPROCESS_CALLS = frozenset({"run", "call", "check_call", "check_output", "Popen", "spawn", "spawnl", "spawnlp", "spawnv", "spawnvp", "execv", "execvp", "execl", "execlp", "execve", "execvpe"})
DYNAMIC_CALLS = frozenset({"exec", "eval", "compile", "__import__"})


def scan(code: str) -> list[Effect]:
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return [Effect(K.EXEC_DYNAMIC, call="python code that does not parse")]
    scanner = _Scanner(tree)
    if scanner.changes_directory:
        return unanchor(scanner.effects)
    return scanner.effects


def unanchor(effects: list[Effect]) -> list[Effect]:
    """Drop relative paths of code that changes its working directory: they are unknown."""
    result = []
    for effect in effects:
        if effect.path is not None and not effect.path.startswith("/"):
            effect = Effect(effect.kind, None, effect.destination, effect.glob, effect.shell, effect.argv, effect.call)
        result.append(effect)
    return result


class _Scanner(ast.NodeVisitor):
    def __init__(self, tree: ast.AST) -> None:
        self.effects: list[Effect] = []
        self.literals: dict[str, str | None] = {}
        self.imported: dict[str, str] = {}  # local name -> module it came from
        self.aliases: dict[str, str] = {}  # local name -> imported name (`from shutil import rmtree as r`)
        self.path_names: set[str] = set()  # names bound to a Path(...) object
        self.changes_directory = False  # os.chdir(): relative paths lose their anchor
        for node in ast.walk(tree):
            self._collect(node)
        try:
            self.visit(tree)
        except RecursionError:
            self.effects.append(Effect(K.EXEC_DYNAMIC, call="python code nests too deeply"))

    def _collect(self, node: ast.AST) -> None:
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                self.imported[alias.asname or alias.name] = node.module.split(".")[0]
                self.aliases[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                self.imported[alias.asname or alias.name] = alias.name.split(".")[0]
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if self._is_path_object(node.value):
                self.path_names.add(name)
            value = self._literal(node.value)
            if name in self.literals and self.literals[name] != value:
                value = None
            self.literals[name] = value

    def _literal(self, node: ast.AST | None) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return self.literals.get(node.id)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self._literal(node.left), self._literal(node.right)
            return None if left is None or right is None else left + right
        if isinstance(node, ast.JoinedStr):
            parts = [self._literal(value.value if isinstance(value, ast.FormattedValue) else value) for value in node.values]
            return None if any(part is None for part in parts) else "".join(part for part in parts if part is not None)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            left, right = self._literal(node.left), self._literal(node.right)
            return None if left is None or right is None else left.rstrip("/") + "/" + right
        if isinstance(node, ast.Subscript) and _is_environ(node.value):
            key = self._literal(node.slice)
            return HOME if key == "HOME" else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            return self._percent_format(node)
        if isinstance(node, ast.Call):
            name = _call_name(node.func)
            if name == "home" and not node.args:
                return HOME  # Path.home()
            if name in ("getcwd", "cwd") and not node.args:
                return "."  # os.getcwd(), Path.cwd(): relative paths lose their anchor with os.chdir() as well
            if name in ("strip", "rstrip", "lstrip") and not node.args and isinstance(node.func, ast.Attribute):
                value = self._literal(node.func.value)
                return None if value is None else getattr(value, name)()
            if name == "format" and isinstance(node.func, ast.Attribute) and not node.keywords:
                return self._str_format(node)
            if name in ("getenv", "get") and node.args and self._literal(node.args[0]) == "HOME" and (
                    name == "getenv" or isinstance(node.func, ast.Attribute) and _is_environ(node.func.value)):
                return HOME  # os.getenv("HOME"), os.environ.get("HOME")
            if name == "expanduser" and not node.args and isinstance(node.func, ast.Attribute):
                return _expand_home(self._literal(node.func.value))  # Path("~/x").expanduser()
            if name == "expanduser" and len(node.args) == 1:
                return _expand_home(self._literal(node.args[0]))
            if name == "expandvars" and len(node.args) == 1:
                value = self._literal(node.args[0])
                if value is not None and value.startswith(("$HOME", "${HOME}")):
                    return HOME + value[len("${HOME}") if value.startswith("${") else len("$HOME"):]
                return value if value is not None and "$" not in value else None
            if name == "joinpath" and isinstance(node.func, ast.Attribute):
                parts = [self._literal(part) for part in (node.func.value, *node.args)]
                return None if any(part is None for part in parts) else "/".join(part.rstrip("/") for part in parts if part is not None)
            if name in ("resolve", "absolute") and not node.args and isinstance(node.func, ast.Attribute):
                return self._literal(node.func.value)
            if name in ("Path", "PurePath", "PosixPath", "abspath", "realpath", "normpath", "fspath", "str") and len(node.args) == 1:
                return self._literal(node.args[0])
            if name in ("Path", "PurePath", "PosixPath", "join") and node.args:
                parts = [self._literal(arg) for arg in node.args]
                if any(part is None for part in parts):
                    return None
                return "/".join(part.rstrip("/") for part in parts if part is not None)
        return None

    def _percent_format(self, node: ast.BinOp) -> str | None:
        """Return ``'%s/x' % VALUE`` (or a tuple of values) when every part is a literal."""
        template = self._literal(node.left)
        items = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
        values = [self._literal(item) for item in items]
        if template is None or any(value is None for value in values):
            return None
        try:
            return template % tuple(values)
        except (TypeError, ValueError):
            return None

    def _str_format(self, node: ast.Call) -> str | None:
        """Return ``'{}/x'.format(VALUE)`` when the template and every argument are literals."""
        assert isinstance(node.func, ast.Attribute)
        template = self._literal(node.func.value)
        values = [self._literal(argument) for argument in node.args]
        if template is None or any(value is None for value in values):
            return None
        try:
            return template.format(*values)
        except (IndexError, KeyError, ValueError):
            return None

    def _is_path_object(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Call):
            name = _call_name(node.func)
            if name in ("home", "expanduser", "resolve", "absolute", "joinpath") and isinstance(node.func, ast.Attribute):
                return name == "home" or self._is_path_object(node.func.value)
            return name in ("Path", "PurePath", "PosixPath")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return self._is_path_object(node.left)
        return isinstance(node, ast.Name) and node.id in self.path_names

    def _receiver_is_path_module(self, func: ast.AST) -> bool:
        if not isinstance(func, ast.Attribute):
            return isinstance(func, ast.Name) and self.imported.get(func.id) in PATH_MODULES
        base = func.value
        while isinstance(base, ast.Attribute):
            base = base.value
        if isinstance(base, ast.Name):
            return base.id in PATH_MODULES or self.imported.get(base.id) in PATH_MODULES
        return False

    def visit_Call(self, node: ast.Call) -> None:
        if _call_name(node.func) in ("chdir", "fchdir"):
            self.changes_directory = True
        self._classify(node)
        for argument in (*node.args, *(keyword.value for keyword in node.keywords)):
            self._callback(argument)
        self.generic_visit(node)

    def _callback(self, node: ast.AST) -> None:
        """``map(os.remove, files)``, ``rmtree(onerror=...)``: a destructive function passed as a value."""
        if isinstance(node, ast.Attribute) and node.attr in CALLBACK_KINDS and self._receiver_is_path_module(node):
            self.effects.append(Effect(CALLBACK_KINDS[node.attr], call=node.attr))
        elif isinstance(node, ast.Name) and self.aliases.get(node.id, "") in CALLBACK_KINDS and \
                self.imported.get(node.id) in PATH_MODULES:
            self.effects.append(Effect(CALLBACK_KINDS[self.aliases[node.id]], call=node.id))

    def _classify(self, node: ast.Call) -> None:
        name = _call_name(node.func)
        if name is None:
            return
        if isinstance(node.func, ast.Name):
            name = self.aliases.get(name, name)
        module_call = self._receiver_is_path_module(node.func)
        if name in DYNAMIC_CALLS and isinstance(node.func, ast.Name):
            self.effects.append(Effect(K.EXEC_DYNAMIC, call=name))
            return
        if name == "open" and isinstance(node.func, ast.Name | ast.Attribute):
            self._open(node, name)
            return
        if self._special(node, name):
            return
        if name in SHELL_CALLS and module_call:
            command = self._literal(node.args[0]) if node.args else None
            self.effects.append(Effect(K.EXEC_DYNAMIC, call=name) if command is None else Effect(K.EXEC_DYNAMIC, shell=command, call=name))
            return
        if name in SUBPROCESS_CALLS and (module_call or self.imported.get(_base_name(node.func) or "") in ("subprocess", "os", "pty")
                                         or _base_name(node.func) in ("subprocess", "os", "pty")):
            self._subprocess(node, name)
            return
        if name in SAVE_CALLS or (name == "save" and isinstance(node.func, ast.Attribute)):
            self._save(node, name)
            return
        receiver_path = self._receiver_literal(node.func)
        if isinstance(node.func, ast.Attribute) and name in PATH_METHODS and not module_call:
            if receiver_path is not None:
                self.effects.append(Effect(PATH_METHODS[name], path=receiver_path, call=name))
            elif name in UNAMBIGUOUS_METHODS or self._receiver_known_path(node.func):
                self.effects.append(Effect(PATH_METHODS[name], call=name))
            return
        if isinstance(node.func, ast.Attribute) and name in PATH_MOVE_METHODS and not module_call:
            if receiver_path is not None or self._receiver_known_path(node.func):
                destination = self._literal(node.args[0]) if node.args else None
                self.effects.append(Effect(K.MOVE, path=receiver_path, destination=destination, call=name))
            return
        if not module_call and name not in ("rmtree",):
            return
        first = self._literal(node.args[0]) if node.args else self._keyword_literal(node, ("path", "src"))
        if name in FIRST_ARGUMENT_CALLS:
            self.effects.append(Effect(FIRST_ARGUMENT_CALLS[name], path=first, call=name))
        elif name in MOVE_CALLS:
            destination = self._literal(node.args[1]) if len(node.args) > 1 else self._keyword_literal(node, ("dst",))
            self.effects.append(Effect(K.MOVE, path=first, destination=destination, call=name))
            if destination is None:
                self.effects.append(Effect(K.WRITE, call=name))
        elif name in COPY_CALLS:
            destination = self._literal(node.args[1]) if len(node.args) > 1 else self._keyword_literal(node, ("dst",))
            self.effects.append(Effect(K.WRITE, path=destination, call=name))

    def _special(self, node: ast.Call, name: str) -> bool:
        """Calls of particular modules: runpy, tarfile/zipfile extraction, sqlite3, downloads, signals."""
        base = _base_name(node.func)
        module = self.imported.get(base or "", base)
        if name in ("run_path",) and module == "runpy":
            script = self._literal(node.args[0]) if node.args else self._keyword_literal(node, ("path_name",))
            self.effects.append(Effect(K.EXEC_DYNAMIC, call=name) if script is None else
                                Effect(K.EXEC_DYNAMIC, argv=("python3", script), call=name))
            return True
        if name in ("extractall", "extract") and isinstance(node.func, ast.Attribute):
            position = 0 if name == "extractall" else 1
            target = node.args[position] if len(node.args) > position else next(
                (keyword.value for keyword in node.keywords if keyword.arg == "path"), None)
            self.effects.append(Effect(K.WRITE, path="." if target is None else self._literal(target), call=name))
            return True
        if name in ("input", "FileInput") and module == "fileinput":
            if any(keyword.arg == "inplace" and not (isinstance(keyword.value, ast.Constant) and not keyword.value.value)
                   for keyword in node.keywords):
                files = node.args[0] if node.args else next((keyword.value for keyword in node.keywords if keyword.arg == "files"), None)
                elements = list(files.elts) if isinstance(files, ast.List | ast.Tuple) else [files]
                for element in elements:
                    self.effects.append(Effect(K.TRUNCATE, path=self._literal(element), call=name))
            return True
        if name == "connect" and module == "sqlite3":
            database = self._literal(node.args[0]) if node.args else self._keyword_literal(node, ("database",))
            if database != ":memory:":
                self.effects.append(Effect(K.WRITE, path=database, call=name))
            return True
        if name in DOWNLOAD_CALLS:
            for keyword in node.keywords:
                if keyword.arg in ("local_dir", "cache_dir"):
                    self.effects.append(Effect(K.WRITE, path=self._literal(keyword.value), call=name))
            return True
        if name in ("kill", "killpg") and module in ("os", "posix") and len(node.args) == 2:
            signal = node.args[1]
            text: str | None = None
            if isinstance(signal, ast.Constant) and isinstance(signal.value, (int, str)):
                text = str(signal.value)
            elif isinstance(signal, ast.Attribute):
                text = signal.attr  # signal.SIGKILL
            elif isinstance(signal, ast.Name):
                text = signal.id  # from signal import SIGKILL
            pid = node.args[0].value if isinstance(node.args[0], ast.Constant) else None
            if text is not None and isinstance(pid, int) and not isinstance(pid, bool):
                # The kill command's analysis compares the pid with the daemon's.
                target = str(pid) if name == "kill" else f"-{pid}"
                self.effects.append(Effect(K.KILL, argv=("kill", "-s", signals.normalize(text), "--", target), call=name))
            elif text is None or signals.normalize(text) not in signals.GRACEFUL:
                self.effects.append(Effect(K.KILL, call=name))
            return True
        if name == "kill" and isinstance(node.func, ast.Attribute) and "psutil" in self.imported.values():
            self.effects.append(Effect(K.KILL, call="psutil kill"))
            return True
        return False

    def _keyword_literal(self, node: ast.Call, names: tuple[str, ...]) -> str | None:
        for keyword in node.keywords:
            if keyword.arg in names:
                return self._literal(keyword.value)
        return None

    def _receiver_literal(self, func: ast.AST) -> str | None:
        """Return the literal path of a method's receiver when it is a Path object."""
        if isinstance(func, ast.Attribute) and self._is_path_object(func.value):
            return self._literal(func.value)
        return None

    def _receiver_known_path(self, func: ast.AST) -> bool:
        return isinstance(func, ast.Attribute) and self._is_path_object(func.value)

    def _open(self, node: ast.Call, name: str) -> None:
        if isinstance(node.func, ast.Attribute) and not self._receiver_is_path_module(node.func) and \
                self.imported.get(_base_name(node.func) or "") not in OPEN_MODULES:
            receiver = self._receiver_literal(node.func)
            if receiver is None and not self._receiver_known_path(node.func):
                return
            mode_node = node.args[0] if node.args else None
            target = receiver
        else:
            mode_node = node.args[1] if len(node.args) > 1 else None
            target = self._literal(node.args[0]) if node.args else self._keyword_literal(node, ("file",))
        for keyword in node.keywords:
            if keyword.arg == "mode":
                mode_node = keyword.value
        mode = "r" if mode_node is None else self._literal(mode_node)
        if mode is not None and not any(flag in mode for flag in "wax+"):
            if target is not None:
                self.effects.append(Effect(K.READ, path=target, call=name))
            return
        if mode is None:
            self.effects.append(Effect(K.WRITE, path=target, call=name))
        elif "w" in mode:
            self.effects.append(Effect(K.TRUNCATE, path=target, call=name))
        elif any(flag in mode for flag in "ax+"):
            self.effects.append(Effect(K.WRITE, path=target, call=name))

    def _save(self, node: ast.Call, name: str) -> None:
        if name == "save":
            position = 1 if _base_name(node.func) in ("torch", "paddle") else 0
        else:
            position = SAVE_CALLS[name]
        if position < len(node.args):
            target = node.args[position]
        else:
            target = next((keyword.value for keyword in node.keywords if keyword.arg in ("f", "path", "filename", "file", "save_directory", "output_dir", "path_or_buf", "fname")), None)
        if target is None:
            if name == "save_model":
                return  # Trainer.save_model() with no argument writes to its configured output_dir
            self.effects.append(Effect(K.WRITE, call=name))
            return
        self.effects.append(Effect(K.WRITE, path=self._literal(target), call=name))

    def _os_exec(self, node: ast.Call, name: str) -> None:
        """``os.execvp(FILE, ARGV)``, ``os.spawnl(MODE, PATH, ARG0, ...)``: FILE runs with ARGV[1:]."""
        offset = 1 if name.startswith("spawn") else 0
        variant = name[len("spawn") if name.startswith("spawn") else len("exec"):]
        program = self._literal(node.args[offset]) if len(node.args) > offset else None
        if variant.startswith("v"):
            vector = node.args[offset + 1] if len(node.args) > offset + 1 else None
            elements = list(vector.elts) if isinstance(vector, ast.List | ast.Tuple) else None
        else:
            elements = list(node.args[offset + 1 :])
            if variant.endswith("e") and elements:
                elements = elements[:-1]  # the environment mapping
        parts = [self._literal(element) for element in elements] if elements is not None else None
        if program is None or parts is None or any(part is None for part in parts):
            self.effects.append(Effect(K.EXEC_DYNAMIC, call=name))
            return
        self.effects.append(Effect(K.EXEC_DYNAMIC, argv=(program, *(part for part in parts[1:] if part is not None)), call=name))

    def _subprocess(self, node: ast.Call, name: str) -> None:
        if name.startswith(("exec", "spawn")) and name != "spawn":  # pty.spawn(argv) takes an argv like run()
            self._os_exec(node, name)
            return
        if not node.args:
            self.effects.append(Effect(K.EXEC_DYNAMIC, call=name))
            return
        first = node.args[0]
        if isinstance(first, ast.List | ast.Tuple):
            parts = [self._literal(element) for element in first.elts]
            if any(part is None for part in parts):
                self.effects.append(Effect(K.EXEC_DYNAMIC, call=name))
            else:
                self.effects.append(Effect(K.EXEC_DYNAMIC, argv=tuple(part for part in parts if part is not None), call=name))
            return
        command = self._literal(first)
        if command is None:
            self.effects.append(Effect(K.EXEC_DYNAMIC, call=name))
        else:
            self.effects.append(Effect(K.EXEC_DYNAMIC, shell=command, call=name))


def _expand_home(path: str | None) -> str | None:
    """Return ``path`` with a leading ``~`` as :data:`HOME`; None for ``~user``, whose home is not known here."""
    if path is None or not path.startswith("~"):
        return path
    if path == "~" or path.startswith("~/"):
        return HOME + path[1:]
    return None


def _is_environ(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ" or isinstance(node, ast.Name) and node.id == "environ"


def _call_name(func: ast.AST) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _base_name(func: ast.AST) -> str | None:
    while isinstance(func, ast.Attribute):
        func = func.value
    return func.id if isinstance(func, ast.Name) else None
