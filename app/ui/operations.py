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
  the page's wording, e.g. the labeling ``explain``), never as a traceback;
- **late results dropped**: ``reset()`` (the page's service was swapped: a locked wallet, another
  account) makes every op under way stale: its progress, success and failure are no longer called;
- **cancel**: ``cancel(key)`` cancels the op's task (a "please wait" with Cancel); its progress is
  cleared and neither success nor failure is called;
- **what changed**: after a success, ``changed`` is emitted with the op's ``changes`` (a frozenset
  of names such as ``"campaigns"``, ``"earnings"``) and pages redraw what shows those.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, Signal

from app.ui.tasks import Spawn

log = logging.getLogger(__name__)

T = TypeVar("T")
Say = Callable[[str], None]


def _message(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


@dataclass(frozen=True)
class Op(Generic[T]):
    key: str
    work: Callable[[Say], Awaitable[T]]
    busy: str | None = None  # the progress line shown when it starts
    progress: Callable[[str | None], None] | None = None  # a line while it runs; None when it ends
    success: Callable[[T], None] | None = None
    failure: Callable[[str], None] | None = None  # the error, in words
    changes: frozenset[str] = frozenset()
    again: bool = False  # asked for while one with its key runs: run it (the latest) afterwards


class Operations(QObject):
    """Runs ``Op``s for one page (or one panel) through the shell's task runner."""

    changed = Signal(object)  # frozenset[str]: what a finished op changed

    def __init__(
        self,
        spawn: Spawn,
        *,
        name: str = "op",
        describe: Callable[[BaseException], str] = _message,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._spawn = spawn
        self._name = name
        self._describe = describe
        self._generation = 0
        self._running: dict[str, asyncio.Task[Any]] = {}
        self._again: dict[str, Op[Any]] = {}  # by key: the op to run when the one under way ends

    def busy(self, key: str) -> bool:
        return key in self._running

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

        task = self._spawn(body(), f"{self._name}-{op.key}")
        self._running[op.key] = task
        return task
