"""``trainctl versions``: snapshot, list, show, diff, roll back, restore, verify, prune, delete, pin."""

from __future__ import annotations

import argparse

from models.cli import common
from models.store import Store


def build_parser() -> common.Parser:
    parser, sub = common.new_parser("trainctl versions", "Record, inspect and restore versions of current_model/.")

    snapshot = sub.add_parser("snapshot", help="record current_model/ as a version (no-op when unchanged)")
    snapshot.add_argument("--reason", default="manual snapshot", help="why the version is recorded")
    common.add_common(snapshot, json_output=True)

    common.add_common(sub.add_parser("list", help="list versions, oldest first"), json_output=True)

    show = sub.add_parser("show", help="show one version's metadata and files")
    show.add_argument("version", metavar="ID")
    common.add_common(show, json_output=True)

    diff = sub.add_parser("diff", help="list files added, removed or modified from version A to B")
    diff.add_argument("a", metavar="A")
    diff.add_argument("b", metavar="B")
    common.add_common(diff, json_output=True)

    common.add_common(sub.add_parser("rollback", help="check out the parent of the current version"), json_output=True)

    restore = sub.add_parser("restore", help="check out version ID into current_model/ (verified, atomic)")
    restore.add_argument("version", metavar="ID")
    common.add_common(restore, json_output=True)

    verify = sub.add_parser("verify", help="hash every stored byte of version ID, or of the whole store and current_model/")
    verify.add_argument("version", metavar="ID", nargs="?")
    common.add_common(verify, json_output=True)

    prune = sub.add_parser("prune", help="remove all but the last N versions (never current, pinned or in use)")
    prune.add_argument("--keep", type=int, required=True, metavar="N", help="number of most recent versions to keep (>= 1)")
    prune.add_argument("--protect", action="append", default=[], metavar="ID", help="also keep this version (repeatable)")
    common.add_common(prune, json_output=True)

    delete = sub.add_parser(
        "delete", help="delete version ID and the files no other version uses (never current, pinned or in use)"
    )
    delete.add_argument("version", metavar="ID")
    common.add_common(delete, json_output=True)

    for name, text in (("pin", "keep version ID through every prune"), ("unpin", "let prune remove version ID again")):
        command = sub.add_parser(name, help=text)
        command.add_argument("version", metavar="ID")
        common.add_common(command)
    return parser


def main(argv: list[str]) -> int:
    return common.run(
        build_parser(),
        argv,
        {
            "snapshot": snapshot,
            "list": list_versions,
            "show": show,
            "diff": diff,
            "rollback": rollback,
            "restore": restore,
            "verify": verify,
            "prune": prune,
            "delete": delete,
            "pin": pin,
            "unpin": unpin,
        },
    )


def snapshot(store: Store, args: argparse.Namespace) -> int:
    before = store.current_id()
    version = store.snapshot(reason=args.reason)
    if args.json:
        common.print_json({"version": version.to_dict(with_files=False), "created": version.id != before})
    elif version.id == before:
        print(f"current_model/ is unchanged: still {version.id}")
    else:
        print(f"recorded {version.id} ({len(version.files)} files, {common.human_bytes(version.total_bytes)})")
    return common.OK


def list_versions(store: Store, args: argparse.Namespace) -> int:
    versions = store.versions()
    current = store.current_id()
    if args.json:
        common.print_json({"current": current, "versions": [v.to_dict(with_files=False) for v in versions]})
        return common.OK
    if not versions:
        model = store.current_model
        if model.is_dir() and any(model.iterdir()):
            print("no versions yet; record current_model/ with 'trainctl versions snapshot'")
        else:
            print("no versions yet and current_model/ is empty or missing; build the built-in model with "
                  "'trainctl init-model'")
        return common.OK
    for version in versions:
        marks = ("*" if version.id == current else " ") + ("P" if version.pinned else " ")
        print(
            f"{marks} {version.id}  {version.created_at[:19]}  parent {version.parent or '-':5}"
            f"  {common.human_bytes(version.total_bytes):>10}  {version.reason}"
        )
    print(f"{len(versions)} version(s); * current, P pinned")
    return common.OK


def show(store: Store, args: argparse.Namespace) -> int:
    version = store.get(args.version)
    if args.json:
        common.print_json(version.to_dict())
        return common.OK
    print(f"{version.id}: {version.reason}")
    print(f"  parent: {version.parent or '-'}  created: {version.created_at}  pinned: {version.pinned}")
    for key, value in version.metadata.items():
        if key not in ("format", "version", "parent", "created_at", "reason"):
            print(f"  {key}: {value}")
    for entry in version.files:
        print(f"  {entry.sha256[:12]}  {entry.size:>12}  {entry.path}")
    print(f"{len(version.files)} file(s), {common.human_bytes(version.total_bytes)}")
    return common.OK


def diff(store: Store, args: argparse.Namespace) -> int:
    changes = store.diff(args.a, args.b)
    if args.json:
        common.print_json([change.to_dict() for change in changes])
        return common.OK
    symbols = {"added": "+", "removed": "-", "modified": "M"}
    for change in changes:
        print(f"{symbols[change.change]} {change.path}")
    print(f"{len(changes)} file(s) differ between {args.a} and {args.b}")
    return common.OK


def rollback(store: Store, args: argparse.Namespace) -> int:
    before = store.current_id()
    version = store.rollback()
    if args.json:
        common.print_json({"from": before, "to": version.id})
    else:
        print(f"rolled back to {version.id}; undo with 'trainctl versions restore {store.events()[-1].get('from')}'")
    return common.OK


def restore(store: Store, args: argparse.Namespace) -> int:
    version = store.checkout(args.version, reason=f"restore of {args.version}")
    if args.json:
        common.print_json({"current": version.id})
    else:
        print(f"current_model/ is now {version.id}")
    return common.OK


def verify(store: Store, args: argparse.Namespace) -> int:
    report = store.verify(args.version)
    return common.print_report(report, as_json=args.json)


def prune(store: Store, args: argparse.Namespace) -> int:
    removed = store.prune(args.keep, protected=set(args.protect))
    if args.json:
        common.print_json({"removed": removed})
    else:
        print(f"removed {len(removed)} version(s){': ' + ', '.join(removed) if removed else ''}")
    return common.OK


def delete(store: Store, args: argparse.Namespace) -> int:
    store.delete_version(args.version)
    if args.json:
        common.print_json({"deleted": args.version})
    else:
        print(f"deleted {args.version} and the stored files no other version uses")
    return common.OK


def pin(store: Store, args: argparse.Namespace) -> int:
    store.pin(args.version)
    print(f"pinned {args.version}")
    return common.OK


def unpin(store: Store, args: argparse.Namespace) -> int:
    store.unpin(args.version)
    print(f"unpinned {args.version}")
    return common.OK
