"""Fire-and-forget asyncio tasks the window starts, held strongly and cancelled on shutdown.

asyncio keeps only weak references to tasks, so a task nobody holds can be garbage-collected in the
middle of its work (Electrum learnt this the hard way). ``BackgroundTasks`` owns every task the shell
spawns, reports a task's unexpected exception to the loop's exception handler the moment the task
ends (the crash dialog listens there) instead of whenever the task happens to be collected, and
cancels everything still running when the app quits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)


class BackgroundTasks:
    """A set of running tasks with strong references; exceptions go to the loop's handler."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Start ``coro`` on the running loop and keep it alive until it finishes."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            task.get_loop().call_exception_handler(
                {"message": f"Background task {task.get_name()!r} failed", "exception": exc, "task": task}
            )

    def cancel_all(self) -> list[asyncio.Task[Any]]:
        """Ask every task to stop; returns them so the caller can await their end."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        return tasks

    async def shutdown(self, timeout: float = 3.0) -> None:
        """Cancel every task and wait (bounded) until they have all unwound."""
        tasks = self.cancel_all()
        if not tasks:
            return
        _done, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            log.warning("task %s did not stop within %.1f s of cancellation", task.get_name(), timeout)


Spawn = Callable[[Coroutine[Any, Any, Any], str], "asyncio.Task[Any]"]
