"""Entry point of the ``safeshell`` command.

Dispatch is by the first argument, importing only the module that handles
it, because ``safeshell -c`` and ``safeshell check`` run once per assistant
command and must start in tens of milliseconds. Each subcommand module has
``main(argv: list[str]) -> int``.
"""

from __future__ import annotations

import os
import sys

from safeshell.cli import exit_codes

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from types import ModuleType

# name -> (module, one-line summary); the order is the order of --help.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "init": ("safeshell.cli.init_cmd", "create a training workspace (idempotent)"),
    "check": ("safeshell.cli.check", "decide on a command without running it"),
    "explain": ("safeshell.cli.explain", "show how a command was parsed and decided"),
    "policy": ("safeshell.cli.policy_cmd", "validate or show the effective policy"),
    "audit": ("safeshell.cli.audit_cmd", "verify or show the hash-chained audit log"),
    "approve": ("safeshell.cli.approve", "grant an approval request (needs a terminal)"),
    "approvals": ("safeshell.cli.approvals_cmd", "list, show or deny approval requests"),
    "hook": ("safeshell.cli.hook", "pre-tool-use hook for an assistant (reads JSON on stdin)"),
    "doctor": ("safeshell.cli.doctor", "check that the configured hooks really block"),
}

RUN_MODULE = "safeshell.cli.run"

USAGE = """usage: safeshell -c COMMAND [--approval TOKEN]
       safeshell [--approval TOKEN] -- PROGRAM [ARGS...]
       safeshell SUBCOMMAND [ARGS...]

Check shell commands against the workspace policy before they run.

  -c COMMAND        check COMMAND, then run it with bash (drop-in for bash -c)
  -- PROGRAM ARGS   check PROGRAM ARGS, then run it

subcommands:
{subcommands}
Run 'safeshell SUBCOMMAND --help' for the options of each.

{exit_codes}"""


def format_usage() -> str:
    width = max(len(name) for name in SUBCOMMANDS)
    lines = [f"  {name.ljust(width)}  {summary}" for name, (_, summary) in SUBCOMMANDS.items()]
    return USAGE.format(subcommands="\n".join(lines) + "\n", exit_codes=exit_codes.HELP)


def main(argv: list[str] | None = None) -> int:
    try:
        return _dispatch(list(sys.argv[1:] if argv is None else argv))
    except BrokenPipeError:
        # The reader of stdout (head, grep -q) exited early, so end without a
        # traceback. Pointing stdout at /dev/null keeps the interpreter's
        # final flush from raising again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def _dispatch(args: list[str]) -> int:
    if not args or args[0] in ("-h", "--help", "help"):
        print(format_usage())
        return exit_codes.OK if args else exit_codes.USAGE
    if args[0] in ("--version", "-V"):
        from safeshell import __version__

        print(f"safeshell {__version__}")
        return exit_codes.OK

    name = args[0]
    if name in SUBCOMMANDS:
        module = _import(SUBCOMMANDS[name][0])
        try:
            return module.main(args[1:])
        except SystemExit as exc:
            # argparse exits with 2 on invalid arguments; --help documents 64.
            if exc.code == 2:
                return exit_codes.USAGE
            raise
    # Everything else is a command to run: -c, --, or options such as
    # --approval/--workspace in front of them.
    if name == "--workspace" and len(args) >= 3 and args[2] in SUBCOMMANDS:
        # The subcommands take --workspace after their own name, and some
        # only after their action, so the order is not rewritten here.
        print(
            f"safeshell: put --workspace after the subcommand, e.g. "
            f"'safeshell {args[2]} --workspace {args[1]} ...'; see 'safeshell {args[2]} --help'",
            file=sys.stderr,
        )
        return exit_codes.USAGE
    if name.startswith("-"):
        module = _import(RUN_MODULE)
        return module.main(args)

    import difflib  # imported here so that valid commands start without it

    close = difflib.get_close_matches(name, list(SUBCOMMANDS), n=1)
    suggestion = f"did you mean 'safeshell {close[0]}'? " if close else ""
    print(
        f"safeshell: unknown subcommand {name!r}; {suggestion}"
        f"to run a program use 'safeshell -- {name} ...', and 'safeshell --help' lists the subcommands",
        file=sys.stderr,
    )
    return exit_codes.USAGE


def _import(name: str) -> ModuleType:
    # __import__ rather than importlib.import_module: importlib's package
    # imports warnings, which every guarded command would pay for.
    __import__(name)
    return sys.modules[name]


if __name__ == "__main__":
    sys.exit(main())
