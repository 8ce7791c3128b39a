"""The transaction outbox on a real anvil: every path a transaction can take, crashes included."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from eth_utils import to_checksum_address
from sqlalchemy import select

from app.chain.client import ChainClient
from app.chain.devnet import Devnet
from app.chain.jsonrpc import rpc_call
from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.db.models import OutboxTx
from app.wallet.hd import signing_account
from app.wallet.outbox import ChainMismatch, InsufficientFunds, Outbox, OutboxError, TxRequest, TxReverted

MNEMONIC = "test test test test test test test test test test test junk"
RECIPIENT = "0x00000000000000000000000000000000000000bb"
# Init code whose deployed contract reverts on every call (PUSH1 0 PUSH1 0 REVERT).
ALWAYS_REVERTS = bytes.fromhex("6460006000fd6000526005601bf3")
CHILD = Path(__file__).with_name("outbox_child.py")


@pytest.fixture
def chain(paths, devnets):
    devnet = Devnet(paths.devnet, block_time=None)
    devnets.append(devnet)
    info = devnet.start()
    upgrade(paths.database)
    return devnet, info


@pytest.fixture
def sessions(paths, chain):
    engine = make_engine(paths.database)
    yield session_factory(engine)
    engine.dispose()


def run(coro):
    return asyncio.run(coro)


async def with_outbox(sessions, rpc_url: str, body, chain_id: int = 31337):
    client = ChainClient(rpc_url)
    try:
        return await body(Outbox(sessions, client, chain_id))
    finally:
        await client.close()


def nonce_of(rpc_url: str, address: str) -> int:
    return int(rpc_call(rpc_url, "eth_getTransactionCount", [address, "latest"]), 16)


def test_transfer_is_persisted_broadcast_and_mined(chain, sessions) -> None:
    _, info = chain
    signer = signing_account(MNEMONIC, 1)

    async def body(outbox: Outbox):
        row = await outbox.submit(TxRequest("pay:1", RECIPIENT, value=10**15, description="Pay Bob"), signer)
        return await outbox.wait(row.id), outbox.status_line()

    row, line = run(with_outbox(sessions, info.rpc_url, body))
    assert row.status == "mined" and row.block_number and row.gas_used == 21_000
    assert row.description == "Pay Bob" and row.nonce == 0
    receipt = rpc_call(info.rpc_url, "eth_getTransactionReceipt", [row.tx_hash])
    assert int(receipt["status"], 16) == 1
    assert line == "all sent"


def test_the_approved_quote_is_exactly_what_gets_signed(chain, sessions) -> None:
    _, info = chain
    signer = signing_account(MNEMONIC, 6)

    async def body(outbox: Outbox):
        priced = await outbox.quote(TxRequest("quoted", RECIPIENT.lower(), value=7), signer.address)
        row = await outbox.submit(priced, signer)
        return priced, await outbox.wait(row.id)

    priced, row = run(with_outbox(sessions, info.rpc_url, body))
    assert priced.gas and priced.max_fee_per_gas and priced.to == to_checksum_address(RECIPIENT)
    assert (row.gas, int(row.max_fee_per_gas)) == (priced.gas, priced.max_fee_per_gas)
    assert int(row.max_priority_fee_per_gas) == priced.max_priority_fee_per_gas and row.status == "mined"


def test_the_same_intent_is_never_signed_twice(chain, sessions) -> None:
    _, info = chain
    signer = signing_account(MNEMONIC, 1)

    async def body(outbox: Outbox):
        first = await outbox.submit(TxRequest("once", RECIPIENT, value=1), signer)
        again = await outbox.submit(TxRequest("once", RECIPIENT, value=1), signer)
        await outbox.wait(first.id)
        return first, again

    first, again = run(with_outbox(sessions, info.rpc_url, body))
    assert first.id == again.id and first.tx_hash == again.tx_hash
    assert nonce_of(info.rpc_url, signer.address) == 1


def test_a_hundred_intents_get_consecutive_nonces_and_all_mine(chain, sessions) -> None:
    _, info = chain
    signer = signing_account(MNEMONIC, 2)

    async def body(outbox: Outbox):
        requests = [TxRequest(f"bulk:{i}", RECIPIENT, value=i + 1) for i in range(100)]
        rows = await asyncio.gather(*(outbox.submit(r, signer) for r in requests))
        return [await outbox.wait(row.id, timeout=120) for row in rows]

    rows = run(with_outbox(sessions, info.rpc_url, body))
    assert sorted(row.nonce for row in rows) == list(range(100))
    assert {row.status for row in rows} == {"mined"}
    assert nonce_of(info.rpc_url, signer.address) == 100


def test_problems_are_caught_before_signing(chain, sessions) -> None:
    _, info = chain
    rich, empty = signing_account(MNEMONIC, 1), signing_account(MNEMONIC, 30)

    async def body(outbox: Outbox):
        deploy = await outbox.submit(TxRequest("deploy-reverter", None, data=ALWAYS_REVERTS), rich)
        deployed = await outbox.wait(deploy.id)
        receipt = rpc_call(info.rpc_url, "eth_getTransactionReceipt", [deployed.tx_hash])
        with pytest.raises(TxReverted, match="would fail"):
            await outbox.submit(TxRequest("call-reverter", receipt["contractAddress"], data=b"\x01"), rich)
        with pytest.raises(OutboxError, match="wrong checksum"):  # one mistyped character of a pasted address
            await outbox.submit(
                TxRequest("typo", "0x70997970c51812dc3A010C7d01b50e0d17dc79C8", value=1), rich
            )
        with pytest.raises(OutboxError, match="not an address"):
            await outbox.submit(TxRequest("short", "0x1234", value=1), rich)
        with pytest.raises(InsufficientFunds, match="Not enough ETH"):
            await outbox.submit(TxRequest("broke", RECIPIENT, value=1), empty)

    run(with_outbox(sessions, info.rpc_url, body))
    with sessions() as session:
        intents = set(session.scalars(select(OutboxTx.intent_id)))
    assert intents == {"deploy-reverter"}  # nothing was persisted for the refused ones


def test_a_chain_id_mismatch_is_refused(chain, sessions) -> None:
    _, info = chain

    async def body(outbox: Outbox):
        with pytest.raises(ChainMismatch, match="refused"):
            await outbox.submit(TxRequest("wrong-chain", RECIPIENT, value=1), signing_account(MNEMONIC, 1))

    run(with_outbox(sessions, info.rpc_url, body, chain_id=1))


@pytest.mark.parametrize("mode", ["after-persist", "after-broadcast"])
def test_kill_9_loses_nothing_and_duplicates_nothing(chain, sessions, paths, mode: str) -> None:
    _, info = chain
    signer = signing_account(MNEMONIC, 3)
    intent = f"crash:{mode}"
    child = subprocess.run(
        [sys.executable, str(CHILD), str(paths.database), info.rpc_url, intent, mode],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert child.returncode == -9, child.stderr
    tx_hash = child.stdout.strip()
    assert nonce_of(info.rpc_url, signer.address) == (1 if mode == "after-broadcast" else 0)

    async def body(outbox: Outbox):
        await outbox.resume()
        row = outbox.find_intent(signer.address, intent)
        again = await outbox.submit(TxRequest(intent, RECIPIENT, value=1_000), signer)  # the user retries
        return await outbox.wait(row.id), again

    row, again = run(with_outbox(sessions, info.rpc_url, body))
    assert row.tx_hash == tx_hash == again.tx_hash and row.status == "mined"
    assert nonce_of(info.rpc_url, signer.address) == 1  # exactly one transaction for the intent
    with sessions() as session:
        assert len(session.scalars(select(OutboxTx).where(OutboxTx.intent_id == intent)).all()) == 1


def test_two_processes_never_get_the_same_nonce(chain, sessions, paths) -> None:
    _, info = chain
    signer = signing_account(MNEMONIC, 3)
    procs = [
        subprocess.Popen([sys.executable, str(CHILD), str(paths.database), info.rpc_url, f"p{n}", "many:15"])
        for n in range(2)
    ]
    assert [proc.wait(timeout=120) for proc in procs] == [0, 0]

    async def body(outbox: Outbox):
        await outbox.resume()  # broadcasts in the order they were signed, and settles what mined
        return [await outbox.wait(row.id) for row in outbox.history(signer.address)]

    rows = run(with_outbox(sessions, info.rpc_url, body))
    assert len(rows) == 30
    with sessions() as session:
        nonces = sorted(session.scalars(select(OutboxTx.nonce).where(OutboxTx.sender == signer.address)))
    assert nonces == list(range(30))
    assert {row.status for row in rows} == {"mined"}
    assert nonce_of(info.rpc_url, signer.address) == 30


def test_queue_waits_while_the_rpc_is_down_and_drains_after(chain, sessions) -> None:
    devnet, info = chain
    signer = signing_account(MNEMONIC, 4)

    async def body(outbox: Outbox):
        rows = [await outbox.prepare(TxRequest(f"queued:{i}", RECIPIENT, value=1), signer) for i in range(3)]
        devnet.stop()
        await outbox.track_once()
        offline_line = outbox.status_line()
        back = devnet.start()  # the same chain, on a new port
        await outbox.client.close()
        outbox.client = ChainClient(back.rpc_url)
        await outbox.resume()
        settled = [await outbox.wait(row.id) for row in rows]
        return offline_line, settled, back

    offline_line, settled, back = run(with_outbox(sessions, info.rpc_url, body))
    assert offline_line == "offline — 3 pending"
    assert [row.status for row in settled] == ["mined"] * 3
    assert nonce_of(back.rpc_url, signer.address) == 3


@pytest.mark.parametrize("action", ["speed_up", "cancel"])
def test_speed_up_and_cancel_replace_a_pending_transaction(chain, sessions, action: str) -> None:
    _, info = chain
    signer = signing_account(MNEMONIC, 5)
    rpc_call(info.rpc_url, "evm_setAutomine", [False])

    async def body(outbox: Outbox):
        original = await outbox.submit(TxRequest(f"slow:{action}", RECIPIENT, value=5), signer)
        assert original.status == "broadcast"
        replacement = await getattr(outbox, action)(original.id, signer)
        assert replacement.nonce == original.nonce and replacement.status == "broadcast"
        rpc_call(info.rpc_url, "evm_mine")
        mined = await outbox.wait(replacement.id)
        replaced = await outbox.wait(original.id)
        with pytest.raises(OutboxError, match="already"):
            await outbox.speed_up(original.id, signer)
        return mined, replaced

    mined, replaced = run(with_outbox(sessions, info.rpc_url, body))
    rpc_call(info.rpc_url, "evm_setAutomine", [True])
    assert mined.status == "mined" and replaced.status == "replaced"
    assert mined.kind == action.replace("_", "-") and mined.replaces == replaced.id
    assert int(mined.max_fee_per_gas) > int(replaced.max_fee_per_gas)
    recipient_balance = int(rpc_call(info.rpc_url, "eth_getBalance", [RECIPIENT, "latest"]), 16)
    assert recipient_balance == (5 if action == "speed_up" else 0)
