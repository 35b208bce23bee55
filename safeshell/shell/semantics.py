"""The table of what each known program does to its arguments.

Each :class:`Program` names the options that take a value (so their values
are not mistaken for paths) and an ``action`` saying how operands map to
operations:

- ``operands``: every operand after ``skip`` gets ``kind``; ``flag_kinds``
  adds kinds when a flag is present (``shred -u`` deletes);
- ``copy`` / ``move`` / ``link``: sources, then one destination (or ``-t DIR``);
- ``read``: every operand after ``skip`` is read;
- ``custom``: a handler in :mod:`safeshell.shell.programs` of the same name.

Wrappers (``sudo``, ``timeout``...) are in :data:`WRAPPERS`: their options,
how many operands come before the wrapped command, and options that write a
file or change directory.
"""

from __future__ import annotations

from safeshell.operations import OperationKind as K
from safeshell.records import Record


class Program(Record):
    __slots__ = (
        "action", "kind", "value_options", "skip", "flag_kinds", "write_options", "read_options",
        "skip_cancel_options",
    )
    action: str
    kind: K | None
    value_options: frozenset[str]
    skip: int
    flag_kinds: dict[str, K]
    # Options whose value is a path the program writes (``sort -o FILE``).
    write_options: frozenset[str]
    # Options whose value is a path the program reads (``grep -f FILE``).
    read_options: frozenset[str]
    # Options that replace the first non-path operand (``grep -e PATTERN``).
    skip_cancel_options: frozenset[str]

    def __init__(
        self,
        action: str,
        kind: K | None = None,
        value_options: frozenset[str] = frozenset(),
        skip: int = 0,
        flag_kinds: dict[str, K] | None = None,
        write_options: frozenset[str] = frozenset(),
        read_options: frozenset[str] = frozenset(),
        skip_cancel_options: frozenset[str] = frozenset(),
    ) -> None:
        self._init(
            action=action, kind=kind, value_options=value_options, skip=skip,
            flag_kinds=({} if flag_kinds is None else flag_kinds), write_options=write_options,
            read_options=read_options, skip_cancel_options=skip_cancel_options,
        )


def _opts(*names: str) -> frozenset[str]:
    return frozenset(names)


def _reader(*value_options: str, skip: int = 0, cancel: tuple[str, ...] = (), reads: tuple[str, ...] = (), writes: tuple[str, ...] = ()) -> Program:
    return Program(
        "read",
        K.READ,
        _opts(*value_options),
        skip,
        read_options=_opts(*reads),
        skip_cancel_options=_opts(*cancel),
        write_options=_opts(*writes),
    )


GREP = _reader("-e", "-f", "-m", "-A", "-B", "-C", "-d", "-D", "--regexp", "--file", "--max-count", "--context",
               "--after-context", "--before-context", "--include", "--exclude", "--exclude-dir", "--color", "--label",
               skip=1, cancel=("-e", "-f", "--regexp", "--file"), reads=("-f", "--file"))

PROGRAMS: dict[str, Program] = {
    # Deleting programs.
    "rm": Program("operands", K.DELETE),
    "unlink": Program("operands", K.DELETE),
    "rmdir": Program("operands", K.DELETE),
    "srm": Program("operands", K.DELETE),
    "wipe": Program("operands", K.DELETE),
    "trash": Program("operands", K.DELETE),
    "trash-put": Program("operands", K.DELETE),
    "rmtrash": Program("operands", K.DELETE),
    "rimraf": Program("operands", K.DELETE),
    # rename EXPR FILES (perl) or rename FROM TO FILES (util-linux): every file may move.
    "rename": Program("operands", K.MOVE, _opts("-e"), skip=1),
    # patch [ORIGINAL [PATCHFILE]]: the original is rewritten in place.
    "patch": Program("operands", K.WRITE, _opts("-i", "-o", "-p", "-d", "-D", "-r", "-B", "-F", "-z", "-V", "--input", "--output",
                                               "--strip", "--directory", "--reject-file", "--prefix", "--fuzz", "--suffix"),
                     write_options=_opts("-o", "--output"), read_options=_opts("-i", "--input")),
    # split INPUT [PREFIX]: writes PREFIXaa, PREFIXab... next to PREFIX.
    "split": Program("operands", K.WRITE, _opts("-b", "-l", "-n", "-C", "-a", "-t", "--bytes", "--lines", "--number", "--line-bytes",
                                               "--suffix-length", "--additional-suffix", "--separator", "--filter"), skip=1),
    "mkfifo": Program("operands", K.CREATE, _opts("-m", "--mode", "--context")),
    # fallocate changes the size or punches holes; csplit writes PREFIXnn.
    "fallocate": Program("operands", K.WRITE, _opts("-o", "-l", "--offset", "--length")),
    "csplit": Program("read", K.READ, _opts("-f", "-b", "-n", "--prefix", "--suffix-format", "--digits"),
                      write_options=_opts("-f", "--prefix")),
    # Extended attributes are metadata, like modes.
    "setfattr": Program("operands", K.CHMOD, _opts("-n", "-v", "-x", "--name", "--value", "--remove", "--restore")),
    # Line-ending converters rewrite their files in place.
    "dos2unix": Program("operands", K.WRITE), "unix2dos": Program("operands", K.WRITE),
    "mac2unix": Program("operands", K.WRITE), "unix2mac": Program("operands", K.WRITE),
    "mknod": Program("operands", K.CREATE, _opts("-m", "--mode", "--context")),
    "scp": Program("copy", None, _opts("-P", "-i", "-o", "-F", "-c", "-l", "-S", "-J", "-D", "-X")),
    "sqlite3": Program("custom"),
    "mktemp": Program("custom"),
    "at": Program("custom"), "batch": Program("custom"), "tmux": Program("custom"), "screen": Program("custom"),
    "sponge": Program("operands", K.TRUNCATE, flag_kinds={"-a": K.WRITE}),
    "shred": Program("operands", K.WRITE, _opts("-n", "-s", "--iterations", "--size", "--random-source"),
                     flag_kinds={"-u": K.DELETE, "--remove": K.DELETE}),
    # Writing programs.
    "truncate": Program("operands", K.TRUNCATE, _opts("-s", "-r", "--size", "--reference"), read_options=_opts("-r", "--reference")),
    "touch": Program("operands", K.WRITE, _opts("-d", "-r", "-t", "--date", "--reference", "--time"), read_options=_opts("-r", "--reference")),
    "mkdir": Program("operands", K.CREATE, _opts("-m", "--mode", "--context")),
    "tee": Program("custom"),
    "chmod": Program("operands", K.CHMOD, _opts("--reference"), skip=1, skip_cancel_options=_opts("--reference")),
    "chown": Program("operands", K.CHMOD, _opts("--reference", "--from"), skip=1, skip_cancel_options=_opts("--reference")),
    "chgrp": Program("operands", K.CHMOD, _opts("--reference"), skip=1, skip_cancel_options=_opts("--reference")),
    "chattr": Program("operands", K.CHMOD, _opts("-v", "-p"), skip=1),
    "setfacl": Program("operands", K.CHMOD, _opts("-m", "-M", "-x", "-X", "--modify", "--remove", "--set", "--set-file")),
    # --backup, --preserve, --reflink and --context take a value only after
    # "=" (getopt's optional arguments): the next word is an operand.
    "cp": Program("copy", None, _opts("-t", "-S", "--target-directory", "--suffix", "--sparse", "--no-preserve")),
    "install": Program("copy", None, _opts("-t", "-S", "-m", "-o", "-g", "--target-directory", "--suffix", "--mode", "--owner", "--group", "--strip-program")),
    "mv": Program("move", None, _opts("-t", "-S", "--target-directory", "--suffix")),
    "ln": Program("link", None, _opts("-t", "-S", "--target-directory", "--suffix")),
    "rsync": Program("custom"),
    "dd": Program("custom"),
    "tar": Program("custom"),
    "unzip": Program("custom"),
    "zip": Program("custom"),
    "gzip": Program("custom"), "gunzip": Program("custom"), "bzip2": Program("custom"), "bunzip2": Program("custom"),
    "xz": Program("custom"), "unxz": Program("custom"), "zstd": Program("custom"), "unzstd": Program("custom"),
    "sed": Program("custom"),
    "awk": Program("custom"), "gawk": Program("custom"), "mawk": Program("custom"), "nawk": Program("custom"),
    "find": Program("custom"),
    "xargs": Program("custom"),
    "parallel": Program("custom"),
    "watch": Program("custom"),
    "git": Program("custom"),
    "kill": Program("custom"), "pkill": Program("custom"), "killall": Program("custom"),
    "curl": Program("custom"),  # CURL, after its @FILE form and data values (safeshell.shell.transfer)
    "wget": Program("operands", None, _opts("-O", "--output-document", "-o", "--output-file", "-a", "--append-output", "-P",
                                         "--directory-prefix", "-t", "--tries", "-T", "--timeout", "-U", "--user-agent", "--header"),
                    write_options=_opts("-O", "--output-document", "-o", "--output-file", "-a", "--append-output", "-P", "--directory-prefix")),
    "sort": _reader("-o", "-k", "-t", "-S", "-T", "--output", "--key", "--field-separator", "--buffer-size",
                    "--temporary-directory", "--parallel", "--files0-from", writes=("-o", "--output")),
    "uniq": Program("custom"),
    # Reading programs.
    "cat": _reader(), "tac": _reader(), "less": _reader(), "more": _reader(), "nl": _reader(), "od": _reader("-A", "-t", "-N", "-j"),
    "head": _reader("-n", "-c", "--lines", "--bytes"), "tail": _reader("-n", "-c", "-s", "--lines", "--bytes", "--pid", "--sleep-interval"),
    "wc": _reader(), "ls": _reader("-I", "-w", "--ignore", "--hide", "--width", "--format", "--sort", "--time-style", "--color"),
    "du": _reader("-d", "-B", "-t", "--max-depth", "--block-size", "--threshold", "--exclude", "--time-style"),
    "df": _reader("-t", "-x", "-B", "--type", "--exclude-type", "--output", "--block-size"),
    "stat": _reader("-c", "-f", "--format", "--printf"), "file": _reader("-m", "-F"),
    "grep": GREP, "egrep": GREP, "fgrep": GREP, "zgrep": GREP,
    "rg": _reader("-e", "-f", "-g", "-t", "-T", "-m", "-A", "-B", "-C", "--glob", "--type", "--type-not", "--regexp", "--file",
                  "--max-count", "--context", "--max-depth", "--replace", "-r", skip=1, cancel=("-e", "-f", "--regexp", "--file")),
    "diff": _reader("-U", "-C", "--label", "-x", "--exclude", "-I"), "cmp": _reader("-i", "-n"),
    "md5sum": _reader(), "sha1sum": _reader(), "sha256sum": _reader(), "sha512sum": _reader(), "b2sum": _reader(), "cksum": _reader(),
    "jq": _reader("--arg", "--argjson", "--slurpfile", "--rawfile", "--indent", "-L", skip=1),
    "tree": _reader("-L", "-P", "-I", "-o", writes=("-o",)), "realpath": _reader(), "readlink": _reader(),
    "strings": _reader("-n", "-t"), "xxd": _reader("-l", "-s", "-c", "-g"), "hexdump": _reader("-n", "-s", "-e"),
    "cut": _reader("-d", "-f", "-b", "-c"), "paste": _reader("-d"), "comm": _reader(), "join": _reader("-t", "-1", "-2", "-j", "-o"),
    "zcat": _reader(), "bzcat": _reader(), "xzcat": _reader(), "column": _reader("-t", "-s", "-c"),
    "basename": Program("read"), "dirname": Program("read"),
}


# curl's options; its handler first reports the files named by @FILE values.
CURL = Program("operands", None, _opts("-o", "--output", "-d", "--data", "--data-binary", "--data-urlencode", "--data-raw", "--json",
                                      "-H", "--header", "-X", "--request", "-u", "--user", "-F", "--form", "-A", "--user-agent",
                                      "-e", "--referer", "-b", "--cookie", "-c", "--cookie-jar", "-T", "--upload-file", "-m",
                                      "--max-time", "--connect-timeout", "-w", "--write-out", "-x", "--proxy", "-r", "--range",
                                      "-K", "--config", "--retry", "-E", "--cert", "--cacert", "--key"),
               write_options=_opts("-o", "--output", "-c", "--cookie-jar"), read_options=_opts("-T", "--upload-file"))


def _register_custom(*names: str) -> None:
    for name in names:
        PROGRAMS[name] = Program("custom")


# Disk tools (safeshell.shell.disks): formatting, partitioning, erasing.
_register_custom("mkfs", "mke2fs", "mkswap", "mkdosfs", "mkntfs", "mkexfatfs", "wipefs", "blkdiscard", "badblocks", "parted",
                 "fdisk", "sfdisk", "cfdisk", "gdisk", "sgdisk", "pvcreate", "cryptsetup", "nvme", "mdadm", "systemctl",
                 *("mkfs." + kind for kind in ("ext2", "ext3", "ext4", "xfs", "btrfs", "vfat", "fat", "msdos", "ntfs", "exfat",
                                               "f2fs", "minix", "bfs", "cramfs", "jfs", "reiserfs", "hfsplus", "udf", "nilfs2", "erofs")))

# Remote copy tools, containers, cron and file tools (safeshell.shell.transfer).
_register_custom("aws", "gsutil", "rclone", "gio", "openssl", "gpg", "gpg2", "yq", "fuser", "crontab", "docker", "podman", "nerdctl",
                 "chroot", "bwrap")

# Machine power and every-process kills (safeshell.shell.git_kill).
_register_custom("reboot", "shutdown", "poweroff", "halt", "killall5", "init", "telinit", "loginctl")

# Archivers (safeshell.shell.archive_tools); bsdtar and gtar take tar's options.
_register_custom("pigz", "unpigz", "pbzip2", "lzma", "unlzma", "lz4", "unlz4", "lzip", "brotli", "compress", "uncompress")
_register_custom("7z", "7za", "7zr", "7zz", "cpio", "bsdcpio", "ar", "unrar", "rar", "unar", "pax", "jar", "bsdtar", "gtar")

# Editors (safeshell.shell.editors): every file they are given may be saved.
_register_custom("vim", "vi", "nvim", "gvim", "vimdiff", "nvimdiff", "ex", "view", "rview", "rvim", "evim", "vim.basic",
                 "vim.tiny", "vim.nox", "vim.gtk3", "nex", "nvi", "elvis", "vile", "ed", "red", "emacs", "emacs-nox",
                 "emacsclient", "xemacs", "nano", "pico", "rnano", "micro", "joe", "jed", "jmacs", "jstar", "jpico", "mcedit",
                 "kak", "hx", "helix", "ne", "mg", "zile", "code", "codium", "code-insiders", "cursor", "gedit", "kate",
                 "kwrite", "subl", "mousepad", "leafpad", "pluma", "xed", "geany", "atom", "sudoedit")

# ssh to this machine runs its command here (safeshell.shell.remote).
_register_custom("ssh", "slogin")

# Programs that run another command given as their operands.
class Wrapper(Record):
    __slots__ = ("value_options", "leading_operands", "write_options", "chdir_options", "no_command_options")
    value_options: frozenset[str]
    leading_operands: int  # operands before the command (timeout's duration)
    write_options: frozenset[str]  # option values the wrapper writes (time -o)
    chdir_options: frozenset[str]  # option values the command runs in
    no_command_options: frozenset[str]  # with these the wrapper runs nothing (command -v)

    def __init__(
        self,
        value_options: frozenset[str] = frozenset(),
        leading_operands: int = 0,
        write_options: frozenset[str] = frozenset(),
        chdir_options: frozenset[str] = frozenset(),
        no_command_options: frozenset[str] = frozenset(),
    ) -> None:
        self._init(
            value_options=value_options, leading_operands=leading_operands, write_options=write_options,
            chdir_options=chdir_options, no_command_options=no_command_options,
        )


WRAPPERS: dict[str, Wrapper] = {
    "sudo": Wrapper(_opts("-u", "-g", "-p", "-C", "-h", "-D", "-r", "-t", "-T", "-U", "-R", "--user", "--group", "--prompt",
                          "--close-from", "--host", "--chdir", "--role", "--type", "--command-timeout", "--other-user", "--chroot"),
                    chdir_options=_opts("-D", "--chdir"), no_command_options=_opts("-l", "-v", "-k", "-K", "--list", "--validate")),
    "doas": Wrapper(_opts("-u", "-C")),
    "nice": Wrapper(_opts("-n", "--adjustment")),
    "ionice": Wrapper(_opts("-c", "-n", "--class", "--classdata"), no_command_options=_opts("-p", "-P", "-u", "--pid", "--pgid", "--uid")),
    "timeout": Wrapper(_opts("-s", "-k", "--signal", "--kill-after"), leading_operands=1),
    "nohup": Wrapper(),
    "time": Wrapper(_opts("-f", "-o", "--format", "--output"), write_options=_opts("-o", "--output")),
    "command": Wrapper(no_command_options=_opts("-v", "-V")),
    "builtin": Wrapper(),
    "exec": Wrapper(_opts("-a")),
    "stdbuf": Wrapper(_opts("-i", "-o", "-e", "--input", "--output", "--error")),
    "chrt": Wrapper(_opts("-T", "-P", "-D", "--sched-runtime", "--sched-period", "--sched-deadline"), leading_operands=1,
                    no_command_options=_opts("-p", "--pid", "-m", "--max")),
    "taskset": Wrapper(leading_operands=1, no_command_options=_opts("-p", "--pid")),
    "setsid": Wrapper(),
    "flock": Wrapper(_opts("-w", "-E", "--timeout", "--conflict-exit-code"), leading_operands=1),
    "strace": Wrapper(_opts("-o", "-e", "-p", "-s", "-u", "-a", "-b", "-E", "-I", "-O", "-P", "-S", "-X", "--output"),
                      write_options=_opts("-o", "--output")),
    "ltrace": Wrapper(_opts("-o", "-e", "-p", "-s", "-u", "-a", "-n", "-A", "-D", "-F", "-l", "--output"), write_options=_opts("-o", "--output")),
    "unbuffer": Wrapper(),
    "caffeinate": Wrapper(_opts("-t", "-w")),
    "xvfb-run": Wrapper(_opts("-n", "-s", "-e", "-f", "-p", "--server-num", "--server-args", "--error-file", "--auth-file")),
    "chronic": Wrapper(),
    "sshpass": Wrapper(_opts("-p", "-f", "-d", "-P")),
    "ifne": Wrapper(),
    "torsocks": Wrapper(),
    "proxychains": Wrapper(_opts("-f")),
    "proxychains4": Wrapper(_opts("-f")),
    "runuser": Wrapper(_opts("-u", "-g", "-G", "--user", "--group", "--supp-group")),
    "pkexec": Wrapper(_opts("--user")),
    "fakeroot": Wrapper(_opts("-l", "--lib", "--faked", "-s", "-i")),
    "coproc": Wrapper(),
    "npx": Wrapper(_opts("-p", "--package")),
    "bunx": Wrapper(_opts("-p", "--package")),
    "su": Wrapper(_opts("-c", "--command", "-s", "--shell", "-g", "--group", "-G", "--supp-group", "-w", "--whitelist-environment")),
    "unshare": Wrapper(_opts("-S", "-G", "-R", "-w", "--setuid", "--setgid", "--root", "--wd", "--map-user", "--map-group"),
                       chdir_options=_opts("-w", "--wd")),
    "nsenter": Wrapper(_opts("-t", "-S", "-G", "-r", "-w", "--target", "--setuid", "--setgid", "--root", "--wd"), chdir_options=_opts("-w", "--wd")),
    "systemd-run": Wrapper(_opts("-u", "-p", "-E", "-M", "-H", "--unit", "--property", "--setenv", "--machine", "--host", "--description",
                                 "--slice", "--uid", "--gid", "--nice", "--working-directory", "--on-active", "--on-calendar"),
                           chdir_options=_opts("--working-directory")),
    "firejail": Wrapper(),
    "numactl": Wrapper(_opts("-C", "-N", "-m", "-p", "-i", "-w", "--physcpubind", "--cpunodebind", "--membind", "--preferred",
                             "--interleave", "--weighted-interleave"), no_command_options=_opts("-s", "-H", "--show", "--hardware")),
    # valgrind's own options are all --name=value.
    "valgrind": Wrapper(),
    # sg GROUP [-c] COMMAND: the command is shell code.
    "sg": Wrapper(_opts("-c")),
    "script": Wrapper(_opts("-c", "--command", "-t", "--timing", "-I", "-O", "-B", "-T", "-E", "--echo", "--log-in", "--log-out",
                            "--log-io", "--log-timing")),
    "env": Wrapper(_opts("-u", "-C", "-S", "--unset", "--chdir", "--split-string"), chdir_options=_opts("-C", "--chdir")),
}

# Environment managers that run a command: `uv run CMD`, `conda run -n ENV CMD`.
RUNNERS: dict[str, frozenset[str]] = {
    "uv": _opts("--with", "--with-requirements", "--python", "-p", "--project", "--directory", "--env-file", "--extra", "--group", "--package", "--index", "--index-url"),
    "poetry": _opts("-C", "--directory", "-P", "--project"),
    "pipenv": frozenset(),
    "pdm": _opts("-p", "--project"),
    "hatch": _opts("-e", "--env"),
    "conda": _opts("-n", "--name", "-p", "--prefix", "--cwd"),
    "mamba": _opts("-n", "--name", "-p", "--prefix", "--cwd"),
    "micromamba": _opts("-n", "--name", "-p", "--prefix", "--cwd"),
    "pixi": _opts("-e", "--environment", "--manifest-path"),
    "npm": _opts("-w", "--workspace", "-p", "--package"),
    "pnpm": _opts("-C", "--dir", "--filter"),
    "yarn": _opts("--cwd"),
}
# Launchers that run a Python script named by its .py operand (`torchrun --nproc_per_node 8 train.py`).
PYTHON_LAUNCHERS = frozenset({"torchrun", "accelerate", "deepspeed"})

SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ksh", "mksh", "ash", "fish", "busybox"})
PYTHONS_PREFIX = ("python", "pypy")
# Programs that are read-only and print nothing the analysis needs to know.
NO_EFFECT = frozenset({"true", "false", ":", "test", "[", "[[", "sleep", "date", "whoami", "id", "hostname", "uname",
                       "which", "type", "hash", "wait", "nvidia-smi", "ps", "pgrep", "top", "htop", "free", "uptime",
                       "alias", "unalias", "umask", "ulimit", "let", "getopts", "jobs",
                       "bg", "fg", "disown", "history", "help", "logout", "clear", "tput", "stty", "seq", "yes"})
