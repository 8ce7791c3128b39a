"""Core events to Qt signals, and user activity to the wallet's auto-lock.

``WalletService`` and ``Outbox`` call plain callbacks, possibly from a worker thread (an unlock runs
scrypt in one). ``WalletBridge`` registers callbacks that hold it weakly (Electrum's habit: a closed
window must not be kept alive by the core) and re-emit them as signals, which Qt queues onto the
GUI thread. ``ActivityFilter`` sees every key press, click and wheel turn in the app and reports
activity, so the wallet locks only after the person has really been away.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Signal

if TYPE_CHECKING:
    from app.wallet.outbox import Outbox
    from app.wallet.service import WalletService

ACTIVITY = frozenset(
    {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel, QEvent.Type.TouchBegin}
)


class WalletBridge(QObject):
    lock_changed = Signal(bool)  # unlocked?
    tx_changed = Signal(object)  # OutboxTx

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._outboxes: list[int] = []

    def _weak(self, signal: str) -> Callable[..., None]:
        ref = weakref.ref(self)

        def forward(*args: Any) -> None:
            bridge = ref()
            if bridge is not None:
                with contextlib.suppress(RuntimeError):  # the C++ side is already gone at quit
                    getattr(bridge, signal).emit(*args)

        return forward

    def watch_wallet(self, wallet: WalletService) -> None:
        wallet.add_listener(self._weak("lock_changed"))

    def watch_outbox(self, outbox: Outbox) -> None:
        """Once per outbox object (it survives reconnects, so normally once)."""
        if id(outbox) not in self._outboxes:
            self._outboxes.append(id(outbox))
            outbox.add_listener(self._weak("tx_changed"))


class ActivityFilter(QObject):
    """An application-wide event filter: input events call ``on_activity``; nothing is consumed."""

    def __init__(self, on_activity: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._on_activity = on_activity

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY:
            self._on_activity()
        return False
