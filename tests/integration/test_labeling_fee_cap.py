"""The labeler's approval names a network fee cap, and the real outbox on a real anvil holds it: a
claim whose fee spiked above the cap is not signed unless the labeler says yes again."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from app.chain.client import ChainClient
from app.chain.devnet import Devnet
from app.chain.jsonrpc import rpc_call
from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.db.models import OutboxTx
from app.labeling.approvals import Approvals, FeeNotApproved, SigningGuard, fee_cap_for
from app.wallet.hd import signing_account
from app.wallet.outbox import Outbox, TxRequest

MNEMONIC = "test test test test test test test test test test test junk"
BOARD = "0x00000000000000000000000000000000000000bb"  # the guard reads the intent and the fee only
GWEI = 10**9


@pytest.fixture
def node(paths, devnets):
    devnet = Devnet(paths.devnet, block_time=None)
    devnets.append(devnet)
    info = devnet.start()
    upgrade(paths.database)
    engine = make_engine(paths.database)
    yield info.rpc_url, session_factory(engine)
    engine.dispose()


def spike(rpc_url: str, base_fee: int) -> None:
    """The next block (mined now) has ``base_fee``: what the outbox's fee quote reads."""
    rpc_call(rpc_url, "anvil_setNextBlockBaseFeePerGas", [hex(base_fee)])
    rpc_call(rpc_url, "evm_mine", [])


def test_a_claim_above_the_approved_fee_is_not_signed_unless_approved_again(node, tmp_path) -> None:
    rpc_url, sessions = node
    signer = signing_account(MNEMONIC, 3)
    approvals = Approvals(tmp_path / "approvals.json")
    answers: list[bool] = []
    questions: list[str] = []

    async def ask(words: str) -> bool:
        questions.append(words)
        return answers.pop(0)

    async def body() -> None:
        client = ChainClient(rpc_url)
        try:
            outbox = Outbox(sessions, client, 31337)
            outbox.add_signing_check(SigningGuard(approvals, 31337, ask))
            spike(rpc_url, GWEI)
            approvals.grant(31337, signer.address, 5, "Digits", fee_cap_for((await outbox.market_fees())[0]))
            claim = TxRequest("claim:5:first", BOARD, description="Claim a batch")
            await outbox.wait((await outbox.submit(claim, signer)).id)  # within the cap: not asked
            assert questions == []

            spike(rpc_url, 500 * GWEI)  # fees jump after the approval
            answers.append(False)
            with pytest.raises(FeeNotApproved, match="Not signed"):
                await outbox.submit(TxRequest("claim:5:second", BOARD, description="Claim a batch"), signer)
            assert len(questions) == 1 and "Network fees have risen" in questions[0]
            assert outbox.find_intent(signer.address, "claim:5:second") is None, "nothing signed"

            answers.append(True)  # asked again, the labeler accepts the new fee
            row = await outbox.submit(TxRequest("claim:5:second", BOARD, description="Claim a batch"), signer)
            assert (await outbox.wait(row.id)).status == "mined" and len(questions) == 2
            assert approvals.find(31337, signer.address, 5).fee_cap_wei >= row.gas * int(row.max_fee_per_gas)
        finally:
            await client.close()

    asyncio.run(body())
    with sessions() as session:  # the refused try left no row and took no nonce
        nonces = sorted(session.scalars(select(OutboxTx.nonce).where(OutboxTx.sender == signer.address)))
    assert nonces == [0, 1]
