"""Run by test_market_indexer in a subprocess that the test kills with SIGKILL mid-run.

argv: DB_PATH RPC_URL DATA_DIR STORE_DIR. Indexes the devnet's market one block per step (so a kill
lands between, or inside, many small transactions) until killed.
"""

import asyncio
import sys
from pathlib import Path

from app.chain.client import ChainClient
from app.chain.contracts import load_deployment
from app.db.engine import make_engine, session_factory
from app.market.catalog.service import MarketIndexer
from app.storage.local import LocalStore


async def main(db: str, rpc_url: str, data_dir: str, store_dir: str) -> None:
    deployment = load_deployment(Path(data_dir), "devnet")
    assert deployment is not None
    client = ChainClient(rpc_url, timeout=30)
    sessions = session_factory(make_engine(Path(db)))
    indexer = MarketIndexer(client, sessions, deployment, LocalStore(Path(store_dir)), span=1, max_span=1)
    print("started", flush=True)
    while True:
        await indexer.logs.step()


asyncio.run(main(*sys.argv[1:5]))
