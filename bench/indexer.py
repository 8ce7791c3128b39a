"""Market indexer and search speed, each against a plain baseline measured in the same run.

    .venv/bin/python bench/indexer.py                      # 2,000 registrations, 10,000 assets
    .venv/bin/python bench/indexer.py --assets 5000 --search-assets 100000

- ``indexer_events_per_s``: a devnet (the app's own ``Devnet`` and ``deploy_all``) gets
  ``--assets`` registrations (each emits ``AssetRegistered`` and the NFT's ``Transfer``), signed
  locally and mined many to a block. Then the market indexer backfills them into a fresh SQLite
  file (reorg checks, validation, journal, projections, cursor, one transaction per range), and
  the baseline reads the same range with one raw ``eth_getLogs`` over the same client and decodes
  every log with eth_abi (no checks, nothing stored). Each runs ``--runs`` times, interleaved; best
  times compared. Metadata fetching is not part of it (it is storage's speed, not the indexer's).
- ``market_search_ms``: ``--search-assets`` synthetic assets go through the real decoder and sink,
  their names, cards and tags set as the metadata fetcher would (words drawn from a Zipf-like
  vocabulary), then 300 one- and two-word searches with filters run through FTS5 (``search``) and
  through a ``LIKE`` scan of the same columns with the same filters (``like_search``); p50 and p95.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from sqlalchemy import text

from app.chain.bindings import encode_call
from app.chain.client import ChainClient
from app.chain.contracts import Deployment, load_artifact
from app.chain.devnet import DEVNET_CHAIN_ID, Devnet
from app.chain.indexer import RawLog
from app.chain.jsonrpc import rpc_call
from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.market.catalog.decode import MARKET, REGISTRY, Decoder, topic_of
from app.market.catalog.search import Query, like_search, search
from app.market.catalog.service import MarketIndexer
from app.market.catalog.sink import MarketSink
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
        registration = (i % 3, CID, CID, [], 0, 500, b"\0" * 32, 0, "", NO_RECORD, 0)
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


async def ours(client: ChainClient, deployment: Deployment, folder: Path, run: int) -> int:
    """The market indexer's backfill into a fresh database (migrated before the clock starts)."""
    sessions = session_factory(make_engine(folder / f"index-{run}.db"))
    indexer = MarketIndexer(client, sessions, deployment, LocalStore(folder / "blobs"))
    await indexer.logs.sync()
    with sessions() as session:
        return int(session.execute(text("SELECT count(*) FROM market_log")).scalar_one())


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
                    upgrade(folder / f"index-{run}.db")
                    started = time.perf_counter()
                    events = await raw_baseline(client, deployment, decoder, deployment.block, head)
                    base.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    stored = await ours(client, deployment, folder, run)
                    mine.append(time.perf_counter() - started)
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
    print(f"indexer_events_per_s: {our_rate:.0f}")
    return our_rate


# -- search ----------------------------------------------------------------------------------------


def _word_log(event: dict[str, Any], address: str, block: int, n: int, **args: Any) -> RawLog:
    indexed = [(i["type"], args[i["name"]]) for i in event["inputs"] if i["indexed"]]
    data = [(i["type"], args[i["name"]]) for i in event["inputs"] if not i["indexed"]]
    words = [
        bytes(12) + bytes.fromhex(v[2:]) if t == "address" else int(v).to_bytes(32, "big") for t, v in indexed
    ]
    digest = "0x" + hashlib.sha256(f"{n}".encode()).hexdigest()
    return RawLog(
        address,
        (topic_of(event), *words),
        abi_encode([t for t, _ in data], [v for _, v in data]),
        block,
        digest,
        digest,
        0,
    )


def synthetic_catalogue(folder: Path, count: int, rng: random.Random) -> tuple[Any, list[str]]:
    """``count`` assets through the real decoder and sink, with text as the metadata fetcher sets it."""
    registry, market = "0x" + "a1" * 20, "0x" + "b2" * 20
    decoder = Decoder({REGISTRY: registry, MARKET: market})
    sink = MarketSink(1, decoder)
    abi = {
        e["name"]: e
        for e in load_artifact(REGISTRY).abi + load_artifact(MARKET).abi
        if e.get("type") == "event"
    }
    owners = ["0x" + f"{i:040x}" for i in range(1, 50)]
    syllables = ["ka", "ro", "mi", "te", "su", "na", "lo", "vi", "de", "pa", "zu", "gel", "tor", "ix", "an"]
    vocabulary = sorted(
        {"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(4000)}
    )
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
    upgrade(folder / "search.db")
    sessions = session_factory(make_engine(folder / "search.db"))
    logs: list[RawLog] = []
    for asset in range(1, count + 1):
        common = {"contentCid": CID, "metadataCid": CID, "parentRoyaltyBps": 0, "derivativeRoyaltyBps": 500}
        logs.append(_word_log(abi["AssetRegistered"], registry, asset, asset, assetId=asset,
            creator=rng.choice(owners), kind=asset % 3, parents=[], contributorsRoot=b"\0" * 32,
            totalWeight=0, contributorsCid="", labelingRecord=NO_RECORD, campaignId=0, **common))  # fmt: skip
        logs.append(_word_log(abi["OfferCreated"], market, asset, count + asset, offerId=asset, assetId=asset,
            seller=owners[0], price=rng.randint(0, 100) * 10**18, duration=0, maxLicenses=0,
            commercialUse=rng.random() < 0.6, derivativesAllowed=rng.random() < 0.5,
            transferable=False))  # fmt: skip
    with sessions() as session:
        sink.apply(session, logs)
        for asset in range(1, count + 1):
            name = " ".join(rng.choices(vocabulary, weights, k=3))
            card = " ".join(rng.choices(vocabulary, weights, k=60))
            tags = " ".join(rng.choices(vocabulary, weights, k=4))
            session.execute(
                text("UPDATE market_asset SET name=:n, card=:c, tags=:t, meta_status='ok' WHERE asset_id=:a"),
                {"n": name, "c": card, "t": tags, "a": asset},
            )
        session.commit()
    return sessions, vocabulary


def bench_search(folder: Path, count: int) -> float:
    rng = random.Random(14)
    sessions, vocabulary = synthetic_catalogue(folder, count, rng)
    queries = []
    for i in range(300):
        words = " ".join(rng.choices(vocabulary[:800], k=1 + i % 2))
        filters: dict[str, Any] = [{}, {"kind": 1}, {"commercial": True}, {"max_price": 50 * 10**18}][i % 4]
        queries.append(Query(text=words, limit=50, **filters))
    fts, like = [], []
    with sessions() as session:
        for query in queries:  # interleaved, so machine load slows both alike
            started = time.perf_counter()
            search(session, 1, query)
            fts.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            like_search(session, 1, query)
            like.append((time.perf_counter() - started) * 1000)

    def pct(values: list[float], p: float) -> float:
        return sorted(values)[min(len(values) - 1, int(len(values) * p))]

    print(f"{count} assets, {len(queries)} searches (p50 / p95 ms):")
    print(f"  FTS5 search    {pct(fts, 0.5):.2f} / {pct(fts, 0.95):.2f}")
    print(f"  LIKE scan      {pct(like, 0.5):.2f} / {pct(like, 0.95):.2f}")
    print(f"market_search_ms: p50 {pct(fts, 0.5):.2f} p95 {pct(fts, 0.95):.2f}")
    print(f"market_search_p95_ms: {pct(fts, 0.95):.2f}")
    return pct(fts, 0.95)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=2_000, help="registrations on the devnet")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--search-assets", type=int, default=10_000)
    parser.add_argument("--skip-chain", action="store_true", help="only the search bench")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sahara-bench-indexer-") as tmp:
        folder = Path(tmp)
        if not args.skip_chain:
            bench_indexer(folder, args.assets, args.runs)
        bench_search(folder, args.search_assets)
    return 0


if __name__ == "__main__":
    sys.exit(main())
