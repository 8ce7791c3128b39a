"""The market indexer's speed against raw ``eth_getLogs`` decoding, measured in the same run.

    .venv/bin/python bench/indexer.py                      # 2,000 registrations
    .venv/bin/python bench/indexer.py --assets 5000 --runs 5

``indexer_events_per_s``: a devnet (the app's own ``Devnet`` and ``deploy_all``) gets ``--assets``
registrations (each emits ``AssetRegistered`` and the NFT's ``Transfer``), signed locally and mined
many to a block. Then the market indexer backfills them into a fresh SQLite file (reorg checks,
validation, journal, projections, cursor, one transaction per range), and the baseline reads the
same range with one raw ``eth_getLogs`` over the same client and decodes every log with eth_abi,
as a plain script would (no checks, nothing stored). Both are built before their clocks start (the
indexer and its database, the baseline's decoder table). Each runs ``--runs`` times, interleaved;
best times compared. Metadata fetching is not part of it (it is storage's speed, not the
indexer's). ``bench/market.py`` prints this figure with the search figures; search is benched there.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from eth_abi import decode as abi_decode
from sqlalchemy import text

from app.chain.bindings import encode_call
from app.chain.client import ChainClient
from app.chain.contracts import Deployment
from app.chain.devnet import DEVNET_CHAIN_ID, Devnet
from app.chain.jsonrpc import rpc_call
from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.market.catalog.decode import MARKET, REGISTRY, Decoder
from app.market.catalog.service import MarketIndexer
from app.storage.local import LocalStore
from app.wallet.deploy import deploy_all
from app.wallet.faucet import DEV_MNEMONIC, treasury
from app.wallet.hd import signing_account
from app.wallet.outbox import Outbox

CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
NO_RECORD = "0x" + "00" * 20


# -- the chain -------------------------------------------------------------------------------------


def deploy(folder: Path, rpc_url: str) -> Deployment:
    upgrade(folder / "deploy.db")
    sessions = session_factory(make_engine(folder / "deploy.db"))

    async def go() -> Deployment:
        client = ChainClient(rpc_url, timeout=60)
        try:
            return await deploy_all(Outbox(sessions, client, DEVNET_CHAIN_ID), treasury(), "devnet", folder)
        finally:
            await client.close()

    return asyncio.run(go())


def fill(rpc_url: str, deployment: Deployment, count: int) -> None:
    """``count`` registrations signed here and mined many to a block."""
    sender = signing_account(DEV_MNEMONIC, 2)
    nonce = int(rpc_call(rpc_url, "eth_getTransactionCount", [sender.address, "latest"]), 16)
    registry = deployment.address(REGISTRY)
    rpc_call(rpc_url, "evm_setAutomine", [False])
    for i in range(count):
        registration = (i % 3, CID, CID, [], 0, 500, b"\0" * 32, 0, "", NO_RECORD, 0, 0)
        tx = {
            "to": registry, "data": encode_call(REGISTRY, "register", registration), "gas": 400_000,
            "gasPrice": 2 * 10**9, "nonce": nonce + i, "chainId": DEVNET_CHAIN_ID, "value": 0,
        }  # fmt: skip
        raw = sender.sign_transaction(tx).raw_transaction
        rpc_call(rpc_url, "eth_sendRawTransaction", ["0x" + raw.hex()], timeout=30)
    while int(rpc_call(rpc_url, "txpool_status", [])["pending"], 16):
        rpc_call(rpc_url, "evm_mine", [], timeout=60)
    rpc_call(rpc_url, "evm_setAutomine", [True])


async def raw_baseline(
    client: ChainClient, deployment: Deployment, decoder: Decoder, low: int, high: int
) -> int:
    """One eth_getLogs over the range and every log ABI-decoded: the least an indexer must do."""
    query = {"address": decoder.addresses, "topics": [["0x" + t.hex() for t in decoder.topics]]}
    reply = await client.w3.provider.make_request(
        "eth_getLogs", [{**query, "fromBlock": hex(low), "toBlock": hex(high)}]
    )  # type: ignore[arg-type]
    count = 0
    for entry in reply["result"]:
        spec = decoder.specs[(entry["address"].lower(), bytes.fromhex(entry["topics"][0][2:]))]
        abi_decode([t for _, t in spec.data], bytes.fromhex(entry["data"][2:]))
        count += 1
    return count


def fresh_indexer(client: ChainClient, deployment: Deployment, folder: Path, run: int) -> MarketIndexer:
    """A market indexer over a fresh migrated database, built before the clock starts (as the
    baseline's decoder is): the clock measures the backfill, not reading the ABIs."""
    upgrade(folder / f"index-{run}.db")
    sessions = session_factory(make_engine(folder / f"index-{run}.db"))
    return MarketIndexer(client, sessions, deployment, LocalStore(folder / "blobs"))


def indexed(indexer: MarketIndexer) -> int:
    with indexer.sessions() as session:
        return int(session.execute(text("SELECT count(*) FROM market_log")).scalar_one())


def figure(name: str, ours: float, baseline: float, ratio: float) -> None:
    """One named figure with its same-run baseline and the ratio, as ``make bench`` prints them."""
    print(f"{name}: {ours:.2f} (baseline {baseline:.2f}, ratio {ratio:.2f})")


def bench_indexer(folder: Path, assets: int, runs: int) -> float:
    devnet = Devnet(folder / "devnet", block_time=None)
    info = devnet.start()
    try:
        deployment = deploy(folder, info.rpc_url)
        fill(info.rpc_url, deployment, assets)
        decoder = Decoder({REGISTRY: deployment.address(REGISTRY), MARKET: deployment.address(MARKET)})
        head = int(rpc_call(info.rpc_url, "eth_blockNumber", []), 16)

        async def measure() -> tuple[list[float], list[float], int]:
            client = ChainClient(info.rpc_url, timeout=120)
            base, mine, events = [], [], 0
            try:
                for run in range(runs):
                    indexer = fresh_indexer(client, deployment, folder, run)
                    started = time.perf_counter()
                    events = await raw_baseline(client, deployment, decoder, deployment.block, head)
                    base.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    await indexer.logs.sync()
                    mine.append(time.perf_counter() - started)
                    stored = indexed(indexer)
                    assert stored == events, f"indexed {stored} of {events} events"
            finally:
                await client.close()
            return base, mine, events

        base, mine, events = asyncio.run(measure())
    finally:
        devnet.stop()
    raw_rate, our_rate = events / min(base), events / min(mine)
    print(f"{events} events in {head - deployment.block + 1} blocks, {runs} runs each (best / median s):")
    for label, times, rate in (
        ("raw eth_getLogs + decode  ", base, raw_rate),
        ("market indexer into SQLite", mine, our_rate),
    ):
        print(f"  {label} {min(times):.3f} / {statistics.median(times):.3f}  ({rate:,.0f} events/s)")
    print(f"  ratio                      {our_rate / raw_rate:.2f}")
    figure("indexer_events_per_s", our_rate, raw_rate, our_rate / raw_rate)
    return our_rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=2_000, help="registrations on the devnet")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sahara-bench-indexer-") as tmp:
        bench_indexer(Path(tmp), args.assets, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
