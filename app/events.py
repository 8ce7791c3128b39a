"""Named events: the one way core objects tell whoever listens that something changed.

Every object that announces things (the wallet, the outbox, the devnet, the runtime, a labeling
session, a studio run, the network services) owns one ``Events`` with the names it emits, declared
up front so a typo fails at once instead of never firing. Listeners are held the way Electrum's
callback manager and napari's emitters hold them:

- a bound method is held weakly: when its object is collected the listener is gone, so a closed
  page is never kept alive (nor called) by the core that outlives it;
- any other callable (a function, a lambda, ``queue.put_nowait``) is held strongly until
  ``disconnect``: nothing else would keep a lambda alive;
- a listener connected from a running asyncio loop is called on that loop's thread, even when the
  event is emitted from another thread (the devnet watchdog, an unlock running scrypt in a thread);
  emitted on the loop's own thread, it is called at once, before ``emit`` returns;
- a listener that raises is logged and the others still run.

Qt never appears here: ``app.ui.qt_events`` turns these into signals on the GUI thread.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

Listener = Callable[..., Any]


@dataclass(eq=False)
class _Entry:
    ref: Callable[[], Listener | None]  # a weak method's ref, or a lambda returning the strong callable
    loop: asyncio.AbstractEventLoop | None  # the loop it was connected from, if any
    thread: int  # the thread it was connected from


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class Events:
    """The named events of one object; ``connect``, ``disconnect`` and ``emit`` by name."""

    def __init__(self, *names: str) -> None:
        if not names:
            raise ValueError("an Events needs at least one event name")
        self.names = frozenset(names)
        self._lock = threading.RLock()  # a weak listener's death may prune while held
        self._entries: dict[str, list[_Entry]] = {name: [] for name in names}

    def _check(self, name: str) -> None:
        if name not in self.names:
            raise KeyError(f"no event {name!r} here (known: {', '.join(sorted(self.names))})")

    def connect(self, name: str, listener: Listener) -> Callable[[], None]:
        """Call ``listener(*args)`` on every ``emit(name, *args)``; returns the disconnect call."""
        self._check(name)
        ref: Callable[[], Listener | None]
        if hasattr(listener, "__self__") and hasattr(listener, "__func__"):
            events = weakref.ref(self)

            def drop(dead: object) -> None:
                owner = events()
                if owner is not None:
                    owner._drop(name, dead)

            ref = weakref.WeakMethod(listener, drop)  # type: ignore[arg-type]
        else:
            ref = _Strong(listener)
        with self._lock:
            live = [e for e in self._entries[name] if e.ref() is not None]
            self._entries[name] = [*live, _Entry(ref, _running_loop(), threading.get_ident())]
        return lambda: self.disconnect(name, listener)

    def disconnect(self, name: str, listener: Listener) -> None:
        """Stop calling ``listener`` for ``name``; disconnecting one that is not there is fine."""
        self._check(name)
        with self._lock:
            self._entries[name] = [e for e in self._entries[name] if e.ref() != listener]

    def _drop(self, name: str, dead: object) -> None:
        with self._lock:
            self._entries[name] = [e for e in self._entries[name] if e.ref is not dead]

    def count(self, name: str) -> int:
        """How many listeners ``name`` has (dead weak ones are already gone)."""
        self._check(name)
        with self._lock:
            return sum(e.ref() is not None for e in self._entries[name])

    def emit(self, name: str, *args: Any) -> None:
        """Tell every listener of ``name``: at once on this thread, or queued onto its loop."""
        self._check(name)
        with self._lock:
            entries = list(self._entries[name])
        here = threading.get_ident()
        for entry in entries:
            listener = entry.ref()
            if listener is None:
                continue
            loop = entry.loop
            if loop is None or entry.thread == here or loop.is_closed():
                _call(name, listener, args)
            else:
                try:
                    loop.call_soon_threadsafe(_call, name, listener, args)
                except RuntimeError:  # the loop closed meanwhile: nobody is there to tell
                    log.debug("event %s dropped: its listener's loop is closed", name)


class _Strong:
    """A strong reference shaped like a weak one, so both kinds are read the same way."""

    __slots__ = ("listener",)

    def __init__(self, listener: Listener) -> None:
        self.listener = listener

    def __call__(self) -> Listener:
        return self.listener


def _call(name: str, listener: Listener, args: tuple[Any, ...]) -> None:
    try:
        listener(*args)
    except Exception:
        log.exception("a listener of event %s failed", name)
