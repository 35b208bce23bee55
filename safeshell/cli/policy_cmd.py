"""``safeshell policy validate|show``: check or print the effective policy."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from safeshell.cli import exit_codes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="safeshell policy",
        description="Validate or show the workspace's effective policy (safeshell.yaml and what it extends).",
        epilog=exit_codes.ADMIN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    validate = sub.add_parser(
        "validate",
        help="check the schema and run every rule's examples through the shell analysis",
    )
    _common(validate)
    validate.add_argument(
        "--file",
        metavar="FILE",
        help="validate this policy file instead of the workspace's safeshell.yaml "
        "(examples run against the workspace, or a temporary one)",
    )

    show = sub.add_parser("show", help="print the effective policy after merging the extends chain")
    _common(show)
    return parser


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workspace", metavar="DIR", help="the workspace (default: found from the current directory)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    from safeshell.errors import SafeshellError

    try:
        if args.action == "validate":
            return _validate(args)
        return _show(args)
    except SafeshellError as exc:
        if args.json:
            print(json.dumps({"ok": False, "error": str(exc)}))
        print(f"safeshell policy: {exc}", file=sys.stderr)
        return exit_codes.CONFIG


def _validate(args: argparse.Namespace) -> int:
    import tempfile

    from safeshell.errors import WorkspaceError
    from safeshell.policy import compile_from_files
    from safeshell.policy.examples import check_examples
    from safeshell.workspace import Workspace, find_workspace

    workspace: Workspace | None
    if args.file:
        policy = compile_from_files(Path(args.file).absolute())
        try:
            workspace = find_workspace(args.workspace)
        except WorkspaceError:
            workspace = None
    else:
        workspace = find_workspace(args.workspace)
        policy = compile_from_files(workspace.policy_file)

    if workspace is None:
        with tempfile.TemporaryDirectory(prefix="safeshell-validate-") as scratch:
            count, failures = check_examples(policy, Workspace(Path(scratch).resolve()))
    else:
        count, failures = check_examples(policy, workspace)

    if args.json:
        print(
            json.dumps(
                {
                    "ok": not failures,
                    "version": policy.version,
                    "files": list(policy.source_files),
                    "rules": len(policy.rules),
                    "tool_rules": len(policy.tool_rules),
                    "examples": count,
                    "failures": [failure.describe() for failure in failures],
                }
            )
        )
    else:
        for failure in failures:
            print(failure.describe(), file=sys.stderr)
        state = "invalid" if failures else "valid"
        print(
            f"policy {state}: {len(policy.rules)} rules, {len(policy.tool_rules)} tool rules, "
            f"{count} examples checked, {len(failures)} failed (version {policy.version[:12]})"
        )
        for source in policy.source_files:
            print(f"  {source}")
    return exit_codes.CONFIG if failures else exit_codes.OK


def _show(args: argparse.Namespace) -> int:
    from safeshell.guard import load_policy
    from safeshell.workspace import find_workspace

    workspace = find_workspace(args.workspace)
    policy = load_policy(workspace)
    if args.json:
        print(
            json.dumps(
                {"version": policy.version, "files": list(policy.source_files), "policy": policy.document},
                indent=2,
            )
        )
        return exit_codes.OK

    import yaml

    print(f"# effective policy, version {policy.version}")
    for source in policy.source_files:
        print(f"# from {source}")
    print(yaml.safe_dump(dict(policy.document), sort_keys=False, width=100, allow_unicode=True), end="")
    return exit_codes.OK
