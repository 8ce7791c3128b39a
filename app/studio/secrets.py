"""Encrypted secrets (API keys) that graphs refer to by name and never contain.

Values are sealed with AES-256-GCM, each with a fresh nonce and its name as associated data (an
entry copied under another name does not decrypt). The key is 32 random bytes in a per-install
key file created with 0600 permissions beside the store. Why not the wallet key: headless runs
(``sahara agent run``, the worker) must read secrets without unlocking the wallet.

What this protects against: secrets leaking through graph files, exports, shared agents, logs and
casual reads of the store file. It does not stop someone who can read every file in the user's
data folder (the key is there too); the OS account is that boundary, as for any desktop app.
"""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path

from filelock import FileLock

from app import safe_json
from app.fileio import atomic_write_text
from app.paths import AppPaths

NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class SecretError(Exception):
    """A secret that is missing, misnamed or cannot be decrypted."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class SecretStore:
    """Named secrets in ``folder/secrets.json``, sealed with the key in ``folder/secrets.key``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.file = folder / "secrets.json"
        self.key_file = folder / "secrets.key"
        self._lock = FileLock(str(folder / "secrets.lock"))

    def _key(self, create: bool) -> bytes | None:
        if not self.key_file.exists():
            if not create:
                return None
            self.folder.mkdir(parents=True, exist_ok=True)
            with self._lock:  # two first runs at once must not make two keys
                if not self.key_file.exists():
                    atomic_write_text(self.key_file, os.urandom(32).hex(), mode=0o600)
        try:
            key = bytes.fromhex(self.key_file.read_text(encoding="ascii").strip())
        except (OSError, ValueError) as exc:
            raise SecretError(f"the secrets key file {self.key_file} is unreadable: {exc}") from None
        if len(key) != 32:
            raise SecretError(f"the secrets key file {self.key_file} is damaged")
        return key

    def _entries(self) -> dict[str, dict[str, str]]:
        try:
            data = safe_json.loads(self.file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise SecretError(f"the secrets file {self.file} is unreadable: {exc}") from None
        return dict(data.get("secrets", {}))

    def names(self) -> list[str]:
        return sorted(self._entries())

    def set(self, name: str, value: str) -> None:
        """Store (or replace) ``name``; the value is encrypted before it touches the disk."""
        from Crypto.Cipher import AES

        if not NAME.match(name):
            raise SecretError(f"bad secret name {name!r}: use letters, digits, '_', '.', '-' (up to 64)")
        key = self._key(create=True)
        assert key is not None
        cipher = AES.new(key, AES.MODE_GCM, nonce=os.urandom(12))
        cipher.update(name.encode())
        sealed, tag = cipher.encrypt_and_digest(value.encode())
        entry = {"nonce": _b64(cipher.nonce), "ciphertext": _b64(sealed), "tag": _b64(tag)}
        with self._lock:
            entries = self._entries()
            entries[name] = entry
            self._write(entries)

    def get(self, name: str) -> str:
        from Crypto.Cipher import AES

        entry = self._entries().get(name)
        key = self._key(create=False)
        if entry is None or key is None:
            raise SecretError(
                f"no secret named {name!r}: add it in Settings or with `sahara agent secret set`"
            )
        try:
            cipher = AES.new(key, AES.MODE_GCM, nonce=base64.b64decode(entry["nonce"]))
            cipher.update(name.encode())
            plain = cipher.decrypt_and_verify(
                base64.b64decode(entry["ciphertext"]), base64.b64decode(entry["tag"])
            )
        except (KeyError, ValueError):
            raise SecretError(
                f"secret {name!r} cannot be decrypted (damaged, or another install's key)"
            ) from None
        return plain.decode()

    def delete(self, name: str) -> bool:
        """Remove ``name``; False if there was no such secret."""
        with self._lock:
            entries = self._entries()
            if entries.pop(name, None) is None:
                return False
            self._write(entries)
        return True

    def _write(self, entries: dict[str, dict[str, str]]) -> None:
        atomic_write_text(self.file, json.dumps({"version": 1, "secrets": entries}, indent=2), mode=0o600)


def default_store(paths: AppPaths) -> SecretStore:
    """The one secrets store of this install (the app and ``sahara agent`` share it)."""
    return SecretStore(paths.data / "studio")
