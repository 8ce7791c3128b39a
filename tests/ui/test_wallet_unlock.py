"""Unlocking (wrong password, rate-limit countdown, corrupt keystore never overwritten), the status
bar's account area in each state, and auto-lock driven by real input events."""

from __future__ import annotations

import json

import pytest
import shiboken6
from PySide6.QtCore import Qt

from app.ui.wallet.unlock_dialog import UnlockDialog

PASSWORD = "correct horse"
PHRASE = "test test test test test test test test test test test junk"


@pytest.fixture
def shell(make_shell, runtime, qtbot):
    shell = make_shell(runtime)
    shell.show()
    return shell


def gone(widget) -> bool:
    return not shiboken6.isValid(widget) or not widget.isVisible()


def unlock_dialog(shell) -> UnlockDialog:
    dialog = shell.window.findChild(UnlockDialog)
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_the_account_area_says_no_wallet_locked_or_the_account(shell, runtime, qtbot) -> None:
    status = shell.window.status
    assert status.account.text.text() == "No wallet yet"
    qtbot.mouseClick(status.account, Qt.MouseButton.LeftButton)
    assert shell.window.current_page() == 5, "no wallet: the click opens the Wallet page"

    shell.window.set_page(0)
    runtime.wallet.create(PHRASE, PASSWORD)  # the service tells its listeners; the bar follows
    qtbot.waitUntil(lambda: status.account.text.text() == "Account 1 · 0xf39F…2266")
    assert "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" in status.account.toolTip()
    qtbot.mouseClick(status.account, Qt.MouseButton.LeftButton)
    assert shell.window.current_page() == 5, "unlocked: the click opens the Wallet page"

    runtime.wallet.lock()
    qtbot.waitUntil(lambda: status.account.text.text() == "Locked")
    qtbot.mouseClick(status.account, Qt.MouseButton.LeftButton)
    dialog = unlock_dialog(shell)  # locked: the click asks for the password
    dialog.reject()


def test_unlock_with_a_wrong_then_the_right_password(shell, runtime, qtbot) -> None:
    runtime.wallet.create(PHRASE, PASSWORD)
    runtime.wallet.lock()
    shell.wallet.request_unlock()
    dialog = unlock_dialog(shell)
    prompt = dialog.prompt
    prompt.field.setText("wrong password")
    qtbot.keyClick(prompt.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: prompt.error.is_error)
    assert "not right" in prompt.error.text()
    assert prompt.field.text() == "wrong password" and prompt.field.selectedText() == "wrong password"
    assert dialog.isVisible() and not runtime.wallet.unlocked

    prompt.field.setText(PASSWORD)
    prompt.button.click()
    qtbot.waitUntil(lambda: gone(dialog))
    assert runtime.wallet.unlocked
    qtbot.waitUntil(lambda: shell.window.status.account.text.text().startswith("Account 1"))


def test_too_many_attempts_count_down_before_the_next_try(shell, runtime, qtbot) -> None:
    runtime.wallet.create(PHRASE, PASSWORD)
    runtime.wallet.lock()
    shell.wallet.request_unlock()
    dialog = unlock_dialog(shell)
    prompt = dialog.prompt
    for attempt in range(3):
        prompt.field.setText(f"wrong {attempt}")
        prompt.button.click()
        qtbot.waitUntil(lambda: prompt.button.isEnabled() and prompt.error.is_error)
    prompt.field.setText("wrong again")
    prompt.button.click()  # the keystore now refuses for a second before checking
    qtbot.waitUntil(lambda: "Try again in" in prompt.error.text())
    assert not prompt.button.isEnabled() and prompt.waiting
    qtbot.waitUntil(lambda: prompt.button.isEnabled(), timeout=10000)
    assert prompt.error.text() == "You can try again now."
    prompt.field.setText(PASSWORD)
    prompt.button.click()
    qtbot.waitUntil(lambda: runtime.wallet.unlocked, timeout=10000)


def test_a_corrupt_keystore_is_reported_and_left_alone(shell, runtime, qtbot) -> None:
    runtime.wallet.create(PHRASE, PASSWORD)
    runtime.wallet.lock()
    keystore = runtime.wallet.keystore.file
    keystore.write_text(json.dumps({"format": "sahara-wallet", "version": 99}))
    before = keystore.read_bytes()
    shell.wallet.request_unlock()
    dialog = unlock_dialog(shell)
    dialog.prompt.field.setText(PASSWORD)
    dialog.prompt.button.click()
    qtbot.waitUntil(lambda: dialog.prompt.error.is_error)
    text = dialog.prompt.error.text()
    assert "cannot be read" in text and "unsupported version" in text and str(keystore) in text
    assert "left exactly as it is" in text and "never overwrites" in text
    assert not dialog.prompt.button.isEnabled(), "no retry, and nothing offers to make a new wallet"
    buttons = [b.text().lower() for b in dialog.findChildren(type(dialog.prompt.button))]
    assert not any(b.startswith(("create", "reset", "overwrite", "new")) for b in buttons)
    assert keystore.read_bytes() == before
    dialog.reject()


def test_auto_lock_after_idle_and_input_keeps_it_unlocked(shell, runtime, qtbot) -> None:
    wallet = runtime.wallet
    wallet.create(PHRASE, PASSWORD)
    wallet.auto_lock_s = 0.4
    shell.start_services()
    qtbot.waitUntil(lambda: shell.monitor.block is not None)
    assert shell.wallet.auto_lock.isActive()
    for _ in range(6):  # typing for longer than the auto-lock time
        qtbot.keyClick(shell.window, Qt.Key.Key_Shift)
        qtbot.wait(100)
        shell.wallet.check_idle()
    assert wallet.unlocked, "key presses anywhere in the app count as activity"
    qtbot.wait(500)
    shell.wallet.check_idle()  # what the QTimer does every few seconds
    assert not wallet.unlocked
    qtbot.waitUntil(lambda: shell.window.status.account.text.text() == "Locked")
    assert "locked itself" in shell.window.status.message.text()


def test_quitting_locks_closes_the_client_and_clears_a_copied_phrase(shell, runtime, qtbot) -> None:
    from PySide6.QtGui import QGuiApplication

    runtime.wallet.create(PHRASE, PASSWORD)
    shell.start_services()
    qtbot.waitUntil(lambda: shell.monitor.block is not None)
    shell.wallet.clipboard.copy(PHRASE)
    with qtbot.waitSignal(shell.finished, timeout=10000):
        shell.request_quit()
    assert runtime.aclose_calls == 1, "runtime.aclose() is awaited before the loop stops"
    assert not runtime.wallet.unlocked
    assert QGuiApplication.clipboard().text() == ""
