"""Run by test_outbox in a subprocess that kills itself with SIGKILL at a chosen point.

argv: DB_PATH RPC_URL INTENT MODE, where MODE is "after-persist" (signed and in the database, never
broadcast) or "after-broadcast" (sent to the node, receipt never tracked), or "many:N" (prepare N
intents named INTENT:i and exit normally — two such processes race for nonces).
"""

import asyncio
import os
import signal
import sys
from pathlib import Path

from app.chain.client import ChainClient
from app.db.engine import make_engine, session_factory
from app.wallet.hd import signing_account
from app.wallet.outbox import Outbox, TxRequest

RECIPIENT = "0x00000000000000000000000000000000000000bb"


async def main(db: str, rpc_url: str, intent: str, mode: str) -> None:
    outbox = Outbox(session_factory(make_engine(Path(db))), ChainClient(rpc_url), 31337)
    signer = signing_account("test test test test test test test test test test test junk", 3)
    if mode.startswith("many:"):
        for i in range(int(mode.removeprefix("many:"))):
            await outbox.prepare(TxRequest(f"{intent}:{i}", RECIPIENT, value=1), signer)
        await outbox.client.close()
        return
    row = await outbox.prepare(TxRequest(intent, RECIPIENT, value=1_000, description="child"), signer)
    if mode == "after-broadcast":
        await outbox.broadcast(row.id)
    print(row.tx_hash, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


asyncio.run(main(*sys.argv[1:5]))
