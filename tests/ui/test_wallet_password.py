"""Settings → Wallet → Password: the change-password dialog (checks as typed, wrong current password,
rate-limit countdown, typed values kept, busy while scrypt runs)."""

from __future__ import annotations

import pytest
import shiboken6
from PySide6.QtCore import Qt

from app.ui.wallet.password_dialog import ChangePasswordDialog

PASSWORD = "correct horse"
NEW = "battery staple 42!"
PHRASE = "test test test test test test test test test test test junk"


@pytest.fixture
def shell(make_shell, runtime, qtbot):
    shell = make_shell(runtime)
    shell.show()
    shell.window.set_page(6)
    return shell


def gone(widget) -> bool:
    return not shiboken6.isValid(widget) or not widget.isVisible()


def open_dialog(shell, qtbot) -> ChangePasswordDialog:
    page = shell.settings_page
    assert page.password_button.isEnabled()
    qtbot.mouseClick(page.password_button, Qt.MouseButton.LeftButton)
    dialog = shell.window.findChild(ChangePasswordDialog)
    assert dialog is not None and dialog.isVisible()
    return dialog


def fill(dialog: ChangePasswordDialog, current: str, new: str, repeat: str | None = None) -> None:
    dialog.current.field.setText(current)
    dialog.new.setText(new)
    dialog.repeat.setText(new if repeat is None else repeat)


def test_the_button_needs_a_wallet(shell, runtime, qtbot) -> None:
    assert not shell.settings_page.password_button.isEnabled()
    runtime.wallet.create(PHRASE, PASSWORD)
    qtbot.waitUntil(shell.settings_page.password_button.isEnabled)


def test_the_form_is_checked_before_the_keystore(shell, runtime, qtbot) -> None:
    runtime.wallet.create(PHRASE, PASSWORD)
    dialog = open_dialog(shell, qtbot)
    dialog.new.setText("short")
    assert "Too short" in dialog.meter.label.text()
    dialog.new.setText("Much Longer 1234!")
    assert "Strong" in dialog.meter.label.text() or "Good" in dialog.meter.label.text()

    fill(dialog, "", NEW)
    dialog.current.button.click()
    assert dialog.current.error.is_error and "current password" in dialog.current.error.text()
    fill(dialog, PASSWORD, "short")
    dialog.current.button.click()
    assert dialog.new_error.is_error and "at least 8" in dialog.new_error.text()
    fill(dialog, PASSWORD, NEW, "something else")
    qtbot.keyClick(dialog.repeat, Qt.Key.Key_Return)
    assert dialog.new_error.is_error and "not the same" in dialog.new_error.text()
    fill(dialog, PASSWORD, PASSWORD)
    dialog.current.button.click()
    assert "same as the current" in dialog.new_error.text()
    assert not dialog.busy and not dialog.progress.isVisible(), "nothing reached the keystore"
    dialog.reject()


def test_a_wrong_current_password_keeps_what_was_typed_then_it_changes(shell, runtime, qtbot) -> None:
    wallet = runtime.wallet
    wallet.create(PHRASE, PASSWORD)
    notices: list[str] = []
    shell.wallet.notice.connect(notices.append)
    dialog = open_dialog(shell, qtbot)
    fill(dialog, "wrong password", NEW)
    dialog.current.button.click()
    assert dialog.progress.isVisible() and not dialog.cancel_button.isEnabled(), "busy while scrypt runs"
    assert not dialog.new.isEnabled()
    dialog.reject()  # cannot close halfway
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.current.error.is_error)
    assert "not right" in dialog.current.error.text()
    assert not dialog.progress.isVisible() and dialog.new.isEnabled()
    assert dialog.current.field.text() == "wrong password" and dialog.current.field.selectedText()
    assert dialog.new.text() == NEW and dialog.repeat.text() == NEW

    dialog.current.field.setText(PASSWORD)
    qtbot.keyClick(dialog.current.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: gone(dialog), timeout=10000)
    assert notices == ["Wallet password changed."]
    wallet.lock()
    wallet.unlock(NEW)
    assert wallet.unlocked


def test_too_many_wrong_passwords_count_down(shell, runtime, qtbot) -> None:
    runtime.wallet.create(PHRASE, PASSWORD)
    dialog = open_dialog(shell, qtbot)
    prompt = dialog.current
    for attempt in range(4):
        fill(dialog, f"wrong {attempt}", NEW)
        prompt.button.click()
        qtbot.waitUntil(lambda: prompt.error.is_error and (prompt.button.isEnabled() or prompt.waiting))
    qtbot.waitUntil(lambda: "Try again in" in prompt.error.text())
    assert not prompt.button.isEnabled() and prompt.waiting
    assert dialog.new.text() == NEW, "the new password is kept while waiting"
    qtbot.waitUntil(prompt.button.isEnabled, timeout=10000)
    fill(dialog, PASSWORD, NEW)
    prompt.button.click()
    qtbot.waitUntil(lambda: gone(dialog), timeout=10000)
