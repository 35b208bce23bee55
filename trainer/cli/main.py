"""Entry point of the ``trainctl`` command.

Dispatch is by the first argument, importing only the module that handles it
(the daemon never imports torch; only the job process does). Each subcommand
module has ``main(argv: list[str]) -> int``.
"""

from __future__ import annotations

import importlib
import os
import sys

# name -> (module, one-line summary); the order is the order of --help.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "daemon": ("trainer.cli.daemon_cmd", "run the training daemon (--once: until the queue is empty)"),
    "status": ("trainer.cli.status_cmd", "show the training state, step, loss and queue"),
    "stop": ("trainer.cli.control_cmd", "stop at the next step with a resumable checkpoint"),
    "pause": ("trainer.cli.control_cmd", "stop at the next step and hold the queue"),
    "resume": ("trainer.cli.control_cmd", "release a pause"),
    "skip": ("trainer.cli.control_cmd", "abandon the current file without saving"),
    "queue": ("trainer.cli.queue_cmd", "list, add, remove or reprioritize queued data files"),
    "config": ("trainer.cli.config_cmd", "show, validate or accept config.json"),
    "init-model": ("trainer.cli.init_model_cmd", "build the built-in small model as version v001"),
    "versions": ("models.cli.versions", "snapshot, list, diff, roll back, restore, verify, prune versions"),
    "backups": ("models.cli.backups", "create, list, verify, restore, delete backups"),
    "monitor": ("trainer.cli.monitor_cmd", "serve the live monitor page on 127.0.0.1"),
}

# Subcommands that share a module receive their own name as argv[0].
SHARED_MODULE_COMMANDS = frozenset({"stop", "pause", "resume", "skip"})

USAGE = """usage: trainctl SUBCOMMAND [ARGS...]

Operate the safeshell training daemon, its queue and the model store.

subcommands:
{subcommands}
Run 'trainctl SUBCOMMAND --help' for the options of each.
Commands find the workspace from --workspace, then SAFESHELL_WORKSPACE, then
the nearest parent directory that contains safeshell.yaml.
"""


def format_usage() -> str:
    width = max(len(name) for name in SUBCOMMANDS)
    lines = [f"  {name.ljust(width)}  {summary}" for name, (_, summary) in SUBCOMMANDS.items()]
    return USAGE.format(subcommands="\n".join(lines) + "\n")


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
    args = _workspace_after_subcommand(args)
    if not args or args[0] in ("-h", "--help", "help"):
        print(format_usage())
        return 0 if args else 64
    name = args[0]
    if name.startswith("--workspace"):
        print("trainctl: --workspace DIR needs a subcommand after it, e.g. 'trainctl --workspace DIR status'",
              file=sys.stderr)
        return 64
    if name not in SUBCOMMANDS:
        import difflib  # imported here so that valid commands start without it

        close = difflib.get_close_matches(name, list(SUBCOMMANDS), n=1)
        suggestion = f"did you mean 'trainctl {close[0]}'? " if close else ""
        print(
            f"trainctl: unknown subcommand {name!r}; {suggestion}run 'trainctl --help' for the list",
            file=sys.stderr,
        )
        return 64
    module = importlib.import_module(SUBCOMMANDS[name][0])
    if name in SHARED_MODULE_COMMANDS:
        return module.main(args)
    return module.main(args[1:])


def _workspace_after_subcommand(args: list[str]) -> list[str]:
    """Move a leading ``--workspace DIR`` behind the subcommand, where every subcommand accepts it."""
    if args and args[0].startswith("--workspace="):
        width = 1
    elif len(args) >= 3 and args[0] == "--workspace":
        width = 2
    else:
        return args
    return args[width:width + 1] + args[:width] + args[width + 1:]


if __name__ == "__main__":
    sys.exit(main())
