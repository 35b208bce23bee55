"""LazyLogger: logging stays unimported until a record can be shown."""

from __future__ import annotations

import subprocess
import sys

TIME_LIMIT_S = 60.0


def run(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter, where nothing has imported logging yet."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=TIME_LIMIT_S)


def test_debug_leaves_logging_unimported() -> None:
    result = run(
        "import sys\n"
        "from safeshell import logs\n"
        "logs.get_logger('safeshell.x').debug('hidden %s', 1)\n"
        "logs.get_logger('safeshell.x').info('hidden %s', 2)\n"
        "print('logging' in sys.modules)\n"
    )
    assert result.stdout.strip() == "False"
    assert result.stderr == ""


def test_warning_reaches_stderr_unsilenced() -> None:
    result = run("from safeshell import logs\nlogs.get_logger('safeshell.x').warning('disk %s full', '/ws')\n")
    assert result.stderr.strip() == "disk /ws full"


def test_silence_keeps_warnings_off_stderr() -> None:
    result = run(
        "from safeshell import logs\n"
        "logs.silence()\n"
        "logs.get_logger('safeshell.x').warning('disk %s full', '/ws')\n"
        "import logging\n"
        "logging.getLogger('safeshell.y').warning('direct')\n"
    )
    assert result.returncode == 0
    assert result.stderr == ""


def test_debug_reaches_configured_handlers() -> None:
    result = run(
        "import logging, sys\n"
        "logging.basicConfig(level=logging.DEBUG, stream=sys.stdout, format='%(name)s %(message)s')\n"
        "from safeshell import logs\n"
        "logs.get_logger('safeshell.x').debug('decision %s', 'allow')\n"
    )
    assert result.stdout.strip() == "safeshell.x decision allow"
