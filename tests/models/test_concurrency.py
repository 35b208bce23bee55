"""Several processes snapshot, list and roll back at once; no version is lost or duplicated."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from models import Store
from tests.models.conftest import TINY_MODEL, write_model

WORKERS = 4
ROUNDS = 6
WORKER = """
import json, os, sys
from pathlib import Path
from models import Store
store = Store(Path(sys.argv[1]), Path(sys.argv[2]))
worker = int(sys.argv[3])
for round_ in range(int(sys.argv[4])):
    content = f"worker {worker} round {round_}".encode()
    for _attempt in range(20):
        try:
            (store.current_model / f"w{worker}.txt").write_bytes(content)
            break
        except FileNotFoundError:
            continue  # a swap replaced the directory under us
    version = store.snapshot(reason=f"worker {worker} round {round_}")
    print(json.dumps({"id": version.id, "files": [e.to_dict() for e in version.files]}), flush=True)
    assert store.versions(), "a reader saw no versions"
    if round_ % 3 == 2:
        store.rollback()
"""


@pytest.mark.slow
def test_parallel_snapshots_get_distinct_versions(tmp_path: Path) -> None:
    write_model(tmp_path / "current_model", TINY_MODEL)
    store = Store(tmp_path / "models", tmp_path / "current_model")
    store.snapshot(reason="base")

    children = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(store.models_dir), str(store.current_model), str(worker), str(ROUNDS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker in range(WORKERS)
    ]
    reported = []
    for child in children:
        stdout, stderr = child.communicate(timeout=300)
        assert child.returncode == 0, stderr
        reported.extend(json.loads(line) for line in stdout.splitlines())

    assert len(reported) == WORKERS * ROUNDS
    ids = store.version_ids()
    assert ids == [f"v{number:03d}" for number in range(1, len(ids) + 1)]  # no gap, no duplicate
    for item in reported:
        assert [entry.to_dict() for entry in store.get(item["id"]).files] == item["files"]
    assert store.verify().ok
    assert store.events()[-1]["to"] == store.current_id()
