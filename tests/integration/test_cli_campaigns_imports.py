"""``sahara label campaigns`` on a running devnet imports only what the list needs (issue 16: the
command must answer within a second on a loaded machine): no web3, eth-abi, pydantic, SQLAlchemy,
Qt, onnxruntime, numpy or Pillow. pydantic loads only while a settings file or manifest is new to
the record of what earlier runs validated (``app/cli/checked_cache.py``), so the first list after a
campaign appears imports it and the next one does not. A check of the import set, not a timing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_serve import PASSWORD, sahara

pytestmark = pytest.mark.slow

HEAVY = (
    "web3", "eth_account", "eth_abi", "py_ecc", "pydantic", "sqlalchemy", "alembic", "PySide6",
    "onnxruntime", "numpy", "PIL",
)  # fmt: skip
PROBE = """
import json, sys
from app.cli import main
code = main(["label", "campaigns"])
print("HEAVY", code, json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def listed_with(home: Path) -> tuple[list[str], str]:
    """The heavy modules ``label campaigns`` imported in a fresh process, and what it printed."""
    root = Path(__file__).resolve().parents[2]
    env = os.environ | {"SAHARA_HOME": str(home), "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = ok(done)
    line = next(line for line in out.splitlines() if line.startswith("HEAVY "))
    assert line.startswith("HEAVY 0 "), out + done.stderr
    return json.loads(line.removeprefix("HEAVY 0 ")), out


def test_label_campaigns_imports_only_what_it_needs(home: Path, tmp_path: Path) -> None:
    password = tmp_path / "pw"
    password.write_text(PASSWORD + "\n")
    ok(sahara(home, "wallet", "new", "--password-file", str(password)))
    ok(sahara(home, "devnet", "start"))
    try:
        ok(sahara(home, "label", "campaigns"))  # deploys the contracts: the full path
        ok(sahara(home, "demo", "labeling"))
        first, out = listed_with(home)
        assert "Handwritten digits" in out
        assert first == ["pydantic"]  # the demo's manifest and the settings were new: validated in full
        again, out = listed_with(home)
        assert "Handwritten digits" in out
        assert again == [], f"label campaigns imported {again}"
    finally:
        sahara(home, "devnet", "stop")
