"""``run_gui``: the Qt application, the qasync event loop, and the shell's lifecycle.

Order matters for a fast, robust start: crash hooks first (so nothing is ever lost silently), then
the runtime (settings, database), then the window is shown, and only once the event loop runs do
the network and its polling start — web3 and the devnet never delay the first paint.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import traceback
from collections.abc import Callable

import qasync
from PySide6.QtCore import QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QMessageBox

from app.paths import AppPaths
from app.ui.first_paint import install_if_requested
from app.ui.icons import app_icon

log = logging.getLogger(__name__)
qt_log = logging.getLogger("qt")

_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _qt_message(kind: QtMsgType, _context: object, message: str) -> None:
    """Route Qt's own warnings into our log instead of a stderr nobody reads."""
    qt_log.log(_QT_LEVELS.get(kind, logging.WARNING), "%s", message)


def make_application(argv: list[str] | None = None) -> QApplication:
    """The one QApplication, named so the OS groups windows and finds the icon."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv or sys.argv)
    app.setApplicationName("Sahara")
    app.setApplicationDisplayName("Sahara Desktop")
    app.setOrganizationName("Sahara")
    app.setDesktopFileName("sahara")
    app.setWindowIcon(app_icon())
    # The shell decides when to quit: closing the window may only hide it to the tray.
    app.setQuitOnLastWindowClosed(False)
    return app


def _install_signal_handlers(shell_quit: Callable[[], None], app: QApplication) -> QTimer:
    """Ctrl+C / SIGTERM quit in order (so the devnet is stopped), not by killing the process.

    Python runs signal handlers only between bytecodes; while Qt sits in C++ that never happens, so
    a cheap timer wakes the interpreter twice a second.
    """
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: shell_quit())
    waker = QTimer(app)
    waker.timeout.connect(lambda: None)
    waker.start(500)
    return waker


def _fatal(title: str, text: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Critical, title, text)
    box.setDetailedText(traceback.format_exc())
    box.exec()  # no asyncio loop is running yet, so a blocking dialog is fine here


def run_gui(paths: AppPaths) -> int:
    """Run the desktop app until the user quits; returns the process exit code."""
    qInstallMessageHandler(_qt_message)
    app = make_application()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    # Imported after the QApplication exists: these pull in the runtime (SQLAlchemy, Alembic).
    from app.runtime import AppRuntime
    from app.ui.shell import Shell

    try:
        runtime = AppRuntime.open(paths)
    except Exception:
        log.exception("the app could not open its data")
        _fatal("Sahara could not start", f"Sahara could not open its data in {paths.data}.")
        return 1

    try:
        shell = Shell(app, runtime, paths)
    except Exception:
        log.exception("the main window could not be built")
        runtime.shutdown()
        _fatal("Sahara could not start", "The main window could not be built; the log has the details.")
        return 1

    shell.reporter.install(loop)
    shell.finished.connect(loop.stop)
    app.aboutToQuit.connect(lambda: None if shell.quitting else shell.save_state())
    waker = _install_signal_handlers(shell.request_quit, app)
    probe = install_if_requested(shell.window, shell.request_quit)  # noqa: F841 - kept alive until quit
    shell.show()
    QTimer.singleShot(0, shell.start_services)
    try:
        with loop:
            code = int(loop.run_forever() or 0)
    finally:
        waker.stop()
        shell.reporter.uninstall()
        log.info("shutting down")
        runtime.shutdown()
    return code
