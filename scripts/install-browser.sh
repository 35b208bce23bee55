#!/usr/bin/env bash
# Install Debian's Chromium and ChromeDriver for the monitor page's browser
# test. Needs root (or passwordless sudo); exits non-zero when it cannot.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "install-browser: not root and no passwordless sudo; install the 'chromium' package yourself" >&2
    exit 1
  fi
fi
echo "install-browser: installing Debian's chromium"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
