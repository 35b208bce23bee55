"""Who may use the monitor: the control secret, Host/Origin checks, audit records."""

from __future__ import annotations

import socket

import pytest

from safeshell import audit
from trainer import control
from trainer.monitor.security import SecretCheck, check_secret, host_problem


def control_files(workspace) -> list[str]:
    return sorted(path.name for path in workspace.control_dir.iterdir()) if workspace.control_dir.exists() else []


def control_entries(workspace) -> list[dict]:
    return [entry for entry in audit.read_entries(workspace) if entry["event"] == "control"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, SecretCheck.MISSING),  # no Authorization header
        ("", SecretCheck.MISSING),
        ("Bearer", SecretCheck.MISSING),  # scheme without credentials
        ("Basic c2VjcmV0", SecretCheck.MISSING),  # another scheme
        ("Bearer wrong", SecretCheck.WRONG),
        ("Bearer s3cret-valu", SecretCheck.WRONG),  # a prefix of the secret
        ("Bearer s3cret-value-and-more", SecretCheck.WRONG),
        ("Bearer s3cret-value", SecretCheck.OK),
        ("bearer  s3cret-value ", SecretCheck.OK),  # the scheme is case-insensitive
    ],
)
def test_check_secret_cases(header, expected):
    assert check_secret(header, "s3cret-value") is expected


@pytest.mark.parametrize(
    ("host", "origin", "allowed"),
    [
        ("127.0.0.1:8080", None, True),
        ("localhost:8080", "http://localhost:8080", True),
        ("LOCALHOST:8080", "http://127.0.0.1:8080", True),
        (None, None, False),  # HTTP/1.0 without Host
        ("attacker.example:8080", None, False),  # DNS rebinding: the attacker's name
        ("127.0.0.1:9999", None, False),  # another port
        ("127.0.0.1", None, False),  # port 80 omitted, but the monitor is not on 80
        ("127.0.0.1:8080", "http://attacker.example", False),
        ("127.0.0.1:8080", "null", False),  # sandboxed frame or file:// page
        ("127.0.0.1:8080", "https://127.0.0.1:8080", False),
    ],
)
def test_host_and_origin_cases(host, origin, allowed):
    assert (host_problem(host, origin, 8080) is None) is allowed


def test_control_without_secret_is_401(training, serve):
    client = serve(training.workspace)

    reply = client.control("pause", None)

    assert reply.status == 401
    assert reply.headers["WWW-Authenticate"] == 'Bearer realm="trainctl monitor"'
    assert "needs the monitor's secret" in reply.json()["error"]
    assert control_files(training.workspace) == []
    assert control_entries(training.workspace) == []


def test_control_with_wrong_secret_is_403(training, serve):
    client = serve(training.workspace)

    replies = [client.control(action, "guessed-secret") for action in ("stop", "pause", "resume", "skip")]

    assert [reply.status for reply in replies] == [403, 403, 403, 403]
    assert "wrong secret" in replies[0].json()["error"]
    assert control_files(training.workspace) == []
    assert control_entries(training.workspace) == []


def test_secret_changes_per_start(training, serve):
    first = serve(training.workspace)
    second = serve(training.workspace)

    assert first.server.secret != second.server.secret
    assert first.control("pause", second.server.secret).status == 403
    assert first.server.url == f"http://127.0.0.1:{first.server.port}/#secret={first.server.secret}"
    assert first.server.server_address[0] == "127.0.0.1"


def test_pause_writes_request_and_audit(training, serve):
    client = serve(training.workspace)

    reply = client.control("pause", client.server.secret)

    assert reply.status == 202
    body = reply.json()
    assert body["action"] == "pause"
    pending = control.read_request(training.workspace, "pause")
    assert pending is not None
    assert pending.source == "monitor"
    assert pending.request_id == body["request_id"]
    entries = control_entries(training.workspace)
    assert [(entry["action"], entry["source"], entry["outcome"]) for entry in entries] == [("pause", "monitor", "requested")]
    assert entries[0]["client"] == "127.0.0.1"
    assert audit.verify(training.workspace).ok


def test_resume_releases_pause(training, serve):
    client = serve(training.workspace)

    assert client.control("pause", client.server.secret).status == 202
    assert client.control("resume", client.server.secret).status == 202

    assert control_files(training.workspace) == ["resume"]
    assert [entry["action"] for entry in control_entries(training.workspace)] == ["pause", "resume"]


def test_stop_and_skip_write_their_files(training, serve):
    client = serve(training.workspace)

    assert client.control("stop", client.server.secret).status == 202
    assert client.control("skip", client.server.secret).status == 202

    assert control_files(training.workspace) == ["skip", "stop"]


def test_rebinding_host_rejected(training, serve):
    client = serve(training.workspace)
    foreign = {"Host": f"attacker.example:{client.server.port}"}

    status_reply = client.request("GET", "/api/status", foreign)
    page_reply = client.request("GET", "/", foreign)
    control_reply = client.request("POST", "/api/control/stop", {**foreign, "Authorization": f"Bearer {client.server.secret}"})

    assert [status_reply.status, page_reply.status, control_reply.status] == [403, 403, 403]
    assert "attacker.example" in status_reply.json()["error"]
    assert control_files(training.workspace) == []


def test_foreign_origin_rejected_with_secret(training, serve):
    client = serve(training.workspace)
    secret = {"Authorization": f"Bearer {client.server.secret}"}

    foreign = client.request("POST", "/api/control/stop", {**secret, "Origin": "http://attacker.example"})
    null = client.request("POST", "/api/control/stop", {**secret, "Origin": "null"})
    own = client.request("POST", "/api/control/pause", {**secret, "Origin": f"http://localhost:{client.server.port}"})

    assert [foreign.status, null.status, own.status] == [403, 403, 202]
    assert control_files(training.workspace) == ["pause"]


def test_request_without_host_rejected(training, serve):
    client = serve(training.workspace)

    with socket.create_connection(("127.0.0.1", client.server.port), timeout=10) as connection:
        connection.sendall(b"GET /api/status HTTP/1.0\r\n\r\n")
        reply = connection.makefile("rb").read()

    assert reply.startswith(b"HTTP/1.1 403 ")
    assert b"no Host header" in reply


def test_oversized_body_rejected(training, serve):
    client = serve(training.workspace)

    reply = client.request(
        "POST", "/api/control/stop", {"Authorization": f"Bearer {client.server.secret}"}, body=b"x" * 100_000
    )

    assert reply.status == 413
    assert control_files(training.workspace) == []


def test_control_refused_when_audit_fails(training, serve):
    training.workspace.audit_log.unlink()
    training.workspace.audit_log.mkdir()  # appending to a directory fails
    client = serve(training.workspace)

    reply = client.control("stop", client.server.secret)

    assert reply.status == 409
    assert "audit log" in reply.json()["error"]
    assert control_files(training.workspace) == []


def test_server_survives_malformed_request(training, serve):
    client = serve(training.workspace)

    with socket.create_connection(("127.0.0.1", client.server.port), timeout=10) as connection:
        connection.sendall(b"\x16\x03\x01 garbage that is not HTTP\r\n\r\n")
        reply = connection.makefile("rb").read()

    assert b" 400 " in reply.split(b"\r\n")[0]
    assert client.get("/api/status").status == 200
