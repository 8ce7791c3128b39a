"""The wallet folder attacked by parallel processes: `sahara wallet new` twice at once, and password
guesses in parallel to get past the limit on wrong passwords (issue 12, item 4)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]  # real scrypt: the race needs its second


def spawn(home: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "SAHARA_HOME": str(home)}
    cmd = [sys.executable, "-m", "app.cli", "wallet", *args]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def finish(procs: list[subprocess.Popen[str]]) -> list[tuple[int, str, str]]:
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        results.append((proc.returncode, out, err))
    return results


def test_three_wallet_new_at_once_make_one_wallet_and_refuse_the_others(home: Path, tmp_path: Path) -> None:
    password = tmp_path / "pw"
    password.write_text("correct horse battery\n")
    results = finish([spawn(home, "new", "--password-file", str(password), "--no-faucet") for _ in range(3)])
    winners = [r for r in results if r[0] == 0]
    losers = [r for r in results if r[0] != 0]
    assert len(winners) == 1, results
    for code, out, err in losers:  # refused in words, and no phrase shown for a wallet that is not kept
        assert code == 1 and "never overwritten" in err and "recovery phrase" not in err, (out, err)
        assert "Traceback" not in err
    kept = json.loads((home / "data" / "wallet" / "keystore.json").read_text())
    assert kept["accounts"][0]["address"] == winners[0][1].strip()  # the phrase printed is the one kept


def test_four_parallel_guesses_are_counted_one_after_the_other(home: Path, tmp_path: Path) -> None:
    right, wrong = tmp_path / "right", tmp_path / "wrong"
    right.write_text("correct horse battery\n")
    wrong.write_text("not the password\n")
    assert finish([spawn(home, "new", "--password-file", str(right), "--no-faucet")])[0][0] == 0

    results = finish([spawn(home, "pubkey", "--password-file", str(wrong)) for _ in range(4)])
    assert all(code == 1 for code, _, _ in results), results
    errors = sorted(err.strip() for _, _, err in results)
    assert sum(e.endswith("wrong password") for e in errors) == 3, errors  # was: all 4 got a guess
    assert sum("Too many wrong passwords" in e for e in errors) == 1, errors
    attempts = json.loads((home / "data" / "wallet" / "unlock-attempts.json").read_text())
    assert attempts["failed"] == 3
