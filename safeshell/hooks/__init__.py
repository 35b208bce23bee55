"""Pre-tool-use hooks that put the guard in an assistant's path.

Public surface:

- :func:`run_hook` (``safeshell hook HOST``): one payload in, one
  :class:`~safeshell.hooks.model.HookAnswer` out; for a host in
  :data:`HOSTS` every exception becomes a blocking answer.
- :data:`HOSTS`: the supported hosts (``claude-code``, ``codex``,
  ``gemini``), each a module with ``parse(payload) -> ToolCall``,
  ``render(HookDecision) -> HookAnswer`` and ``render_block(reason)``.
- :func:`safeshell.hooks.unwrap.unwrap_host_command`: strips the preamble a
  host wraps around commands it runs through the ``safeshell -c`` shell
  prefix.

Every failure (invalid payload, missing or invalid policy, broken
workspace, internal error) is answered with the host's blocking status,
because any other non-zero status lets the tool run.
"""

from __future__ import annotations

from safeshell import logs
from safeshell.errors import SafeshellError
from safeshell.hooks import claude_code, codex, gemini
from safeshell.hooks.model import HookAnswer, HookDecision, ToolCall
from safeshell.hooks.payload import decode_payload

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from types import ModuleType
    from typing import Mapping

HOSTS: dict[str, ModuleType] = {
    claude_code.HOST: claude_code,
    codex.HOST: codex,
    gemini.HOST: gemini,
}

__all__ = ["HOSTS", "HookAnswer", "HookDecision", "ToolCall", "run_hook"]


def run_hook(host: str, raw: bytes, *, workspace: str | None, env: Mapping[str, str]) -> HookAnswer:
    """Decide on one hooked tool call and return the host's answer.

    ``raw`` is the payload as read from stdin; ``workspace`` is the
    ``--workspace`` the hook command was configured with.
    """
    adapter = HOSTS[host]
    try:
        payload = decode_payload(raw)
        call = adapter.parse(payload)
        from safeshell.hooks.locate import locate_workspace

        found = locate_workspace(workspace, call.cwd, env)
        if found is None:
            return adapter.render(HookDecision.allow())
        # Imported only here: outside a workspace the guard is never loaded.
        logs.silence()
        from safeshell.hooks.decide import decide

        return adapter.render(decide(call, found, env))
    except SafeshellError as exc:
        return adapter.render_block(f"safeshell blocked this call: {exc}")
    except Exception as exc:  # noqa: BLE001 - any failure must block, never let the tool run
        # DEBUG, not ERROR: logging's last-resort handler would print the
        # traceback into the stderr the assistant reads.
        logs.get_logger(__name__).debug("safeshell hook %s failed", host, exc_info=True)
        return adapter.render_block(
            f"safeshell hook failed ({type(exc).__name__}: {exc}); the call is blocked until it works again. "
            f"Ask the user to run 'safeshell doctor'."
        )

