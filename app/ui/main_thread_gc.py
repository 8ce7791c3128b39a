"""Python's cyclic garbage collector, run only on the GUI thread while the app runs.

Automatic collection runs in whichever thread happens to allocate. When it frees a cycle that holds
a Qt object (a widget and a lambda connected to its own signal, say), the C++ destructor runs in
that worker thread (an image decode, a password check, a chain call), cannot stop the object's
timers from there, and the GUI thread later fires a timer at freed memory: a segfault in
``QTimerInfoList::activateTimers``, which the UI tests hit a few times in ten runs. So automatic
collection is switched off and this timer collects on the GUI thread instead, generation by
generation as the counts pass the usual thresholds (the PyQt recipe for exactly this crash).
Objects without cycles are still freed at once by reference counting, in any thread.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class MainThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        self._timer.start(interval_ms)

    def check(self) -> None:
        """Collect the oldest generation whose count passed its threshold (and the younger ones)."""
        young, middle, old = gc.get_count()
        if young > self._thresholds[0]:
            generation = 0
            if middle > self._thresholds[1]:
                generation = 2 if old > self._thresholds[2] else 1
            gc.collect(generation)

    def stop(self) -> None:
        """Back to automatic collection (after the last Qt object is gone, or in tests)."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()
