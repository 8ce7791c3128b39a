"""``WorkerLink``: the window's one follower of the GPU worker, for the Compute page and the tray.

The composition root starts and stops the worker (``NetworkServices.worker``, event ``"worker"``);
this QObject re-relays the running worker's events (``state``, ``rules``, ``earnings``) as Qt
signals on the GUI thread, and reconnects when the worker is replaced, so a view never holds a
stopped worker's events. Owner's intents (on/off, pause/resume) go back to the services.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from app.compute.payouts import earned_on, history
from app.ui.operations import Op, Operations
from app.ui.qt_events import EventRelay, relay
from app.workers.compute_worker import WorkerState

if TYPE_CHECKING:
    from app.ui.tray import TrayController

OFF = WorkerState("off", "The worker is off.")


class WorkerLink(QObject):
    """Signals: ``worker_changed()`` (read ``worker``/``state``), ``state_changed(WorkerState)``,
    ``rules_checked(Decision)``, ``earnings_changed()`` and ``today_changed()`` (``today_wei``: what
    the worker earned today, for the tray; None while no worker runs)."""

    worker_changed = Signal()
    state_changed = Signal(object)
    rules_checked = Signal(object)
    earnings_changed = Signal()
    today_changed = Signal()

    def __init__(self, services: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.worker: Any = None
        self.today_wei: int | None = None
        self.ops = Operations(name="worker-link", parent=self)
        self._relays: list[EventRelay] = []
        self.earnings_changed.connect(self.read_today)
        relay(services.events, "worker", self._follow, self)
        self._follow()

    @property
    def state(self) -> WorkerState:
        """The worker's state, or "off" with why there is no worker."""
        if self.worker is not None:
            return self.worker.state
        return WorkerState("off", self.services.worker_problem or OFF.text)

    @property
    def enabled(self) -> bool:
        return bool(self.services.runtime.settings.compute.enabled)

    def _follow(self) -> None:
        worker = self.services.worker
        if worker is not self.worker:
            for old in self._relays:
                old.close()
                old.deleteLater()
            self._relays = []
            self.worker = worker
            if worker is not None:
                self._relays = [
                    relay(worker.events, "state", self.state_changed.emit, self),
                    relay(worker.events, "rules", self.rules_checked.emit, self),
                    relay(worker.events, "earnings", self.earnings_changed.emit, self),
                ]
            self.ops.reset()
            self.today_wei = None
            self.read_today()
        self.worker_changed.emit()
        self.state_changed.emit(self.state)

    # -- the owner's intents ---------------------------------------------------------------------

    def set_enabled(self, enabled: bool) -> None:
        self.services.set_worker_enabled(enabled)

    def set_paused(self, paused: bool) -> None:
        """The one-click pause (page or tray); nothing to pause without a running worker."""
        if self.worker is None:
            return
        if paused:
            self.worker.pause()
        else:
            self.worker.resume()

    def read_today(self) -> None:
        """What the worker earned today, read from its record in a thread."""
        worker = self.worker
        if worker is None:
            self.today_changed.emit()
            return

        async def read(_say: Any) -> int:
            jobs = await asyncio.to_thread(history, worker.provider)
            return earned_on(jobs, date.today())

        def show(wei: int) -> None:
            self.today_wei = wei
            self.today_changed.emit()

        self.ops.run(Op("today", read, success=show, again=True))


def follow_in_tray(link: WorkerLink, tray: TrayController) -> None:
    """The tray shows the worker's state and today's earnings; its Pause worker is the owner's pause."""

    def show(*_args: Any) -> None:
        state = link.state
        tray.show_worker(state.phase, state.text, state.owner_paused, link.today_wei)

    link.state_changed.connect(show)
    link.today_changed.connect(show)
    tray.pause_toggled.connect(link.set_paused)
    show()
