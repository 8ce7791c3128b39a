"""``sahara self-test``: prove an installation works end to end without touching the user's data.

It uses a throwaway data folder, opens and migrates the database, starts a devnet, reads the chain
id and block number through the real chain client, and stops the devnet. The frozen build's smoke
test runs this, so it also proves the bundle carries everything the app imports.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from app.chain.client import ChainClient
from app.chain.devnet import DEVNET_CHAIN_ID, Devnet
from app.db.migrate import MigrationError, head_revision, upgrade
from app.paths import app_paths


class SelfTestError(RuntimeError):
    pass


async def _read_chain(rpc_url: str) -> tuple[int, int]:
    client = ChainClient(rpc_url)
    try:
        return await client.chain_id(), await client.block_number()
    finally:
        await client.close()


def run_self_test(say=print) -> None:  # type: ignore[no-untyped-def]
    """Run every step, reporting progress through ``say``; raises ``SelfTestError`` naming the step."""
    with tempfile.TemporaryDirectory(prefix="sahara-self-test-") as tmp:
        paths = app_paths(Path(tmp)).ensure()
        try:
            revision = upgrade(paths.database)
        except MigrationError as exc:
            raise SelfTestError(f"database: {exc}") from exc
        if revision != head_revision():
            raise SelfTestError(f"database: at {revision}, expected {head_revision()}")
        say(f"database: migrated to {revision}")
        devnet = Devnet(paths.devnet, owner="self-test")
        try:
            info = devnet.start()
            say(f"devnet: started on {info.rpc_url}")
            chain_id, block = asyncio.run(_read_chain(info.rpc_url))
            if chain_id != DEVNET_CHAIN_ID:
                raise SelfTestError(f"chain: expected chain id {DEVNET_CHAIN_ID}, got {chain_id}")
            say(f"chain: id {chain_id}, block {block}")
        except SelfTestError:
            raise
        except Exception as exc:
            raise SelfTestError(f"devnet: {exc}") from exc
        finally:
            devnet.stop()
        say("devnet: stopped")
