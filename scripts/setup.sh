#!/usr/bin/env bash
# Create .venv in the repository and install safeshell with its test extras.
# Safe to run again: it installs only what is missing or changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "setup: safeshell needs Python 3.11 or newer; $PYTHON is $("$PYTHON" --version 2>&1)." >&2
  echo "setup: set PYTHON=/path/to/python3.11 and run again." >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $("$PYTHON" --version 2>&1)"
  "$PYTHON" -m venv .venv
fi
. .venv/bin/activate

python -m pip install --quiet --disable-pip-version-check --upgrade pip
if ! python -c 'import torch' >/dev/null 2>&1; then
  # The project's machines carry a local CPU wheel of exactly this release;
  # elsewhere PyPI serves the CUDA build of several gigabytes (README.md says
  # how to install the CPU build first).
  echo "setup: installing torch==2.13.0 (the slowest step of the first run)"
  python -m pip install --quiet --disable-pip-version-check "torch==2.13.0"
fi
echo "setup: installing safeshell and its dependencies into .venv"
python -m pip install --quiet --disable-pip-version-check -e ".[test]"
echo "setup: done ($(python -c 'import safeshell; print("safeshell", safeshell.__version__)'))"
