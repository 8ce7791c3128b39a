"""The tray menu: Open, a disabled and honest Pause worker, Quit; and close-to-tray."""

from __future__ import annotations

from PySide6.QtWidgets import QMenu

from app.ui.operations import Operations
from app.ui.tray import PAUSE_UNAVAILABLE, TrayController


def test_menu_exists_without_a_system_tray(qtbot) -> None:
    tray = TrayController(force_available=False)
    try:
        assert isinstance(tray.menu, QMenu)
        assert [a.text() for a in tray.menu.actions() if not a.isSeparator()] == [
            "Open Sahara",
            "Pause worker",
            "Quit Sahara",
        ]
        assert tray.icon is None and not tray.available
    finally:
        tray.dispose()


def test_pause_worker_is_checkable_but_disabled_with_the_reason(qtbot) -> None:
    tray = TrayController(force_available=False)
    try:
        assert tray.pause_action.isCheckable()
        assert not tray.pause_action.isEnabled()
        assert tray.pause_action.toolTip() == PAUSE_UNAVAILABLE
        assert tray.menu.toolTipsVisible()
    finally:
        tray.dispose()


def test_open_brings_back_a_hidden_window(make_shell, runtime, qtbot) -> None:
    shell = make_shell(runtime, tray_available=False)
    shell.show()
    shell.window.hide()
    shell.tray.open_action.trigger()
    qtbot.waitExposed(shell.window)
    assert shell.window.isVisible()


def test_quit_action_shuts_down_in_order(make_shell, runtime, qtbot) -> None:
    shell = make_shell(runtime, tray_available=False)
    shell.show()
    shell.start_services()
    qtbot.waitUntil(lambda: shell.monitor.block is not None)
    with qtbot.waitSignal(shell.finished, timeout=10000):
        shell.tray.quit_action.trigger()
    assert shell.quitting and not shell.window.isVisible()
    assert Operations.under_way() == 0, "operations are cancelled on quit"
    assert runtime.settings.window_geometry, "window state is saved on quit"
    shell.request_quit()  # a second request is ignored, not an error


def test_close_hides_to_tray_when_enabled(make_shell, runtime, qtbot) -> None:
    runtime.settings.close_to_tray = True
    shell = make_shell(runtime, tray_available=True)
    shell.show()
    qtbot.waitExposed(shell.window)
    with qtbot.waitSignal(shell.window.hidden_to_tray):
        shell.window.close()
    assert not shell.window.isVisible() and not shell.quitting
    shell.tray.open_action.trigger()
    assert shell.window.isVisible()


def test_close_quits_when_close_to_tray_is_off(make_shell, runtime, qtbot) -> None:
    runtime.settings.close_to_tray = False
    shell = make_shell(runtime, tray_available=True)
    shell.show()
    with qtbot.waitSignal(shell.finished, timeout=10000):
        shell.window.close()
    assert shell.quitting


def test_close_quits_without_a_tray_even_if_the_setting_is_on(make_shell, runtime, qtbot) -> None:
    runtime.settings.close_to_tray = True
    shell = make_shell(runtime, tray_available=False)
    shell.show()
    with qtbot.waitSignal(shell.finished, timeout=10000):
        shell.window.close()
