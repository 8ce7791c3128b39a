"""A lone labeler on a real devnet: 20 batches submitted with nobody reviewing, then a 21st claimed
(submissions wait for review outside the 16 claim slots); and two campaign creations from one
account whose permits race for the same token nonce.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from devchain import Chain, Env, acct, run
from PIL import Image
from test_labeling_service import LABELS, REWARD, wallet

import app.chain.permit as permit_module
from app.labeling.campaign_spec import CampaignSpec
from app.labeling.funding import PERMIT_TRIES, PermitRace
from app.labeling.schema import Annotation, Item, TaskType
from app.labeling.service import LabelingService
from app.storage.local import LocalStore

E18 = 10**18
REQUESTER, LABELER = 3, 4


def spec(tmp_path: Path, title: str, count: int) -> CampaignSpec:
    """A campaign of ``count`` real (distinct) PNGs, one per batch."""
    folder = tmp_path / title
    folder.mkdir()
    items = []
    for n in range(count):
        Image.new("RGB", (8, 8), (n, 255 - n, 7)).save(folder / f"{n}.png")
        items.append(Item(id=f"img/{n}.png", source=str(folder / f"{n}.png")))
    return CampaignSpec(
        title=title, task_type=TaskType.IMAGE_CLASSIFICATION, label_set=LABELS, instructions="",
        items=items, gold={}, reward_per_item=REWARD, batch_size=1,
    )  # fmt: skip


def test_lone_labeler_submits_20_batches_unreviewed_and_claims_a_21st(env: Env, tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "blobs")
    campaign_spec = spec(tmp_path, "many", 22)
    wallets = {i: wallet(tmp_path / f"w{i}", i) for i in (REQUESTER, LABELER)}

    async def body(c: Chain) -> None:
        requester, labeler = (
            LabelingService(c.client, c.outbox, c.deployment, store, env.sessions, wallets[i])
            for i in (REQUESTER, LABELER)
        )
        await c.fund(acct(REQUESTER), E18)
        campaign_id, _ = await requester.create_campaign(campaign_spec)
        claim = await labeler.claim(campaign_id)
        for n in range(20):
            answers = [Annotation(item_id=item.id, label="circle") for item in claim.items]
            if n < 19:  # the app's flow: one transaction per batch boundary
                _tx, following = await labeler.submit_and_claim(claim, answers)
                assert following is not None and following.batch == n + 1
                assert following.slot == claim.slot  # the submitted batch's slot is free again
                claim = following
            else:
                await labeler.submit(claim, answers)
        assert await labeler.open_claims() == []
        twenty_first = await labeler.claim(campaign_id)  # no NoFreeSlot: nobody has reviewed anything
        assert twenty_first.batch == 20
        earnings = await labeler.earnings()
        assert [r.status for r in earnings.rows].count("pending") == 20
        assert earnings.pending == 20 * REWARD
        subs = await requester.submissions(campaign_id)
        assert len(subs) == 20 and len({s.index for s in subs}) == 20  # 20 pool entries, none reused yet
        await requester.review_batches([(s, 1) for s in subs], "", intent="review:all-twenty")
        assert (await labeler.earnings()).withdrawable == 20 * REWARD
        assert await c.read("TaskBoard", "acceptedItems", campaign_id, acct(LABELER).address) == 20

    run(env, body)


def test_two_creations_racing_for_the_permit_nonce_both_succeed(
    env: Env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first permit signed is spent on chain by "another process" of the same account (a real
    permit transaction, timed by a hook) before this creation is sent: the creation signs again
    at the new nonce and succeeds; if the nonce is taken every time, it says so in words."""
    store = LocalStore(tmp_path / "blobs")
    owner = wallet(tmp_path / "w", REQUESTER)
    real = permit_module.signed_permit
    races = {"left": 1}

    async def body(c: Chain) -> None:
        service = LabelingService(c.client, c.outbox, c.deployment, store, env.sessions, owner)
        await c.fund(acct(REQUESTER), E18)

        async def racing(*args: Any, **kwargs: Any) -> Any:
            signed = await real(*args, **kwargs)
            if races["left"]:
                races["left"] -= 1
                other = await c.permit(acct(REQUESTER), "LicenseMarket", 1)  # the other process's permit
                token_permit = (acct(REQUESTER).address, c.addr("LicenseMarket"), 1, *other.args)
                await c.send(acct(REQUESTER), "SaharaToken", "permit", *token_permit)
            return signed

        monkeypatch.setattr(permit_module, "signed_permit", racing)
        nonce = await c.read("SaharaToken", "nonces", acct(REQUESTER).address)
        before = (await c.balances(acct(REQUESTER)))[0]
        campaign_id, _ = await service.create_campaign(spec(tmp_path, "raced", 2))
        assert await c.read("SaharaToken", "nonces", acct(REQUESTER).address) == nonce + 2
        assert (await c.balances(acct(REQUESTER)))[0] == before - 2 * REWARD
        assert (await c.read("TaskBoard", "getCampaign", campaign_id))[0] == 2 * REWARD

        races["left"] = PERMIT_TRIES
        before = (await c.balances(acct(REQUESTER)))[0]
        with pytest.raises(PermitRace, match="nothing was paid"):
            await service.create_campaign(spec(tmp_path, "always raced", 2))
        assert (await c.balances(acct(REQUESTER)))[0] == before

    run(env, body)
