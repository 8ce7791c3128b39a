"""kill -9 of the devnet while the outbox sends: the chain may lose its last moment, the outbox
notices, sends those transactions again, and every intent ends mined exactly once with no nonce
left waiting behind a gap (issue 12, item 2)."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.chain.client import ChainClient, ChainUnavailable
from app.chain.devnet import Devnet, DevnetEvent
from app.chain.devnet_state import take_snapshot
from app.chain.jsonrpc import rpc_call
from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.db.models import LabelReviewCursor
from app.wallet.faucet import DEV_MNEMONIC
from app.wallet.hd import signing_account
from app.wallet.outbox import Outbox, TxRequest

pytestmark = pytest.mark.integration

RECIPIENT = "0x00000000000000000000000000000000000000cc"


@pytest.fixture
def sessions(paths) -> sessionmaker[Session]:
    upgrade(paths.database)
    engine = make_engine(paths.database)
    yield session_factory(engine)
    engine.dispose()


def chain_nonce(url: str, address: str) -> int:
    return int(rpc_call(url, "eth_getTransactionCount", [address, "latest"]), 16)


def recipient_balance(url: str) -> int:
    return int(rpc_call(url, "eth_getBalance", [RECIPIENT, "latest"]), 16)


async def settle_all(outbox: Outbox, sender: str, count: int) -> None:
    """Every intent pay:0..count-1 is mined on the chain the outbox talks to, exactly once."""
    for i in range(count):
        row = outbox.find_intent(sender, f"pay:{i}")
        assert row is not None, f"pay:{i} was never signed"
        row = await outbox.wait(row.id, timeout=30)
        assert row.status == "mined", (i, row.status, row.error)
        assert outbox.find_intent(sender, f"pay:{i}#2") is None  # never needed a second try
        receipt = rpc_call(outbox.client.rpc_url, "eth_getTransactionReceipt", [row.tx_hash])
        assert receipt is not None and int(receipt["status"], 16) == 1, f"pay:{i} is not on the chain"
        assert int(receipt["blockNumber"], 16) == row.block_number
    assert outbox.pending() == []
    url = outbox.client.rpc_url
    assert chain_nonce(url, sender) == count  # nothing missing, nothing extra, no gap
    assert recipient_balance(url) == sum(range(1, count + 1))  # each payment counted once


def test_kill_9_at_a_random_moment_during_100_transactions(paths, devnets, sessions) -> None:
    count, kill_at = 100, random.randint(5, 90)
    devnet = Devnet(paths.devnet, block_time=None)
    devnets.append(devnet)
    restarted = threading.Event()

    def listen(event: DevnetEvent) -> None:
        if event.kind == "restarted":
            restarted.set()

    devnet.events.connect("changed", listen)
    info = devnet.start()
    devnet.watch()  # what the app runs: snapshots as blocks arrive, restarts the node
    signer = signing_account(DEV_MNEMONIC, 4)

    async def main() -> None:
        outbox = Outbox(sessions, ChainClient(info.rpc_url), 31337)
        i = 0
        while i < count:
            if i == kill_at and not restarted.is_set():
                pid = devnet.info.pid
                threading.Timer(random.uniform(0, 0.05), os.kill, (pid, signal.SIGKILL)).start()
            try:
                row = await outbox.submit(TxRequest(f"pay:{i}", RECIPIENT, value=i + 1), signer)
                if i % 2:  # half as the app's calls do (until mined), half left in flight
                    await outbox.wait(row.id, timeout=3)
                i += 1
            except (ChainUnavailable, TimeoutError):
                assert await asyncio.to_thread(restarted.wait, 30), "the watchdog did not restart anvil"
                old = outbox.client
                outbox.use(ChainClient(devnet.info.rpc_url), 31337)  # what AppRuntime does on "restarted"
                await old.close()
        try:
            await settle_all(outbox, signer.address, count)
        finally:
            await outbox.client.close()

    asyncio.run(main())
    assert restarted.is_set(), f"anvil was never killed (kill_at={kill_at})"
    devnet.shutdown()


def test_a_torn_dump_rolls_back_to_the_snapshot_and_the_outbox_sends_the_rest_again(
    paths: object, devnets: list, sessions: sessionmaker[Session]
) -> None:
    """The exact failure of the issue, made deterministic: the app's snapshot holds 5 transfers,
    anvil dies while writing its own dump (a torn file), and 5 more were mined after the snapshot."""
    devnet = Devnet(paths.devnet, block_time=None)
    devnets.append(devnet)
    info = devnet.start()
    signer = signing_account(DEV_MNEMONIC, 5)

    async def send(url: str, intents: range) -> None:
        outbox = Outbox(sessions, ChainClient(url), 31337)
        try:
            for i in intents:
                row = await outbox.submit(TxRequest(f"pay:{i}", RECIPIENT, value=i + 1), signer)
                assert (await outbox.wait(row.id)).status == "mined"
        finally:
            await outbox.client.close()

    asyncio.run(send(info.rpc_url, range(5)))
    assert take_snapshot(info.rpc_url, devnet.state_file) is not None
    asyncio.run(send(info.rpc_url, range(5, 10)))
    head = int(rpc_call(info.rpc_url, "eth_blockNumber"), 16)
    with sessions() as session:  # an event cursor that had scanned every block before the kill
        session.add(
            LabelReviewCursor(chain_id=31337, board=RECIPIENT, account=RECIPIENT, next_block=head + 1)
        )
        session.commit()
    os.kill(info.pid, signal.SIGKILL)
    devnet._proc.wait(timeout=5)
    whole = Path(devnet.live_file).read_bytes() if devnet.live_file.exists() else b'{"block": {}}'
    devnet.live_file.write_bytes(whole[: len(whole) // 2])  # killed in the middle of its write

    again = devnet.start()
    assert chain_nonce(again.rpc_url, signer.address) == 5  # back at the snapshot, not at genesis

    async def after_restart() -> None:
        outbox = Outbox(sessions, ChainClient(again.rpc_url), 31337)
        try:  # a new intent first: it must not be signed behind a nonce gap
            row = await outbox.submit(TxRequest("pay:10", RECIPIENT, value=11), signer)
            assert (await outbox.wait(row.id, timeout=10)).status == "mined"
            await settle_all(outbox, signer.address, 11)
        finally:
            await outbox.client.close()

    asyncio.run(after_restart())
    with sessions() as session:  # rewound to the snapshot's head: the lost blocks' events are scanned again
        (cursor,) = session.scalars(select(LabelReviewCursor)).all()
        assert cursor.next_block <= head + 1 - 5
