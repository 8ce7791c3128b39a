"""Remember on this computer: the wallet password in the operating system's keychain.

The entry lives under service ``Sahara Desktop`` with the keystore file's path as user name, so two
data folders never share a password. There is no setting for it: the switch is on exactly when the
entry exists. Where no usable keychain backend exists (a headless Linux box has only keyring's
``fail`` backend, or a chainer with nothing in it) the feature is unavailable and says why.

Every call may block (a keychain can ask the OS, or the user, first): the GUI runs them in a thread.
"""

from __future__ import annotations

from pathlib import Path

SERVICE = "Sahara Desktop"


class RememberError(RuntimeError):
    """The keychain refused or failed; the message says so in plain words."""


def _username(keystore_file: Path) -> str:
    return str(keystore_file)


def unavailable_reason() -> str | None:
    """None when a usable keychain exists, else why the password cannot be remembered."""
    try:
        import keyring
        from keyring.backends import chainer, fail
    except ImportError:
        return "The keyring package is not installed, so Sahara cannot use this computer's keychain."
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring) or (
        isinstance(backend, chainer.ChainerBackend) and not backend.backends
    ):
        return (
            "This computer has no keychain Sahara can use (no Secret Service, macOS Keychain or "
            "Windows Credential Manager), so the password cannot be remembered."
        )
    return None


def recall(keystore_file: Path) -> str | None:
    """The remembered password, or None (nothing stored, or no usable keychain)."""
    import keyring
    from keyring.errors import KeyringError

    if unavailable_reason() is not None:
        return None
    try:
        return keyring.get_password(SERVICE, _username(keystore_file))
    except KeyringError:
        return None


def is_remembered(keystore_file: Path) -> bool:
    return recall(keystore_file) is not None


def remember(keystore_file: Path, password: str) -> None:
    import keyring
    from keyring.errors import KeyringError

    reason = unavailable_reason()
    if reason is not None:
        raise RememberError(reason)
    try:
        keyring.set_password(SERVICE, _username(keystore_file), password)
    except KeyringError as exc:
        raise RememberError(f"The keychain did not store the password: {exc}") from exc


def forget(keystore_file: Path) -> None:
    """Delete the remembered password; nothing stored is fine."""
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    if unavailable_reason() is not None:
        return
    try:
        keyring.delete_password(SERVICE, _username(keystore_file))
    except PasswordDeleteError:
        return
    except KeyringError as exc:
        raise RememberError(f"The keychain did not delete the password: {exc}") from exc


def update(keystore_file: Path, password: str) -> None:
    """After a password change: a remembered password follows it (else unlocking silently fails)."""
    if is_remembered(keystore_file):
        remember(keystore_file, password)
