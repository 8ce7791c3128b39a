"""Baseline for bench/startup.py: the smallest PySide6 app, a QMainWindow holding a label.

It signals its first paint the way the app does under ``SAHARA_EXIT_AFTER_FIRST_PAINT=1``
(app/ui/first_paint.py): an event filter on the main window prints ``first-paint <seconds>`` when
the first ``QEvent.Paint`` arrives, and a zero-timer quits once that paint cycle is over. The
seconds are counted from the top of this script, before Qt is imported (the app counts from process
creation); bench/startup.py measures both from outside with one clock, which is what it reports.
"""

import sys
import time

T0 = time.perf_counter()

from PySide6.QtCore import QEvent, QObject, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow  # noqa: E402


class FirstPaint(QObject):
    def __init__(self, app: QApplication) -> None:
        super().__init__()
        self.app = app
        self.seen = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self.seen and event.type() == QEvent.Type.Paint:
            self.seen = True
            print(f"first-paint {time.perf_counter() - T0:.4f}", flush=True)
            QTimer.singleShot(0, self.app.quit)
        return False


def main() -> int:
    app = QApplication(sys.argv)
    window = QMainWindow()
    window.setWindowTitle("bare Qt baseline")
    window.setCentralWidget(QLabel("Hello from a bare PySide6 window"))
    window.resize(1200, 800)
    first_paint = FirstPaint(app)
    window.installEventFilter(first_paint)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
