"""Handlers for programs that format, partition or erase disks.

``mkfs``, ``wipefs``, ``fdisk``, ``parted`` and their kin write to the
device they are given. Each becomes a write of its device operands, except
in the modes that only list or print (``fdisk -l``, ``wipefs`` without
``-a``, ``parted DEV print``). Whether the device is a disk is the policy's
call: the default policy denies writes to entries of /dev.
"""

from __future__ import annotations

from safeshell.operations import OperationKind as K
from safeshell.shell.fields import Arg
from safeshell.shell.programs import emit_paths, parse_options
from safeshell.shell.state import ShellState

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from safeshell.shell.walker import Stdin, Walker


def _opts(*names: str) -> frozenset[str]:
    return frozenset(names)


# Options that take a value, shared by the mkfs family (mke2fs, mkfs.xfs,
# mkfs.vfat...). -F is left out: mke2fs uses it as a flag, so a device after
# it must stay an operand.
MKFS_VALUE_OPTIONS = _opts("-t", "-L", "-b", "-O", "-E", "-U", "-N", "-T", "-m", "-i", "-I", "-G", "-g", "-J", "-l",
                           "-d", "-n", "-s", "-r", "--type", "--label", "--uuid", "--pagesize")
MKFS_PROGRAMS = frozenset({"mkfs", "mke2fs", "mkswap", "mkdosfs", "mkntfs", "mkexfatfs"} | {
    "mkfs." + kind for kind in ("ext2", "ext3", "ext4", "xfs", "btrfs", "vfat", "fat", "msdos", "ntfs", "exfat", "f2fs",
                                "minix", "bfs", "cramfs", "jfs", "reiserfs", "hfsplus", "udf", "nilfs2", "erofs")})
# sfdisk and sgdisk options that only print.
PARTITION_READ_OPTIONS = _opts("-l", "--list", "-d", "--dump", "-s", "--show-size", "-V", "--verify", "-J", "--json",
                               "-p", "--print", "-v", "-i", "--info", "-L", "--list-types", "-g", "--show-geometry")
PARTED_WRITE_WORDS = frozenset({"mklabel", "mktable", "mkpart", "mkpartfs", "rm", "resizepart", "resize", "rescue", "name",
                                "set", "toggle", "disk_set", "disk_toggle", "move", "cp", "mkfs"})


def is_mkfs(program: str) -> bool:
    return program in MKFS_PROGRAMS or program.startswith("mkfs.")


def disk_tool(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """Emit a write of each device operand of a formatting or partitioning program."""
    if is_mkfs(name):
        parsed = parse_options(args, MKFS_VALUE_OPTIONS)
        emit_paths(walker, K.WRITE, parsed.operands, state, source=source, detail={"device": name})
        return None

    if name == "wipefs":
        parsed = parse_options(args, _opts("-o", "--offset", "-t", "--types", "-O", "--output"))
        erases = parsed.has("-a", "--all", "-o", "--offset") and not parsed.has("-n", "--no-act")
        emit_paths(walker, K.WRITE if erases else K.READ, parsed.operands, state, source=source, detail={"device": name})
        return None

    if name == "blkdiscard":
        parsed = parse_options(args, _opts("-o", "--offset", "-l", "--length", "-p", "--step"))
        emit_paths(walker, K.WRITE, parsed.operands, state, source=source, detail={"device": name})
        return None

    if name == "badblocks":
        parsed = parse_options(args, _opts("-b", "-c", "-e", "-d", "-i", "-o", "-p", "-t"))
        writes = parsed.has("-w", "-n")
        emit_paths(walker, K.WRITE if writes else K.READ, parsed.operands[:1], state, source=source, detail={"device": name})
        return None

    if name == "parted":
        return _parted(walker, args, state, source=source)

    # fdisk, sfdisk, cfdisk, gdisk, sgdisk: the device operand is rewritten
    # unless the options only list or print.
    parsed = parse_options(args, _opts("-b", "--sector-size", "-c", "--compatibility", "-u", "--units", "-L", "--color",
                                       "-o", "--output", "-w", "--wipe", "-W", "--wipe-partitions", "-X", "--label",
                                       "-n", "--new", "-t", "--typecode", "-c", "--change-name", "-d", "--delete",
                                       "-N", "--partno", "-A", "--attributes", "-u", "--partition-guid", "-U", "--disk-guid"))
    reads_only = bool(parsed.options) and all(option in PARTITION_READ_OPTIONS for option, _ in parsed.options)
    emit_paths(walker, K.READ if reads_only else K.WRITE, parsed.operands[:1], state, source=source, detail={"device": name})
    return None


def _parted(walker: "Walker", args: list[Arg], state: ShellState, *, source: str) -> str | None:
    parsed = parse_options(args, _opts("-a", "--align"), stop_at_operand=True)
    if parsed.has("-l", "--list", "-v", "--version", "-h", "--help") or not parsed.operands:
        return None
    device, script = parsed.operands[0], parsed.operands[1:]
    # Without a script parted reads commands from the terminal, any of which may write.
    writes = not script or any(not word.resolved or word.text in PARTED_WRITE_WORDS for word in script)
    emit_paths(walker, K.WRITE if writes else K.READ, [device], state, source=source, detail={"device": "parted"})
    return None


def cryptsetup(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``cryptsetup luksFormat DEV``, ``erase DEV``: the device header (and so its data) is overwritten."""
    parsed = parse_options(args, _opts("-c", "--cipher", "-s", "--key-size", "-h", "--hash", "-d", "--key-file", "-S",
                                       "--key-slot", "--type", "--label", "--header", "--pbkdf", "-i", "--iter-time"))
    if not parsed.operands:
        return None
    action = parsed.operands[0]
    if not action.resolved or action.text in ("luksFormat", "erase", "luksErase", "reencrypt", "repair", "convert"):
        emit_paths(walker, K.WRITE, parsed.operands[1:2], state, source=source, detail={"device": name})
    return None


NVME_WRITE_COMMANDS = frozenset({"format", "sanitize", "write", "write-zeroes", "write-uncor", "dsm", "ns-delete", "delete-ns",
                                 "detach-ns", "fw-download", "fw-commit", "set-feature", "security-send"})
MDADM_WRITE_OPTIONS = frozenset({"--create", "-C", "--build", "-B", "--zero-superblock", "--grow", "-G", "--add", "-a",
                                 "--re-add", "--fail", "-f", "--remove", "-r", "--replace"})


def nvme(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``nvme format /dev/nvme0n1``, ``nvme sanitize ...``: the device's data is erased or rewritten."""
    if not args:
        return None
    if not args[0].resolved or args[0].text in NVME_WRITE_COMMANDS:
        devices = [arg for arg in args[1:] if not arg.resolved or arg.text.startswith("/dev/")]
        emit_paths(walker, K.WRITE, devices, state, source=source, detail={"device": name})
    return None


def mdadm(walker: "Walker", name: str, args: list[Arg], state: ShellState, stdin: "Stdin", source: str) -> str | None:
    """``mdadm --create MD ... DEVICES``, ``mdadm --zero-superblock DEV``: the devices' data is lost."""
    if any(arg.text in MDADM_WRITE_OPTIONS or arg.text.split("=", 1)[0] in MDADM_WRITE_OPTIONS for arg in args):
        devices = [arg for arg in args if not arg.resolved or arg.text.startswith("/dev/")]
        emit_paths(walker, K.WRITE, devices, state, source=source, detail={"device": name})
    return None


HANDLERS = {
    "nvme": nvme, "mdadm": mdadm,
    "wipefs": disk_tool, "blkdiscard": disk_tool, "badblocks": disk_tool, "parted": disk_tool,
    "fdisk": disk_tool, "sfdisk": disk_tool, "cfdisk": disk_tool, "gdisk": disk_tool, "sgdisk": disk_tool,
    "pvcreate": disk_tool, "cryptsetup": cryptsetup,
    **{program: disk_tool for program in MKFS_PROGRAMS},
}
