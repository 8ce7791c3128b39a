"""`sahara market` as a seller and a buyer on a server use it: real processes, a throwaway
SAHARA_HOME, the embedded devnet (started once, so every command attaches). The seller's key
delivery runs in this process with the same services `sahara serve` runs.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from cli_home import CliHome, in_app, ok
from test_serve import PASSWORD, sahara

from app.paths import AppPaths
from app.resources import resources_dir
from app.runtime import AppRuntime
from app.services import NetworkServices, ServiceOptions
from app.storage import open_store
from app.wallet.deploy import DeployConfig
from app.wallet.faucet import DEV_MNEMONIC
from app.wallet.hd import signing_account

pytestmark = pytest.mark.slow
SELLER = signing_account(DEV_MNEMONIC, 0).address
MODEL = resources_dir() / "models" / "digits.onnx"


def deliver(paths: AppPaths) -> list[int]:
    """One pass of the seller's key delivery (account 0), as `sahara serve` runs it."""

    async def body(runtime: AppRuntime) -> list[int]:
        runtime.wallet.unlock(PASSWORD)
        services = NetworkServices(runtime, lambda: open_store(paths), ServiceOptions(accounts=[0]))
        return (await services.key_delivery().run_once()).delivered

    return in_app(paths, body)


def test_market_commands_publish_buy_deliver_claim(cli: CliHome, tmp_path: Path) -> None:
    home, paths, pw = cli.home, cli.paths, cli.pw
    empty = ok(sahara(home, "market", "search"))  # no password needed; deploys on the devnet
    assert empty.stdout == "" and "no assets match" in empty.stderr

    cli.fund(0, 1)
    publish = ("market", "publish", "model", str(MODEL), "--name", "Digits", "--tags", "digits,onnx",
               "--task", "image_classification", "--price", "2", *pw)  # fmt: skip
    refused = sahara(home, *publish)  # no terminal, no --yes: nothing is signed
    assert refused.returncode == 2 and "pass --yes" in refused.stderr
    published = ok(sahara(home, *publish, "--yes"))
    assert published.stdout == "1\n"
    assert "offer: 2 SAHARA; perpetual; commercial use allowed; derivatives allowed" in published.stderr
    assert "offer 1 is open: `sahara market buy 1`" in published.stderr

    derived = ("market", "publish", "model", str(MODEL), "--name", "Digits 2", "--parent", "1",
               "--account", "1", "--yes", *pw)  # fmt: skip
    no_license = sahara(home, *derived)
    assert no_license.returncode == 1
    assert "parent 1: REFUSED: you hold no license of asset 1" in no_license.stderr

    header, row = ok(sahara(home, "market", "search", "dig")).stdout.splitlines()
    assert header.split("\t")[:4] == ["id", "kind", "name", "price"]
    assert row.split("\t") == ["1", "model", "Digits", "2 SAHARA", "0", "0", SELLER, "ok"]

    bought = ok(sahara(home, "market", "buy", "1", "--account", "1", "--yes", *pw))
    assert bought.stdout == "1\n" and "You pay 2 SAHARA now, held in escrow" in bought.stderr
    assert deliver(paths) == [1]
    (lic,) = ok(sahara(home, "market", "licenses", "--account", "1", *pw)).stdout.splitlines()[1:]
    assert lic.startswith("1\t1\t1\tdelivered\tperpetual; you can dispute the delivery for ")
    out = tmp_path / "bought.onnx"
    ok(sahara(home, "market", "licenses", "--download", "1", "-o", str(out), "--account", "1", *pw))
    assert hashlib.sha256(out.read_bytes()).digest() == hashlib.sha256(MODEL.read_bytes()).digest()
    ok(sahara(home, "market", "licenses", "--accept", "1", "--account", "1", "--yes", *pw))
    assert ok(sahara(home, *derived)).stdout == "2\n"  # now licensed and accepted: a derivative
    shown = ok(sahara(home, "market", "show", "1")).stdout
    assert "name: Digits" in shown and "offer 1 (active, 1 license sold): 2 SAHARA; perpetual" in shown
    assert "content: " in shown and "(matches the metadata)" in shown and "derivatives: 2 " in shown

    fee = 2 * 10**18 * DeployConfig().fee_bps // 10_000  # the devnet's protocol fee
    owed = 2 * 10**18 - fee
    dry = ok(sahara(home, "market", "claim", "--dry-run", *pw)).stdout.splitlines()
    assert dry[1].split("\t")[:3] == ["1", "owner", f"{owed / 10**18:g} SAHARA"]
    claimed = ok(sahara(home, "market", "claim", "--yes", *pw))
    assert f"claimed {owed / 10**18:g} SAHARA" in claimed.stderr
    again = ok(sahara(home, "market", "claim", "--yes", *pw))
    assert "nothing to claim yet" in again.stderr
    (history,) = ok(sahara(home, "market", "claim", "--history", *pw)).stdout.splitlines()
    assert history.startswith(f"1\t{owed / 10**18:g} SAHARA\tblock ")
