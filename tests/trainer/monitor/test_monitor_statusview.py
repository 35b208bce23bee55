"""The status file's view: checked types, stale detection, downsampling."""

from __future__ import annotations

import os
from datetime import datetime, timezone

from trainer.monitor import statusview
from trainer.status import empty_status

NOW = datetime(2026, 12, 4, 20, 0, 0, tzinfo=timezone.utc)


def status(**changes):
    result = empty_status("training")
    result.update(daemon_pid=os.getpid(), **changes)
    return result


def test_fresh_training_not_stale():
    view = statusview.normalize(status(updated_at="2026-12-04T19:59:30.000Z"), now=NOW)

    assert view["age_seconds"] == 30.0
    assert view["stale"] is False
    assert view["daemon_alive"] is True


def test_silent_training_is_stale():
    view = statusview.normalize(status(updated_at="2026-12-04T19:50:00Z"), now=NOW)

    assert view["age_seconds"] == 600.0
    assert view["stale"] is True


def test_old_idle_status_not_stale():
    view = statusview.normalize(status(state="idle", updated_at="2026-12-01T00:00:00Z"), now=NOW)

    assert view["stale"] is False


def test_bad_timestamp_has_no_age():
    view = statusview.normalize(status(updated_at="yesterday"), now=NOW)

    assert view["age_seconds"] is None
    assert view["stale"] is False


def test_last_error_as_text():
    cases = [
        ("disk full", "disk full"),  # plain text
        ({"message": "config changed", "key": "learning_rate"}, "config changed"),  # a record with a message
        (["odd"], "['odd']"),  # anything else is shown as its repr
    ]
    for value, expected in cases:
        assert statusview.normalize(status(last_error=value), now=NOW)["last_error"] == expected


def test_unreadable_status_becomes_problem():
    unreadable = empty_status("unknown")
    unreadable["last_error"] = "status file unreadable: Expecting value: line 1 column 1 (char 0)"

    view = statusview.normalize(unreadable, now=NOW)

    assert view["state"] == "unknown"
    assert view["problem"] == unreadable["last_error"]
    assert view["last_error"] is None


def test_downsample_keeps_ends_and_extremes():
    points = [(step, 1.0) for step in range(10_000)]
    points[5_000] = (5_000, 50.0)
    points[7_000] = (7_000, -50.0)

    kept = statusview.downsample(points, 100)

    assert len(kept) <= 100
    assert kept[0] == [0, 1.0]
    assert kept[-1] == [9_999, 1.0]
    assert [5_000, 50.0] in kept
    assert [7_000, -50.0] in kept
    assert [pair[0] for pair in kept] == sorted(pair[0] for pair in kept)


def test_short_history_kept_whole():
    points = [(1, 3.0), (2, 2.5)]

    assert statusview.downsample(points, 100) == [[1, 3.0], [2, 2.5]]
