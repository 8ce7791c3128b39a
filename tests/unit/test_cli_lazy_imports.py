"""``sahara wallet list`` answers at once: it reads the keystore's clear account list and imports
no chain, key or model code (web3 and eth-account alone took over a second, onnxruntime more)."""

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
