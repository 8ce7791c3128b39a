"""The tray menu: Open, the worker's state, Pause worker (disabled with the reason while no worker
runs), Quit; the icon and tooltip per worker state; and close-to-tray."""

from __future__ import annotations

from PySide6.QtWidgets import QMenu

from app.ui.operations import Operations
from app.ui.tray import PAUSE_HINT, PAUSE_UNAVAILABLE, TrayController, status_icon


def test_menu_exists_without_a_system_tray(qtbot) -> None:
    tray = TrayController(force_available=False)
    try:
        assert isinstance(tray.menu, QMenu)
        assert [a.text() for a in tray.menu.actions() if not a.isSeparator()] == [
            "Open Sahara",
            "GPU worker off",
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


def test_tray_follows_the_worker_idle_working_paused(qtbot) -> None:
    tray = TrayController(force_available=True)
    toggled: list[bool] = []
    tray.pause_toggled.connect(toggled.append)
    try:
        tray.show_worker("idle", "Waiting for a job paying at least 0.01 SAHARA", False, 0)
        assert tray.pause_action.isEnabled() and tray.pause_action.toolTip() == PAUSE_HINT
        assert tray.tooltip.splitlines() == [
            "Sahara — worker idle", "Waiting for a job paying at least 0.01 SAHARA", "Earned today: 0 SAHARA",
        ]  # fmt: skip
        tray.show_worker("working", "Running job 7", False, 25 * 10**16)
        assert tray.phase == "working" and "Earned today: 0.25 SAHARA" in tray.tooltip
        assert tray.icon is not None and tray.icon.toolTip() == tray.tooltip
        assert tray.status_action.text() == "GPU worker working: Running job 7"
        tray.pause_action.trigger()
        assert toggled == [True]
        tray.show_worker("paused", "Paused by you", True, 25 * 10**16)
        assert tray.pause_action.isChecked() and tray.pause_action.text() == "Resume worker"
        tray.pause_action.trigger()
        assert toggled == [True, False]
        tray.show_worker("off", "The worker is off.", False, None)
        assert not tray.pause_action.isEnabled() and "Earned today" not in tray.tooltip
    finally:
        tray.dispose()


def test_each_state_has_its_own_icon(qtbot) -> None:
    images = {phase: status_icon(phase).pixmap(32, 32).toImage() for phase in ("idle", "working", "paused")}
    assert images["idle"] != images["working"] != images["paused"] != images["idle"]
    assert status_icon("off").pixmap(32, 32).toImage() != images["idle"]


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


def test_the_windows_tray_follows_the_worker_switch(make_shell, runtime, qtbot) -> None:
    shell = make_shell(runtime, tray_available=False)
    assert shell.tray.status_action.text() == "GPU worker off: The worker is off."
    assert not shell.tray.pause_action.isEnabled()
    shell.compute_page.worker_card.enable_button.click()
    assert runtime.settings.compute.enabled and runtime.saves == 1
    qtbot.waitUntil(lambda: "contracts are ready" in shell.tray.status_action.text())
    assert not shell.tray.pause_action.isEnabled(), "nothing to pause until the worker runs"
    card = shell.compute_page.worker_card
    assert card.enable_button.text() == "Turn off" and card.title.text() == "Turned on, not running yet"
