"""Handlers for programs that write local files named in their own syntax.

Cloud and remote copy tools (``aws s3``, ``gsutil``, ``rclone``, ``docker
cp``) write their local destination; ``docker run -v SRC:DST`` runs its
command with ``DST`` standing for the host path ``SRC``; ``crontab`` installs
shell code that runs later; ``fuser -k`` sends SIGKILL to every process that
has a file open; ``gio``, ``openssl``, ``gpg`` and ``yq -i`` change files
named by a subcommand or an option.
"""

from __future__ import annotations

import os

from safeshell.operations import OperationKind as K
from safeshell.shell.fields import Arg
from safeshell.shell.programs import emit_paths, parse_options
from safeshell.shell.state import ShellState
from safeshell.shell.words import resolve_path

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from safeshell.shell.programs import Parsed
    from safeshell.shell.walker import Stdin, Walker

# A working directory that exists nowhere: container paths outside every
# bind mount resolve below it, so they match no rule on the host.
CONTAINER_ONLY = "/nonexistent-container-root/container"


def _opts(*names: str) -> frozenset[str]:
    return frozenset(names)


def _long_valued_operands(args: list[Arg], flags: frozenset[str]) -> tuple[list[Arg], set[str]]:
    """Split ``args`` where every ``--name`` not in ``flags`` takes the next word; short options are flags.

    Return the operands and the names of the options seen.
    """
    operands: list[Arg] = []
    seen: set[str] = set()
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        text = arg.text
        if not arg.resolved or not text.startswith("-") or text == "-":
            operands.append(arg)
        elif text == "--":
            operands.extend(args[index:])
            break
        elif text.startswith("--"):
            name = text.partition("=")[0]
            seen.add(name)
            if "=" not in text and name not in flags:
                index += 1
        else:
            seen.update("-" + letter for letter in text[1:])
    return operands, seen


def _is_remote(arg: Arg, schemes: tuple[str, ...]) -> bool:
    return arg.resolved and arg.text.startswith(schemes)


def _copy_like(walker: "Walker", action: str, operands: list[Arg], state: ShellState, *, remote: tuple[str, ...],
               source: str, delete: bool = False) -> None:
    """Emit the local effects of ``cp|mv|sync SRC... DST`` of a remote copy tool."""
    if len(operands) < 2:
        return
    sources, destination = operands[:-1], operands[-1]
    local_sources = [arg for arg in sources if not _is_remote(arg, remote)]
    if not _is_remote(destination, remote):
        emit_paths(walker, K.DELETE if delete else K.WRITE, [destination], state, source=source)
    if action in ("mv", "move", "moveto"):
        emit_paths(walker, K.MOVE, local_sources, state, source=source)
    else:
        emit_paths(walker, K.READ, local_sources, state, source=source)


AWS_FLAGS = _opts("--recursive", "--delete", "--dryrun", "--quiet", "--no-progress", "--only-show-errors", "--exact-timestamps",
                  "--size-only", "--follow-symlinks", "--no-follow-symlinks", "--no-guess-mime-type", "--force-glacier-transfer",
                  "--ignore-glacier-warnings", "--debug", "--no-verify-ssl", "--no-paginate", "--no-sign-request")


def aws(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``aws s3 cp|mv|sync SRC DST``: a local destination is written, a local source of mv is moved."""
    operands, seen = _long_valued_operands(args, AWS_FLAGS)
    if len(operands) < 2 or operands[0].text != "s3":
        return None
    action = operands[1].text
    if action not in ("cp", "mv", "sync"):
        return None
    if "--dryrun" in seen:
        return None
    _copy_like(walker, action, operands[2:], state, remote=("s3://",), source=source)
    return None


def gsutil(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``gsutil [-m] cp|mv|rsync [-r] [-d] SRC... DST``; ``rsync -d`` deletes what the source lacks."""
    parsed = parse_options(args, _opts("-o", "-h", "-u"), stop_at_operand=True)
    if not parsed.operands:
        return None
    action = parsed.operands[0].text
    if action not in ("cp", "mv", "rsync"):
        return None
    inner = parse_options(parsed.operands[1:], _opts("-x", "-j", "-z", "-a", "-p", "-c", "-L", "-s", "-i"))
    if inner.has("-n"):
        return None
    _copy_like(walker, action, inner.operands, state, remote=("gs://", "s3://"), source=source,
               delete=action == "rsync" and inner.has("-d"))
    return None


RCLONE_FLAGS = _opts("--dry-run", "--progress", "--verbose", "--checksum", "--update", "--ignore-existing", "--delete-excluded",
                     "--create-empty-src-dirs", "--fast-list", "--no-traverse", "--copy-links", "--links", "--interactive",
                     "--quiet", "--stats-one-line", "--ignore-times", "--size-only", "--no-update-modtime", "--immutable",
                     "--metadata", "--delete-empty-src-dirs", "--check-first", "--ignore-size", "--no-check-dest")


def _rclone_remote(arg: Arg) -> bool:
    head = arg.text.split("/", 1)[0]
    return arg.resolved and ":" in head


def rclone(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``rclone copy|sync|move SRC DST`` writes a local DST; ``delete|purge PATH`` removes a local PATH."""
    operands, seen = _long_valued_operands(args, RCLONE_FLAGS)
    if not operands or "--dry-run" in seen or "-n" in seen:
        return None
    action, rest = operands[0].text, operands[1:]
    local = [arg for arg in rest if not _rclone_remote(arg)]
    if action in ("delete", "purge", "deletefile", "rmdir", "rmdirs", "cleanup"):
        emit_paths(walker, K.DELETE, local, state, source=source)
    elif action in ("copy", "sync", "move", "copyto", "moveto", "bisync") and len(rest) >= 2:
        destination = rest[1]
        if not _rclone_remote(destination):
            emit_paths(walker, K.WRITE, [destination], state, source=source)
        if not _rclone_remote(rest[0]):
            if action in ("move", "moveto"):
                kind = K.MOVE
            elif action == "bisync":
                kind = K.WRITE  # both sides are changed
            else:
                kind = K.READ
            emit_paths(walker, kind, [rest[0]], state, source=source)
    return None


GIO_KINDS = {"trash": K.DELETE, "remove": K.DELETE, "rm": K.DELETE, "save": K.WRITE, "set": K.CHMOD, "mkdir": K.CREATE}


def gio(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``gio trash|remove|move|copy|save|set|rename``: the GLib file tool's changes."""
    if not args:
        return None
    action = args[0].text
    parsed = parse_options(args[1:], _opts("-t", "--type", "--attributes", "-a", "--backup"))
    operands = parsed.operands
    if action in GIO_KINDS:
        targets = operands[:1] if action == "set" else operands
        emit_paths(walker, GIO_KINDS[action], targets, state, source=source)
    elif action in ("move", "mv", "copy", "cp") and len(operands) >= 2:
        emit_paths(walker, K.MOVE if action in ("move", "mv") else K.READ, operands[:-1], state, source=source)
        emit_paths(walker, K.WRITE, operands[-1:], state, source=source)
    elif action == "rename" and operands:
        emit_paths(walker, K.MOVE, operands[:1], state, source=source)
    return None


def openssl(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``openssl SUBCOMMAND ... -out FILE``: the output (and ``-keyout``) file is written; the other files are read."""
    from safeshell.shell.commands import emit_existing_reads

    emit_existing_reads(walker, args, state, source=source)
    for index, arg in enumerate(args[:-1]):
        if arg.text in ("-out", "-keyout", "-signature"):
            emit_paths(walker, K.WRITE, [args[index + 1]], state, source=source)
    return None


def gpg(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``gpg -o FILE`` or ``--output FILE`` writes FILE; the other files are read."""
    from safeshell.shell.commands import emit_existing_reads

    emit_existing_reads(walker, args, state, source=source)
    for index, arg in enumerate(args):
        text = arg.text
        if text in ("-o", "--output") and index + 1 < len(args):
            emit_paths(walker, K.WRITE, [args[index + 1]], state, source=source)
        elif text.startswith("--output="):
            emit_paths(walker, K.WRITE, [Arg(text.partition("=")[2], arg.resolved, arg.source)], state, source=source)
    return None


def yq(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``yq -i EXPR FILE...`` (``--inplace``) rewrites every file after the expression."""
    parsed = parse_options(args, _opts("-o", "--output-format", "-p", "--input-format", "-I", "--indent", "--arg", "--argjson",
                                       "--expression", "--from-file", "--front-matter", "--split-exp", "-s"))
    in_place = parsed.has("-i", "--inplace", "--in-place")
    operands = parsed.operands
    if operands and operands[0].text in ("eval", "e", "eval-all", "ea"):
        operands = operands[1:]
    if not parsed.values("--expression", "--from-file"):
        operands = operands[1:]  # the first operand is the expression
    emit_paths(walker, K.WRITE if in_place else K.READ, operands, state, source=source)
    return None


def fuser(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """Emit a kill for ``fuser -k FILE``, which sends SIGKILL (unless another signal is named) to every process using FILE."""
    from safeshell.signals import GRACEFUL as GRACEFUL_SIGNALS
    from safeshell.signals import normalize as normalize_signal

    kill = False
    signal = "KILL"
    for arg in args:
        text = arg.text
        if not text.startswith("-") or text.startswith("--") or len(text) < 2:
            if text in ("--kill",):
                kill = True
            continue
        body = text[1:]
        if body.isdigit() or body.isupper():
            signal = normalize_signal(body)  # -TERM, -15
        elif body.isalpha():
            kill = kill or "k" in body
    if not kill or signal in GRACEFUL_SIGNALS:
        return None
    walker.ctx.emit(K.KILL, source=source, resolved=False,
                    detail={"signal": signal, "targets": [arg.text for arg in args if not arg.text.startswith("-")],
                            "match": "file", "reason": "fuser -k signals every process that has the file open"})
    return None


def crontab(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``crontab FILE`` or ``crontab -`` installs jobs; each job's command is analyzed, run from the home directory."""
    from safeshell.shell import shells
    from safeshell.shell.walker import INHERITED

    parsed = parse_options(args, _opts("-u"))
    if parsed.has("-l", "-r", "-e", "-i", "-V", "-T"):
        return None  # lists, removes or edits interactively; -T only checks
    operands = parsed.operands
    if operands and operands[0].text != "-":
        table = operands[0]
        path = resolve_path(table.text, state.cwd) if table.resolved else None
        text = shells.read_text_file(walker.ctx, path) if path is not None else None
    elif stdin is INHERITED:
        return None  # the user types the table
    else:
        text = stdin if isinstance(stdin, str) else None
    if text is None:
        walker.ctx.emit(K.EXEC_DYNAMIC, source=source, resolved=False, detail={"reason": "crontab installs jobs with no static content"})
        return None
    job_state = state.copy()
    home = state.lookup("HOME") if "HOME" in state.variables else None
    job_state.cwd = resolve_path(home, "/") if home else None
    for line in text.split("\n"):
        command = _cron_command(line)
        if command:
            shells.analyze_code(walker, command, job_state, source=source, same_shell=False)
    return None


def _cron_command(line: str) -> str | None:
    """Return the command of one crontab line, or None for a blank, comment or variable line."""
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return None
    fields = stripped.split(None, 1 if stripped.startswith("@") else 5)
    first = fields[0]
    if "=" in first and not stripped.startswith("@") and first.split("=", 1)[0].isidentifier():
        return None  # NAME=VALUE sets the jobs' environment
    expected = 2 if stripped.startswith("@") else 6
    return fields[-1].replace("%", "\n") if len(fields) == expected else None


DOCKER_RUN_VALUE_OPTIONS = _opts(
    "-v", "--volume", "--mount", "-w", "--workdir", "-e", "--env", "--env-file", "--name", "-p", "--publish", "--network", "--net",
    "-u", "--user", "--entrypoint", "--gpus", "--shm-size", "-m", "--memory", "--cpus", "--ipc", "--pid", "-h", "--hostname",
    "-l", "--label", "--label-file", "--add-host", "--device", "--runtime", "--platform", "--restart", "--log-driver", "--log-opt",
    "--cap-add", "--cap-drop", "--security-opt", "--ulimit", "--tmpfs", "--cidfile", "--dns", "-a", "--attach", "--expose",
    "--group-add", "--health-cmd", "--link", "--memory-swap", "--stop-signal", "--stop-timeout", "--storage-opt", "--sysctl",
    "--userns", "--uts", "--volumes-from", "--cgroupns", "--cgroup-parent", "-c", "--cpu-shares", "--cpuset-cpus", "--pull",
)


def _bind_mounts(parsed: "Parsed", state: ShellState) -> list[tuple[str, str | None]]:
    """Return (container path, host path) for each writable bind mount; host None when it has no static value."""
    mounts: list[tuple[str, str | None]] = []
    for option, value in parsed.options:
        if value is None:
            continue
        if option in ("-v", "--volume"):
            parts = value.text.split(":")
            if len(parts) < 2:
                continue
            host, target = parts[0], parts[1]
            options = parts[2].split(",") if len(parts) > 2 else []
            if "ro" in options or "readonly" in options:
                continue
            if value.resolved and not host.startswith(("/", ".", "~")):
                continue  # a named volume, not a host path
        elif option == "--mount":
            fields = dict(part.partition("=")[::2] for part in value.text.split(","))
            if fields.get("type", "volume") != "bind" or "readonly" in fields or "ro" in fields:
                continue
            host = fields.get("source") or fields.get("src") or ""
            target = fields.get("target") or fields.get("destination") or fields.get("dst") or ""
        else:
            continue
        if not target.startswith("/"):
            continue
        located = resolve_path(host, state.cwd) if value.resolved and host else None
        mounts.append((os.path.normpath(target), located))
    return mounts


def _to_host(text: str, mounts: list[tuple[str, str | None]]) -> tuple[str, bool]:
    """Replace container paths in ``text`` by host paths; return the text and whether every one was known.

    A path below no mount is moved below :data:`CONTAINER_ONLY`.
    """
    import re

    known = True

    def replace(match: "re.Match[str]") -> str:
        nonlocal known
        path = match.group(2)
        for target, host in sorted(mounts, key=lambda item: len(item[0]), reverse=True):
            if path == target or path.startswith(target.rstrip("/") + "/"):
                if host is None:
                    known = False
                    return match.group(0)
                return match.group(1) + host + path[len(target.rstrip("/")):]
        return match.group(1) + CONTAINER_ONLY + path

    converted = re.sub(r"(^|[\s'\"=:;(|&])(/[^\s'\";|&)]*)", replace, text)
    return converted, known


def docker(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``docker cp`` writes a local destination; ``docker run -v HOST:CTR IMAGE CMD`` runs CMD on the mounted host paths."""
    parsed_global = parse_options(args, _opts("-H", "--host", "--context", "-c", "--config", "-l", "--log-level"), stop_at_operand=True)
    operands = parsed_global.operands
    if not operands:
        return None
    action, rest = operands[0].text, operands[1:]
    if action == "container" and rest:
        action, rest = rest[0].text, rest[1:]
    if action == "cp":
        copy = parse_options(rest, frozenset()).operands
        if len(copy) == 2:
            source_arg, destination = copy
            if not _container_path(destination):
                emit_paths(walker, K.WRITE, [destination], state, source=source)
            if not _container_path(source_arg):
                emit_paths(walker, K.READ, [source_arg], state, source=source)
        return None
    if action not in ("run", "create"):
        return None
    parsed = parse_options(rest, DOCKER_RUN_VALUE_OPTIONS, stop_at_operand=True)
    mounts = _bind_mounts(parsed, state)
    command = parsed.operands[1:]
    entrypoints = parsed.values("--entrypoint")
    if entrypoints:
        command = [entrypoints[-1], *command]
    if not mounts or not command:
        return None  # nothing of the host is writable, or the image's own command runs
    workdirs = parsed.values("-w", "--workdir")
    return _run_with_mounts(walker, command, mounts, workdirs[-1] if workdirs else None, state, source=source)


def _run_with_mounts(walker: "Walker", command: list[Arg], mounts: list[tuple[str, str | None]], workdir: Arg | None,
                     state: ShellState, *, source: str) -> str | None:
    """Analyze ``command`` run where each mount's path stands for its host path (a container, a chroot)."""
    from safeshell.shell.commands import run_argv

    job_state = state.copy()
    job_state.cwd = CONTAINER_ONLY
    if workdir is not None:
        converted, known = _to_host(workdir.text, mounts)
        job_state.cwd = os.path.normpath(converted) if known and workdir.resolved else None
    argv: list[Arg] = []
    for arg in command:
        converted, known = _to_host(arg.text, mounts)
        if not known:
            walker.ctx.emit(K.EXEC_DYNAMIC, source=source, resolved=False,
                            detail={"reason": "a mount of the new root has no static host path"})
            return None
        argv.append(Arg(converted, arg.resolved, arg.source))
    return run_argv(walker, argv, job_state, None, source=source)


def chroot(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``chroot NEWROOT CMD``: CMD's paths are below NEWROOT, and it starts in NEWROOT unless --skip-chdir."""
    parsed = parse_options(args, _opts("--userspec", "--groups"), stop_at_operand=True)
    if len(parsed.operands) < 2:
        return None  # an interactive shell
    root = parsed.operands[0]
    host = resolve_path(root.text, state.cwd) if root.resolved else None
    mounts = [("/", host)]
    workdir = None if parsed.has("--skip-chdir") else Arg("/", True, "/")
    return _run_with_mounts(walker, parsed.operands[1:], mounts, workdir, state, source=source)


# bubblewrap options and how many values each takes; the others are flags.
BWRAP_VALUES = {
    "--bind": 2, "--bind-try": 2, "--dev-bind": 2, "--dev-bind-try": 2, "--ro-bind": 2, "--ro-bind-try": 2, "--setenv": 2,
    "--file": 2, "--bind-data": 2, "--ro-bind-data": 2, "--symlink": 2, "--chmod": 2, "--chdir": 1, "--uid": 1, "--gid": 1,
    "--hostname": 1, "--unsetenv": 1, "--lock-file": 1, "--sync-fd": 1, "--remount-ro": 1, "--exec-label": 1, "--file-label": 1,
    "--proc": 1, "--dev": 1, "--tmpfs": 1, "--mqueue": 1, "--dir": 1, "--seccomp": 1, "--args": 1, "--cap-add": 1,
    "--cap-drop": 1, "--perms": 1, "--size": 1, "--userns": 1, "--pidns": 1, "--info-fd": 1, "--json-status-fd": 1, "--block-fd": 1,
    "--userns-block-fd": 1, "--argv0": 1,
}


def bwrap(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``bwrap --bind SRC DEST ... CMD``: CMD runs with each writable bind's DEST standing for SRC."""
    mounts: list[tuple[str, str | None]] = []
    workdir: Arg | None = None
    index = 0
    while index < len(args) and args[index].text.startswith("--"):
        option = args[index].text
        width = BWRAP_VALUES.get(option, 0)
        values = args[index + 1 : index + 1 + width]
        index += 1 + width
        if option == "--":
            break
        if option in ("--bind", "--bind-try", "--dev-bind", "--dev-bind-try") and len(values) == 2:
            host = resolve_path(values[0].text, state.cwd) if values[0].resolved else None
            mounts.append((os.path.normpath(values[1].text), host))
        elif option == "--chdir" and values:
            workdir = values[0]
    command = args[index:]
    if not mounts or not command:
        return None
    return _run_with_mounts(walker, command, mounts, workdir, state, source=source)


def _container_path(arg: Arg) -> bool:
    """Return whether a ``docker cp`` operand is ``CONTAINER:PATH``."""
    head = arg.text.split("/", 1)[0]
    return ":" in head and not arg.text.startswith((".", "/"))


CURL_DATA_OPTIONS = _opts("-F", "--form", "-d", "--data", "--data-binary", "--data-urlencode", "--data-raw", "--json")


def curl(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """Emit curl's operations from its program table, plus a read of each ``@FILE`` that a form or data value uploads."""
    from safeshell.shell import semantics
    from safeshell.shell.programs import apply

    parsed = parse_options(args, semantics.CURL.value_options)
    for option in CURL_DATA_OPTIONS:
        for value in parsed.values(option):
            text = value.text.partition("=")[2] if option in ("-F", "--form") else value.text
            if option == "--data-urlencode" and "@" in text:
                text = text.partition("@")[2]
            elif text.startswith(("@", "<")):
                text = text[1:]
            else:
                continue
            text = text.split(";", 1)[0]
            if text and text != "-":
                emit_paths(walker, K.READ, [Arg(text, value.resolved, value.source)], state, source=source)
    return apply(walker, name, semantics.CURL, args, state, stdin, source=source)


HANDLERS = {
    "curl": curl,
    "aws": aws, "gsutil": gsutil, "rclone": rclone, "gio": gio, "openssl": openssl, "gpg": gpg, "gpg2": gpg, "yq": yq,
    "fuser": fuser, "crontab": crontab, "docker": docker, "podman": docker, "nerdctl": docker, "chroot": chroot, "bwrap": bwrap,
}
