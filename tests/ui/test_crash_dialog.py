"""Uncaught exceptions — in Qt callbacks, threads and asyncio tasks — are logged and shown in a
dialog with a copyable report, and the app keeps running."""

from __future__ import annotations

import logging
import sys
import threading

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication

from app.ui.operations import Op, Operations


@pytest.fixture
def shell(make_shell, runtime, loop, qtbot):
    shell = make_shell(runtime)
    shell.reporter.install(loop)
    shell.show()
    qtbot.waitExposed(shell.window)
    return shell


def _raise(message: str) -> None:
    raise ValueError(message)


def test_excepthook_shows_the_traceback_and_copy_report_works(shell, qtbot, caplog) -> None:
    with caplog.at_level(logging.ERROR):
        try:
            _raise("boom in a slot")
        except ValueError:
            sys.excepthook(*sys.exc_info())
    dialog = shell.reporter.dialog
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible())
    text = dialog.details.toPlainText()
    assert "ValueError: boom in a slot" in text and "_raise" in text and "Sahara Desktop" in text
    assert any("uncaught exception" in r.message and r.exc_info for r in caplog.records)

    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == dialog.report_text()
    assert "boom in a slot" in QGuiApplication.clipboard().text()
    assert dialog.copy_button.text() == "Copied"

    # The app is still alive: the window is up and navigation still works.
    assert shell.window.isVisible()
    shell.window.set_page(3)
    assert shell.window.current_page() == 3


@pytest.mark.qt_no_exception_capture
def test_an_exception_escaping_a_qt_callback_reaches_the_dialog(shell, qtbot) -> None:
    QTimer.singleShot(0, lambda: _raise("from a timer"))
    qtbot.waitUntil(lambda: shell.reporter.dialog is not None and shell.reporter.dialog.isVisible())
    assert "from a timer" in shell.reporter.dialog.report_text()
    assert shell.window.isVisible()


def test_a_bug_in_an_operations_callback_reaches_the_dialog(shell, qtbot) -> None:
    async def work(_say: object) -> None:
        return None

    def bug(_result: None) -> None:
        raise RuntimeError("task went wrong")

    Operations(name="test", parent=shell).run(Op("task", work, success=bug))
    qtbot.waitUntil(lambda: shell.reporter.dialog is not None and shell.reporter.dialog.isVisible())
    report = shell.reporter.dialog.report_text()
    assert "RuntimeError: task went wrong" in report and "test-task" in report


def test_a_bare_asyncio_task_failure_goes_through_the_loop_handler(shell, loop, qtbot) -> None:
    async def fails() -> None:
        raise KeyError("orphan")

    task = loop.create_task(fails())
    qtbot.waitUntil(task.done)
    loop.call_exception_handler(
        {"message": "Task exception was never retrieved", "exception": task.exception()}
    )
    qtbot.waitUntil(lambda: shell.reporter.dialog is not None and shell.reporter.dialog.isVisible())
    assert "KeyError: 'orphan'" in shell.reporter.dialog.report_text()


def test_a_thread_exception_is_marshalled_to_the_gui_thread(shell, qtbot) -> None:
    worker = threading.Thread(target=lambda: _raise("from a thread"), name="test-worker")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: shell.reporter.dialog is not None and shell.reporter.dialog.isVisible())
    assert "from a thread" in shell.reporter.dialog.report_text()
    assert "thread test-worker" in shell.reporter.dialog.report_text()


def test_further_errors_join_the_open_dialog_and_closing_clears_it(shell, qtbot) -> None:
    for message in ("first", "second"):
        try:
            _raise(message)
        except ValueError:
            sys.excepthook(*sys.exc_info())
    dialog = shell.reporter.dialog
    qtbot.waitUntil(lambda: len(dialog.reports) == 2)
    assert dialog.headline.text().endswith("(2 errors)")
    assert len(shell.window.findChildren(type(dialog))) == 1
    dialog.close()
    assert dialog.reports == [] and not dialog.isVisible()


def test_reports_redact_secrets(shell, qtbot) -> None:
    key = "0x" + "ab" * 32
    try:
        _raise(f"bad key {key}")
    except ValueError:
        sys.excepthook(*sys.exc_info())
    qtbot.waitUntil(lambda: shell.reporter.dialog is not None and bool(shell.reporter.dialog.reports))
    assert key not in shell.reporter.dialog.report_text()
    assert "[redacted key]" in shell.reporter.dialog.report_text()


def test_uninstall_restores_the_previous_hooks(make_shell, runtime, loop) -> None:
    before_sys, before_thread = sys.excepthook, threading.excepthook
    shell = make_shell(runtime)
    shell.reporter.install(loop)
    assert sys.excepthook == shell.reporter.excepthook
    shell.reporter.uninstall()
    assert sys.excepthook is before_sys and threading.excepthook is before_thread
