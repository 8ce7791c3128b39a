"""A worker process for test_compute_market: one devnet account's ``ComputeProvider``, run until killed.

argv: DB_PATH RPC_URL DATA_DIR STORE_DIR ACCOUNT MIN_PRICE_WEI SCRATCH [cheat]. Prints
``job N: STAGE`` for every step. With ``cheat`` it skips the work of inference jobs and delivers
made-up outputs (the model's outputs plus one), as a dishonest provider would.
"""

import asyncio
import sys
from pathlib import Path
from typing import Any

from app.chain.client import ChainClient
from app.chain.contracts import load_deployment
from app.chain.devnet import DEVNET_CHAIN_ID
from app.compute.provider import ComputeProvider, ProviderConfig
from app.compute.tensors import decode_outputs, encode_outputs
from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.storage.local import LocalStore
from app.wallet.faucet import DEV_MNEMONIC
from app.wallet.hd import signing_account
from app.wallet.outbox import Outbox


async def main(db: str, rpc_url: str, data_dir: str, store_dir: str, account: str, floor: str, scratch: str,
               *cheat: str) -> None:  # fmt: skip
    deployment = load_deployment(Path(data_dir), "devnet")
    assert deployment is not None
    upgrade(Path(db))
    sessions = session_factory(make_engine(Path(db)))
    client = ChainClient(rpc_url, timeout=30)
    config = ProviderConfig(kinds=1, vram_mib=0, min_price=int(floor), stake=100 * 10**18, poll_s=0.2)
    provider = ComputeProvider(
        client, Outbox(sessions, client, DEVNET_CHAIN_ID), deployment, LocalStore(Path(store_dir)), sessions,
        signing_account(DEV_MNEMONIC, int(account)), config, Path(scratch),
    )  # fmt: skip
    if cheat:
        honest = provider.runner.run

        def made_up(model: bytes, inputs: bytes, **job: Any) -> bytes:
            outputs = decode_outputs(honest(model, inputs, **job))
            return encode_outputs([(name, array + 1) for name, array in outputs])

        provider.runner.run = made_up  # type: ignore[method-assign]
    provider.events.connect("changed", lambda job, stage: print(f"job {job}: {stage}", flush=True))
    await provider.ensure_registered()
    print("registered", flush=True)
    await provider.run()


asyncio.run(main(*sys.argv[1:]))
