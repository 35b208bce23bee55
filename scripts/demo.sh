#!/usr/bin/env bash
# Set up .venv (scripts/setup.sh) and run the main job end to end in a new
# workspace on the built-in model: train, version, an assistant held for
# approval, a human approval, undo, rollback and a graceful stop.
# Extra arguments go to scripts/scenario.py (--workspace DIR, --report FILE).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
exec .venv/bin/python scripts/scenario.py "$@"
