"""Handler for ``ssh`` to this machine: the remote command is analyzed as shell code.

``ssh localhost 'rm -rf current_model'`` changes this machine's files as
surely as the command itself. So when the destination is this machine (a
loopback address, this host's name, or a ``~/.ssh/config`` alias whose
``HostName`` is one of those), the remote command is analyzed like
``sh -c``: the words after the destination, joined by spaces as ssh
joins them. With no command, a script on standard input is analyzed. The
remote shell starts in the login user's home directory, which is taken as
unknown, so relative paths in the remote command fail closed. Commands for
other hosts change nothing here.
"""

from __future__ import annotations

import os
import pwd

from safeshell.operations import OperationKind as K
from safeshell.shell.fields import Arg
from safeshell.shell.state import ShellState

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from safeshell.shell.walker import Stdin, Walker

# OpenSSH 9 options that take a value (ssh(1)); the others are flags.
SSH_VALUE_LETTERS = frozenset("BbcDEeFIiJLlmOopQRSWw")
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "0"})
MAX_CONFIG_BYTES = 256 * 1024


def ssh(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """Analyze the command that ``ssh [OPTIONS] DESTINATION [COMMAND...]`` runs when DESTINATION is this machine."""
    from safeshell.shell import shells
    from safeshell.shell.walker import INHERITED

    destination: Arg | None = None
    host_options: list[str] = []
    login: str | None = None  # -l USER
    no_command = False
    index = 0
    # OpenSSH also takes options after the destination (`ssh host -t CMD`);
    # the first word after the destination that is no option starts the command.
    while index < len(args):
        arg = args[index]
        text = arg.text
        index += 1
        if not arg.resolved or not text.startswith("-") or text == "-":
            if destination is not None:
                index -= 1
                break
            destination = arg
            continue
        if text == "--":
            if destination is None and index < len(args):
                destination = args[index]
                index += 1
            break
        letters = text[1:]
        for position, letter in enumerate(letters):
            if letter in SSH_VALUE_LETTERS:
                value = letters[position + 1 :]
                if not value and index < len(args):
                    value = args[index].text
                    index += 1
                key, _, setting = value.replace("=", " ", 1).partition(" ")
                if letter == "o" and key.lower() == "hostname":
                    host_options.append(setting.strip())  # `-o HostName=127.0.0.1` overrides the destination
                elif letter == "o" and key.lower() == "user":
                    login = setting.strip()
                elif letter == "l":
                    login = value
                break
            if letter in ("N", "s"):
                no_command = True  # -N runs nothing; -s names a subsystem such as sftp
    if destination is None or no_command:
        return None
    command = args[index:]
    if not destination.resolved:
        local = True  # the host has no static value: it may be this machine
    else:
        local = any(is_local_host(host) for host in host_options) or is_local_host(
            _config_host_name(_host_of(destination.text), walker.ctx.home))
    if not local:
        return None
    remote_state = state.copy()
    remote_state.cwd = None  # the remote login shell starts in a home directory
    if destination.resolved and "@" in destination.text.removeprefix("ssh://"):
        login = destination.text.removeprefix("ssh://").rsplit("@", 1)[0]
    # The remote shell's HOME is the login user's home in the user database,
    # not this command's HOME.
    remote_state.variables["HOME"] = _account_home(login)
    if not command:
        return shells.run_stdin_code(walker, "sh", stdin, remote_state, source=source, inherited=stdin is INHERITED)
    if any(not arg.resolved for arg in command):
        walker.ctx.emit(K.EXEC_DYNAMIC, source=source, resolved=False,
                        detail={"reason": f"{name} runs a command on this machine that has no static value"})
        return None
    code = " ".join(arg.text for arg in command)
    return shells.analyze_code(walker, code, remote_state, source=source, same_shell=False)


def _account_home(login: str | None) -> str | None:
    """Return the home directory of ``login`` (the current user when None), or None when unknown."""
    try:
        entry = pwd.getpwuid(os.getuid()) if login is None else pwd.getpwnam(login)
    except KeyError:
        return None
    return entry.pw_dir


def _host_of(destination: str) -> str:
    """Return the host of ``[user@]host``, ``ssh://[user@]host[:port]`` or ``[user@][v6]``."""
    text = destination
    if text.startswith("ssh://"):
        text = text[len("ssh://") :].split("/", 1)[0]
        if text.rsplit("@", 1)[-1].count(":") == 1:
            text = text.rsplit(":", 1)[0]
    host = text.rsplit("@", 1)[-1]
    return host.strip("[]")


def is_local_host(host: str) -> bool:
    """Return True when ``host`` names this machine: a loopback or unspecified address, or this host's name."""
    name = host.lower().rstrip(".")
    if not name:
        return False
    if name in LOCAL_NAMES:
        return True
    # Imported here, not at the top: every command's analysis loads this
    # module, and only ssh commands need these (and fnmatch below).
    import ipaddress
    import socket

    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        try:
            # inet_aton also reads the short forms ssh accepts: 127.1, 0, 2130706433.
            address = ipaddress.ip_address(socket.inet_aton(name))
        except (OSError, ValueError):
            address = None
    if address is not None:
        return address.is_loopback or address.is_unspecified
    own = os.uname().nodename.lower()  # what socket.gethostname() returns
    return name == own or name == own.split(".", 1)[0]


def _config_host_name(host: str, home: str | None) -> str:
    """Return the ``HostName`` that ``~/.ssh/config`` gives ``host``, or ``host`` itself."""
    if not home:
        return host
    path = os.path.join(home, ".ssh", "config")
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read(MAX_CONFIG_BYTES)
    except OSError:
        return host
    patterns: list[str] = []
    for line in text.splitlines():
        parts = line.strip().replace("=", " ", 1).split()
        if len(parts) < 2 or parts[0].startswith("#"):
            continue
        keyword = parts[0].lower()
        if keyword == "host":
            patterns = parts[1:]
        elif keyword == "match":
            patterns = []
        elif keyword == "hostname" and _matches(host, patterns):
            # The first value ssh finds wins; %h stands for the name typed.
            return parts[1].replace("%h", host)
    return host


def _matches(host: str, patterns: list[str]) -> bool:
    import fnmatch

    positive = [pattern for pattern in patterns if not pattern.startswith("!")]
    negative = [pattern[1:] for pattern in patterns if pattern.startswith("!")]
    if any(fnmatch.fnmatchcase(host, pattern) for pattern in negative):
        return False
    return any(fnmatch.fnmatchcase(host, pattern) for pattern in positive)


HANDLERS = {"ssh": ssh, "slogin": ssh}
