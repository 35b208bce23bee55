"""``safeshell hook HOST``: the pre-tool-use hook an assistant runs per tool call.

Reads the host's JSON payload on stdin and writes the reply to stdout or
stderr with the exit status the host's hook contract defines (see docs/integrations.md).
Every failure, including a timeout, exits 2, the status that blocks the
call in every supported host.
"""

from __future__ import annotations

import _signal  # signal without its enum module, which costs start-up on every call
import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from types import FrameType
    from typing import Iterable

BLOCK_EXIT = 2

# The whole hook must finish within this many seconds (hosts kill hooks
# after their own timeout, 60 s by default, and a killed hook fails open).
# SAFESHELL_HOOK_TIMEOUT_S overrides it.
TIMEOUT_S = 20
TIMEOUT_ENV = "SAFESHELL_HOOK_TIMEOUT_S"


class _Timeout(Exception):
    pass


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise _Timeout()


USAGE = """usage: safeshell hook HOST [--workspace DIR]

Decide on one assistant tool call (the host's JSON payload on stdin) with the
workspace policy, and answer in the host's hook format.

  HOST             claude-code, codex or gemini
  --workspace DIR  the workspace to protect (default: SAFESHELL_WORKSPACE,
                   then the payload's cwd and its parents)

exit status: 0 answered (the decision is on stdout), 2 blocked (reason on stderr)
"""


def parse_args(argv: list[str], hosts: Iterable[str]) -> tuple[str, str | None] | None:
    """Return (host, workspace), or ``None`` when the arguments are invalid.

    Parsed by hand because argparse costs milliseconds on every tool call.
    """
    host: str | None = None
    workspace: str | None = None
    index = 0
    while index < len(argv):
        argument = argv[index]
        if argument == "--workspace" and index + 1 < len(argv):
            workspace = argv[index + 1]
            index += 2
            continue
        if argument.startswith("--workspace="):
            workspace = argument.split("=", 1)[1]
        elif host is None and argument in hosts:
            host = argument
        else:
            return None
        index += 1
    return None if host is None else (host, workspace)


def main(argv: list[str]) -> int:
    try:
        return _main(argv)
    except BaseException as exc:  # noqa: BLE001 - exit 1 or a traceback would let the tool run
        try:
            sys.stderr.write(f"safeshell: the hook failed ({type(exc).__name__}: {exc}), so the call is blocked\n")
        except BaseException:  # noqa: BLE001 - stderr itself may be gone; the status still blocks
            pass
        return BLOCK_EXIT


def _main(argv: list[str]) -> int:
    from safeshell.hooks import HOSTS, run_hook
    from safeshell.hooks.payload import read_stdin

    if argv and argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0
    parsed = parse_args(argv, HOSTS)
    if parsed is None:
        # A misconfigured hook command must still block, not fail open.
        sys.stderr.write(f"safeshell hook: invalid arguments {argv!r}\n{USAGE}")
        return BLOCK_EXIT
    host, workspace = parsed
    timeout_s = _timeout_s()

    _signal.signal(_signal.SIGALRM, _on_alarm)
    _signal.alarm(timeout_s)
    try:
        raw = read_stdin(sys.stdin.buffer)
        answer = run_hook(host, raw, workspace=workspace, env=os.environ)
    except _Timeout:
        answer = HOSTS[host].render_block(
            f"safeshell: the hook did not finish within {timeout_s} s, so the call is blocked"
        )
    finally:
        _signal.alarm(0)

    if answer.stdout:
        sys.stdout.write(answer.stdout)
        sys.stdout.flush()
    if answer.stderr:
        sys.stderr.write(answer.stderr)
        sys.stderr.flush()
    return answer.exit_code


def _timeout_s() -> int:
    """Return the time limit: ``SAFESHELL_HOOK_TIMEOUT_S`` when it is a positive integer."""
    value = os.environ.get(TIMEOUT_ENV, "")
    return int(value) if value.isdigit() and int(value) > 0 else TIMEOUT_S
