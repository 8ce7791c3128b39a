"""The encrypted wallet file: create, unlock, rate-limit, corruption, password change, accounts."""

from __future__ import annotations

import json

import pytest

from app.wallet.keystore import Keystore, KeystoreCorrupt, TooManyAttempts, WrongPassword

ANVIL = "test test test test test test test test test test test junk"
ANVIL_KEY0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


@pytest.fixture
def keystore(tmp_path) -> Keystore:
    return Keystore(tmp_path / "wallet", scrypt_n=1 << 12)


def test_mnemonic_wallet_round_trip_keeps_no_secret_in_clear(keystore: Keystore) -> None:
    keystore.create_from_mnemonic(ANVIL, "password1")
    text = keystore.file.read_text()
    assert "junk" not in text and ANVIL_KEY0[2:] not in text
    assert keystore.file.stat().st_mode & 0o077 == 0
    assert [a.address for a in keystore.accounts()] == ["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"]
    wallet = keystore.unlock("password1")
    assert wallet.secret == ANVIL and "0x" + bytes(wallet.account(0).key).hex() == ANVIL_KEY0


def test_private_key_wallet_has_one_account(keystore: Keystore) -> None:
    keystore.create_from_private_key(ANVIL_KEY0, "password1")
    wallet = keystore.unlock("password1")
    assert wallet.account(0).address == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    with pytest.raises(ValueError, match="exactly one"):
        wallet.account(1)
    with pytest.raises(ValueError, match="not a valid private key"):
        Keystore(keystore.file.parent.parent / "other").create_from_private_key("0x1234", "password1")


def test_existing_or_corrupt_file_is_never_overwritten(keystore: Keystore) -> None:
    keystore.file.parent.mkdir(parents=True)
    keystore.file.write_text("{ torn")
    with pytest.raises(KeystoreCorrupt):
        keystore.unlock("password1")
    with pytest.raises(FileExistsError):
        keystore.create_from_mnemonic(ANVIL, "password1")
    assert keystore.file.read_text() == "{ torn"


def test_tampered_address_is_detected(keystore: Keystore) -> None:
    keystore.create_from_mnemonic(ANVIL, "password1")
    data = json.loads(keystore.file.read_text())
    data["accounts"][0]["address"] = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    keystore.file.write_text(json.dumps(data))
    with pytest.raises(KeystoreCorrupt, match="does not match"):
        keystore.unlock("password1")


def test_wrong_passwords_are_rate_limited_across_restarts(keystore: Keystore) -> None:
    keystore.create_from_mnemonic(ANVIL, "password1")
    for _ in range(3):
        with pytest.raises(WrongPassword):
            keystore.unlock("nope-nope")
    restarted = Keystore(keystore.file.parent, scrypt_n=1 << 12)
    with pytest.raises(TooManyAttempts) as exc:
        restarted.unlock("password1")  # even the right password waits
    assert 0 < exc.value.wait_s <= 2


def test_change_password_and_accounts(keystore: Keystore) -> None:
    wallet = keystore.create_from_mnemonic(ANVIL, "password1")
    with pytest.raises(ValueError, match="8 characters"):
        keystore.change_password("password1", "short")
    keystore.change_password("password1", "password2")
    with pytest.raises(WrongPassword):
        keystore.unlock("password1")
    assert keystore.unlock("password2").secret == ANVIL
    entry = keystore.add_account(wallet)
    assert entry.address == "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" and entry.name == "Account 2"
    keystore.rename_account(1, "Labeling")
    assert [a.name for a in keystore.accounts()] == ["Account 1", "Labeling"]
    with pytest.raises(ValueError):
        keystore.rename_account(0, "   ")
