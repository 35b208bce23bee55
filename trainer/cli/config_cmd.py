"""``trainctl config show|validate|accept``: inspect, check and accept config.json."""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from safeshell.cli import exit_codes
from safeshell.workspace import Workspace
from trainer import config as training_config
from trainer.cli.common import add_workspace_option, new_parser, run_command, workspace_from


def main(argv: list[str]) -> int:
    parser = new_parser("trainctl config", "Show, validate or accept config.json. Critical keys (listed by the "
                        "policy) changed since the last acceptance hold the queue until 'trainctl config accept'.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=type(parser))
    commands.required = True
    show = commands.add_parser("show", help="print the config and the keys changed since the last acceptance")
    show.add_argument("--json", action="store_true", help="print JSON")
    commands.add_parser("validate", help="check config.json against its JSON Schema")
    accept = commands.add_parser("accept", help="show the key-by-key difference and accept it (needs a terminal)")
    for subparser in (show, accept, commands.choices["validate"]):
        add_workspace_option(subparser)
    return run_command(parser, argv, _run)


def _run(args: argparse.Namespace) -> int:
    workspace = workspace_from(args)
    config = training_config.load_config(workspace)
    if args.command == "validate":
        print(f"{workspace.config_file}: valid")
        changes = training_config.unaccepted_changes(workspace, config)
        if changes:
            print(f"critical keys changed since the last acceptance: {', '.join(c.key for c in changes)}; "
                  "run 'trainctl config accept' on a terminal")
        return exit_codes.OK

    critical = training_config.critical_keys(workspace)
    changes = training_config.diff(training_config.accepted_config(workspace), config.to_dict(), critical)
    if args.command == "show":
        if args.json:
            print(json.dumps({"config": config.to_dict(), "critical_keys": sorted(critical),
                              "changes": [change.__dict__ for change in changes]}, indent=2))
            return exit_codes.OK
        for key, value in config.to_dict().items():
            marker = " (critical)" if key in critical else ""
            print(f"{key:<28} {json.dumps(value)}{marker}")
        print()
        print(format_changes(changes) if changes else "no changes since the last acceptance")
        return exit_codes.OK
    return _accept(workspace, config, changes)


def format_changes(changes: list[training_config.KeyChange]) -> str:
    lines = ["changes since the last acceptance:"]
    for change in changes:
        label = "critical" if change.critical else "        "
        lines.append(f"  {label}  {change.key}: {json.dumps(change.old)} -> {json.dumps(change.new)}")
    return "\n".join(lines)


def _accept(workspace: Workspace, config: training_config.TrainingConfig,
            changes: list[training_config.KeyChange]) -> int:
    if not changes:
        print("no changes since the last acceptance; nothing to accept")
        return exit_codes.OK
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print("trainctl config accept: needs a terminal; a person must confirm the change "
              "(run it in an interactive shell)", file=sys.stderr)
        return exit_codes.ERROR
    print(format_changes(changes))
    answer = input("Accept these changes for training? Type 'yes' to accept: ").strip().lower()
    if answer != "yes":
        print("not accepted; nothing changed")
        return exit_codes.ERROR
    path = training_config.record_accepted(workspace, config, accepted_by=getpass.getuser())
    _audit(workspace, changes)
    print(f"accepted; recorded in {path}")
    return exit_codes.OK


def _audit(workspace: Workspace, changes: list[training_config.KeyChange]) -> None:
    from safeshell import audit

    audit.append(workspace, "config_accept",
                 changes=[{"key": c.key, "old": c.old, "new": c.new, "critical": c.critical} for c in changes])
