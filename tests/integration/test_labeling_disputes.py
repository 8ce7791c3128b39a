"""A requester that accepts nothing and keeps the labels, on a real devnet: the labeler disputes
through the service; a ruling pays what the arbiter awards, an absent arbiter loses the dispute for
the requester after its deadline; both outcomes show in the labeler's earnings and the requester's
public record.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from devchain import Chain, Env, acct, deltas, run
from test_labeling_lone_labeler import spec
from test_labeling_service import REWARD, wallet

from app.labeling.disputes import NotDisputable, resolve_expired
from app.labeling.schema import Annotation
from app.labeling.service import LabelingService
from app.storage.local import LocalStore
from app.wallet.faucet import treasury
from app.wallet.outbox import TxReverted

E18 = 10**18
REQUESTER, LABELER = 5, 6


def test_labeler_disputes_a_rejection_and_wins_by_ruling_then_by_deadline(env: Env, tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "blobs")
    wallets = {i: wallet(tmp_path / f"w{i}", i) for i in (REQUESTER, LABELER)}

    async def body(c: Chain) -> None:
        requester, labeler = (
            LabelingService(c.client, c.outbox, c.deployment, store, env.sessions, wallets[i])
            for i in (REQUESTER, LABELER)
        )
        await c.fund(acct(REQUESTER), E18)
        await c.fund(acct(LABELER), E18)  # for the bonds
        campaign_id, _ = await requester.create_campaign(spec(tmp_path, "kept labels", 2))
        for _ in range(2):
            claim = await labeler.claim(campaign_id)
            await labeler.submit(claim, [Annotation(item_id=i.id, label="circle") for i in claim.items])
        subs = await requester.submissions(campaign_id)
        await requester.review_batches([(s, 0) for s in subs], "", intent="review:reject-everything")
        with pytest.raises(NotDisputable, match="did not submit"):
            await requester.dispute(campaign_id, 0)

        assert [r.disputable for r in (await labeler.earnings()).rows] == [True, True]
        bond = await c.read("TaskBoard", "disputeBond", campaign_id, 1)
        before = await c.balances(acct(LABELER))
        await labeler.dispute(campaign_id, 0)
        await labeler.dispute(campaign_id, 1)
        assert deltas(await c.balances(acct(LABELER)), before) == [-2 * bond]
        with pytest.raises(NotDisputable, match="Only a review that rejected items"):
            await labeler.dispute(campaign_id, 0)  # once
        assert [r.disputable for r in (await labeler.earnings()).rows] == [False, False]

        # Batch 0: the arbiter (the devnet admin) rules for the labeler.
        await c.send(treasury(), "TaskBoard", "rule", acct(LABELER).address, subs[0].index, campaign_id, 0, 1)
        # Batch 1: the arbiter stays silent; after its deadline anyone settles it for the labeler.
        with pytest.raises(TxReverted, match="RulingWindowOpen"):
            await resolve_expired(requester, acct(LABELER).address, campaign_id, 1)
        await c.advance(await c.read("TaskBoard", "arbiterWindow") + 1)
        await resolve_expired(requester, acct(LABELER).address, campaign_id, 1)

        earnings = await labeler.earnings()
        assert sorted((r.batch, r.status, r.accepted, r.paid) for r in earnings.rows) == [
            (0, "accepted", 1, REWARD), (1, "accepted", 1, REWARD),
        ]  # fmt: skip
        assert earnings.withdrawable == 2 * REWARD + 2 * bond  # pay and both bonds back
        assert "did not rule in time" in next(r.reason for r in earnings.rows if r.batch == 1)
        (info,) = [i for i in await labeler.campaigns() if i.campaign_id == campaign_id]
        record = (info.requester_disputes_lost, info.requester_reviewed, info.requester_accept_rate)
        assert record == (2, 2, 1.0)  # both rejected items ended paid: its record shows it
        assert await c.read("TaskBoard", "acceptedItems", campaign_id, acct(LABELER).address) == 2

    run(env, body)
