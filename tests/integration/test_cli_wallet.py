"""`sahara wallet` as a script on a server uses it: real processes, real keystore, real devnet."""

from __future__ import annotations

import os
import subprocess
import sys

ANVIL = "test test test test test test test test test test test junk"


def sahara(home, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SAHARA_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_new_list_and_refuse_to_overwrite(home, tmp_path) -> None:
    password = tmp_path / "pw"
    password.write_text("correct horse battery\n")
    created = sahara(home, "wallet", "new", "--password-file", str(password), "--no-faucet")
    assert created.returncode == 0, created.stderr
    address = created.stdout.strip()
    assert address.startswith("0x") and len(address) == 42
    phrase = created.stderr.split("\n\n")[1].strip()
    assert len(phrase.split()) == 12 and phrase not in created.stdout
    listed = sahara(home, "wallet", "list")
    assert listed.stdout.split("\t")[:2] == ["0", address]
    again = sahara(home, "wallet", "new", "--password-file", str(password))
    assert again.returncode == 1 and "never overwritten" in again.stderr
    keystore = (home / "data" / "wallet" / "keystore.json").read_text()
    assert phrase.split()[0] + " " + phrase.split()[1] not in keystore


def test_import_names_the_wrong_word_and_then_works(home, tmp_path) -> None:
    password = tmp_path / "pw"
    password.write_text("correct horse battery")
    wrong = sahara(
        home, "wallet", "import", "--password-file", str(password), stdin=ANVIL.replace("junk", "jnuk")
    )
    assert wrong.returncode == 1 and "Word 12, 'jnuk'" in wrong.stderr
    assert not (home / "data" / "wallet" / "keystore.json").exists()
    ok = sahara(home, "wallet", "import", "--password-file", str(password), stdin=ANVIL + "\n")
    assert ok.returncode == 0 and ok.stdout.strip() == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


def test_no_password_without_a_terminal_is_a_clear_error(home) -> None:
    result = sahara(home, "wallet", "new")
    assert result.returncode == 1 and "--password-file" in result.stderr


def test_balance_on_the_devnet(home, tmp_path) -> None:
    password = tmp_path / "pw"
    password.write_text("correct horse battery")
    sahara(home, "wallet", "import", "--password-file", str(password), stdin=ANVIL)
    try:  # one rule for every command that reads the chain: the devnet starts, and says so
        funded = sahara(home, "wallet", "balance")
        assert funded.returncode == 0, funded.stderr
        assert "starting the local devnet" in funded.stderr
        assert "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\t10,000 ETH\t(devnet)" in funded.stdout
        other = sahara(home, "wallet", "balance", "0x00000000000000000000000000000000000000aa")
        assert "\t0 ETH\t" in other.stdout and "starting" not in other.stderr
        bad = sahara(home, "wallet", "balance", "0x1234")
        assert bad.returncode == 1 and "not an address" in bad.stderr
    finally:
        sahara(home, "devnet", "stop")


def test_a_new_wallet_on_the_devnet_is_funded_and_the_faucet_gives_more(home, tmp_path) -> None:
    password = tmp_path / "pw"
    password.write_text("correct horse battery")
    try:
        created = sahara(home, "wallet", "new", "--password-file", str(password))
        assert created.returncode == 0, created.stderr
        address = created.stdout.strip()
        assert f"funded {address}: 10 ETH and SAHARA" in created.stderr
        balance = sahara(home, "wallet", "balance")
        assert f"{address}\t10 ETH\t(devnet)" in balance.stdout, balance.stderr
        other = "0x00000000000000000000000000000000000000AA"  # checksummed as printed
        dripped = sahara(home, "wallet", "faucet", other)
        assert dripped.returncode == 0 and f"funded {other}: 10 ETH" in dripped.stderr, dripped.stderr
        bad = sahara(home, "wallet", "faucet", "0x1234")
        assert bad.returncode == 1 and "not an address" in bad.stderr
    finally:
        sahara(home, "devnet", "stop")
