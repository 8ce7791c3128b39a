"""`sahara serve` and `sahara wallet pubkey` as a person on a server uses them: real processes, a
throwaway SAHARA_HOME, the embedded devnet."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.chain.devnet import Devnet
from app.wallet.faucet import DEV_MNEMONIC
from app.wallet.hd import encryption_key_from_mnemonic, encryption_key_from_private_key, signing_account

PASSWORD = "correct horse battery staple"


def sahara(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SAHARA_HOME": str(home)}
    command = [sys.executable, "-m", "app.cli", *args]
    return subprocess.run(command, input=stdin, capture_output=True, text=True, env=env, timeout=180)


@pytest.fixture
def password(tmp_path: Path) -> Path:
    path = tmp_path / "pw"
    path.write_text(PASSWORD + "\n")
    return path


def import_wallet(home: Path, password: Path, secret: str = DEV_MNEMONIC, *flags: str) -> None:
    done = sahara(home, "wallet", "import", *flags, "--password-file", str(password), stdin=secret + "\n")
    assert done.returncode == 0, done.stderr


def test_wallet_pubkey_prints_the_encryption_key(home: Path, password: Path, tmp_path: Path) -> None:
    missing = sahara(home, "wallet", "pubkey", "--password-file", str(password))
    assert missing.returncode == 1 and "no wallet" in missing.stderr
    import_wallet(home, password)
    shown = sahara(home, "wallet", "pubkey", "--password-file", str(password))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == "0x" + encryption_key_from_mnemonic(DEV_MNEMONIC, 0).public_key.hex() + "\n"
    assert DEV_MNEMONIC.split()[0] not in shown.stdout + shown.stderr
    other = sahara(home, "wallet", "pubkey", "--account", "1", "--password-file", str(password))
    assert other.returncode == 1 and "no account 1" in other.stderr
    wrong = tmp_path / "wrong"
    wrong.write_text("not the password\n")
    refused = sahara(home, "wallet", "pubkey", "--password-file", str(wrong))
    assert refused.returncode == 1 and refused.stdout == ""

    # A wallet imported from one private key has its own derived encryption key.
    key_home = tmp_path / "key-home"
    private_key = signing_account(DEV_MNEMONIC, 3).key
    import_wallet(key_home, password, private_key.hex(), "--private-key")
    shown = sahara(key_home, "wallet", "pubkey", "--password-file", str(password))
    assert shown.stdout.strip() == "0x" + encryption_key_from_private_key(bytes(private_key)).public_key.hex()
    # What it prints is what `blob put --encrypt-to` takes.
    (tmp_path / "note.txt").write_text("for my own eyes")
    put = sahara(key_home, "blob", "put", str(tmp_path / "note.txt"), "--encrypt-to", shown.stdout.strip())
    assert put.returncode == 0, put.stderr


def test_serve_refuses_to_start_without_what_it_needs(home: Path, password: Path, tmp_path: Path) -> None:
    nothing = sahara(home, "serve", "--password-file", str(password))
    assert nothing.returncode == 1 and "no wallet" in nothing.stderr
    import_wallet(home, password)
    wrong = tmp_path / "wrong"
    wrong.write_text("not the password\n")
    refused = sahara(home, "serve", "--password-file", str(wrong))
    assert refused.returncode == 1 and "password" in refused.stderr.lower()
    unknown = sahara(home, "serve", "--password-file", str(password), "--account", "4")
    assert unknown.returncode == 1 and "no account 4" in unknown.stderr
    no_prompt = sahara(home, "serve")  # no terminal and no password file: say how to give one
    assert no_prompt.returncode == 1 and "--password-file" in no_prompt.stderr
    assert Devnet(home / "data" / "devnet").status() is None  # nothing was left running


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_runs_the_services_and_stops_cleanly(
    home: Path, password: Path, tmp_path: Path, signum: int
) -> None:
    import_wallet(home, password)
    log = tmp_path / "serve.log"
    env = {**os.environ, "SAHARA_HOME": str(home)}
    command = [
        sys.executable,
        "-m",
        "app.cli",
        "serve",
        "--password-file",
        str(password),
        "--interval",
        "0.2",
    ]
    with open(log, "wb") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=sink)
    db = home / "data" / "sahara.db"
    try:
        deadline = time.monotonic() + 150
        while "serving:" not in log.read_text() or not _cursor_written(db):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        devnet = Devnet(home / "data" / "devnet")
        assert devnet.status() is not None  # serve started the embedded devnet and deployed
        process.send_signal(signum)
        assert process.wait(60) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
    text = log.read_text()
    assert "deploying [1/11]" in text and "key delivery: watching" in text
    assert text.index("stopping") < text.index("stopped")
    assert "Traceback" not in text and "ERROR" not in text
    assert devnet.status() is None  # it owned the devnet, so it stopped it


def _cursor_written(db: Path) -> bool:
    """Key delivery has finished a pass: its cursor for account 0 is in the database."""
    if not db.exists():
        return False
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            return conn.execute("SELECT count(*) FROM key_delivery_cursor").fetchone()[0] > 0
    except sqlite3.OperationalError:
        return False
