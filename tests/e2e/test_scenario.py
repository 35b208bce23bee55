"""The README's main job, run end to end as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXPECTED_STEPS = [
    "create the workspace with the built-in model",
    "start the training daemon",
    "drop real text data into inbox/",
    "watch the training",
    "check the automatic version",
    "assistant session over MCP",
    "human approves the delete in a terminal",
    "run the delete with the token",
    "undo the delete from its snapshot",
    "roll back to the built-in model v001",
    "stop the daemon gracefully",
]


@pytest.fixture(scope="module")
def scenario_report(tmp_path_factory: pytest.TempPathFactory, repo_root: Path) -> dict:
    base = tmp_path_factory.mktemp("scenario")
    report = base / "report.json"
    result = subprocess.run(
        [sys.executable, str(repo_root / "scripts" / "scenario.py"),
         "--workspace", str(base / "workspace"), "--report", str(report)],
        capture_output=True, text=True, timeout=1800, check=False,
    )
    if not report.exists():
        pytest.fail(f"the scenario wrote no report (exit {result.returncode}):\n{result.stdout}\n{result.stderr}")
    data = json.loads(report.read_text())
    data["stdout"] = result.stdout
    data["stderr"] = result.stderr
    data["returncode"] = result.returncode
    return data


def step(report: dict, name: str) -> dict:
    for record in report["steps"]:
        if record["name"] == name:
            return record
    pytest.fail(f"step {name!r} did not run; output:\n{report['stdout']}\n{report['stderr']}")


@pytest.mark.slow
def test_scenario_passes_every_step(scenario_report: dict) -> None:
    names = [record["name"] for record in scenario_report["steps"]]
    failed = [record for record in scenario_report["steps"] if not record["ok"]]
    assert failed == [], scenario_report["stdout"][-4000:] + scenario_report["stderr"][-4000:]
    assert names == EXPECTED_STEPS
    assert scenario_report["returncode"] == 0
    assert "Summary" in scenario_report["stdout"]


@pytest.mark.slow
def test_scenario_trains_and_versions(scenario_report: dict) -> None:
    created = step(scenario_report, "create the workspace with the built-in model")
    assert created["facts"]["versions"] == ["v001"]
    history = step(scenario_report, "watch the training")["facts"]["loss_history"]
    assert history[-1][1] < history[0][1]
    versioned = step(scenario_report, "check the automatic version")["facts"]
    assert len(versioned["versions"]) >= 2
    assert "final_loss" in versioned["metadata_keys"]


@pytest.mark.slow
def test_scenario_assistant_is_held_for_approval(scenario_report: dict) -> None:
    facts = step(scenario_report, "assistant session over MCP")["facts"]
    assert facts["rm_decision"] == "require_approval"
    assert facts["critical_config_decision"] == "require_approval"
    assert facts["benign_config_applied"] is True


@pytest.mark.slow
def test_scenario_approved_delete_is_undone(scenario_report: dict) -> None:
    granted = step(scenario_report, "human approves the delete in a terminal")["facts"]
    assert granted["granted"]
    deleted = step(scenario_report, "run the delete with the token")["facts"]
    assert deleted["snapshot"]["event"] == "snapshot"
    assert step(scenario_report, "undo the delete from its snapshot")["facts"]["identical_to_trained"] is True
    assert step(scenario_report, "roll back to the built-in model v001")["facts"]["identical_to_v001"] is True


@pytest.mark.slow
def test_scenario_stops_daemon_gracefully(scenario_report: dict) -> None:
    facts = step(scenario_report, "stop the daemon gracefully")["facts"]
    assert facts["daemon_exit_status"] == 0
