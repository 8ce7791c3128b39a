"""Start-up notices (corrupt settings, database error) and the working Settings page."""

from __future__ import annotations

import json
import logging

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QMessageBox

from app.settings import load_settings
from app.ui.theme import DARK, LIGHT


@pytest.fixture
def settings_page(make_shell, runtime, qtbot):
    shell = make_shell(runtime, tray_available=True)
    shell.show()
    shell.window.set_page(6)
    return shell, shell.window.stack.widget(6)


def test_a_corrupt_settings_file_is_announced_in_a_banner(make_shell, make_runtime, paths, qtbot) -> None:
    paths.settings_file.write_text("{not json", encoding="utf-8")
    runtime = make_runtime()  # loads through app.settings.load_settings, which moves the file aside
    assert runtime.settings_warning
    shell = make_shell(runtime)
    shell.show()
    banners = shell.window.banners()
    assert len(banners) == 1 and "could not be read" in banners[0].text
    assert banners[0].isVisible()
    banners[0].close_button.click()
    assert shell.window.banners() == []


def test_no_banner_when_settings_loaded_cleanly(make_shell, runtime) -> None:
    shell = make_shell(runtime)
    shell.show()
    assert shell.window.banners() == []


def test_a_database_error_is_shown_in_a_dialog(make_shell, make_runtime, paths, qtbot) -> None:
    runtime = make_runtime(db_error="migration 0002 failed: no such table: assets")
    shell = make_shell(runtime)
    shell.show()
    box = shell.db_dialog
    assert isinstance(box, QMessageBox)
    qtbot.waitUntil(box.isVisible)
    assert "no such table: assets" in box.informativeText()
    assert box.icon() == QMessageBox.Icon.Critical
    box.accept()


def test_theme_choice_applies_and_is_saved(settings_page, runtime, paths, qtbot) -> None:
    shell, page = settings_page
    received = []
    shell.theme.changed.connect(received.append)
    page.theme_combo.setCurrentIndex(page.theme_combo.findData("dark"))
    assert shell.theme.colors is DARK and received[-1] is DARK
    assert QApplication.palette().color(QPalette.ColorRole.Window) == QColor(DARK.window)
    assert DARK.sidebar in QApplication.instance().styleSheet()
    assert load_settings(paths.settings_file).settings.theme == "dark"

    page.theme_combo.setCurrentIndex(page.theme_combo.findData("light"))
    assert shell.theme.colors is LIGHT
    assert QApplication.palette().color(QPalette.ColorRole.Window) == QColor(LIGHT.window)
    assert load_settings(paths.settings_file).settings.theme == "light"


def test_close_to_tray_is_saved(settings_page, paths) -> None:
    _shell, page = settings_page
    assert page.tray_check.isEnabled()
    page.tray_check.setChecked(True)
    assert json.loads(paths.settings_file.read_text())["close_to_tray"] is True
    page.tray_check.setChecked(False)
    assert json.loads(paths.settings_file.read_text())["close_to_tray"] is False


def test_close_to_tray_is_disabled_without_a_tray(make_shell, runtime) -> None:
    shell = make_shell(runtime, tray_available=False)
    page = shell.window.stack.widget(6)
    assert not page.tray_check.isEnabled()


def test_log_level_applies_and_is_saved(settings_page, paths) -> None:
    _shell, page = settings_page
    root = logging.getLogger()
    before = root.level
    try:
        page.log_combo.setCurrentText("DEBUG")
        assert root.level == logging.DEBUG
        assert load_settings(paths.settings_file).settings.log_level == "DEBUG"
    finally:
        root.setLevel(before)


def test_a_failed_save_is_said_on_the_page(settings_page, runtime, monkeypatch) -> None:
    _shell, page = settings_page

    def broken() -> None:
        raise PermissionError("read-only file system")

    monkeypatch.setattr(runtime, "save_settings", broken)
    page._save = broken
    page.tray_check.setChecked(True)
    assert "read-only file system" in page.save_status.text()
