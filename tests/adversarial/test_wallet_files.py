"""A damaged wallet file says what happened and loses nothing: an empty keystore, and a ciphertext
changed on disk, which is not a wrong password and must not count as one (issue 12, item 10)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.wallet.keystore import Keystore, KeystoreTampered, WrongPassword
from app.wallet.mnemonic import generate

PASSWORD = "correct horse battery"


def sahara(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SAHARA_HOME": str(home)}
    cmd = [sys.executable, "-m", "app.cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def keystore(tmp_path: Path) -> Keystore:
    made = Keystore(tmp_path / "wallet", scrypt_n=1 << 12)
    made.create_from_mnemonic(generate(12), PASSWORD)
    return made


def tamper(keystore: Keystore, drop_passcheck: bool = False) -> None:
    data = json.loads(keystore.file.read_text())
    ciphertext = bytearray(bytes.fromhex(data["crypto"]["ciphertext"]))
    ciphertext[3] ^= 0x01
    data["crypto"]["ciphertext"] = ciphertext.hex()
    if drop_passcheck:
        del data["crypto"]["passcheck"]
    keystore.file.write_text(json.dumps(data))


def failed_attempts(keystore: Keystore) -> int:
    if not keystore.attempts_file.exists():
        return 0
    return int(json.loads(keystore.attempts_file.read_text())["failed"])


def test_empty_keystore_is_named_empty_with_what_to_do_and_kept(home: Path) -> None:
    keystore = home / "data" / "wallet" / "keystore.json"
    keystore.parent.mkdir(parents=True)
    keystore.write_bytes(b"")
    listed = sahara(home, "wallet", "list")
    assert listed.returncode == 1
    assert "is empty (0 bytes)" in listed.stderr and "sahara wallet import" in listed.stderr, listed.stderr
    assert "malformed account list" not in listed.stderr
    assert keystore.read_bytes() == b""  # nothing lost: the file stays for the user to restore
    again = sahara(home, "wallet", "new", "--password-file", "/dev/null")
    assert again.returncode == 1 and keystore.read_bytes() == b""


def test_tampered_ciphertext_is_reported_as_tampering_and_not_counted(keystore: Keystore) -> None:
    tamper(keystore)
    for _ in range(5):  # more than the free attempts: none of them is counted
        with pytest.raises(KeystoreTampered, match="altered or damaged"):
            keystore.unlock(PASSWORD)
    assert failed_attempts(keystore) == 0
    with pytest.raises(WrongPassword):  # a wrong password still reads and counts as one
        keystore.unlock("not the password")
    assert failed_attempts(keystore) == 1


def test_a_keystore_from_before_the_passcheck_gains_it_on_the_next_unlock(keystore: Keystore) -> None:
    data = json.loads(keystore.file.read_text())
    del data["crypto"]["passcheck"]
    keystore.file.write_text(json.dumps(data))
    before = keystore.accounts()
    keystore.unlock(PASSWORD)
    assert "passcheck" in json.loads(keystore.file.read_text())["crypto"]
    assert keystore.accounts() == before
    keystore.unlock(PASSWORD)  # the rewritten file opens with the same password


def test_an_old_keystore_cannot_tell_tampering_apart_and_says_wrong_password(keystore: Keystore) -> None:
    tamper(keystore, drop_passcheck=True)
    with pytest.raises(WrongPassword):
        keystore.unlock(PASSWORD)
