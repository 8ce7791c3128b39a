"""One way to run a page's long actions: Anki's CollectionOp/QueryOp, shaped for asyncio.

A page describes an action as an ``Op``: the ``work`` (a coroutine function, given a ``say`` to
update its progress line), the progress sink, what to do with the result and with a failure, and
which kinds of data it changes. ``Operations.run`` then does the same thing for every action:

- a **busy key**: a second op with the key of one under way is ignored (a double click claims once),
  or, for a read marked ``again``, run once more when the first ends (a redraw asked for while one
  is loading must not show what was read before the change it was asked for);
- **progress**: ``busy`` is shown when it starts, ``say(text)`` updates it, and ``None`` clears it
  when it ends, before success or failure is told;
- **failure in words**: an exception is logged and handed to ``failure`` as a sentence (``describe``:
  the page's wording, e.g. the labeling ``explain``; or a problem that also says where to show it,
  as the wallet's password prompts do), never as a traceback;
- **late results dropped**: ``reset()`` (the page's service was swapped: a locked wallet, another
  account) makes every op under way stale: its progress, success and failure are no longer called;
- **cancel**: ``cancel(key)`` cancels the op's task (a "please wait" with Cancel); its progress is
  cleared and neither success nor failure is called;
- **what changed**: after a success, ``changed`` is emitted with the op's ``changes`` (a frozenset
  of names such as ``"campaigns"``, ``"earnings"``) and pages redraw what shows those;
- **held until done**: asyncio keeps only weak references to tasks, so one nobody holds can be
  collected mid-run (Electrum learnt this the hard way). Every op's task is held here until it
  ends, an unexpected exception goes to the loop's handler (the crash dialog) the moment it ends,
  and ``Operations.shutdown()`` cancels every page's ops when the app quits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

T = TypeVar("T")
Say = Callable[[str], None]


def message_of(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


@dataclass(frozen=True)
class Op(Generic[T]):
    key: str
    work: Callable[[Say], Awaitable[T]]
    busy: str | None = None  # the progress line shown when it starts
    progress: Callable[[str | None], None] | None = None  # a line while it runs; None when it ends
    success: Callable[[T], None] | None = None
    failure: Callable[[Any], None] | None = None  # the error, in words (what ``describe`` made of it)
    changes: frozenset[str] = frozenset()
    again: bool = False  # asked for while one with its key runs: run it (the latest) afterwards


class Operations(QObject):
    """Runs ``Op``s for one page (or one panel, one dialog)."""

    changed = Signal(object)  # frozenset[str]: what a finished op changed

    _tasks: ClassVar[set[asyncio.Task[Any]]] = set()  # every page's ops under way, held strongly

    def __init__(
        self,
        *,
        name: str = "op",
        describe: Callable[[BaseException], Any] = message_of,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._name = name
        self._describe = describe
        self._generation = 0
        self._running: dict[str, asyncio.Task[Any]] = {}
        self._again: dict[str, Op[Any]] = {}  # by key: the op to run when the one under way ends

    def busy(self, key: str | None = None) -> bool:
        """Whether the op with ``key`` (without: any op) is under way."""
        return key in self._running if key is not None else bool(self._running)

    def reset(self) -> None:
        """Everything under way is stale from now on: its results are dropped, its keys free."""
        self._generation += 1
        self._running.clear()
        self._again.clear()

    def cancel(self, key: str) -> None:
        self._again.pop(key, None)
        task = self._running.get(key)
        if task is not None:
            task.cancel()

    def run(self, op: Op[T]) -> asyncio.Task[Any] | None:
        """Start ``op`` unless one with its key is under way (then None; an ``again`` op waits)."""
        if op.key in self._running:
            if op.again:
                self._again[op.key] = op
            return None
        generation = self._generation

        def current() -> bool:
            return generation == self._generation

        def say(text: str | None) -> None:
            if op.progress is not None and current():
                op.progress(text)

        async def perform() -> None:
            if op.busy is not None:
                say(op.busy)
            try:
                result = await op.work(say)
            except asyncio.CancelledError:
                say(None)
                raise
            except Exception as exc:
                log.warning("%s %s failed: %s", self._name, op.key, exc)
                if current():
                    say(None)
                    if op.failure is not None:
                        op.failure(self._describe(exc))
                return
            if not current():
                return
            say(None)
            if op.success is not None:
                op.success(result)
            if op.changes:
                self.changed.emit(op.changes)

        async def body() -> None:
            try:
                await perform()
            finally:
                if current():
                    self._running.pop(op.key, None)
                    queued = self._again.pop(op.key, None)
                    if queued is not None:  # after this one's result is shown, never before
                        self.run(queued)

        task = asyncio.get_running_loop().create_task(body(), name=f"{self._name}-{op.key}")
        Operations._tasks.add(task)
        task.add_done_callback(_finished)
        self._running[op.key] = task
        return task

    def cancel_running(self) -> list[asyncio.Task[Any]]:
        """Ask this page's ops under way to stop (the page is closing); returns their tasks."""
        self._again.clear()
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        return tasks

    @classmethod
    def under_way(cls) -> int:
        """How many ops run now, on every page (none once the app has quit)."""
        return sum(1 for task in cls._tasks if not task.get_loop().is_closed())

    @classmethod
    def cancel_all(cls) -> list[asyncio.Task[Any]]:
        """Ask every op under way, on every page, to stop; returns their tasks to await. A task whose
        loop is closed (a test's loop) can neither run nor be cancelled: it is only forgotten."""
        cls._tasks = {task for task in cls._tasks if not task.get_loop().is_closed()}
        tasks = list(cls._tasks)
        for task in tasks:
            task.cancel()
        return tasks

    @classmethod
    async def shutdown(cls, timeout: float = 3.0) -> None:
        """Cancel every op and wait (bounded) until they have all unwound: the app is quitting."""
        tasks = cls.cancel_all()
        if not tasks:
            return
        _done, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            log.warning("op %s did not stop within %.1f s of cancellation", task.get_name(), timeout)


def _finished(task: asyncio.Task[Any]) -> None:
    Operations._tasks.discard(task)
    if task.cancelled():
        return
    exc = task.exception()  # ``perform`` words an Exception; what is left here is a bug
    if exc is not None:
        task.get_loop().call_exception_handler(
            {"message": f"Operation {task.get_name()!r} failed", "exception": exc, "task": task}
        )
