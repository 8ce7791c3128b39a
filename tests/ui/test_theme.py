"""The theme follows the OS colour scheme unless the setting overrides it."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.ui.theme import DARK, LIGHT, ThemeManager


def test_system_mode_follows_the_os_scheme(app, qtbot) -> None:
    theme = ThemeManager(app, "system")
    try:
        os_scheme = app.styleHints().colorScheme()
        assert theme.colors is (DARK if os_scheme == Qt.ColorScheme.Dark else LIGHT)
        # Simulate the OS switching to dark: the platform reports it and Qt emits colorSchemeChanged.
        theme.os_scheme = lambda: Qt.ColorScheme.Dark
        with qtbot.waitSignal(theme.changed):
            app.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        assert theme.colors is DARK
        theme.os_scheme = lambda: Qt.ColorScheme.Light
        with qtbot.waitSignal(theme.changed):
            app.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Light)
        assert theme.colors is LIGHT
        # With an explicit choice the OS no longer matters.
        theme.set_mode("dark")
        app.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Light)
        assert theme.colors is DARK
    finally:
        app.styleHints().unsetColorScheme()
        theme.deleteLater()


def test_explicit_setting_overrides_the_os(app, qtbot) -> None:
    # (Qt is also asked to use the scheme, for native title bars; offscreen ignores that request.)
    theme = ThemeManager(app, "dark")
    try:
        assert theme.colors is DARK
        theme.set_mode("light")
        assert theme.colors is LIGHT
        theme.set_mode("system")
        assert theme.mode == "system"
    finally:
        app.styleHints().unsetColorScheme()
        theme.deleteLater()


def test_sidebar_and_status_bar_redraw_on_theme_change(make_shell, runtime, qtbot) -> None:
    shell = make_shell(runtime)
    before = shell.window.sidebar.buttons[0].icon().cacheKey()
    shell.theme.set_mode("dark" if shell.theme.colors is LIGHT else "light")
    assert shell.window.sidebar.buttons[0].icon().cacheKey() != before
