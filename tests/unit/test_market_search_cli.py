"""``sahara market search`` answers from the catalogue without web3 or eth-account (seconds at each
start): a real process over a real database and a real JSON-RPC node on loopback, which must be
the configured chain (a node that is another chain is refused, as before)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from local_http import Handler, serving
from market_logs import ADDRESSES, offered, registered
from sqlalchemy import text

from app.chain.contracts import Deployment, save_deployment
from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.market.catalog.decode import Decoder
from app.market.catalog.sink import MarketSink
from app.paths import AppPaths
from app.settings import NetworkConfig, Settings, save_settings

CHAIN = 31337
ALICE = "0x" + "1" * 40
KEY_CODE = ("web3", "eth_account", "eth_keyfile", "py_ecc")
PROBE = """
import sys
from app.cli import main
code = main({argv!r})
print("HEAVY", sorted(m for m in {heavy!r} if m in sys.modules), code)
"""


def node(chain_id: int) -> type[Handler]:
    class Node(Handler):
        def do_POST(self) -> None:
            request = json.loads(self.request_body())
            head = {"number": "0x5", "hash": "0x" + "ab" * 32}  # a chain of five empty blocks
            result = {"eth_chainId": hex(chain_id), "eth_blockNumber": "0x5", "eth_getBlockByNumber": head}
            result = result.get(request["method"], [])  # eth_getLogs: nothing new
            self.answer(200, json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": result}).encode())

    return Node


def catalogue(paths: AppPaths, url: str, chain_id: int, deployed: bool = True) -> None:
    """A custom network at ``url`` (with the market's contracts) and a catalogue of two assets on
    it, one described."""
    remote = NetworkConfig(name="remote", rpc_url=url, chain_id=chain_id)
    save_settings(paths.settings_file, Settings(active_network="remote", networks=[remote]))
    if deployed:
        save_deployment(paths.data, Deployment("remote", chain_id, 0, "", ADDRESSES))
    upgrade(paths.database)
    sessions = session_factory(make_engine(paths.database))
    with sessions() as session:
        logs = [
            registered(1, ALICE, block=1, kind=1),
            registered(2, ALICE, block=2),
            offered(1, 1, ALICE, 2 * 10**18, block=3),
        ]
        MarketSink(CHAIN, Decoder(ADDRESSES)).apply(session, logs)
        session.execute(
            text(
                "UPDATE market_asset SET name = 'Digits', tags = 'digits', card = 'handwritten', "
                "meta_status = 'ok' WHERE asset_id = 1"
            )
        )
        session.commit()


def sahara(paths: AppPaths, *argv: str) -> subprocess.CompletedProcess[str]:
    root = Path(__file__).resolve().parents[2]
    return subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=list(argv), heavy=KEY_CODE)],
        env=os.environ | {"PYTHONPATH": str(root)}, cwd=root, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_search_answers_from_the_catalogue_without_web3(paths: AppPaths) -> None:
    with serving(node(CHAIN)) as url:
        catalogue(paths, url, CHAIN)
        done = sahara(paths, "market", "search", "dig")
        missing = sahara(paths, "market", "search", "nothing")
    assert done.returncode == 0, done.stderr
    header, row, heavy = done.stdout.splitlines()
    assert header == "id\tkind\tname\tprice\tlicenses\tderivatives\towner\tmetadata"
    assert row.split("\t") == ["1", "model", "Digits", "2 SAHARA", "0", "0", ALICE, "ok"]
    assert heavy == "HEAVY [] 0"
    assert "reading the market's events" in done.stderr  # caught up through the node first
    assert missing.stdout.splitlines() == ["HEAVY [] 0"] and "no assets match" in missing.stderr


def test_a_node_of_another_chain_is_refused(paths: AppPaths) -> None:
    with serving(node(1)) as url:
        catalogue(paths, url, CHAIN)
        done = sahara(paths, "market", "search", "dig")
    assert done.stdout.splitlines() == ["HEAVY [] 1"]
    assert f"market: {url} is chain 1, but network 'remote' is configured as chain {CHAIN}" in done.stderr


def test_a_network_without_the_contracts_is_refused(paths: AppPaths) -> None:
    with serving(node(CHAIN)) as url:
        catalogue(paths, url, CHAIN, deployed=False)
        done = sahara(paths, "market", "search", "dig")
    assert done.stdout.splitlines() == ["HEAVY [] 1"]
    assert "market: Sahara's contracts are not on remote: run `sahara deploy --network remote`" in done.stderr


def test_mine_and_account_need_a_wallet(paths: AppPaths) -> None:
    with serving(node(CHAIN)) as url:
        catalogue(paths, url, CHAIN)
        mine = sahara(paths, "market", "search", "--mine")
        account = sahara(paths, "market", "search", "--account", "3")
    assert "market: --mine needs a wallet: run `sahara wallet new`" in mine.stderr
    assert mine.stdout.splitlines() == ["HEAVY [] 1"]
    assert "market: the wallet has no account 3" in account.stderr
    assert account.stdout.splitlines() == ["HEAVY [] 1"]
