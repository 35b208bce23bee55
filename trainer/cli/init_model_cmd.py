"""``trainctl init-model``: build the built-in model into current_model/ as version v001."""

from __future__ import annotations

import argparse
import os

from safeshell.cli import exit_codes
from trainer.cli.common import configure_logging, new_parser, run_command, workspace_from


def main(argv: list[str]) -> int:
    parser = new_parser("trainctl init-model",
                        "Build the built-in model (or copy config.json's base_model) into an empty "
                        "current_model/ and record it as the first version. Works offline.")
    parser.add_argument("--verbose", action="store_true", help="log each step")
    return run_command(parser, argv, _run)


def _run(args: argparse.Namespace) -> int:
    configure_logging(args.verbose)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from trainer.init_model import init_model

    workspace = workspace_from(args)
    version = init_model(workspace)
    print(f"current_model/ is {version.id} ({version.reason}, {version.total_bytes} bytes)")
    return exit_codes.OK
