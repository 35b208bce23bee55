"""Loggers for modules on the guard's hot path that import ``logging`` only when needed.

Importing ``logging`` (with ``traceback``, ``tokenize``, ``threading`` and
``string``) costs about half of a bare interpreter's start-up, and the guard
starts an interpreter for every command an assistant runs. A
:class:`LazyLogger` behaves like ``logging.getLogger(name)`` for the calls
those modules make, with one shortcut: DEBUG and INFO records are dropped
without importing ``logging`` while nothing has imported it yet. That drops
nothing that would have been shown: handlers and levels can only be set up
after ``logging`` is imported, and until then the root level is WARNING.
"""

from __future__ import annotations

import sys

PACKAGE = "safeshell"
_silenced = False


class LazyLogger:
    """The logger ``name``, created on the first record that can be emitted."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def debug(self, msg: str, *args: object, **kwargs: object) -> None:
        if "logging" in sys.modules:
            self._logger().debug(msg, *args, **kwargs)

    def info(self, msg: str, *args: object, **kwargs: object) -> None:
        if "logging" in sys.modules:
            self._logger().info(msg, *args, **kwargs)

    def warning(self, msg: str, *args: object, **kwargs: object) -> None:
        self._logger().warning(msg, *args, **kwargs)

    def error(self, msg: str, *args: object, **kwargs: object) -> None:
        self._logger().error(msg, *args, **kwargs)

    def exception(self, msg: str, *args: object, **kwargs: object) -> None:
        self._logger().exception(msg, *args, **kwargs)

    def _logger(self):  # -> logging.Logger; unannotated so that typing stays unimported
        import logging

        apply_silence()
        return logging.getLogger(self.name)


def get_logger(name: str) -> LazyLogger:
    """Return the lazy logger for module ``name`` (pass ``__name__``)."""
    return LazyLogger(name)


def silence() -> None:
    """Keep the package's records out of stderr for the rest of the process.

    Hooks call this: hosts show the hook's stderr to the assistant, and
    without a handler logging's last-resort handler prints warnings there. A
    NullHandler on the package logger stops that; it is added now when
    ``logging`` is loaded, else by :func:`apply_silence` once it is.
    """
    global _silenced
    _silenced = True
    apply_silence()


def apply_silence() -> None:
    """Add the NullHandler :func:`silence` asked for, if ``logging`` is loaded by now.

    Code that imports a module using ``logging`` directly after
    :func:`silence` calls this before that module can emit records.
    """
    if not _silenced or "logging" not in sys.modules:
        return
    import logging

    package = logging.getLogger(PACKAGE)
    if not package.handlers:
        package.addHandler(logging.NullHandler())
