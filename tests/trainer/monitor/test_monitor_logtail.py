"""The daemon log tail: bounded in lines and bytes, tolerant of any bytes."""

from __future__ import annotations

from trainer.monitor import logtail


def test_missing_logs_dir_is_empty(tmp_path):
    tail = logtail.read_tail(tmp_path / "logs", 50)

    assert tail == logtail.LogTail(files=[], lines=[], truncated=False)


def test_short_log_read_whole(tmp_path):
    (tmp_path / "daemon_20261204.log").write_bytes(b"one\r\ntwo\nthree")

    tail = logtail.read_tail(tmp_path, 10)

    assert tail.lines == ["one", "two", "three"]
    assert tail.truncated is False


def test_long_line_is_cut(tmp_path):
    (tmp_path / "daemon_20261204.log").write_text("x" * 10_000 + "\nlast\n", encoding="utf-8")

    tail = logtail.read_tail(tmp_path, 10)

    assert tail.lines[0] == "x" * logtail.MAX_LINE_CHARS + " [line cut]"
    assert tail.lines[1] == "last"


def test_huge_file_reads_only_its_end(tmp_path):
    line = "0123456789" * 10 + "\n"  # 101 bytes
    count = 3 * logtail.MAX_TAIL_BYTES // len(line)
    (tmp_path / "daemon_20261204.log").write_text(line * count + "final\n", encoding="utf-8")

    tail = logtail.read_tail(tmp_path, logtail.MAX_LINES)

    assert tail.truncated is True
    assert tail.lines[-1] == "final"
    assert len(tail.lines) == logtail.MAX_LINES
    assert all(text == line.rstrip("\n") for text in tail.lines[:-1])


def test_cut_first_line_is_dropped(tmp_path):
    # The byte bound falls inside the first line of the window; that partial line is left out.
    body = "a" * (logtail.MAX_TAIL_BYTES - 10) + "\n"
    (tmp_path / "daemon_20261204.log").write_text("head line\n" + body + "tail\n", encoding="utf-8")

    tail = logtail.read_tail(tmp_path, 10)

    assert tail.lines == ["a" * logtail.MAX_LINE_CHARS + " [line cut]", "tail"]
    assert tail.truncated is True


def test_only_daemon_logs_are_read(tmp_path):
    (tmp_path / "daemon_2026120.log").write_text("short date\n", encoding="utf-8")
    (tmp_path / "daemon_20261204.log.1").write_text("rotated\n", encoding="utf-8")
    (tmp_path / "daemon_20261204.log").write_text("real\n", encoding="utf-8")

    assert [path.name for path in logtail.daemon_logs(tmp_path)] == ["daemon_20261204.log"]
    assert logtail.read_tail(tmp_path, 5).lines == ["real"]


def test_tail_spans_at_most_three_files(tmp_path):
    for day in range(1, 6):
        (tmp_path / f"daemon_2026120{day}.log").write_text(f"day {day}\n", encoding="utf-8")

    tail = logtail.read_tail(tmp_path, 100)

    assert tail.files == ["daemon_20261203.log", "daemon_20261204.log", "daemon_20261205.log"]
    assert tail.lines == ["day 3", "day 4", "day 5"]
    assert tail.truncated is True
