"""``trainctl queue``: list, add, remove or reprioritize queued data files."""

from __future__ import annotations

import argparse
import json

from safeshell.cli import exit_codes
from trainer.cli.common import add_workspace_option, new_parser, run_command, workspace_from
from trainer.errors import QueueError
from trainer.queue import Queue, QueueEntry, parse_priority


def main(argv: list[str]) -> int:
    parser = new_parser("trainctl queue", "Inspect and change the training queue. Run order: resumed jobs first, "
                        "then higher priority, then earlier arrival, then file name.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=type(parser))
    commands.required = True

    listing = commands.add_parser("list", help="list queued and running entries")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.add_argument("--all", action="store_true", help="also list finished entries (newest first)")
    add = commands.add_parser("add", help="validate a JSONL file and queue it (a file outside inbox/ is copied in)")
    add.add_argument("file", metavar="FILE")
    add.add_argument("--priority", default="normal", type=_priority, help="high, normal, low or an integer; higher runs first")
    remove = commands.add_parser("remove", help="take a queued entry off the queue (its file moves to inbox/removed/)")
    remove.add_argument("id", type=int, metavar="ID")
    priority = commands.add_parser("set-priority", help="change an entry's priority")
    priority.add_argument("id", type=int, metavar="ID")
    priority.add_argument("priority", metavar="PRIORITY", type=_priority, help="high, normal, low or an integer")
    for subparser in (listing, add, remove, priority):
        add_workspace_option(subparser)
    return run_command(parser, argv, _run)


def _run(args: argparse.Namespace) -> int:
    queue = Queue(workspace_from(args))
    try:
        if args.command == "list":
            entries = queue.list() + (queue.history() if args.all else [])
            if args.json:
                print(json.dumps([entry.to_dict() for entry in entries], indent=2))
            else:
                print(format_entries(entries))
        elif args.command == "add":
            entry = queue.add(args.file, args.priority)
            print(f"queued {entry.name} as entry {entry.id} (priority {entry.priority}, {entry.records} records)")
        elif args.command == "remove":
            entry = queue.remove(args.id)
            print(f"removed entry {entry.id}; its file is now {entry.file}")
        else:
            entry = queue.set_priority(args.id, args.priority)
            print(f"entry {entry.id} now has priority {entry.priority}")
    finally:
        queue.close()
    return exit_codes.OK


def format_entries(entries: list[QueueEntry]) -> str:
    if not entries:
        return "the queue is empty"
    lines = [f"{'ID':>4}  {'STATE':<8} {'PRIO':>4}  {'ADDED':<20} {'RECORDS':>7}  FILE"]
    for entry in entries:
        state = entry.state + ("*" if entry.head and entry.state == "queued" else "")
        lines.append(f"{entry.id:>4}  {state:<8} {entry.priority:>4}  {entry.added_at[:19]:<20} {entry.records:>7}  {entry.name}")
    if any(entry.head and entry.state == "queued" for entry in entries):
        lines.append("* resumes from its last complete checkpoint")
    return "\n".join(lines)


def _priority(text: str) -> int:
    """Parse a priority argument, so a bad one is a usage error (exit 64) like any other."""
    try:
        return parse_priority(text)
    except QueueError as exc:
        raise argparse.ArgumentTypeError(f"{exc.message}; {exc.hint}") from None
