"""``safeshell init DIR``: create a training workspace, never overwriting a file.

Running it again on an existing workspace creates only what is missing and
lists what it kept, so it doubles as a repair command.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from safeshell.cli import exit_codes

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

WORKSPACE_POLICY = """\
# safeshell policy for this workspace. 'extends: default' takes the shipped
# policy (print it with 'safeshell policy show'); add or replace rules below.
# Rules with an existing id replace that rule; critical_keys extend the list.
# Check your edits with 'safeshell policy validate'.
extends: default
"""

# Folders of the workspace layout, created in this order.
FOLDERS = (
    "inbox",
    "inbox/rejected",
    "inbox/done",
    "inbox/skipped",
    "control",
    "status",
    "logs",
    "models",
    ".safeshell",
    "current_model",
)

MODEL_MODULE = "trainer.cli.init_model_cmd"


@dataclass
class InitReport:
    """What ``init`` created and what already existed (workspace-relative names)."""

    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="safeshell init",
        description="Create a training workspace in DIR. Existing files are never "
        "overwritten; only what is missing is created.",
        epilog=exit_codes.ADMIN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("directory", metavar="DIR", help="the workspace directory (created if missing)")
    parser.add_argument(
        "--no-model",
        action="store_true",
        help="do not build the built-in model into current_model/ (trainctl init-model does it later)",
    )
    # Assistant integrations add their options here (e.g. --assistant NAME).
    from safeshell.integrations import ASSISTANTS

    parser.add_argument(
        "--assistant",
        action="append",
        default=[],
        choices=ASSISTANTS,
        metavar="NAME",
        help="also write the hook and MCP server settings for an assistant "
        f"({', '.join(ASSISTANTS)}); repeat for several",
    )
    return parser


def create_layout(root: Path) -> InitReport:
    """Create every missing folder and file of the workspace under ``root``."""
    report = InitReport()
    root.mkdir(parents=True, exist_ok=True)

    for folder in FOLDERS:
        path = root / folder
        if path.is_dir():
            report.kept.append(folder + "/")
        else:
            path.mkdir(parents=True, exist_ok=True)
            report.created.append(folder + "/")

    _create_file(root / "safeshell.yaml", WORKSPACE_POLICY.encode("utf-8"), report, root)
    _copy_template("config.json", root, report)
    _copy_template("CLAUDE.md", root, report)
    return report


def _copy_template(name: str, root: Path, report: InitReport) -> None:
    template = TEMPLATES / name
    if not template.is_file():
        logger.debug("no template %s; skipping", template)
        return
    _create_file(root / name, template.read_bytes(), report, root)


def _create_file(path: Path, content: bytes, report: InitReport, root: Path) -> None:
    name = str(path.relative_to(root))
    # O_EXCL makes "never overwrite" hold even against a concurrent init.
    try:
        with open(path, "xb") as handle:
            handle.write(content)
    except FileExistsError:
        report.kept.append(name)
        return
    report.created.append(name)


def build_model(root: Path) -> int | None:
    """Run ``trainctl init-model`` for ``root``; None when the trainer is not installed."""
    if importlib.util.find_spec(MODEL_MODULE) is None:
        return None
    command = [sys.executable, "-m", "trainer.cli.main", "init-model", "--workspace", str(root)]
    # The build takes seconds; say so before it starts, not only after.
    print("model: building the built-in model into current_model/ ...", flush=True)
    logger.info("building the built-in model: %s", " ".join(command))
    return subprocess.run(command, check=False).returncode


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    root = Path(args.directory).expanduser().absolute()
    try:
        report = create_layout(root)
    except OSError as exc:
        print(f"safeshell init: cannot create the workspace in {str(root)!r}: {exc}", file=sys.stderr)
        return exit_codes.ERROR

    print(f"workspace: {root}")
    for name in report.created:
        print(f"  created  {name}")
    for name in report.kept:
        print(f"  kept     {name}")

    current_model = root / "current_model"
    if args.no_model:
        print(f"model: skipped (--no-model); build it later with 'trainctl init-model --workspace {root}'")
    elif any(current_model.iterdir()):
        print("model: kept the existing files in current_model/")
    else:
        status = build_model(root)
        if status is None:
            print("model: the trainer is not installed; current_model/ stays empty")
        elif status != 0:
            print(
                f"safeshell init: 'trainctl init-model' failed with exit status {status}; "
                f"rerun it with 'trainctl init-model --workspace {root}'",
                file=sys.stderr,
            )
            return exit_codes.ERROR
    return _install_assistants(root, args.assistant)


def _install_assistants(root: Path, assistants: list[str]) -> int:
    from safeshell.integrations import IntegrationError, install

    for assistant in assistants:
        try:
            result = install(root, assistant)
        except (IntegrationError, OSError) as exc:
            print(f"safeshell init: --assistant {assistant}: {exc}", file=sys.stderr)
            return exit_codes.ERROR
        print(f"assistant: {assistant}")
        for path, state in result.files:
            print(f"  {state:<9} {path}")
        for note in result.notes:
            print(f"  note: {note}")
    return exit_codes.OK
