"""One place that starts coroutines for the UI: strong references, errors routed to the window.

qasync 0.28's `@asyncSlot` neither keeps its tasks alive nor works on zero-argument signals with free
functions (ecosystem.md §2), so every page spawns through `TaskRunner.spawn` instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)
T = TypeVar("T")


def describe_error(exc: BaseException) -> str:
    """One line a person can read; the traceback goes to the log."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text or type(exc).__name__


class TaskRunner(QObject):
    """Spawns UI tasks on the running asyncio loop and runs blocking reads on one worker thread."""

    task_failed = Signal(str, str)  # task name, one-line message
    busy_changed = Signal(int)  # number of tasks in flight

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._background: set[asyncio.Task[Any]] = set()
        # One reader thread keeps SQLite reads ordered and off the paint path.
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="healthdesk-read")
        self._closed = False

    @property
    def active(self) -> int:
        return len(self._tasks)

    def spawn(
        self,
        coro: Coroutine[Any, Any, T],
        *,
        name: str,
        on_result: Callable[[T], None] | None = None,
        background: bool = False,
    ) -> asyncio.Task[T]:
        """Start `coro`; its result goes to `on_result`, its exception to `task_failed`.

        Background tasks (schedulers, live streams) are cancelled at shutdown but `wait_idle` ignores them.
        """
        if self._closed:
            coro.close()
            raise RuntimeError("task runner is shut down")
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        if background:
            self._background.add(task)
        task.add_done_callback(lambda t: self._finished(name, on_result, t))
        self.busy_changed.emit(len(self._tasks))
        return task

    async def run_blocking(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a blocking read (SQL, numpy) on the reader thread and await its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._reader, fn, *args)

    async def shutdown(self) -> None:
        """Cancel everything in flight and wait for it, then stop the reader thread."""
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._reader.shutdown(wait=True, cancel_futures=True)

    async def wait_idle(self, timeout: float = 60.0) -> None:
        """Wait until no task is in flight (tests and screenshots)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while pending := [t for t in self._tasks if t not in self._background]:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"{len(pending)} task(s) still running")
            await asyncio.wait(pending, timeout=remaining)

    def _finished(self, name: str, on_result: Callable[[Any], None] | None, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        self._background.discard(task)
        self.busy_changed.emit(len(self._tasks))
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None and on_result is not None:
            try:
                on_result(task.result())
            except Exception as callback_exc:  # a UI update failed: report it like a task failure
                exc = callback_exc
        if exc is not None:
            log.error("task %s failed", name, exc_info=exc)
            self.task_failed.emit(name, describe_error(exc))
