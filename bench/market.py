"""Marketplace figures: search over 100,000 assets and the indexer's speed, each against a baseline.

    .venv/bin/python bench/market.py                     # 100,000 assets, 2,000 registrations on anvil
    .venv/bin/python bench/market.py --assets 20000 --chain-assets 500

- ``indexer_events_per_s`` (``bench/indexer.py``'s measure): registrations sent to a real anvil
  devnet, then the market indexer backfills them into a fresh SQLite file (validation, journal,
  projections, reorg hashes, cursor) while the baseline reads the same blocks with one raw
  ``eth_getLogs`` over the same client and decodes every log with eth_abi, as a plain script would
  (no checks, nothing stored). Best of ``--runs``, interleaved; ``ratio`` is ours over raw.
- ``market_search_p95_ms`` (goal 20): ``--assets`` synthetic assets, each an ``AssetRegistered``
  and an ``OfferCreated`` log. Emitting 200,000 real transactions would take anvil most of an hour
  here, so these logs are built from the shipped ABIs (eth_abi, the contracts' exact encoding) in
  the exact JSON a node's ``eth_getLogs`` answers (hex strings, 64 logs a block, block hashes that
  ``eth_getBlockByNumber`` confirms), and served by an in-process node (``MemoryNode``:
  ``eth_blockNumber``, ``eth_getBlockByNumber``, ``eth_getLogs`` with the address, topic and
  block-range filters, each answer passed through JSON text like a socket's) to the real
  ``MarketIndexer``: the same ``LogIndexer`` ranges, parsing, ``Decoder`` checks and ``MarketSink``
  projections as on a chain. Names, cards and tags (Zipf-like words over a syllable vocabulary,
  so short prefixes match most of the catalogue: a hard case) are then written as the metadata
  fetcher writes them, FTS triggers included. 400 typed searches of one or two words, a quarter
  each with no filter, a kind, commercial use and a price ceiling, run through FTS5 (``search``)
  and through a ``LIKE`` scan of the same columns with the same filters (``like_search``),
  interleaved; p95 of each and their ratio.
- first letters (printed, no figure): 120 searches of a word's first one to three letters.
- ``market_browse_p95_ms``: 300 searches with filters and sorts combined (each sort, owned by an
  account, price ranges, several filters at once; none, one or two words), same baseline.
- ``memory_indexer_events_per_s``: that in-process backfill's rate, against ``json.loads`` and
  eth_abi over the same answers (no HTTP on either side).
- ``market_semantic_query_ms``: p95 of embedding a typed query not seen before (what a key press
  costs a search by meaning once the model is loaded: ``semantic.query_vector``), against the same
  texts run with BLAS's own threads, as every query ran before; the model's first load is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import sys
import tempfile
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from indexer import bench_indexer, figure
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from app.chain.contracts import Deployment, load_artifact
from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.embeddings.minilm import MAX_TOKENS, EmbeddingModelMissing, shared_model
from app.market.catalog import semantic
from app.market.catalog.decode import MARKET, REGISTRY, Decoder, topic_of
from app.market.catalog.search import Query, like_search, search
from app.market.catalog.service import MarketIndexer
from app.storage.local import LocalStore

CHAIN = 31337
CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
NO_RECORD = "0x" + "00" * 20
PER_BLOCK = 64
REGISTRY_AT, MARKET_AT = "0x" + "a1" * 20, "0x" + "b2" * 20


def _hash(*parts: object) -> str:
    return "0x" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _topic(kind: str, value: Any) -> str:
    word = bytes(12) + bytes.fromhex(value[2:]) if kind == "address" else int(value).to_bytes(32, "big")
    return "0x" + word.hex()


class LogMaker:
    """Market logs as a node's ``eth_getLogs`` answers them, encoded from the shipped ABIs."""

    def __init__(self) -> None:
        self.abi = {
            (contract, e["name"]): e
            for contract in (REGISTRY, MARKET)
            for e in load_artifact(contract).abi
            if e.get("type") == "event"
        }
        self.count = 0

    def log(self, contract: str, name: str, **args: Any) -> dict[str, Any]:
        """The next log: ``PER_BLOCK`` to a block, in the order made."""
        event = self.abi[(contract, name)]
        indexed = [_topic(i["type"], args[i["name"]]) for i in event["inputs"] if i["indexed"]]
        data = [(i["type"], args[i["name"]]) for i in event["inputs"] if not i["indexed"]]
        block, index = divmod(self.count, PER_BLOCK)
        block += 1  # block 0 is the deployment's
        self.count += 1
        return {
            "address": REGISTRY_AT if contract == REGISTRY else MARKET_AT,
            "topics": ["0x" + topic_of(event).hex(), *indexed],
            "data": "0x" + abi_encode([t for t, _ in data], [v for _, v in data]).hex(),
            "blockNumber": hex(block),
            "blockHash": _hash("block", block),
            "transactionHash": _hash("tx", self.count),
            "transactionIndex": "0x0",
            "logIndex": hex(index),
            "removed": False,
        }


def synthetic_logs(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """``count`` assets: each registered (three kinds, 49 creators) and offered (prices 0-100)."""
    maker = LogMaker()
    creators = ["0x" + f"{i:040x}" for i in range(1, 50)]
    logs = []
    for asset in range(1, count + 1):
        creator = rng.choice(creators)
        logs.append(maker.log(REGISTRY, "AssetRegistered", assetId=asset, creator=creator,
            kind=asset % 3, contentCid=CID, metadataCid=CID, parents=[], parentRoyaltyBps=0,
            derivativeRoyaltyBps=500, contributorsRoot=b"\0" * 32, totalWeight=0, contributorsCid="",
            labelingRecord=NO_RECORD, campaignId=0, ownerShareBps=0))  # fmt: skip
        logs.append(maker.log(MARKET, "OfferCreated", offerId=asset, assetId=asset, seller=creator,
            price=rng.randint(0, 100) * 10**18, duration=0, maxLicenses=0,
            commercialUse=rng.random() < 0.6, derivativesAllowed=rng.random() < 0.5,
            transferable=False))  # fmt: skip
    return logs


class MemoryNode:
    """A node's log-reading RPC over a fixed list of logs, every answer passed through JSON text."""

    def __init__(self, logs: list[dict[str, Any]]) -> None:
        self.logs = logs
        self.blocks = [int(entry["blockNumber"], 16) for entry in logs]
        self.head = self.blocks[-1] + 1

    async def __call__(self, method: str, params: list[Any]) -> Any:
        if method == "eth_blockNumber":
            answer: Any = hex(self.head)
        elif method == "eth_getBlockByNumber":
            number = int(params[0], 16)
            answer = {"number": params[0], "hash": _hash("block", number)} if number <= self.head else None
        elif method == "eth_getLogs":
            answer = self.get_logs(params[0])
        else:
            raise ValueError(f"MemoryNode does not answer {method}")
        return json.loads(json.dumps(answer))

    def get_logs(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        low, high = int(query["fromBlock"], 16), int(query["toBlock"], 16)
        addresses, topics = set(query["address"]), set(query["topics"][0])
        window = self.logs[bisect_left(self.blocks, low) : bisect_right(self.blocks, high)]
        return [e for e in window if e["address"] in addresses and e["topics"][0] in topics]


def raw_decode(node: MemoryNode, decoder: Decoder) -> int:
    """What a plain script does with the same answer: parse the JSON, eth_abi-decode every log."""
    topics = [["0x" + t.hex() for t in decoder.topics]]
    query = {"address": decoder.addresses, "topics": topics, "fromBlock": "0x0", "toBlock": hex(node.head)}
    answer = asyncio.run(node("eth_getLogs", [query]))
    for entry in answer:
        spec = decoder.specs[(entry["address"].lower(), bytes.fromhex(entry["topics"][0][2:]))]
        abi_decode([t for _, t in spec.data], bytes.fromhex(entry["data"][2:]))
    return len(answer)


def index(node: MemoryNode, folder: Path, name: str) -> tuple[sessionmaker[Session], float]:
    """The logs through the real MarketIndexer into a fresh migrated database; seconds it took."""
    upgrade(folder / name)
    sessions = session_factory(make_engine(folder / name))
    deployment = Deployment("bench", CHAIN, 0, "", {REGISTRY: REGISTRY_AT, MARKET: MARKET_AT})
    indexer = MarketIndexer(None, sessions, deployment, LocalStore(folder / "blobs"), rpc=node)
    started = time.perf_counter()
    asyncio.run(indexer.logs.sync())
    return sessions, time.perf_counter() - started


def describe(sessions: sessionmaker[Session], count: int, rng: random.Random) -> list[str]:
    """Names, cards and tags as the metadata fetcher sets them; the vocabulary drawn from."""
    syllables = ["ka", "ro", "mi", "te", "su", "na", "lo", "vi", "de", "pa", "zu", "gel", "tor", "ix", "an"]
    vocabulary = sorted(
        {"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(4000)}
    )
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
    rows = [
        {
            "n": " ".join(rng.choices(vocabulary, weights, k=3)),
            "c": " ".join(rng.choices(vocabulary, weights, k=60)),
            "t": " ".join(rng.choices(vocabulary, weights, k=4)),
            "a": asset,
        }
        for asset in range(1, count + 1)
    ]
    with sessions() as session:
        session.execute(
            text(
                "UPDATE market_asset SET name = :n, card = :c, tags = :t, meta_status = 'ok' "
                "WHERE chain_id = 31337 AND asset_id = :a"
            ),
            rows,
        )
        session.commit()
    return vocabulary


def pct(values: list[float], p: float) -> float:
    return sorted(values)[min(len(values) - 1, int(len(values) * p))]


def timed(session: Session, run: Callable[[Session, int, Query], Any], query: Query) -> float:
    started = time.perf_counter()
    run(session, CHAIN, query)
    return (time.perf_counter() - started) * 1000


def typed_queries(vocabulary: list[str], rng: random.Random) -> list[Query]:
    """What people type: one or two words, a quarter each with no filter, a kind, commercial use
    allowed, a price ceiling; relevance order."""
    filters: list[dict[str, Any]] = [{}, {"kind": 1}, {"commercial": True}, {"max_price": 50 * 10**18}]
    return [
        Query(text=" ".join(rng.choices(vocabulary[:800], k=1 + i % 2)), limit=50, **filters[i % 4])
        for i in range(400)
    ]


def prefix_queries(vocabulary: list[str], rng: random.Random) -> list[Query]:
    """The first one to three letters of a word, as the first key presses of a search send them."""
    return [Query(text=rng.choice(vocabulary[:800])[: 1 + i % 3], limit=50) for i in range(120)]


def browsing_queries(vocabulary: list[str], rng: random.Random) -> list[Query]:
    """Filters and sorts combined, with and without words: each sort, several filters at once,
    "owned by me", a price range, has-derivatives."""
    owner = "0x" + f"{7:040x}"
    shapes: list[dict[str, Any]] = [
        {"sort": "newest"},
        {"sort": "price", "kind": 0, "commercial": True},
        {"sort": "licensed", "derivatives": True, "max_price": 80 * 10**18},
        {"sort": "newest", "owner": owner},
        {"sort": "price", "min_price": 10 * 10**18, "max_price": 20 * 10**18},
        {"has_derivatives": False, "kind": 2, "sort": "licensed"},
    ]
    return [
        Query(text=" ".join(rng.choices(vocabulary[:800], k=i % 3)), limit=50, **shapes[i % len(shapes)])
        for i in range(300)
    ]


def bench_search(sessions: sessionmaker[Session], queries: list[Query], label: str) -> tuple[float, float]:
    """p95 of ``search`` and of ``like_search`` over ``queries``, interleaved (load slows both alike)."""
    fts, like = [], []
    with sessions() as session:
        for query in queries:
            fts.append(timed(session, search, query))
            like.append(timed(session, like_search, query))
    print(f"{len(queries)} {label} searches (p50 / p95 ms):")
    print(f"  FTS5 search    {pct(fts, 0.5):.2f} / {pct(fts, 0.95):.2f}")
    print(f"  LIKE scan      {pct(like, 0.5):.2f} / {pct(like, 0.95):.2f}")
    print(f"  ratio (LIKE p95 / FTS p95)  {pct(like, 0.95) / pct(fts, 0.95):.1f}")
    return pct(fts, 0.95), pct(like, 0.95)


def bench_catalogue(folder: Path, count: int, rng: random.Random) -> None:
    node = MemoryNode(synthetic_logs(count, rng))
    decoder = Decoder({REGISTRY: REGISTRY_AT, MARKET: MARKET_AT})
    started = time.perf_counter()
    events = raw_decode(node, decoder)
    raw_s = time.perf_counter() - started
    sessions, ours_s = index(node, folder, "market.db")
    with sessions() as session:
        stored = session.execute(text("SELECT count(*) FROM market_log")).scalar_one()
    assert stored == events, f"indexed {stored} of {events} events"
    print(f"{events} synthetic events through the in-process node (s):")
    print(f"  json + eth_abi decode      {raw_s:.2f}  ({events / raw_s:,.0f} events/s)")
    print(f"  market indexer into SQLite {ours_s:.2f}  ({events / ours_s:,.0f} events/s)")
    figure("memory_indexer_events_per_s", events / ours_s, events / raw_s, raw_s / ours_s)
    vocabulary = describe(sessions, count, rng)
    print(f"{count:,} assets indexed through the real indexer;", end=" ")
    typed, typed_like = bench_search(sessions, typed_queries(vocabulary, rng), "typed")
    browsing, browsing_like = bench_search(sessions, browsing_queries(vocabulary, rng), "browsing")
    bench_search(sessions, prefix_queries(vocabulary, rng), "first-letters")
    figure("market_search_p95_ms", typed, typed_like, typed_like / typed)
    figure("market_browse_p95_ms", browsing, browsing_like, browsing_like / browsing)
    bench_semantic(vocabulary, rng)


def bench_semantic(vocabulary: list[str], rng: random.Random) -> None:
    """Typed queries embedded as a search by meaning does, and the same texts on BLAS's threads."""
    started = time.perf_counter()
    try:
        model = shared_model()
    except EmbeddingModelMissing as exc:
        print(f"semantic search not measured: {exc}")
        return
    semantic.query_vector("warm")
    print(f"MiniLM loaded and run once in {time.perf_counter() - started:.2f} s")
    ours, threaded = [], []
    for i in range(80):
        typed = " ".join(rng.choices(vocabulary[:800], k=1 + i % 3)) + f" {i}"  # never seen before
        started = time.perf_counter()
        semantic.query_vector(typed)
        ours.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        model._forward([model.tokenizer.encode(typed, MAX_TOKENS)])  # no thread limit: as before
        threaded.append((time.perf_counter() - started) * 1000)
    print(f"{len(ours)} typed queries embedded (p50 / p95 ms):")
    print(f"  one BLAS thread        {pct(ours, 0.5):.2f} / {pct(ours, 0.95):.2f}")
    print(f"  BLAS's own threads     {pct(threaded, 0.5):.2f} / {pct(threaded, 0.95):.2f}")
    figure(
        "market_semantic_query_ms",
        pct(ours, 0.95),
        pct(threaded, 0.95),
        pct(threaded, 0.95) / pct(ours, 0.95),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--assets", type=int, default=100_000, help="synthetic assets searched")
    parser.add_argument("--chain-assets", type=int, default=2_000, help="registrations on anvil")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-chain", action="store_true", help="no anvil: search only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sahara-bench-market-") as tmp:
        if not args.skip_chain:
            bench_indexer(Path(tmp), args.chain_assets, args.runs)
        bench_catalogue(Path(tmp), args.assets, random.Random(14))
    return 0


if __name__ == "__main__":
    sys.exit(main())
