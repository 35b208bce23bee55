"""Static analysis of shell commands into operations.

Public surface:

- :func:`analyze`: turn one shell command into an :class:`Analysis` (the
  operations it would perform, the simple commands seen, problems found);
- :class:`Analysis`, :class:`SimpleCommand`, :class:`Limits`.

The policy decides; this package only reports. Anything that cannot be
resolved and could touch files is reported with ``resolved=False``, and a
parse error or a limit hit adds an unresolved ``exec_dynamic`` operation.
:mod:`safeshell.shell.quick` is a lexical pre-screen for trivially
read-only commands that does not import tree-sitter.
"""

from __future__ import annotations

__all__ = ["Analysis", "Limits", "SimpleCommand", "analyze"]

# Loaded on first use, so that importing safeshell.shell.quick stays cheap
# (this module imports nothing, not even typing).
_LAZY = {
    "analyze": "safeshell.shell.analysis",
    "Analysis": "safeshell.shell.model",
    "Limits": "safeshell.shell.model",
    "SimpleCommand": "safeshell.shell.model",
}


def __getattr__(name: str) -> object:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'safeshell.shell' has no attribute {name!r}")
    import sys

    __import__(module_name)  # not importlib.import_module: importlib imports warnings
    value = getattr(sys.modules[module_name], name)
    globals()[name] = value
    return value
