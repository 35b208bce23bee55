"""Non-daemon threads that finish a store operation after it has returned."""

from __future__ import annotations

import threading
from collections.abc import Callable


class BackgroundThreads:
    """The threads of one kind that this process started.

    They are not daemons, so the interpreter waits for them before it exits;
    a process killed first leaves its work to recovery.
    """

    def __init__(self) -> None:
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def start(self, target: Callable[..., object], *args: object, name: str) -> None:
        thread = threading.Thread(target=target, args=args, name=name)
        with self._lock:
            self._threads[:] = [running for running in self._threads if running.is_alive()]
            self._threads.append(thread)
        thread.start()

    def pending(self) -> bool:
        """Tell whether any of the threads is still running."""
        with self._lock:
            return any(thread.is_alive() for thread in self._threads)

    def wait(self) -> None:
        """Block until every thread started so far has finished."""
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join()
