"""The page and scripts under ``trainer/monitor/static/``, loaded once per start.

Everything the page needs is served by the monitor itself: no CDN, no
external fonts or scripts. The Content-Security-Policy allows scripts only
from the monitor, and the page's one inline ``<style>`` block only by its
SHA-256, so injected markup could neither run code nor restyle the page.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from importlib import resources

from safeshell.errors import SafeshellError

PAGE = "live_monitor_ui.html"
SCRIPTS = ("chart.js", "monitor.js")

STYLE_BLOCK = re.compile(rb"<style>(.*?)</style>", re.DOTALL)

SCRIPT_CSP = "default-src 'none'; frame-ancestors 'none'"


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str
    csp: str


@dataclass(frozen=True)
class Assets:
    page: Asset
    files: dict[str, Asset]  # by name under /static/


def page_csp(style_hashes: list[str]) -> str:
    styles = " ".join(f"'sha256-{digest}'" for digest in style_hashes) or "'none'"
    return (
        "default-src 'none'; script-src 'self'; "
        f"style-src {styles}; img-src 'self' data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def load() -> Assets:
    """Read the page and scripts from the installed package.

    Raises :class:`SafeshellError` when a file is missing (a broken install).
    """
    static = resources.files("trainer.monitor") / "static"
    try:
        page_body = (static / PAGE).read_bytes()
        scripts = {name: (static / name).read_bytes() for name in SCRIPTS}
    except OSError as exc:
        raise SafeshellError(
            f"the monitor's page files are missing from {str(static)!r}: {exc}",
            hint="reinstall safeshell ('pip install --force-reinstall safeshell')",
        ) from exc

    style_hashes = [
        base64.b64encode(hashlib.sha256(match.group(1)).digest()).decode("ascii")
        for match in STYLE_BLOCK.finditer(page_body)
    ]
    page = Asset(page_body, "text/html; charset=utf-8", page_csp(style_hashes))
    files = {name: Asset(body, "text/javascript; charset=utf-8", SCRIPT_CSP) for name, body in scripts.items()}
    return Assets(page=page, files=files)
