"""The safeshell MCP server: typed tools over the trainer and the model store.

Public surface:

- :func:`mcp_server.server.build_server` builds the server for one workspace;
- :func:`mcp_server.main.main` is the ``safeshell-mcp`` command (stdio, or
  streamable HTTP on 127.0.0.1).

Every tool call is checked against the workspace policy by
:mod:`mcp_server.gate` before it does anything.
"""
