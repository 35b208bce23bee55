"""The monitor page in a real headless Chromium (Debian's package, driven by Playwright).

The browser is the system's /usr/bin/chromium; Playwright never downloads
one. Screenshots go to test-artifacts/ at the repository root.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from monitor_workspace import HOSTILE_FILE_NAME, LOSS_HISTORY, fill_queue, write_training_status

from safeshell import audit
from safeshell.workspace import Workspace
from trainer import control
from trainer.monitor import MonitorServer

sync_api = pytest.importorskip("playwright.sync_api", reason="the 'playwright' package is not installed (pip install -e .[test])")

CHROMIUM = Path("/usr/bin/chromium")
# Without these flags Chromium stalls on a machine without network access.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
ACK_DAEMON = Path(__file__).with_name("ack_daemon.py")
# Milliseconds Playwright waits for a page condition (the page polls every 3 s).
WAIT_MS = 20_000

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not at /usr/bin/chromium; run scripts/install-browser.sh"
)


@dataclass
class Tab:
    page: sync_api.Page
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def tab(browser: sync_api.Browser) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(WAIT_MS)
    tab = Tab(context.new_page())
    tab.page.on("pageerror", lambda error: tab.errors.append(str(error)))
    tab.page.on("console", lambda message: tab.errors.append(message.text) if message.type == "error" else None)

    def on_dialog(dialog: sync_api.Dialog) -> None:
        tab.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    tab.page.on("dialog", on_dialog)
    yield tab
    context.close()


@pytest.fixture
def ack_daemon(training) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, str(ACK_DAEMON), str(training.workspace.root)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout.readline().strip() == "ready"
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def texts(page: sync_api.Page, selector: str) -> list[str]:
    return [element.text_content() for element in page.query_selector_all(selector)]


def path_points(d: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r"[ML](-?[\d.]+),(-?[\d.]+)", d)]


def test_page_renders_training_and_pauses(training, serve, ack_daemon, tab):
    client = serve(training.workspace)
    page = tab.page

    page.goto(client.server.url)
    page.wait_for_selector("#versions-body tbody tr")
    page.wait_for_selector("#approvals-body code")
    assert page.url == f"http://127.0.0.1:{client.server.port}/"  # the secret left the address bar

    # Daemon state.
    assert page.text_content("#state") == "training"
    assert page.text_content("#job-file") == training.running_file
    assert page.text_content("#stat-step") == "400"
    assert page.text_content("#stat-loss") == f"{LOSS_HISTORY[-1][1]:.4f}"
    assert page.text_content("#stat-eta") == "1 h 02 min"
    assert page.text_content("#stat-tps") == "1,831"
    assert page.text_content("#stat-version") == "v003"
    assert page.text_content("#progress-steps") == "step 400 of 1,000"

    # Chart: one point per logged step, drawn left to right, falling with the loss.
    train = page.query_selector("svg.chart g.series[data-series=train]")
    assert train.get_attribute("data-points") == str(len(LOSS_HISTORY))
    assert page.get_attribute("svg.chart g.series[data-series=eval]", "data-points") == "4"
    points = path_points(train.query_selector("path").get_attribute("d"))
    assert len(points) == len(LOSS_HISTORY)
    assert [x for x, _ in points] == sorted(x for x, _ in points)
    highest = max(range(len(LOSS_HISTORY)), key=lambda index: LOSS_HISTORY[index][1])
    assert min(points, key=lambda point: point[1]) == points[highest]  # SVG y grows downwards
    assert page.text_content(".legend-entry[data-series=train]") == f"train loss: {LOSS_HISTORY[-1][1]:.4f} at step 400"
    assert page.text_content(".legend-entry[data-series=eval]") == "eval loss: 2.4500 at step 400"
    assert "400" in texts(page, "svg.chart .x-tick")

    # Tables, with the file name and the log line that carry markup shown as text.
    assert texts(page, "#queue-body tbody td.file") == [training.running_file, *training.queued_files]
    assert f"inbox/{HOSTILE_FILE_NAME}" in texts(page, "#queue-body tbody td.file")
    assert page.text_content("#queue-count") == "4 entries · 1 running"
    assert [row.get_attribute("data-id") for row in page.query_selector_all("#versions-body tbody tr")] == ["v003", "v002", "v001"]
    assert page.get_attribute("#versions-body tr[data-id=v003]", "class") == "current"
    assert page.text_content("#versions-body tr[data-id=v003] td.num") == "1.8702"
    assert page.text_content(f"#backups-body tr[data-id={training.verified_backup}] td.verified").startswith("✓ verified")
    assert page.text_content(f"#backups-body tr[data-id={training.unverified_backup}] td.unverified") == "✗ not verified"
    assert page.text_content("#approvals-body code") == training.approval_command
    assert "bad bytes \ufffd\ufffd <img src=x onerror=alert(1)>" in texts(page, "#log-body .log div")[2]
    assert page.query_selector_all("main img") == []
    assert page.is_hidden("#banner")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "monitor.png"), full_page=True)

    # Pause, after a reload: the tab kept the secret. The daemon acknowledges and the page shows it.
    page.reload()
    page.wait_for_selector("#queue-body tbody tr")
    page.click("button[data-action=pause]")
    page.wait_for_selector("#control-feedback[data-state=acknowledged]")
    assert page.text_content("#control-feedback").startswith("The daemon acknowledged pause at ")
    page.wait_for_function("document.getElementById('state').textContent === 'paused'")
    page.screenshot(path=str(ARTIFACTS / "monitor-paused.png"), full_page=True)

    controls = [entry for entry in audit.read_entries(training.workspace) if entry["event"] == "control"]
    assert [(entry["action"], entry["source"]) for entry in controls] == [("pause", "monitor")]
    assert tab.errors == []
    assert tab.dialogs == []


def test_stop_asks_before_sending(training, serve, ack_daemon, tab):
    client = serve(training.workspace)
    tab.page.goto(client.server.url)
    tab.page.wait_for_selector("#queue-body tbody tr")

    tab.page.click("button[data-action=stop]")  # the dialog handler dismisses the confirmation

    assert tab.dialogs == ["confirm: Stop training? The daemon saves a resumable checkpoint at the next step and stops."]
    assert not (training.workspace.control_dir / "stop").exists()
    assert tab.page.text_content("#control-feedback") == ""


def test_pause_without_daemon_says_so(empty_workspace, serve, tab):
    client = serve(empty_workspace)
    tab.page.goto(client.server.url)
    tab.page.wait_for_selector("#connection[data-state=live]")

    tab.page.click("button[data-action=pause]")

    tab.page.wait_for_selector("#control-feedback:has-text('no daemon is running')")
    assert (empty_workspace.control_dir / "pause").exists()
    assert tab.page.get_attribute("#control-feedback", "data-state") == "pending"
    assert tab.errors == []


def test_page_without_secret_disables_controls(training, serve, tab):
    client = serve(training.workspace)

    tab.page.goto(f"http://127.0.0.1:{client.server.port}/live_monitor_ui.html")
    tab.page.wait_for_selector("#queue-body tbody tr")

    assert all(button.is_disabled() for button in tab.page.query_selector_all("#controls button"))
    assert "open the address with #secret=" in tab.page.text_content("#control-feedback")
    assert tab.errors == []


def test_status_error_shown_then_cleared(training, serve, tab):
    client = serve(training.workspace)
    tab.page.goto(client.server.url)
    tab.page.wait_for_selector("#queue-body tbody tr")
    good = training.workspace.status_file.read_text(encoding="utf-8")

    training.workspace.status_file.write_text(good[: len(good) // 2], encoding="utf-8")
    tab.page.wait_for_selector("#banner", state="visible")

    assert tab.page.text_content("#banner").startswith("Status file problem: status file unreadable")
    assert tab.page.text_content("#state") == "unknown"
    assert len(tab.page.query_selector_all("#queue-body tbody tr")) == 4

    training.workspace.status_file.write_text(good, encoding="utf-8")
    tab.page.wait_for_selector("#banner", state="hidden")
    assert tab.page.text_content("#state") == "training"
    assert tab.errors == []


def test_chart_handles_short_histories(training, serve, tab):
    write_training_status(training.workspace, daemon_pid=os.getpid(), running_file=training.running_file,
                          loss_history=[[5, 7.526]], eval_loss_history=[])
    client = serve(training.workspace)
    tab.page.goto(client.server.url)
    tab.page.wait_for_selector("svg.chart g.series[data-series=train]")

    assert tab.page.get_attribute("svg.chart g.series[data-series=train]", "data-points") == "1"
    assert texts(tab.page, "svg.chart .x-tick") == ["5"]
    assert tab.page.text_content(".legend-entry[data-series=eval]") == "eval loss: no values yet"

    write_training_status(training.workspace, daemon_pid=os.getpid(), running_file=training.running_file,
                          loss_history=[], eval_loss_history=[])
    tab.page.wait_for_selector("svg.chart .chart-empty")
    assert tab.page.text_content("#chart-count") == "0 logged steps"
    assert tab.errors == []


def test_large_queue_is_paged(empty_workspace, serve, tab):
    fill_queue(empty_workspace, 10_000)
    client = serve(empty_workspace)
    tab.page.goto(client.server.url)
    tab.page.wait_for_selector("#queue-pager")

    assert len(tab.page.query_selector_all("#queue-body tbody tr")) == 100
    assert tab.page.text_content("#queue-count") == "10,000 entries"
    assert "showing 1–100 of 10,000" in tab.page.text_content("#queue-pager")

    tab.page.click("#queue-pager button:has-text('Next')")
    tab.page.wait_for_selector("#queue-pager:has-text('showing 101–200 of 10,000')")
    assert tab.page.text_content("#queue-body tbody tr td.file") == "inbox/bulk-00100.jsonl"
    # The other panels of an empty workspace show a message instead of staying blank.
    assert tab.page.text_content("#versions-body") == "No versions yet. 'trainctl init-model' records the first one."
    assert tab.page.text_content("#state") == "stopped"
    assert tab.errors == []


def test_lost_server_is_shown(training, tab):
    server = MonitorServer(training.workspace, port=0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    tab.page.goto(server.url)
    tab.page.wait_for_selector("#connection[data-state=live]")

    server.shutdown()
    server.server_close()
    thread.join(timeout=10)

    tab.page.wait_for_selector("#connection[data-state=lost]")
    assert tab.page.text_content("#connection-text").startswith("monitor server unreachable since ")
    assert tab.page.text_content("#state") == "training"  # the last data stays on screen


@pytest.mark.slow
def test_real_daemon_acknowledges_pause(tmp_path, serve, tab):
    """Train the built-in model with the real daemon and pause it from the page."""
    root = tmp_path / "ws"
    subprocess.run([sys.executable, "-m", "safeshell.cli.main", "init", str(root)], check=True, capture_output=True)
    with open(root / "inbox" / "data.jsonl", "w", encoding="utf-8") as handle:
        for n in range(2000):
            handle.write(json.dumps({"text": f"record {n}: the quick brown fox jumps over the lazy dog"}) + "\n")
    daemon_output = open(tmp_path / "daemon.out", "w", encoding="utf-8")
    daemon = subprocess.Popen(
        [sys.executable, "-m", "trainer.cli.main", "daemon", "--workspace", str(root)],
        stdout=daemon_output, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    workspace = Workspace(root.resolve())
    try:
        client = serve(workspace)
        page = tab.page
        page.goto(client.server.url)
        # The first loss value arrives after the model loads and a few steps run.
        page.wait_for_selector("svg.chart g.series[data-series=train]", timeout=300_000)
        assert page.text_content("#state") == "training"
        assert page.text_content("#job-file") == "inbox/data.jsonl"

        page.click("button[data-action=pause]")
        page.wait_for_selector("#control-feedback[data-state=acknowledged]", timeout=300_000)
        page.wait_for_function("document.getElementById('state').textContent === 'paused'", timeout=60_000)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "monitor-real-daemon.png"), full_page=True)

        status = json.loads(workspace.status_file.read_text(encoding="utf-8"))
        assert status["control"]["acknowledged"] == "pause"
        assert status["daemon_pid"] == daemon.pid
        assert tab.errors == []
    finally:
        control.request(workspace, "stop")
        try:
            daemon.wait(timeout=120)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait(timeout=30)
        daemon_output.close()
