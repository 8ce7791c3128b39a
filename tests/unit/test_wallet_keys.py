"""Mnemonics, HD derivation and v3 secret storage against published vectors and eth-keyfile."""

from __future__ import annotations

import eth_keyfile
import pytest

from app.wallet import secret_storage
from app.wallet.hd import encryption_key_from_mnemonic, encryption_key_from_private_key, signing_account
from app.wallet.mnemonic import MnemonicError, generate, validate

ANVIL = "test test test test test test test test test test test junk"
ABANDON = "abandon " * 11 + "about"
FAST_N = 1 << 12


@pytest.mark.parametrize(
    ("phrase", "index", "address"),
    [
        (ANVIL, 0, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
        (ANVIL, 1, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"),
        (ABANDON, 0, "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"),
    ],
)
def test_derivation_matches_metamask_and_anvil(phrase: str, index: int, address: str) -> None:
    assert signing_account(phrase, index).address == address


def test_generated_phrases_are_valid_and_distinct() -> None:
    twelve, twenty_four = generate(12), generate(24)
    assert len(twelve.split()) == 12 and len(twenty_four.split()) == 24
    assert validate(twelve) == twelve and twelve != generate(12)


def test_validate_normalizes_what_people_paste() -> None:
    assert validate("  Test TEST test test test test test test test test test   junk\n") == ANVIL


def test_wrong_word_is_named_with_a_suggestion() -> None:
    with pytest.raises(MnemonicError) as exc:
        validate(ANVIL.replace("junk", "junkk"))
    assert exc.value.word_index == 12
    assert "Word 12, 'junkk'" in str(exc.value) and "'junk'" in str(exc.value)


def test_word_count_and_checksum_errors() -> None:
    with pytest.raises(MnemonicError, match="has 11"):
        validate("test " * 11)
    with pytest.raises(MnemonicError, match="checksum"):
        validate("test " * 12)


def test_encryption_key_is_deterministic_and_not_the_signing_key() -> None:
    enc = encryption_key_from_mnemonic(ANVIL, 0)
    assert enc == encryption_key_from_mnemonic(ANVIL, 0)
    assert enc.private_key != bytes(signing_account(ANVIL, 0).key)
    assert enc != encryption_key_from_mnemonic(ANVIL, 1)
    assert len(enc.public_key) == 64
    key = bytes(signing_account(ANVIL, 0).key)
    assert encryption_key_from_private_key(key).private_key not in (key, enc.private_key)


def test_v3_secret_storage_interoperates_with_eth_keyfile() -> None:
    key = bytes(signing_account(ANVIL, 0).key)
    ours = {"version": 3, "address": "f39fd6e51aad88f6f4ce6ab8827279cfffb92266"}
    ours["crypto"] = secret_storage.encrypt(key, "hunter22", n=FAST_N)
    assert eth_keyfile.decode_keyfile_json(ours, b"hunter22") == key
    theirs = eth_keyfile.create_keyfile_json(key, b"hunter22", kdf="scrypt", iterations=FAST_N)
    assert secret_storage.decrypt(theirs["crypto"], "hunter22") == key


def test_v3_wrong_password_and_malformed_input() -> None:
    crypto = secret_storage.encrypt(ANVIL.encode(), "correct horse", n=FAST_N)
    assert secret_storage.decrypt(crypto, "correct horse") == ANVIL.encode()
    with pytest.raises(secret_storage.WrongPassword):
        secret_storage.decrypt(crypto, "wrong horse")
    with pytest.raises(secret_storage.KeystoreCorrupt):
        secret_storage.decrypt({**crypto, "ciphertext": "zz"}, "correct horse")
    with pytest.raises(secret_storage.KeystoreCorrupt):
        secret_storage.decrypt({**crypto, "kdfparams": {**crypto["kdfparams"], "n": 3}}, "correct horse")
