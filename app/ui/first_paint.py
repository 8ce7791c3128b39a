"""Report the main window's first paint, for the start-up benchmark (``bench/startup.py``).

With ``SAHARA_EXIT_AFTER_FIRST_PAINT=1`` the app prints ``first-paint <seconds since the process
started>`` once the window has painted, then quits in the usual orderly way. The benchmark measures
the wall time to that line from outside, the same way for the app and for a bare Qt window.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer

ENV = "SAHARA_EXIT_AFTER_FIRST_PAINT"


def seconds_since_process_start() -> float:
    """How long this process has existed. On Linux straight from /proc (psutil's import alone
    would add ~13 ms to what is being measured, and its boot time is rounded to whole seconds)."""
    if sys.platform.startswith("linux"):
        try:
            with open("/proc/self/stat", encoding="ascii") as stat:
                fields = stat.read().rpartition(")")[2].split()
            started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22: start, ticks after boot
            return time.clock_gettime(time.CLOCK_BOOTTIME) - started
        except (OSError, ValueError, IndexError):
            pass
    import psutil

    return time.time() - psutil.Process().create_time()


class FirstPaintProbe(QObject):
    def __init__(self, on_painted: Callable[[], None]) -> None:
        super().__init__()
        self._on_painted = on_painted
        self._seen = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self._seen and event.type() == QEvent.Type.Paint:
            self._seen = True
            print(f"first-paint {seconds_since_process_start():.3f}", flush=True)
            QTimer.singleShot(0, self._on_painted)
        return False


def install_if_requested(window: QObject, quit_app: Callable[[], None]) -> FirstPaintProbe | None:
    if os.environ.get(ENV) != "1":
        return None
    probe = FirstPaintProbe(quit_app)
    window.installEventFilter(probe)
    return probe
