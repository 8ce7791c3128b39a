"""``run_gui``: the Qt application, the qasync event loop, and the shell's lifecycle.

Start-up is progressive, so the window is on screen in a few tenths of a second:

1. crash hooks, then the QApplication, and the claim on the data folder (``single_instance``: a
   second launch brings the running app's window to the front and exits);
2. the frame (``app.ui.frame``): the main window with its sidebar, a status bar saying "Starting…"
   and an empty page area, in the last session's theme, geometry and page; it is shown and painted;
3. only then the heavy part: qasync, the runtime (pydantic settings, SQLAlchemy, migrations) and the
   pages, which fill in the frame, and any settings or database problem is reported;
4. once the event loop runs, the network and its polling: web3 and the devnet never delay it either.

Only light modules are imported at the top of this file; everything for step 3 is imported there.
"""

from __future__ import annotations

import logging
import signal
import sys
import time
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QMessageBox

from app.paths import AppPaths
from app.ui.crash_reporter import CrashReporter
from app.ui.first_paint import install_if_requested
from app.ui.frame import ShellFrame, read_boot_settings, wait_for_first_paint
from app.ui.icons import app_icon
from app.ui.main_thread_gc import MainThreadCollector
from app.ui.single_instance import SingleInstance
from app.ui.theme import LIGHT

if TYPE_CHECKING:
    from app.ui.shell import Shell

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


BUILD_FAILED = "The main window could not be built; the log has the details."
ALREADY_RUNNING = "Sahara is already running on this data folder: it was asked to show its window."


def _fatal(title: str, text: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Critical, title, text)
    box.setDetailedText(traceback.format_exc())
    box.exec()  # no asyncio loop is running yet, so a blocking dialog is fine here


def run_gui(paths: AppPaths, *, to_tray: bool = False) -> int:
    """Run the desktop app until the user quits; returns the process exit code. ``to_tray`` (start at
    login) hides the window once the shell is up, where there is a tray icon to bring it back."""
    started = time.perf_counter()
    qInstallMessageHandler(_qt_message)
    app = make_application()
    instance = SingleInstance.claim(paths.data)
    if instance is None:
        print(ALREADY_RUNNING, file=sys.stderr)
        return 0
    try:
        return _run_shell(app, paths, instance, started=started, to_tray=to_tray)
    finally:
        instance.release()


def _run_shell(
    app: QApplication, paths: AppPaths, instance: SingleInstance, *, started: float, to_tray: bool
) -> int:
    """``run_gui`` once this process holds the data folder: the frame, the runtime, the loop."""
    collector = MainThreadCollector(app)  # cyclic GC on this thread only: Qt objects die where they live
    frame: ShellFrame | None = None
    shell: Shell | None = None
    reporter = CrashReporter(
        paths.log_file,
        lambda: frame.window if frame is not None else None,
        lambda: frame.theme.colors.danger if frame is not None else LIGHT.danger,
    )
    reporter.install()

    quit_requested_early = False

    def request_quit() -> None:
        """Quit in order; asked before the shell exists (Ctrl+C while starting), once it does."""
        nonlocal quit_requested_early
        if shell is not None:
            shell.request_quit()
        else:
            quit_requested_early = True

    waker = _install_signal_handlers(request_quit, app)

    def give_up(what: str, text: str) -> int:
        """Log the exception being handled, say so in a dialog, close what was opened; returns 1."""
        log.exception("%s", what)
        _fatal("Sahara could not start", text)
        if frame is not None:
            frame.window.close_for_quit()
        waker.stop()
        reporter.uninstall()
        return 1

    try:
        frame = ShellFrame(app, read_boot_settings(paths.settings_file))
    except Exception:
        return give_up("the main window could not be built", BUILD_FAILED)
    frame.window.quit_requested.connect(request_quit)
    instance.on_show(frame.window.bring_to_front)
    probe = install_if_requested(frame.window, request_quit)  # noqa: F841 - kept alive until quit
    frame.window.show()
    frame.window.activateWindow()  # so Ctrl+1…7 work at once, before the first click
    painted = wait_for_first_paint(frame.window)
    painted_s = time.perf_counter() - started

    # The window is on screen: now what is slow to import and to open.
    import asyncio

    import qasync

    from app.runtime import AppRuntime
    from app.ui.shell import Shell

    try:
        runtime = AppRuntime.open(paths)
    except Exception:
        return give_up("the app could not open its data", f"Sahara could not open its data in {paths.data}.")
    try:
        shell = Shell(app, runtime, paths, frame=frame, reporter=reporter)
    except Exception:
        runtime.shutdown()
        return give_up("the main window could not be built", BUILD_FAILED)
    frame.window.quit_requested.disconnect(request_quit)  # the shell handles it from now on

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    reporter.attach_loop(loop)
    shell.finished.connect(loop.stop)
    app.aboutToQuit.connect(lambda: None if shell.quitting else shell.save_state())
    shell.show()  # already visible: this adds the settings banner or the database dialog, if any
    if to_tray and shell.tray.available and not runtime.db_error:
        frame.window.hide()
    QTimer.singleShot(0, shell.request_quit if quit_requested_early else shell.start_services)
    log.info(
        "start-up: window %s after %.0f ms, pages ready after %.0f ms",
        "painted" if painted else "not painted (timed out)",
        1000 * painted_s,
        1000 * (time.perf_counter() - started),
    )
    try:
        with loop:
            code = int(loop.run_forever() or 0)
    finally:
        waker.stop()
        reporter.uninstall()
        log.info("shutting down")
        runtime.shutdown()
        collector.stop()
    return code
