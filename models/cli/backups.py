"""``trainctl backups``: create, list, verify, restore and delete backups of versions."""

from __future__ import annotations

import argparse
from pathlib import Path

from models.backup import KINDS
from models.cli import common
from models.store import Store


def build_parser() -> common.Parser:
    parser, sub = common.new_parser(
        "trainctl backups",
        "Copy versions to a backup target, verify them by reading every byte back, restore them.\n"
        "The target is --target, else config.json's backup_target, else models/backups.",
    )
    create = sub.add_parser("create", help="back up a version (default: the current one) and verify it")
    create.add_argument("version", metavar="ID", nargs="?")
    create.add_argument(
        "--type", "--kind", dest="kind", choices=KINDS, default="manual",
        help="why the backup exists (default: manual)",
    )
    create.add_argument("--reason", default="", help="free text stored with the backup")
    create.add_argument("--target", type=Path, metavar="DIR", help="backup target directory (must exist)")
    common.add_common(create, json_output=True)

    common.add_common(sub.add_parser("list", help="list backups, oldest first"), json_output=True)

    verify = sub.add_parser("verify", help="re-hash every byte of a backup (or a rotating sample)")
    verify.add_argument("backup", metavar="BACKUP_ID")
    verify.add_argument("--sample", type=float, metavar="PERCENT", help="check only this share of the files, rotating")
    common.add_common(verify, json_output=True)

    restore = sub.add_parser("restore", help="bring a backup's version back and check it out (verified, atomic)")
    restore.add_argument("backup", metavar="BACKUP_ID")
    common.add_common(restore, json_output=True)

    delete = sub.add_parser("delete", help="remove a backup")
    delete.add_argument("backup", metavar="BACKUP_ID")
    common.add_common(delete)
    return parser


def main(argv: list[str]) -> int:
    return common.run(
        build_parser(),
        argv,
        {"create": create, "list": list_backups, "verify": verify, "restore": restore, "delete": delete},
    )


def create(store: Store, args: argparse.Namespace) -> int:
    backup = store.create_backup(args.version, kind=args.kind, reason=args.reason, target=args.target)
    if args.json:
        common.print_json(backup.to_dict())
    else:
        print(
            f"created {backup.id} of {backup.version_id} at {backup.target} "
            f"({backup.file_count} files, {common.human_bytes(backup.total_bytes)}, verified)"
        )
    return common.OK


def list_backups(store: Store, args: argparse.Namespace) -> int:
    backups = store.backups()
    if args.json:
        common.print_json([backup.to_dict() for backup in backups])
        return common.OK
    for backup in backups:
        state = "verified" if backup.verified else "NOT VERIFIED"
        print(
            f"{backup.id}  {backup.version_id or '?':5}  {backup.created_at[:19]}  {backup.kind:13}  "
            f"{state:12}  {common.human_bytes(backup.total_bytes):>10}  {backup.target}"
        )
    print(f"{len(backups)} backup(s)")
    return common.OK


def verify(store: Store, args: argparse.Namespace) -> int:
    report = store.verify_backup(args.backup, sample_percent=args.sample)
    return common.print_report(report, as_json=args.json)


def restore(store: Store, args: argparse.Namespace) -> int:
    version = store.restore_backup(args.backup)
    if args.json:
        common.print_json({"backup": args.backup, "current": version.id})
    else:
        print(f"restored {args.backup}; current_model/ is now {version.id}")
    return common.OK


def delete(store: Store, args: argparse.Namespace) -> int:
    store.delete_backup(args.backup)
    print(f"deleted {args.backup}")
    return common.OK
