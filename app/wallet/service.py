"""The unlocked-wallet session: who is unlocked, which account is active, and when to lock again.

The GUI, the CLI and ``sahara serve`` share this one object instead of passing decrypted secrets
around. Everything that signs asks it for a signer and gets ``WalletLocked`` if the user has been
idle past the auto-lock time, so a forgotten unlocked laptop does not stay a signing machine.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eth_account.messages import encode_defunct, encode_typed_data
from eth_account.signers.local import LocalAccount

from app.events import Events
from app.wallet.hd import EncryptionKey
from app.wallet.keystore import AccountEntry, Keystore, UnlockedWallet
from app.wallet.mnemonic import generate

DEFAULT_AUTO_LOCK_S = 15 * 60


class WalletLocked(RuntimeError):
    def __init__(self) -> None:
        super().__init__("The wallet is locked. Unlock it with your password.")


class WalletService:
    def __init__(
        self,
        folder: Path,
        *,
        auto_lock_s: float = DEFAULT_AUTO_LOCK_S,
        scrypt_n: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.keystore = Keystore(folder) if scrypt_n is None else Keystore(folder, scrypt_n=scrypt_n)
        self.auto_lock_s = auto_lock_s
        self.active_index = 0
        self._clock = clock
        self._wallet: UnlockedWallet | None = None
        self._last_activity = clock()
        self.events = Events("lock_changed")  # (unlocked: bool) whenever it locks or unlocks

    # -- state -----------------------------------------------------------------------------------

    @property
    def exists(self) -> bool:
        return self.keystore.exists()

    @property
    def unlocked(self) -> bool:
        self.lock_if_idle()
        return self._wallet is not None

    def accounts(self) -> list[AccountEntry]:
        return self.keystore.accounts() if self.exists else []

    def active_account(self) -> AccountEntry | None:
        return next((a for a in self.accounts() if a.index == self.active_index), None)

    def _set(self, wallet: UnlockedWallet | None) -> None:
        self._wallet = wallet
        self._last_activity = self._clock()
        self.events.emit("lock_changed", wallet is not None)

    # -- creating and unlocking ------------------------------------------------------------------

    @staticmethod
    def new_mnemonic(words: int = 12) -> str:
        """A fresh phrase to show the user once; nothing is stored until ``create`` is called."""
        return generate(words)

    def create(self, phrase: str, password: str) -> AccountEntry:
        self._set(self.keystore.create_from_mnemonic(phrase, password))
        return self.accounts()[0]

    def import_private_key(self, key_hex: str, password: str) -> AccountEntry:
        self._set(self.keystore.create_from_private_key(key_hex, password))
        return self.accounts()[0]

    def unlock(self, password: str) -> None:
        self._set(self.keystore.unlock(password))

    def lock(self) -> None:
        if self._wallet is not None:
            self._set(None)

    def touch(self) -> None:
        """The user did something: push the auto-lock back."""
        self._last_activity = self._clock()

    def lock_if_idle(self) -> bool:
        if self._wallet is not None and self._clock() - self._last_activity >= self.auto_lock_s:
            self._set(None)
            return True
        return False

    def change_password(self, old: str, new: str) -> None:
        """Re-encrypt the keystore under ``new`` (``WrongPassword``/``TooManyAttempts`` for ``old``,
        ``ValueError`` for a too-short ``new``); a password remembered in the keychain follows it."""
        from app.wallet import remember

        self.keystore.change_password(old, new)
        self.touch()
        try:
            remember.update(self.keystore.file, new)
        except remember.RememberError:  # a stale entry would only fail the next silent unlock
            with contextlib.suppress(remember.RememberError):
                remember.forget(self.keystore.file)

    def reveal_mnemonic(self, password: str) -> str:
        """The phrase, only against the password again (even when already unlocked)."""
        wallet = self.keystore.unlock(password)
        if wallet.kind != "mnemonic":
            raise ValueError("This wallet was imported from a private key; it has no recovery phrase.")
        return wallet.secret

    # -- using -----------------------------------------------------------------------------------

    def _unlocked_wallet(self) -> UnlockedWallet:
        if not self.unlocked or self._wallet is None:
            raise WalletLocked()
        self.touch()
        return self._wallet

    def add_account(self, name: str | None = None) -> AccountEntry:
        return self.keystore.add_account(self._unlocked_wallet(), name)

    def signer(self, index: int | None = None) -> LocalAccount:
        return self._unlocked_wallet().account(self.active_index if index is None else index)

    def encryption_key(self, index: int | None = None) -> EncryptionKey:
        return self._unlocked_wallet().encryption_key(self.active_index if index is None else index)

    def sign_typed_data(self, typed_data: dict[str, Any], index: int | None = None) -> bytes:
        """EIP-712 signature (e.g. an ERC-2612 permit) as 65 bytes r‖s‖v."""
        signed = self.signer(index).sign_message(encode_typed_data(full_message=typed_data))
        return bytes(signed.signature)

    def personal_sign(self, message: bytes | str, index: int | None = None) -> bytes:
        data = message.encode() if isinstance(message, str) else message
        return bytes(self.signer(index).sign_message(encode_defunct(primitive=data)).signature)
