"""Settings → Wallet → "Remember on this computer": the switch (unavailable without a keychain,
asks for the password to turn on, deletes it when off) and the silent unlock at start. The keychain
is keyring's API over an in-memory backend: this machine has no OS keychain."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
import shiboken6
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import PasswordDeleteError
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from app.ui.wallet.remember_dialog import RememberDialog
from app.wallet import remember

PASSWORD = "correct horse"
PHRASE = "test test test test test test test test test test test junk"


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


@pytest.fixture
def backend() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    yield memory
    keyring.set_keyring(before)


@pytest.fixture
def make(make_shell, runtime, qtbot):
    def started():
        shell = make_shell(runtime)
        shell.show()
        shell.window.set_page(6)
        shell.notices = []  # what the controller told the status bar (later messages may replace it)
        shell.wallet.notice.connect(shell.notices.append)
        shell.start_services()
        qtbot.waitUntil(lambda: shell.wallet.remembered is not None)
        return shell

    return started


def gone(widget) -> bool:
    return not shiboken6.isValid(widget) or not widget.isVisible()


def test_turning_it_on_asks_for_the_password_and_off_deletes_it(backend, make, runtime, qtbot) -> None:
    runtime.wallet.create(PHRASE, PASSWORD)
    shell = make()
    check = shell.settings_page.remember_check
    file = runtime.wallet.keystore.file
    assert check.isEnabled() and not check.isChecked(), "off by default"

    qtbot.mouseClick(check, Qt.MouseButton.LeftButton)
    dialog = shell.window.findChild(RememberDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.reject()  # cancelled: the switch goes back off, nothing stored
    qtbot.waitUntil(lambda: not check.isChecked() and shell.window.findChild(RememberDialog) is None)
    assert backend.entries == {}

    qtbot.mouseClick(check, Qt.MouseButton.LeftButton)
    dialog = shell.window.findChild(RememberDialog)
    dialog.prompt.field.setText("wrong password")
    dialog.prompt.button.click()
    qtbot.waitUntil(lambda: dialog.prompt.error.is_error)
    assert "not right" in dialog.prompt.error.text() and backend.entries == {}
    dialog.prompt.field.setText(PASSWORD)
    qtbot.keyClick(dialog.prompt.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: gone(dialog))
    qtbot.waitUntil(check.isChecked)
    assert backend.entries == {("Sahara Desktop", str(file)): PASSWORD}

    qtbot.mouseClick(check, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shell.wallet.remembered is False)
    assert not check.isChecked() and backend.entries == {}


def test_a_remembered_password_unlocks_silently_at_start(backend, make, runtime, qtbot) -> None:
    runtime.wallet.create(PHRASE, PASSWORD)
    runtime.wallet.lock()
    remember.remember(runtime.wallet.keystore.file, PASSWORD)
    shell = make()
    qtbot.waitUntil(lambda: bool(shell.notices))
    assert runtime.wallet.unlocked and any(
        "unlocked with the password remembered" in notice for notice in shell.notices
    )
    assert shell.settings_page.remember_check.isChecked()
    qtbot.waitUntil(lambda: shell.window.status.account.text.text().startswith("Account 1"))


def test_a_wrong_remembered_password_is_deleted_and_the_user_asked(backend, make, runtime, qtbot) -> None:
    runtime.wallet.create(PHRASE, PASSWORD)
    runtime.wallet.lock()
    remember.remember(runtime.wallet.keystore.file, "an old password")
    shell = make()
    qtbot.waitUntil(lambda: any("no longer works" in notice for notice in shell.notices))
    assert backend.entries == {}, "the wrong stored password is deleted"
    assert not runtime.wallet.unlocked and not shell.settings_page.remember_check.isChecked()
    assert shell.window.status.account.text.text() == "Locked"


def test_the_switch_is_disabled_without_a_keychain(make, runtime, qtbot) -> None:
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        runtime.wallet.create(PHRASE, PASSWORD)
        shell = make()
        check = shell.settings_page.remember_check
        qtbot.waitUntil(lambda: bool(check.toolTip()))
        assert not check.isEnabled() and not check.isChecked()
        assert "no keychain" in check.toolTip()
    finally:
        keyring.set_keyring(before)


def test_the_keychain_is_asked_once_a_wallet_is_created(backend, make_shell, runtime, qtbot) -> None:
    shell = make_shell(runtime)
    shell.show()
    shell.start_services()
    check = shell.settings_page.remember_check
    qtbot.waitUntil(lambda: shell.wallet.keychain.asked and not shell.wallet.keychain.asking)
    assert shell.wallet.remembered is None and not check.isEnabled(), "no wallet: nothing to remember"
    runtime.wallet.create(PHRASE, PASSWORD)
    shell.wallet.wallet_created()  # what onboarding calls when it is done
    qtbot.waitUntil(check.isEnabled)
    assert not check.isChecked()
    for dialog in shell.window.findChildren(QDialog):  # start-up offers the wallet set-up
        dialog.reject()
