"""The encrypted wallet file: one secret (a BIP-39 phrase or an imported key), many accounts.

The secret is only ever on disk inside a Web3 Secret Storage v3 ``crypto`` section (scrypt). The
account list (index, name, address) is stored in clear so the app can show balances before the user
unlocks, as MetaMask does; it holds nothing that can sign.

A keystore that does not parse is reported as ``KeystoreCorrupt`` and never overwritten: creating a
wallet where any file exists is refused. Wrong passwords are rate-limited with a delay that doubles
after the third failure; the counter lives in a file beside the keystore so restarting the app does
not reset it.

Every read-modify-write of the wallet folder (creating, importing, unlocking with its attempt
counter, changing the password, adding or renaming accounts) holds an exclusive lock on
``keystore.lock`` across processes and re-checks under it: two ``sahara wallet new`` at once
create one wallet and refuse the other (before, both printed a phrase and one wallet was lost),
and parallel password guesses are counted one after the other instead of all passing the limit.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from filelock import FileLock, Timeout

from app.fileio import atomic_write_text
from app.wallet import secret_storage
from app.wallet.secret_storage import KeystoreCorrupt, KeystoreTampered, WrongPassword

if TYPE_CHECKING:  # eth-account is imported where keys are made: listing accounts must stay instant
    from eth_account.signers.local import LocalAccount

    from app.wallet.hd import EncryptionKey

FORMAT = "sahara-wallet"
VERSION = 1
FREE_ATTEMPTS = 3
MAX_DELAY_S = 300.0
LOCK_TIMEOUT_S = 120.0  # unlocks queue behind each other, about a second of scrypt each

Kind = Literal["mnemonic", "private-key"]

__all__ = [
    "Keystore", "KeystoreCorrupt", "KeystoreTampered", "TooManyAttempts", "UnlockedWallet", "WalletBusy",
    "WrongPassword",
]  # fmt: skip


class TooManyAttempts(RuntimeError):
    def __init__(self, wait_s: float, message: str | None = None) -> None:
        super().__init__(message or f"Too many wrong passwords. Try again in {wait_s:.0f} s.")
        self.wait_s = wait_s


class WalletBusy(TooManyAttempts):
    """Another process held the wallet's lock for too long; like a rate limit, try again later."""

    def __init__(self, lock_file: Path) -> None:
        super().__init__(LOCK_TIMEOUT_S, f"The wallet is busy in another process ({lock_file}); try again.")


@dataclass(frozen=True)
class AccountEntry:
    index: int
    name: str
    address: str


@dataclass(frozen=True)
class UnlockedWallet:
    """The decrypted secret, held in memory only while unlocked."""

    kind: Kind
    secret: str  # the phrase, or the 0x-hex private key

    def account(self, index: int) -> LocalAccount:
        from eth_account import Account

        from app.wallet.hd import signing_account

        if self.kind == "mnemonic":
            return signing_account(self.secret, index)
        if index != 0:
            raise ValueError("a wallet imported from a private key has exactly one account")
        return Account.from_key(self.secret)

    def encryption_key(self, index: int) -> EncryptionKey:
        from eth_account import Account

        from app.wallet.hd import encryption_key_from_mnemonic, encryption_key_from_private_key

        if self.kind == "mnemonic":
            return encryption_key_from_mnemonic(self.secret, index)
        return encryption_key_from_private_key(bytes(Account.from_key(self.secret).key))


class Keystore:
    def __init__(self, folder: Path, scrypt_n: int = secret_storage.STANDARD_N) -> None:
        self.file = folder / "keystore.json"
        self.attempts_file = folder / "unlock-attempts.json"
        self.scrypt_n = scrypt_n
        self._lock = FileLock(str(folder / "keystore.lock"), timeout=LOCK_TIMEOUT_S)

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        """Hold the wallet folder's lock (re-entrant in this object) for a read-modify-write."""
        self.file.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire()
        except Timeout as exc:
            raise WalletBusy(Path(self._lock.lock_file)) from exc
        try:
            yield
        finally:
            self._lock.release()

    def exists(self) -> bool:
        return self.file.exists()

    # -- creating ---------------------------------------------------------------------------------

    def create_from_mnemonic(self, phrase: str, password: str) -> UnlockedWallet:
        from app.wallet.mnemonic import validate

        wallet = UnlockedWallet("mnemonic", validate(phrase))
        self._create(wallet, password)
        return wallet

    def create_from_private_key(self, key_hex: str, password: str) -> UnlockedWallet:
        from eth_account import Account

        try:
            account = Account.from_key(key_hex.strip())
        except (ValueError, TypeError) as exc:
            raise ValueError("That is not a valid private key (64 hex characters).") from exc
        wallet = UnlockedWallet("private-key", "0x" + bytes(account.key).hex())
        self._create(wallet, password)
        return wallet

    def _create(self, wallet: UnlockedWallet, password: str) -> None:
        if len(password) < 8:
            raise ValueError("Use a password of at least 8 characters.")
        with self._exclusive():
            if self.file.exists():  # checked under the lock: a second creator finds the first's file
                raise FileExistsError(f"A wallet already exists at {self.file}; it is never overwritten.")
            first = AccountEntry(0, "Account 1", wallet.account(0).address)
            self._write(
                wallet.kind,
                secret_storage.encrypt(wallet.secret.encode(), password, n=self.scrypt_n),
                [first],
            )

    # -- reading ----------------------------------------------------------------------------------

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            if self.file.is_file() and self.file.stat().st_size == 0:
                raise KeystoreCorrupt(
                    f"{self.file} is empty (0 bytes): the wallet's data is not in it, probably lost to a "
                    "crash or a full disk. Nothing else was changed. Restore the file from a backup, or "
                    "move it aside and run `sahara wallet import` with your recovery phrase."
                ) from exc
            raise KeystoreCorrupt(f"{self.file} cannot be read: {exc}") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise KeystoreCorrupt(f"{self.file} is not a Sahara wallet file")
        if data.get("version") != VERSION:
            raise KeystoreCorrupt(f"{self.file} has unsupported version {data.get('version')!r}")
        if data.get("kind") not in ("mnemonic", "private-key") or not isinstance(data.get("crypto"), dict):
            raise KeystoreCorrupt(f"{self.file} is missing its kind or crypto section")
        return data

    def accounts(self) -> list[AccountEntry]:
        listed = self._read().get("accounts")  # outside the try: its own KeystoreCorrupt says more
        try:
            return [AccountEntry(int(a["index"]), str(a["name"]), str(a["address"])) for a in listed]
        except (KeyError, TypeError, ValueError) as exc:
            raise KeystoreCorrupt(f"{self.file} has a malformed account list") from exc

    def unlock(self, password: str) -> UnlockedWallet:
        """The secret for the right password; the limit is checked and the attempt counted under the
        lock, so guesses in parallel processes are counted one after the other."""
        with self._exclusive():
            data = self._read()
            self._check_rate_limit()
            try:
                secret = secret_storage.decrypt(data["crypto"], password).decode("utf-8")
            except WrongPassword:
                self._record_attempt(failed=True)
                raise
            except KeystoreTampered as exc:  # the password was right: not a failed attempt
                raise KeystoreTampered(
                    f"{self.file}: {exc}. Restore the file from a backup, or move it aside and import "
                    "your recovery phrase."
                ) from exc
            except UnicodeDecodeError as exc:
                raise KeystoreCorrupt(f"{self.file} decrypts to garbage") from exc
            self._record_attempt(failed=False)
            wallet = UnlockedWallet(data["kind"], secret)
            if wallet.account(0).address != self.accounts()[0].address:
                raise KeystoreCorrupt(f"{self.file}: the stored address does not match the secret")
            if "passcheck" not in data["crypto"]:  # written before tampering could be told apart
                crypto = secret_storage.encrypt(secret.encode(), password, n=self.scrypt_n)
                self._write(wallet.kind, crypto, self.accounts(), created_at=data.get("created_at"))
            return wallet

    # -- changing ---------------------------------------------------------------------------------

    def change_password(self, old: str, new: str) -> None:
        if len(new) < 8:
            raise ValueError("Use a password of at least 8 characters.")
        with self._exclusive():
            wallet = self.unlock(old)
            data = self._read()
            crypto = secret_storage.encrypt(wallet.secret.encode(), new, n=self.scrypt_n)
            self._write(wallet.kind, crypto, self.accounts(), created_at=data.get("created_at"))

    def add_account(self, wallet: UnlockedWallet, name: str | None = None) -> AccountEntry:
        with self._exclusive():
            entries = self.accounts()
            index = max(e.index for e in entries) + 1
            entry = AccountEntry(index, name or f"Account {index + 1}", wallet.account(index).address)
            data = self._read()
            self._write(data["kind"], data["crypto"], [*entries, entry], created_at=data.get("created_at"))
            return entry

    def rename_account(self, index: int, name: str) -> None:
        name = name.strip()
        if not 0 < len(name) <= 40:
            raise ValueError("An account name has 1 to 40 characters.")
        with self._exclusive():
            data = self._read()
            entries = [
                AccountEntry(e.index, name if e.index == index else e.name, e.address)
                for e in self.accounts()
            ]
            self._write(data["kind"], data["crypto"], entries, created_at=data.get("created_at"))

    def _write(
        self,
        kind: Kind,
        crypto: dict[str, Any],
        accounts: list[AccountEntry],
        created_at: float | None = None,
    ) -> None:
        document = {
            "format": FORMAT,
            "version": VERSION,
            "kind": kind,
            "crypto": crypto,
            "accounts": [a.__dict__ for a in accounts],
            "created_at": created_at or time.time(),
        }
        atomic_write_text(self.file, json.dumps(document, indent=2))

    # -- rate limit -------------------------------------------------------------------------------

    def _attempts(self) -> tuple[int, float]:
        try:
            raw = json.loads(self.attempts_file.read_text(encoding="utf-8"))
            return int(raw["failed"]), float(raw["last"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0, 0.0

    def _check_rate_limit(self) -> None:
        failed, last = self._attempts()
        if failed < FREE_ATTEMPTS:
            return
        delay = min(2.0 ** (failed - FREE_ATTEMPTS), MAX_DELAY_S)
        wait = last + delay - time.time()
        if wait > 0:
            raise TooManyAttempts(wait)

    def _record_attempt(self, failed: bool) -> None:
        count = self._attempts()[0] + 1 if failed else 0
        atomic_write_text(self.attempts_file, json.dumps({"failed": count, "last": time.time()}))
