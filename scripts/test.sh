#!/usr/bin/env bash
# Set up .venv (scripts/setup.sh) and run the whole test suite, the slow
# end-to-end tests included. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/install-browser.sh || echo "test: no Chromium; the browser test will be skipped" >&2

export PYTHONDONTWRITEBYTECODE=1
exec .venv/bin/python -m pytest -p no:cacheprovider -q "$@"
