"""``sahara wallet list`` answers at once: it reads the keystore's clear account list and imports
no chain, key or model code (web3 and eth-account alone took over a second, onnxruntime more). The
commands that sign import that code when they sign, not to give their help or a refusal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.paths import app_paths
from app.wallet.faucet import DEV_MNEMONIC
from app.wallet.keystore import Keystore

HEAVY = ("web3", "eth_account", "eth_keyfile", "py_ecc", "onnxruntime", "PIL", "sqlalchemy", "numpy")
PROBE = """
import sys
from app.cli import main
code = main(["wallet", "list"])
print("HEAVY", sorted(m for m in {heavy!r} if m in sys.modules), code)
"""


def test_wallet_list_imports_nothing_heavy(home: Path) -> None:
    keystore = Keystore(app_paths().data / "wallet", scrypt_n=2**4)
    keystore.create_from_mnemonic(DEV_MNEMONIC, "correct horse battery")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY)],
        env=os.environ | {"PYTHONPATH": str(root)}, cwd=root, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    address = keystore.accounts()[0].address
    assert f"0\t{address}\tAccount 1" in done.stdout
    assert "HEAVY [] 0" in done.stdout, done.stdout


def test_the_parser_imports_no_asyncio() -> None:
    """Every command's parser is built at each start (``--help``, ``wallet list``): asyncio (with
    ssl, 40-50 ms on a loaded machine) is imported only by the commands that run a loop."""
    root = Path(__file__).resolve().parents[2]
    probe = "\n".join(
        [
            "import sys",
            "from app.cli import build_parser",
            "build_parser()",
            "print(sorted({'asyncio', 'ssl'} & sys.modules.keys()))",
        ]
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], env=os.environ | {"PYTHONPATH": str(root)}, cwd=root,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# Each line: a signing command that must answer before it signs (help, a missing wallet or password
# file, a missing input), the exit code it gives, and whether the home has a wallet.
REFUSALS = [
    (["market", "--help"], 0, False),
    (["compute", "status", "--help"], 0, False),
    (["market", "buy", "1"], 1, False),
    (["market", "claim", "--yes"], 1, False),
    (["compute", "status", "1"], 1, False),
    (["compute", "submit", "model.onnx", "inputs.npy", "--price", "1"], 1, False),
    (["label", "submit", "1", "--answers", "answers.jsonl"], 1, False),
    (["wallet", "pubkey"], 1, False),
    (["market", "buy", "1", "--password-file", "missing.txt"], 1, True),
    (["market", "publish", "--help"], 0, True),
    (["compute", "deliver", "--password-file", "missing.txt"], 1, True),
    (["label", "submit", "1", "--answers", "answers.jsonl", "--password-file", "missing.txt"], 1, True),
    (["wallet", "new", "--password-file", "missing.txt"], 1, True),
    (["wallet", "pubkey", "--password-file", "missing.txt"], 1, True),
]
REFUSAL_PROBE = """
import sys
from app.cli import main
for argv in {argvs!r}:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    print("RAN", " ".join(argv), code, sorted(m for m in {heavy!r} if m in sys.modules))
"""
KEY_CODE = (*HEAVY, "eth_abi")


def test_signing_commands_refuse_without_importing_key_code(home: Path, tmp_path: Path) -> None:
    """eth-account (py_ecc's tables) and web3 cost 2-3 s at each start: a command that signs pays
    for them when it signs, never to print its help or say that a wallet or password file is missing."""
    root = Path(__file__).resolve().parents[2]

    def run(wallet: bool) -> list[str]:
        argvs = [argv for argv, _, with_wallet in REFUSALS if with_wallet is wallet]
        done = subprocess.run(
            [sys.executable, "-c", REFUSAL_PROBE.format(argvs=argvs, heavy=KEY_CODE)],
            env=os.environ | {"PYTHONPATH": str(root)}, cwd=tmp_path, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return [line for line in done.stdout.splitlines() if line.startswith("RAN ")]

    without = run(wallet=False)
    Keystore(app_paths().data / "wallet", scrypt_n=2**4).create_from_mnemonic(DEV_MNEMONIC, "horse battery")
    ran = without + run(wallet=True)
    in_run_order = sorted(REFUSALS, key=lambda refusal: refusal[2])  # those without a wallet first
    expected = [f"RAN {' '.join(argv)} {code} []" for argv, code, _ in in_run_order]
    assert ran == expected
