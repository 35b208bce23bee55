"""Fixtures for the MCP server: a real workspace, a tiny fake model, in-process clients.

Every client test runs under both protocol modes the SDK's in-process client
supports: ``legacy`` (the 2025-11-25 initialize handshake over JSON-RPC
streams) and ``auto`` (the 2026-07-28 per-request path without a handshake).
"""

from __future__ import annotations

import contextlib
import json
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer
from mcp_types import CallToolResult

from mcp_server.results import error_body
from mcp_server.server import build_server
from models.store import Store
from safeshell import approvals, guard
from safeshell.cli import init_cmd
from safeshell.workspace import Workspace

MODES = ("legacy", "auto")


def safetensors_bytes(values: int) -> bytes:
    """Return a valid safetensors file holding one float32 tensor of ``values`` zeros."""
    header = json.dumps({"weight": {"dtype": "F32", "shape": [values], "data_offsets": [0, 4 * values]}}).encode()
    return struct.pack("<Q", len(header)) + header + b"\x00" * (4 * values)


TINY_MODEL = {
    "config.json": b'{"model_type": "llama", "hidden_size": 8}\n',
    "model.safetensors": safetensors_bytes(64),
    "tokenizer.json": b'{"version": "1.0", "model": {"type": "BPE", "vocab": {}, "merges": []}}\n',
}


def write_model(directory: Path, files: dict[str, bytes]) -> None:
    for relative, content in files.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def workspace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Workspace:
    """A workspace made by 'safeshell init --no-model', with a tiny fake model as version v001."""
    root = tmp_path / "ws"
    assert init_cmd.main([str(root), "--no-model"]) == 0
    capsys.readouterr()
    workspace = Workspace(root=root.resolve())
    write_model(workspace.current_model, TINY_MODEL)
    Store.for_workspace(workspace).snapshot(reason="first version")
    return workspace


@pytest.fixture
def two_versions(workspace: Workspace) -> Workspace:
    """The workspace with v001 and v002 (config.json of the model changed), v002 current."""
    (workspace.current_model / "config.json").write_bytes(b'{"model_type": "llama", "hidden_size": 16}\n')
    Store.for_workspace(workspace).snapshot(reason="second version")
    return workspace


@pytest.fixture
def server(workspace: Workspace) -> MCPServer:
    return build_server(workspace)


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def connect(server: MCPServer, mode: str) -> Callable[..., contextlib.AbstractAsyncContextManager[Client]]:
    """Open an in-process client in the test's protocol mode; keyword arguments go to ``Client``."""

    @contextlib.asynccontextmanager
    async def open_client(**options: Any) -> AsyncIterator[Client]:
        async with Client(server, mode=mode, **options) as client:
            yield client

    return open_client


def grant(workspace: Workspace, request_id: str) -> str:
    """Grant an approval request as 'safeshell approve' does after a human confirmed; return the token."""
    policy = guard.load_policy(workspace)
    issued = approvals.grant_request(workspace, request_id, by="test human", current_policy_version=policy.version)
    return issued.text


def body(result: CallToolResult) -> dict[str, Any]:
    """Return a result's structured content, or the JSON body of a rejection or error."""
    if result.is_error:
        parsed = error_body(result)
        assert parsed is not None, result.content
        return parsed
    assert result.structured_content is not None, result.content
    return result.structured_content


ToolCaller = Callable[[str, dict[str, Any]], Awaitable[CallToolResult]]
