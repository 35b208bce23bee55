"""The monitor's JSON API and page against a real server on an ephemeral port."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re

from monitor_workspace import EVAL_LOSS_HISTORY, HOSTILE_FILE_NAME, LOSS_HISTORY, fill_queue, write_training_status

from trainer.monitor import logtail, sources

API_PATHS = ["/api/info", "/api/status", "/api/queue", "/api/versions", "/api/backups", "/api/approvals", "/api/log"]


def test_status_reports_running_job(training, serve):
    client = serve(training.workspace)

    reply = client.get("/api/status")

    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/json; charset=utf-8"
    status = reply.json()
    assert status["state"] == "training"
    assert status["problem"] is None
    assert status["daemon_alive"] is True
    assert status["current_version"] == "v003"
    assert status["job"]["file"] == training.running_file
    assert status["job"]["step"] == 400
    assert status["job"]["eta_seconds"] == 3725
    assert status["loss_history"] == LOSS_HISTORY
    assert status["eval_loss_history"] == EVAL_LOSS_HISTORY
    assert status["loss_points"] == len(LOSS_HISTORY)


def test_status_missing_file_reads_stopped(empty_workspace, serve):
    client = serve(empty_workspace)

    status = client.get("/api/status").json()

    assert status["state"] == "stopped"
    assert status["problem"] is None
    assert "no status file" in status["note"]
    assert status["job"] is None
    assert status["updated_at"] is None
    assert status["queue_length"] is None


def test_status_half_written_file_is_problem(empty_workspace, serve):
    empty_workspace.status_file.parent.mkdir(parents=True)
    empty_workspace.status_file.write_text('{"format": 1, "state": "trai', encoding="utf-8")
    client = serve(empty_workspace)

    reply = client.get("/api/status")

    assert reply.status == 200
    status = reply.json()
    assert status["state"] == "unknown"
    assert "status file unreadable" in status["problem"]
    assert status["updated_at"] is None
    assert status["queue_length"] is None


def test_status_non_object_is_problem(empty_workspace, serve):
    empty_workspace.status_file.parent.mkdir(parents=True)
    empty_workspace.status_file.write_text("[1, 2, 3]", encoding="utf-8")
    client = serve(empty_workspace)

    status = client.get("/api/status").json()

    assert status["state"] == "unknown"
    assert status["problem"]


def test_status_bad_field_types_dropped(training, serve):
    write_training_status(
        training.workspace,
        daemon_pid=1 << 22,  # above Linux's pid_max of 4194304: no such process
        running_file=training.running_file,
        state="training",
        job={"step": "400", "loss": float("nan"), "file": ["not", "text"], "epoch": True},
        loss_history=[[1, 2.0], "junk", [2], [3, None], [4, 1.5], {"step": 5}],
        eval_loss_history="not a list",
        control=None,
    )
    client = serve(training.workspace)

    status = client.get("/api/status").json()

    assert status["job"]["step"] is None
    assert status["job"]["file"] is None
    assert status["job"]["epoch"] is None
    assert status["loss_history"] == [[1, 2.0], [4, 1.5]]
    assert status["eval_loss_history"] == []
    assert status["control"] is None
    # read_status reads a dead daemon's state as stopped and keeps the recorded one.
    assert status["state"] == "stopped"
    assert status["recorded_state"] == "training"


def test_status_unknown_state_is_problem(training, serve):
    write_training_status(training.workspace, daemon_pid=os.getpid(), running_file="x", state="exploding")
    client = serve(training.workspace)

    status = client.get("/api/status").json()

    assert status["state"] == "unknown"
    assert "'exploding'" in status["problem"]


def test_long_loss_history_is_downsampled(training, serve):
    history = [[step, 5.0 - step / 100000] for step in range(1, 50001)]
    history[30000][1] = 99.0  # a spike that must survive downsampling
    status_text = json.dumps({"format": 1, "state": "stopped", "loss_history": history})
    training.workspace.status_file.write_text(status_text, encoding="utf-8")
    client = serve(training.workspace)

    status = client.get("/api/status").json()

    assert status["loss_points"] == 50000
    assert len(status["loss_history"]) <= 2000
    assert status["loss_history"][0] == [1, 5.0 - 1 / 100000]
    assert status["loss_history"][-1] == history[-1]
    assert [30001, 99.0] in status["loss_history"]


def test_queue_lists_run_order(training, serve):
    client = serve(training.workspace)

    queue = client.get("/api/queue").json()

    assert queue["total"] == 4
    assert queue["states"] == {"running": 1, "queued": 3}
    assert [entry["file"] for entry in queue["entries"]] == [training.running_file, *training.queued_files]
    assert [entry["position"] for entry in queue["entries"]] == [1, 2, 3, 4]
    assert [entry["priority"] for entry in queue["entries"]] == [0, 10, 0, -10]
    assert queue["entries"][2]["file"] == f"inbox/{HOSTILE_FILE_NAME}"


def test_queue_of_ten_thousand_is_paged(empty_workspace, serve):
    fill_queue(empty_workspace, 10_000)
    client = serve(empty_workspace)

    first = client.get("/api/queue").json()
    last = client.get("/api/queue?offset=9950&limit=100").json()
    capped = client.get("/api/queue?limit=50000").json()

    assert first["total"] == 10_000
    assert len(first["entries"]) == sources.QUEUE_PAGE
    assert first["entries"][0]["file"] == "inbox/bulk-00000.jsonl"
    assert len(last["entries"]) == 50
    assert last["entries"][-1]["position"] == 10_000
    assert capped["limit"] == sources.QUEUE_PAGE_MAX
    assert len(capped["entries"]) == sources.QUEUE_PAGE_MAX


def test_queue_bad_parameters_rejected(training, serve):
    client = serve(training.workspace)

    for query in ("offset=-1", "limit=0", "limit=abc", "offset=1e3"):
        reply = client.get(f"/api/queue?{query}")
        assert reply.status == 400, query
        assert "invalid query parameter" in reply.json()["error"]


def test_versions_newest_first_with_metadata(training, serve):
    client = serve(training.workspace)

    data = client.get("/api/versions").json()

    assert data["total"] == 3
    assert data["current"] == "v003"
    assert [version["id"] for version in data["versions"]] == ["v003", "v002", "v001"]
    newest = data["versions"][0]
    assert newest["current"] is True
    assert newest["final_loss"] == training.final_losses["v003"]
    assert newest["data_files"] == ["inbox/done/part-1.jsonl"]
    assert newest["stop_reason"] == "completed"
    assert newest["parent"] == "v002"
    assert data["versions"][2]["final_loss"] is None


def test_backups_show_verification(training, serve):
    client = serve(training.workspace)

    data = client.get("/api/backups").json()

    by_id = {backup["id"]: backup for backup in data["backups"]}
    assert data["total"] == 2
    assert by_id[training.verified_backup]["verified"] is True
    assert by_id[training.verified_backup]["version_id"] == "v002"
    assert by_id[training.unverified_backup]["verified"] is False
    assert by_id[training.verified_backup]["target"] == "models/backups"


def test_approvals_list_open_request(training, serve):
    client = serve(training.workspace)

    data = client.get("/api/approvals").json()

    assert data["total"] == 1
    request = data["requests"][0]
    assert request["id"] == training.approval_id
    assert request["grant_command"] == training.approval_command
    assert request["rule"] == "config-critical-keys"
    assert request["summary"] == 'config_update {"learning_rate": 0.001}'
    assert request["created_at"].endswith("Z")


def test_empty_workspace_answers_without_writing(empty_workspace, serve):
    client = serve(empty_workspace)

    replies = {path: client.get(path) for path in API_PATHS}

    assert {path: reply.status for path, reply in replies.items()} == {path: 200 for path in API_PATHS}
    assert replies["/api/queue"].json()["total"] == 0
    assert replies["/api/versions"].json() == {"total": 0, "current": None, "versions": []}
    assert replies["/api/backups"].json() == {"total": 0, "backups": []}
    assert replies["/api/approvals"].json() == {"total": 0, "requests": []}
    assert replies["/api/log"].json()["lines"] == []
    # Reading never creates the state database, the store or other directories.
    assert sorted(path.name for path in empty_workspace.root.iterdir()) == ["safeshell.yaml"]


def test_log_tail_keeps_bad_bytes_as_text(training, serve):
    client = serve(training.workspace)

    reply = client.get("/api/log?lines=2")

    assert reply.status == 200
    assert reply.body.isascii()
    data = reply.json()
    assert data["files"] == ["daemon_20261204.log"]
    assert data["truncated"] is True
    assert data["lines"] == [
        "2026-12-04 19:49:58 WARNING trainer.daemon: bad bytes \ufffd\ufffd <img src=x onerror=alert(1)>",
        "2026-12-04 19:50:00 INFO trainer.job: step 400 loss 1.9",
    ]


def test_log_lines_bounded(training, serve):
    log = training.workspace.logs_dir / "daemon_20261205.log"
    log.write_text("".join(f"line {n}\n" for n in range(5000)), encoding="utf-8")
    client = serve(training.workspace)

    huge = client.get("/api/log?lines=1000000").json()
    none = client.get("/api/log?lines=0").json()

    assert len(huge["lines"]) == logtail.MAX_LINES
    assert huge["lines"][-1] == "line 4999"
    assert none["lines"] == []
    for query in ("lines=-5", "lines=ten", "lines=2.5"):
        assert client.get(f"/api/log?{query}").status == 400, query


def test_log_tail_continues_into_previous_day(training, serve):
    (training.workspace.logs_dir / "daemon_20261205.log").write_text("new day\n", encoding="utf-8")
    (training.workspace.logs_dir / "notes.log").write_text("not a daemon log\n", encoding="utf-8")
    client = serve(training.workspace)

    data = client.get("/api/log?lines=3").json()

    assert data["files"] == ["daemon_20261204.log", "daemon_20261205.log"]
    assert data["lines"][-1] == "new day"
    assert data["lines"][-2] == "2026-12-04 19:50:00 INFO trainer.job: step 400 loss 1.9"
    assert len(data["lines"]) == 3


def test_unknown_path_is_404(training, serve):
    client = serve(training.workspace)

    for path in ("/api/nope", "/static/../server.py", "/api/control/explode", "/favicon.ico", "/api/status/"):
        reply = client.get(path)
        assert reply.status == 404, path
        assert reply.json()["error"].startswith("no such path")
    assert client.request("POST", "/api/control/explode").status == 404


def test_wrong_method_is_405(training, serve):
    client = serve(training.workspace)

    cases = [("POST", "/api/status", "GET, HEAD"), ("GET", "/api/control/pause", "POST"),
             ("DELETE", "/", "GET, HEAD"), ("PUT", "/api/queue", "GET, HEAD"), ("OPTIONS", "/api/control/stop", "POST")]
    for method, path, allow in cases:
        reply = client.request(method, path)
        assert reply.status == 405, (method, path)
        assert reply.headers["Allow"] == allow


def test_head_sends_headers_only(training, serve):
    client = serve(training.workspace)

    reply = client.request("HEAD", "/api/status")

    assert reply.status == 200
    assert reply.body == b""
    assert int(reply.headers["Content-Length"]) > 0


def test_page_has_only_own_assets(training, serve):
    client = serve(training.workspace)

    page = client.get("/")
    same = client.get("/live_monitor_ui.html")
    scripts = [client.get(f"/static/{name}") for name in ("chart.js", "monitor.js")]

    assert page.status == 200
    assert page.body == same.body
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    html = page.body.decode("utf-8")
    assert re.findall(r'(?:src|href)="([^"]+)"', html) == ["data:,", "/static/chart.js", "/static/monitor.js"]
    for script in scripts:
        assert script.status == 200
        assert script.headers["Content-Type"] == "text/javascript; charset=utf-8"
        assert b"innerHTML" not in script.body
        assert b"fetch(\"http" not in script.body


def test_page_csp_allows_only_inline_style(training, serve):
    client = serve(training.workspace)

    page = client.get("/")

    csp = page.headers["Content-Security-Policy"]
    style = re.search(rb"<style>(.*?)</style>", page.body, re.DOTALL).group(1)
    digest = base64.b64encode(hashlib.sha256(style).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in csp
    assert "script-src 'self';" in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"


def test_info_names_workspace(training, serve):
    client = serve(training.workspace)

    info = client.get("/api/info").json()

    assert info["workspace"] == str(training.workspace.root)
    assert info["controls"] == ["pause", "resume", "stop", "skip"]


def test_corrupt_state_db_fails_its_panels_only(empty_workspace, serve):
    empty_workspace.state_db.parent.mkdir()
    empty_workspace.state_db.write_bytes(b"this is not an SQLite database" * 100)
    client = serve(empty_workspace)

    queue = client.get("/api/queue")
    approvals = client.get("/api/approvals")
    status = client.get("/api/status")

    assert queue.status == 500
    assert approvals.status == 500
    assert "state.db" in queue.json()["error"]
    assert queue.json()["hint"]
    assert status.status == 200
