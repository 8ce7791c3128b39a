"""`sahara devnet reset` gives a new chain under the same id: commands that need contracts must work
right after it, with the database's records of the old chain gone (issue 12, item 3)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.chain.jsonrpc import rpc_call

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def sahara(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SAHARA_HOME": str(home)}
    cmd = [sys.executable, "-m", "app.cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=180)


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return result


def rpc_url(home: Path) -> str:
    return f"http://127.0.0.1:{json.loads((home / 'data' / 'devnet' / 'devnet.json').read_text())['port']}"


def outbox_hashes(home: Path) -> list[str]:
    with sqlite3.connect(home / "data" / "sahara.db") as db:
        return [h for (h,) in db.execute("SELECT tx_hash FROM outbox_tx WHERE status = 'mined'")]


def assert_records_are_this_chains(home: Path) -> None:
    url = rpc_url(home)
    hashes = outbox_hashes(home)
    assert hashes, "the deployment went through the outbox"
    for tx_hash in hashes:
        assert rpc_call(url, "eth_getTransactionReceipt", [tx_hash]) is not None, tx_hash


def leave_a_draft(home: Path) -> None:
    """A record of the old chain that nothing on the new one would overwrite."""
    with sqlite3.connect(home / "data" / "sahara.db") as db:
        db.execute(
            "INSERT INTO label_draft (chain_id, campaign_id, account, item_id, annotation, updated_at)"
            " VALUES (31337, 1, '0xabc', 'item', '{}', '2026-01-01 00:00:00')"
        )
    db.close()


def drafts(home: Path) -> int:
    with sqlite3.connect(home / "data" / "sahara.db") as db:
        (count,) = db.execute("SELECT count(*) FROM label_draft").fetchone()
    db.close()
    return int(count)


def test_commands_that_need_contracts_work_after_a_reset(home: Path) -> None:
    try:
        ok(sahara(home, "devnet", "start"))
        ok(sahara(home, "label", "campaigns"))  # deploys the contracts on the fresh devnet
        assert_records_are_this_chains(home)
        leave_a_draft(home)

        ok(sahara(home, "devnet", "reset", "--yes"))
        ok(sahara(home, "devnet", "start"))
        ok(sahara(home, "label", "campaigns"))  # was: web3 TransactionNotFound traceback
        assert_records_are_this_chains(home)
        assert drafts(home) == 0  # the old chain's records were started over

        # A database from before the genesis check (nothing remembered) after another reset.
        leave_a_draft(home)
        ok(sahara(home, "devnet", "reset", "--yes"))
        with sqlite3.connect(home / "data" / "sahara.db") as db:
            db.execute("DELETE FROM app_state WHERE key LIKE 'genesis:%'")
        db.close()
        ok(sahara(home, "devnet", "start"))
        ok(sahara(home, "label", "campaigns"))
        assert_records_are_this_chains(home)
        assert drafts(home) == 0
    finally:
        sahara(home, "devnet", "stop")
