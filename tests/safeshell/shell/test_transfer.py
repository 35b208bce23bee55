"""Remote copy tools, container bind mounts and crontab lines: the parsing the handlers rely on."""

from __future__ import annotations

from pathlib import Path

from safeshell.operations import OperationKind as K
from safeshell.shell import analyze
from safeshell.shell.transfer import CONTAINER_ONLY, _cron_command, _to_host


def test_cron_command_five_fields() -> None:
    assert _cron_command("0 3 * * * rm -rf /ws/current_model") == "rm -rf /ws/current_model"


def test_cron_command_special_time() -> None:
    assert _cron_command("@reboot trainctl daemon") == "trainctl daemon"


def test_cron_command_percent_is_newline() -> None:
    assert _cron_command("* * * * * cat %data") == "cat \ndata"


def test_cron_command_skips_comment_and_variable() -> None:
    assert _cron_command("# nightly cleanup") is None
    assert _cron_command("MAILTO=me@example.com") is None
    assert _cron_command("   ") is None


def test_to_host_maps_mounted_path() -> None:
    converted, known = _to_host("/ws/current_model", [("/ws", "/home/me/run")])

    assert converted == "/home/me/run/current_model"
    assert known


def test_to_host_prefers_longest_mount() -> None:
    mounts = [("/ws", "/home/me/run"), ("/ws/data", "/mnt/data")]

    converted, _ = _to_host("/ws/data/a.jsonl", mounts)

    assert converted == "/mnt/data/a.jsonl"


def test_to_host_unmounted_path_stays_in_container() -> None:
    converted, known = _to_host("/usr/share/doc", [("/ws", "/home/me/run")])

    assert converted == CONTAINER_ONLY + "/usr/share/doc"
    assert known


def test_to_host_in_shell_code() -> None:
    converted, _ = _to_host("cd /ws && rm -rf '/ws/current_model'", [("/ws", "/home/me/run")])

    assert converted == "cd /home/me/run && rm -rf '/home/me/run/current_model'"


def test_to_host_unknown_host_path() -> None:
    _, known = _to_host("/data/x", [("/data", None)])

    assert not known


def test_to_host_similar_prefix_not_mounted() -> None:
    converted, _ = _to_host("/wsx/file", [("/ws", "/home/me/run")])

    assert converted == CONTAINER_ONLY + "/wsx/file"


def test_docker_bind_mount_delete_reaches_host(tmp_path: Path) -> None:
    (tmp_path / "current_model").mkdir()

    analysis = analyze(f"docker run --rm -v {tmp_path}:/ws alpine rm -rf /ws/current_model", cwd=str(tmp_path),
                       env={"PATH": "/usr/bin:/bin"})

    deletes = [operation for operation in analysis.operations if operation.kind is K.DELETE]
    assert deletes
    assert str(tmp_path / "current_model") in deletes[0].paths


def test_crontab_job_delete_reaches_path(tmp_path: Path) -> None:
    (tmp_path / "current_model").mkdir()
    command = f"echo '0 3 * * * rm -rf {tmp_path}/current_model' | crontab -"

    analysis = analyze(command, cwd=str(tmp_path), env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})

    deleted = [path for operation in analysis.operations if operation.kind is K.DELETE for path in operation.paths]
    assert str(tmp_path / "current_model") in deleted
