"""``trainctl monitor``: start, the printed address, errors and shutdown."""

from __future__ import annotations

import http.client
import re
import signal
import socket
import subprocess
import sys

import pytest

from trainer.cli import monitor_cmd

URL_LINE = re.compile(r"^Open http://127\.0\.0\.1:(\d+)/#secret=([A-Za-z0-9_-]{40,})$")


def test_serves_printed_address_until_sigterm(training):
    process = subprocess.Popen(
        [sys.executable, "-m", "trainer.cli.main", "monitor", "--workspace", str(training.workspace.root), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout.readline().strip() == f"Training monitor for {training.workspace.root}"
        match = URL_LINE.match(process.stdout.readline().strip())
        assert match, "the second line is the address with the secret"
        port, secret = int(match.group(1)), match.group(2)

        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/api/status")
        status_reply = connection.getresponse()
        status_reply.read()
        connection.request("POST", "/api/control/pause", headers={"Authorization": f"Bearer {secret}"})
        control_reply = connection.getresponse()
        control_reply.read()
        connection.close()

        assert status_reply.status == 200
        assert control_reply.status == 202
        assert (training.workspace.control_dir / "pause").exists()
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr


def test_port_in_use_is_error(training, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        code = monitor_cmd.main(["--workspace", str(training.workspace.root), "--port", str(port)])

    assert code == 1
    assert f"port {port} on 127.0.0.1 is already in use" in capsys.readouterr().err


def test_missing_workspace_is_config_error(tmp_path, capsys):
    code = monitor_cmd.main(["--workspace", str(tmp_path / "nowhere"), "--port", "0"])

    assert code == 78
    assert "safeshell init" in capsys.readouterr().err


def test_invalid_port_is_usage_error(training, capsys):
    assert monitor_cmd.main(["--workspace", str(training.workspace.root), "--port", "70000"]) == 64
    assert "invalid --port 70000" in capsys.readouterr().err
    assert monitor_cmd.main(["--port", "eighty"]) == 64


def test_help_lists_options(capsys):
    with pytest.raises(SystemExit) as exit_info:
        monitor_cmd.main(["--help"])

    assert exit_info.value.code == 0
    output = capsys.readouterr().out
    assert "--port" in output
    assert "127.0.0.1" in output
    assert "78  missing workspace" in output
