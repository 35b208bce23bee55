"""safeshell: the guard that keeps AI assistants from destroying a training.

Public surface:

- :mod:`safeshell.operations`: :class:`Operation`, :class:`OperationKind`,
  :class:`Subject`, the vocabulary every adapter translates requests into;
- :mod:`safeshell.decision`: :class:`Decision` (ordered), :class:`Match` and
  :class:`Verdict`, the policy's answer;
- :mod:`safeshell.workspace`: :class:`Workspace` and :func:`find_workspace`;
- :mod:`safeshell.guard`: ``check_command`` and ``check_operations``, the entry
  points the CLI, the hooks and the MCP server share;
- :mod:`safeshell.errors`: the exception tree.

This package imports nothing heavy at module level (no torch, transformers,
mcp or jsonschema) because ``safeshell check`` and the hooks start once per
assistant command.
"""

__version__ = "0.1.0"
