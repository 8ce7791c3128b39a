"""Catch every uncaught exception, log it, show it, and keep the app running.

Three doors lead here: ``sys.excepthook`` (exceptions escaping Qt slots and callbacks; PySide6
routes them through it), ``threading.excepthook`` (background threads), and the asyncio loop's
exception handler (tasks; ``Operations`` forwards a bug in an op the moment it ends). Reports
travel to the GUI thread through a queued signal, so a crash on any thread shows the same dialog.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from app.ui.crash_dialog import CrashDialog, format_report

if TYPE_CHECKING:
    import asyncio  # the hooks are installed before the first paint; asyncio is imported after it

log = logging.getLogger(__name__)

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


class CrashReporter(QObject):
    """Installs the hooks and owns the (single, reused) crash dialog."""

    report_ready = Signal(str)

    def __init__(
        self,
        log_file: Path | None = None,
        parent_window: Callable[[], QWidget | None] = lambda: None,
        icon_color: Callable[[], str] = lambda: "#d2433a",
    ) -> None:
        super().__init__()
        self._log_file = log_file
        self._parent_window = parent_window
        self._icon_color = icon_color
        self.dialog: CrashDialog | None = None
        self._previous_sys_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        self._loop: asyncio.AbstractEventLoop | None = None
        self.report_ready.connect(self._show)

    def install(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Take over the exception hooks (and the loop's handler, given a loop); once per reporter."""
        self._previous_sys_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        sys.excepthook = self.excepthook
        threading.excepthook = self._thread_hook
        if loop is not None:
            self.attach_loop(loop)

    def attach_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Also report the loop's errors: start-up installs the hooks before the loop exists."""
        self._loop = loop
        loop.set_exception_handler(self.asyncio_handler)

    def uninstall(self) -> None:
        """Restore the hooks found at install (tests install and remove a reporter per test)."""
        if sys.excepthook == self.excepthook:
            sys.excepthook = self._previous_sys_hook
        if threading.excepthook == self._thread_hook:
            threading.excepthook = self._previous_thread_hook
        if self._loop is not None and not self._loop.is_closed():
            self._loop.set_exception_handler(None)
        self._loop = None
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None

    # -- the three doors -------------------------------------------------------------------------

    def excepthook(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self._previous_sys_hook(exc_type, exc, tb)
            return
        self.report((exc_type, exc, tb))

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        name = args.thread.name if args.thread is not None else "unknown"
        self.report((args.exc_type, args.exc_value, args.exc_traceback), f"thread {name}")

    def asyncio_handler(self, _loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        message = str(context.get("message") or "Unhandled error in the event loop")
        exc = context.get("exception")
        if not isinstance(exc, BaseException):
            # Warnings such as "Task was destroyed but it is pending" carry no exception: log them.
            details = {k: v for k, v in context.items() if k != "message"}
            log.error("asyncio: %s %r", message, details)
            return
        self.report((type(exc), exc, exc.__traceback__), message)

    # -- reporting -------------------------------------------------------------------------------

    def report(self, exc_info: ExcInfo, context: str = "") -> None:
        """Log the error and queue it for the dialog; safe to call from any thread."""
        log.error("uncaught exception%s", f" ({context})" if context else "", exc_info=exc_info)
        try:
            text = format_report(*exc_info, context=context)
        except Exception:  # the report must never fail; fall back to the bare traceback
            text = "".join(traceback.format_exception(*exc_info))
        try:
            self.report_ready.emit(text)
        except RuntimeError:  # the reporter is already gone (interpreter shutdown)
            sys.__excepthook__(*exc_info)

    def _forget_dialog(self) -> None:
        self.dialog = None  # its parent window was deleted, and the dialog with it

    def _show(self, text: str) -> None:
        try:
            if self.dialog is None:
                self.dialog = CrashDialog(self._log_file, self._parent_window())
                self.dialog.destroyed.connect(self._forget_dialog)
            self.dialog.set_icon_color(self._icon_color())
            self.dialog.add_report(text)
            self.dialog.show()
            self.dialog.raise_()
            self.dialog.activateWindow()
        except Exception:  # never let the crash path crash: the log has the report already
            log.exception("could not show the crash dialog")
