"""safeshell-mcp as a real process: over stdio and over streamable HTTP on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from safeshell.workspace import Workspace
from tests.mcp_server.conftest import MODES, body

pytestmark = pytest.mark.anyio

START_TIMEOUT_S = 60


def server_command(venv_bin: Path, workspace: Workspace, *extra: str) -> list[str]:
    return [str(venv_bin / "safeshell-mcp"), "--workspace", str(workspace.root), *extra]


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
async def test_stdio_server_speaks_only_protocol(venv_bin: Path, workspace: Workspace, tmp_path: Path, mode: str) -> None:
    """Any stray byte on stdout would break the client's JSON-RPC framing and fail this test."""
    command = server_command(venv_bin, workspace)
    params = StdioServerParameters(command=command[0], args=command[1:], env=dict(os.environ))
    stderr_path = tmp_path / "stderr.log"
    with open(stderr_path, "w") as errlog:
        async with Client(stdio_client(params, errlog=errlog), mode=mode) as client:
            tools = await client.list_tools()
            status = await client.call_tool("training_status", {})
            rejected = await client.call_tool("config_update", {"changes": {"batch_size": 2}})
            invalid = await client.call_tool("queue_remove", {"entry_id": "x"})

    assert len(tools.tools) == 26
    assert body(status)["state"] == "stopped"
    assert body(rejected)["decision"] == "require_approval"
    assert invalid.is_error is True
    assert "serving" in stderr_path.read_text()
    workspace_logs = list(workspace.logs_dir.glob("mcp_*.log"))
    assert len(workspace_logs) == 1
    assert "serving" in workspace_logs[0].read_text()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def listening_addresses(port: int) -> set[str]:
    """Return the local IPv4/IPv6 addresses (hex, as /proc shows them) listening on ``port``."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.add(address)
    return found


class OutputWatch:
    """Drain a process's output on a thread, so the pipe never fills, and signal when a line appears."""

    def __init__(self, process: subprocess.Popen[bytes], marker: str) -> None:
        self.lines: list[str] = []
        self.seen = threading.Event()
        self._marker = marker
        self._thread = threading.Thread(target=self._drain, args=(process,), daemon=True)
        self._thread.start()

    def _drain(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            line = raw.decode(errors="replace")
            self.lines.append(line)
            if self._marker in line:
                self.seen.set()
        self.seen.set()  # the process exited: stop waiting

    def wait(self, timeout_s: float) -> None:
        self.seen.wait(timeout_s)
        if not any(self._marker in line for line in self.lines):
            raise AssertionError(f"server did not report {self._marker!r}; output:\n{''.join(self.lines)}")


@pytest.fixture
def http_server(venv_bin: Path, workspace: Workspace) -> Iterator[int]:
    port = free_port()
    process = subprocess.Popen(
        server_command(venv_bin, workspace, "--transport", "streamable-http", "--port", str(port)),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        OutputWatch(process, "Uvicorn running on").wait(START_TIMEOUT_S)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
async def test_http_server_on_loopback_only(http_server: int, mode: str) -> None:
    port = http_server
    assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1 and nothing else
    async with Client(f"http://127.0.0.1:{port}/mcp", mode=mode) as client:
        tools = await client.list_tools()
        status = await client.call_tool("training_status", {})
        rejected = await client.call_tool("version_restore", {"version_id": "v001"})
    assert [tool.name for tool in tools.tools][:2] == ["training_status", "training_stop"]
    assert body(status)["daemon_running"] is False
    assert body(rejected)["rule"] == "tool:version_restore"


def test_invalid_workspace_exits_with_config_status(venv_bin: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(venv_bin / "safeshell-mcp"), "--workspace", str(tmp_path)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 78
    assert result.stdout == ""
    assert "safeshell init" in result.stderr


@pytest.mark.slow
def test_server_never_imports_torch(workspace: Workspace) -> None:
    """The server loads models only in child processes, so it starts fast and stays small."""
    script = (
        "import sys, anyio\n"
        "from pathlib import Path\n"
        "from mcp import Client\n"
        "from mcp_server.server import build_server\n"
        "from safeshell.workspace import Workspace\n"
        "async def main():\n"
        "    async with Client(build_server(Workspace(Path(sys.argv[1]))), mode='legacy') as client:\n"
        "        for tool in ('training_status', 'version_list', 'config_get', 'queue_list'):\n"
        "            assert not (await client.call_tool(tool, {})).is_error, tool\n"
        "        assert (await client.call_tool('preflight', {'load_model': False})).structured_content\n"
        "anyio.run(main)\n"
        "heavy = sorted(name for name in ('torch', 'transformers', 'tokenizers') if name in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(workspace.root)],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
