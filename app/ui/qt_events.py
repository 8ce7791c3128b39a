"""The one adapter from core events (``app.events.Events``) to Qt: slots run on the GUI thread.

``relay(events, name, slot, parent)`` connects ``slot`` to a core event through a small QObject
owned by ``parent``. The core holds the relay weakly, so when ``parent`` is deleted the relay goes
with it and the core stops calling; while it lives, whatever thread emits the event, ``slot`` runs
on the GUI thread (Qt queues a signal emitted from another thread onto its receiver's thread).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from app.events import Events


class EventRelay(QObject):
    """Re-emits one core event as ``fired(args)``, which calls the slot on the GUI thread."""

    fired = Signal(object)  # the event's arguments, as a tuple

    def __init__(self, events: Events, name: str, slot: Callable[..., Any], parent: QObject) -> None:
        super().__init__(parent)
        self._slot = slot
        self._disconnect = events.connect(name, self._forward)  # a bound method: held weakly
        self.fired.connect(self._deliver)
        self.destroyed.connect(self._disconnect)

    def _forward(self, *args: Any) -> None:  # any thread
        with contextlib.suppress(RuntimeError):  # the C++ side is already gone at quit
            self.fired.emit(args)

    @Slot(object)
    def _deliver(self, args: tuple[Any, ...]) -> None:  # the GUI thread
        self._slot(*args)

    def close(self) -> None:
        """Stop relaying now (before ``parent`` goes), e.g. when a page drops the object it watched."""
        self._disconnect()


def relay(events: Events, name: str, slot: Callable[..., Any], parent: QObject) -> EventRelay:
    """Call ``slot(*args)`` on the GUI thread for every ``events.emit(name, *args)`` while
    ``parent`` lives."""
    return EventRelay(events, name, slot, parent)
