"""Benchmark the model store against plain tools on the same bytes, side by side in one run.

Measures, for a model directory of several files totalling --size-mb:
snapshot of an unchanged model (also at 1/16 of the size, to show it does not
grow with bytes), snapshot after one file changed, rollback, backup, restore
from a backup, and full verify; against ``cp -a`` of the same directory (alone,
and followed by an fsync of every copied file, which is what the store's
durability costs), ``sha256sum`` of the same files and ``hashlib.sha256`` in
this process. Every figure is wall time on a warm page cache, started with no
dirty pages. Ratios matter more than absolute numbers on a shared machine.

    .venv/bin/python bench/bench_store.py --size-mb 1024
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from models import Store, syncing, workcopy

MIB = 1 << 20
DISK_FACTOR = 8  # working copy, two versions' objects, incoming and replaced copy, two backups, cp -a copy


def write_model(directory: Path, size_bytes: int, shards: int) -> None:
    """Write a Hugging Face-like layout: ``shards`` weight files plus small JSON files."""
    directory.mkdir(parents=True)
    (directory / "config.json").write_text(json.dumps({"hidden_size": 1024, "layers": 24}))
    (directory / "tokenizer.json").write_bytes(os.urandom(64 << 10))
    shard_bytes = size_bytes // shards
    block = os.urandom(MIB)
    for index in range(shards):
        with open(directory / f"model-{index + 1:05d}-of-{shards:05d}.safetensors", "wb") as handle:
            for offset in range(0, shard_bytes, MIB):
                handle.write(block[: min(MIB, shard_bytes - offset)])
                block = block[1:] + block[:1]  # keep shards distinct, so nothing deduplicates


def timed(function: Callable[[], object], repeat: int = 1) -> float:
    """Median wall time of ``repeat`` calls, in seconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def fsync_tree(directory: Path) -> None:
    for path in sorted(directory.rglob("*")):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            os.fsync(fd)
            os.close(fd)


def directory_bytes(directory: Path) -> int:
    return sum(path.stat().st_size for path in directory.rglob("*") if path.is_file())


def hash_file(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def hash_directory(directory: Path) -> None:
    for path in sorted(directory.rglob("*")):
        if path.is_file():
            hash_file(path)


def run(root: Path, size_bytes: int, shards: int, repeat: int) -> list[tuple[str, float, str]]:
    rows: list[tuple[str, float, str]] = []
    model = root / "current_model"
    write_model(model, size_bytes, shards)
    total = directory_bytes(model)
    store = Store(root / "models", model)

    copy_target = root / "cp-copy"

    def rate(seconds: float, count: int = total) -> str:
        return f"{count / MIB / seconds:8.0f} MiB/s"

    def settle() -> None:
        if copy_target.exists():
            shutil.rmtree(copy_target)
        syncing.wait_for_syncs()
        workcopy.wait_for_removals()
        os.sync()

    settle()
    first = timed(lambda: store.snapshot(reason="first"))
    rows.append(("first snapshot (hash and store every byte)", first, rate(first)))
    unchanged = timed(lambda: store.snapshot(reason="unchanged"), repeat=5)
    rows.append(("snapshot, unchanged model", unchanged, f"{len(store.get('v001').files)} files"))

    small_root = root / "small"
    small_root.mkdir()
    write_model(small_root / "current_model", size_bytes // 16, shards)
    small = Store(small_root / "models", small_root / "current_model")
    small.snapshot(reason="first")
    small_unchanged = timed(lambda: small.snapshot(reason="unchanged"), repeat=5)
    rows.append((f"snapshot, unchanged model of 1/16 the size", small_unchanged, f"ratio to full size {unchanged / small_unchanged:.2f}"))
    shutil.rmtree(small_root)

    shard = sorted(model.glob("model-*.safetensors"))[0]
    with open(shard, "r+b") as handle:
        handle.write(os.urandom(4096))
    changed_bytes = shard.stat().st_size
    settle()
    one_changed = timed(lambda: store.snapshot(reason="one shard changed"))
    hash_one = timed(lambda: hash_file(shard))
    rows.append(("snapshot, one shard changed", one_changed, f"{rate(one_changed, changed_bytes)}  hashlib of that shard {hash_one:.3f} s"))

    # Interleave each store operation with its plain-tool baseline, ``repeat``
    # times, and take medians: other load on the machine then hits both alike.
    # Before each timed case, settle() removes the previous case's output and
    # writes dirty pages back, untimed, so no case pays for the one before.
    # The store flushes the new working copy and removes the replaced one in
    # background threads after the call returns. The bench waits for both (as
    # it removes the cp -a copy) and reports how long each ran after the call.
    # "rollback_flushed" times a rollback until its copy is on disk.
    backup_id = store.create_backup("v001", kind="manual").id
    keys = ("cp", "cp_sync", "rollback", "flush", "removal", "rollback_flushed", "checkout", "restore_backup",
            "verify", "hashlib", "sha256sum")
    samples: dict[str, list[float]] = {key: [] for key in keys}
    files = [str(path) for path in sorted(model.rglob("*")) if path.is_file()]

    def measure(key: str, function: Callable[[], object]) -> None:
        settle()
        samples[key].append(timed(function))

    def copy_plain() -> None:
        subprocess.run(["cp", "-a", str(model), str(copy_target)], check=True)

    for _ in range(repeat):
        measure("cp", copy_plain)
        measure("cp_sync", lambda: (copy_plain(), fsync_tree(copy_target)))
        measure("rollback", store.rollback)
        samples["flush"].append(timed(syncing.wait_for_syncs))
        samples["removal"].append(timed(workcopy.wait_for_removals))
        measure("checkout", lambda: store.checkout("v002"))
        measure("restore_backup", lambda: store.restore_backup(backup_id))
        store.checkout("v002")
        measure("rollback_flushed", lambda: (store.rollback(), syncing.wait_for_syncs()))
        store.checkout("v002")
        measure("verify", lambda: store.verify("v002"))
        measure("hashlib", lambda: hash_directory(model))
        measure("sha256sum", lambda: subprocess.run(["sha256sum", *files], check=True, capture_output=True))
    settle()
    median = {key: statistics.median(values) for key, values in samples.items()}
    fastest = {key: min(values) for key, values in samples.items()}
    cp_time, cp_sync = median["cp"], median["cp_sync"]

    def versus_copy(seconds: float, key: str | None = None) -> str:
        """Speed as a multiple of cp -a's: of the medians, and (for interleaved cases) of the fastest samples."""
        text = f"{rate(seconds)}  {cp_time / seconds:.2f}x cp -a, {cp_sync / seconds:.2f}x cp -a + fsync"
        if key is not None:
            best = fastest[key]
            text += f"  (fastest: {fastest['cp'] / best:.2f}x, {fastest['cp_sync'] / best:.2f}x)"
        return text

    rows.append(("cp -a of the model directory", cp_time, rate(cp_time)))
    rows.append(("cp -a, then fsync of every file (durable like the store)", cp_sync, rate(cp_sync)))
    rows.append(("rollback (copy, hash unsealed objects, atomic swap)", median["rollback"], versus_copy(median["rollback"], "rollback")))
    rows.append(("  flush of the new copy to disk, still running after it", median["flush"], "background thread"))
    rows.append(("  removal of the replaced copy, still running after it", median["removal"], "background thread, low priority"))
    rows.append(("rollback until the new copy is on disk", median["rollback_flushed"],
                 versus_copy(median["rollback_flushed"], "rollback_flushed")))
    rows.append(("restore of a version (same path as rollback)", median["checkout"], versus_copy(median["checkout"], "checkout")))
    rows.append(("restore from backup (version still in store)", median["restore_backup"], versus_copy(median["restore_backup"], "restore_backup")))

    settle()
    backup_time = timed(lambda: store.create_backup("v001", kind="manual"))
    rows.append(("backup create (copy, fsync, drop cache, read back)", backup_time, rate(backup_time)))
    store.prune(1)
    settle()
    restore_lost = timed(lambda: store.restore_backup(backup_id))
    rows.append(("restore from backup (version pruned: import + checkout)", restore_lost, versus_copy(restore_lost)))
    settle()

    verify, in_process = median["verify"], median["hashlib"]
    rows.append(("verify one version (every object, streaming)", verify, f"{rate(verify)}  {in_process / verify:.2f}x hashlib speed"))
    rows.append(("hashlib.sha256 of the same bytes, one thread", in_process, rate(in_process)))
    rows.append(("sha256sum of the same files", median["sha256sum"], rate(median["sha256sum"])))
    for key, values in samples.items():
        rows.append((f"  samples of {key}", median[key], " ".join(f"{value * 1000:.0f}" for value in values) + " ms"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=1024, help="total size of the model directory in MiB (default 1024)")
    parser.add_argument("--shards", type=int, default=4, help="number of weight files (default 4)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the copy and hash comparisons; medians are shown (default 3)")
    parser.add_argument("--dir", type=Path, default=None, help="parent directory for the scratch data (default: the system temp dir)")
    args = parser.parse_args(argv)

    parent = args.dir or Path(tempfile.gettempdir())
    size_bytes = args.size_mb * MIB
    free = shutil.disk_usage(parent).free
    if free < DISK_FACTOR * size_bytes:
        print(f"bench_store: {parent} has {free // MIB} MiB free; {DISK_FACTOR * args.size_mb} MiB needed", file=sys.stderr)
        return 1

    with tempfile.TemporaryDirectory(dir=parent, prefix="bench-store-") as scratch:
        rows = run(Path(scratch), size_bytes, args.shards, args.repeat)
    print(f"model store, {args.size_mb} MiB in {args.shards} shards plus 2 small files, {os.cpu_count()} CPUs, medians of {args.repeat}")
    for name, seconds, note in rows:
        print(f"  {name:58} {seconds * 1000:10.1f} ms  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
