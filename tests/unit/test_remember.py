"""Remembering the wallet password in the OS keychain (through keyring, with an in-memory backend
here: this machine has no keychain), and ``WalletService.change_password``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail
from keyring.errors import KeyringError, PasswordDeleteError

from app.wallet import remember
from app.wallet.keystore import TooManyAttempts, WrongPassword
from app.wallet.service import WalletService

PHRASE = "test test test test test test test test test test test junk"
PASSWORD = "correct horse"
FAST_N = 1 << 12


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}
        self.broken = False

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.broken:
            raise KeyringError("locked collection")
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.entries:
            raise PasswordDeleteError("not found")
        del self.entries[(service, username)]


@pytest.fixture
def backend() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    yield memory
    keyring.set_keyring(before)


@pytest.fixture
def wallet(tmp_path: Path) -> WalletService:
    service = WalletService(tmp_path / "wallet", scrypt_n=FAST_N)
    service.create(PHRASE, PASSWORD)
    return service


def test_remember_recall_forget(backend: MemoryKeyring, tmp_path: Path) -> None:
    file = tmp_path / "keystore.json"
    assert remember.unavailable_reason() is None
    assert remember.recall(file) is None and not remember.is_remembered(file)
    remember.remember(file, PASSWORD)
    assert backend.entries == {("Sahara Desktop", str(file)): PASSWORD}
    assert remember.recall(file) == PASSWORD and remember.is_remembered(file)
    assert remember.recall(tmp_path / "other" / "keystore.json") is None, "one entry per keystore path"
    remember.forget(file)
    assert backend.entries == {}
    remember.forget(file)  # nothing stored: still fine


def test_a_keychain_error_is_said_plainly(backend: MemoryKeyring, tmp_path: Path) -> None:
    backend.broken = True
    with pytest.raises(remember.RememberError, match="did not store"):
        remember.remember(tmp_path / "keystore.json", PASSWORD)


@pytest.mark.parametrize("unusable", [fail.Keyring, lambda: chainer.ChainerBackend()])
def test_no_usable_backend_is_unavailable(unusable, tmp_path: Path, monkeypatch) -> None:
    before = keyring.get_keyring()
    backend = unusable()
    if isinstance(backend, chainer.ChainerBackend):
        monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    keyring.set_keyring(backend)
    try:
        reason = remember.unavailable_reason()
        assert reason is not None and "no keychain" in reason
        file = tmp_path / "keystore.json"
        assert remember.recall(file) is None
        remember.forget(file)
        with pytest.raises(remember.RememberError, match="no keychain"):
            remember.remember(file, PASSWORD)
    finally:
        keyring.set_keyring(before)


def test_change_password(wallet: WalletService) -> None:
    with pytest.raises(WrongPassword):
        wallet.change_password("not it at all", "a new password")
    with pytest.raises(ValueError, match="at least 8"):
        wallet.change_password(PASSWORD, "short")
    wallet.change_password(PASSWORD, "a new password")
    wallet.lock()
    with pytest.raises(WrongPassword):
        wallet.unlock(PASSWORD)
    wallet.unlock("a new password")
    assert wallet.unlocked


def test_change_password_is_rate_limited(wallet: WalletService) -> None:
    for attempt in range(3):
        with pytest.raises(WrongPassword):
            wallet.change_password(f"wrong {attempt}", "a new password")
    with pytest.raises(TooManyAttempts):
        wallet.change_password(PASSWORD, "a new password")


def test_a_remembered_password_follows_a_change(backend: MemoryKeyring, wallet: WalletService) -> None:
    file = wallet.keystore.file
    wallet.change_password(PASSWORD, "second password")
    assert not remember.is_remembered(file), "not remembered before: still not remembered"
    remember.remember(file, "second password")
    wallet.change_password("second password", "third password")
    assert remember.recall(file) == "third password"


def test_a_keychain_that_fails_on_change_forgets(backend: MemoryKeyring, wallet: WalletService) -> None:
    file = wallet.keystore.file
    remember.remember(file, PASSWORD)
    backend.broken = True
    wallet.change_password(PASSWORD, "second password")
    assert not remember.is_remembered(file), "a stale password is not left behind"
