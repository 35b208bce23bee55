"""The daemon's log: ``logs/daemon_YYYYMMDD.log``, one file per UTC day."""

from __future__ import annotations

import logging
import time
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class DailyFileHandler(logging.Handler):
    """Append each record to the file of the record's UTC day."""

    def __init__(self, directory: Path) -> None:
        super().__init__()
        self.directory = directory
        self._day = ""
        self._stream = None
        formatter = logging.Formatter(FORMAT)
        formatter.converter = time.gmtime
        self.setFormatter(formatter)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            day = time.strftime("%Y%m%d", time.gmtime(record.created))
            if day != self._day or self._stream is None:
                if self._stream is not None:
                    self._stream.close()
                self.directory.mkdir(parents=True, exist_ok=True)
                self._stream = open(self.directory / f"daemon_{day}.log", "a", encoding="utf-8")
                self._day = day
            self._stream.write(self.format(record) + "\n")
            self._stream.flush()
        except Exception:  # noqa: BLE001 - logging must never take the daemon down
            self.handleError(record)

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None
        super().close()


def install(directory: Path) -> DailyFileHandler:
    """Send INFO and above of the trainer and models loggers to the daily file."""
    handler = DailyFileHandler(directory)
    handler.setLevel(logging.INFO)
    for name in ("trainer", "models"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
    return handler
