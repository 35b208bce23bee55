"""Errors of the MCP server.

::

    ToolArgumentError (safeshell.errors.SafeshellError)
        a tool argument passed its schema but is still unusable: a path
        outside the workspace, an unknown job, a config key that does not exist

Schema violations (unknown fields, wrong types, missing fields) are rejected
by the SDK before a tool runs; this class covers what needs the workspace to
decide. Tools report it as an ``isError`` result, never as a protocol error.
"""

from __future__ import annotations

from safeshell.errors import SafeshellError


class ToolArgumentError(SafeshellError):
    """A tool argument is unusable; the message names the argument and the value."""
