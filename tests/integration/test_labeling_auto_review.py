"""Auto-review against labelers who submit something other than a result, on a real devnet.

A result that cannot be opened is rejected at once with the reason; one that is not in storage
waits (it may still arrive) but only for half the review window, after which it is rejected, so
that ``finalize`` cannot pay for nothing once the window is over.
"""

from __future__ import annotations

from pathlib import Path

from devchain import Chain, Env, acct, run
from eth_utils import keccak
from test_labeling_service import LABELS, REWARD, images, wallet

from app.chain.bindings import encode_call
from app.labeling.campaign_spec import CampaignSpec
from app.labeling.schema import Annotation, TaskType
from app.labeling.service import LabelingService
from app.storage.local import LocalStore
from app.wallet.outbox import TxRequest
from app.workers.auto_review import AutoReviewer

OWNER, GARBAGE, NOTHING = 1, 2, 3
NOWHERE = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"  # a CID no store holds


def test_unreadable_results_are_rejected_and_missing_ones_after_half_the_window(
    env: Env,
    tmp_path: Path,
) -> None:
    store = LocalStore(tmp_path / "blobs")
    spec = CampaignSpec(
        title="Shapes, cheated",
        task_type=TaskType.IMAGE_CLASSIFICATION,
        label_set=LABELS,
        instructions="",
        items=images(tmp_path / "pictures", 4)[:-1],
        gold={"img/0.png": Annotation(item_id="img/0.png", label="circle")},
        reward_per_item=REWARD,
        batch_size=2,
        review_window_s=600,
    )
    wallets = {i: wallet(tmp_path / f"w{i}", i) for i in (OWNER, GARBAGE, NOTHING)}

    async def body(c: Chain) -> None:
        services = {
            i: LabelingService(c.client, c.outbox, c.deployment, store, env.sessions, w)
            for i, w in wallets.items()
        }
        await c.fund(acct(OWNER), 10**18)
        campaign_id, _ = await services[OWNER].create_campaign(spec)

        async def submit_raw(who: int, cid: str) -> None:
            claim = await services[who].claim(campaign_id)
            await c.send(acct(who), "TaskBoard", "submitBatch", claim.slot, cid, keccak(b"anything"))

        await submit_raw(GARBAGE, str(store.put([b"not an encrypted result"])))
        await submit_raw(NOTHING, NOWHERE)

        reviewer = AutoReviewer(services[OWNER])
        (refused,) = (await reviewer.run_once()).decisions  # the missing one waits
        assert (refused.submission.labeler, refused.accepted) == (acct(GARBAGE).address, 0)
        assert refused.reasons[0].startswith("result refused: ")
        assert (await reviewer.run_once()).decisions == []  # still within the grace

        await c.advance(301)
        (missing,) = (await reviewer.run_once()).decisions
        assert (missing.submission.labeler, missing.accepted) == (acct(NOTHING).address, 0)
        assert missing.reasons == ["result not found in storage 5 minutes after it was submitted"]

        (row,) = (await services[NOTHING].earnings()).rows
        assert (row.status, row.paid, row.reason) == ("rejected", 0, missing.reasons[0])
        (row,) = (await services[GARBAGE].earnings()).rows
        assert row.status == "rejected" and row.reason.startswith("result refused: ")

    run(env, body)


def test_a_round_cut_off_while_its_transaction_was_in_flight_is_awaited(env: Env, tmp_path: Path) -> None:
    """A restart finds the last round's transaction signed but not mined: the next round lets it
    land first and decides only what it left, instead of a second transaction that would revert."""
    store = LocalStore(tmp_path / "blobs")
    spec = CampaignSpec(
        title="Shapes, interrupted",
        task_type=TaskType.IMAGE_CLASSIFICATION,
        label_set=LABELS,
        instructions="",
        items=images(tmp_path / "pictures", 4)[:-1],
        gold={},
        reward_per_item=REWARD,
        batch_size=2,
    )
    owner, first, second = 4, 5, 6
    wallets = {i: wallet(tmp_path / f"w{i}", i) for i in (owner, first, second)}

    async def body(c: Chain) -> None:
        services = {
            i: LabelingService(c.client, c.outbox, c.deployment, store, env.sessions, w)
            for i, w in wallets.items()
        }
        await c.fund(acct(owner), 10**18)
        campaign_id, _ = await services[owner].create_campaign(spec)

        async def label(who: int) -> None:
            claim = await services[who].claim(campaign_id)
            await services[who].submit(claim, [Annotation(item_id=i.id, label="circle") for i in claim.items])

        await label(first)
        await label(second)  # (its transaction first: the outbox's tracking would send the cut-off one)
        subs = await services[owner].submissions(campaign_id)
        sub = next(s for s in subs if s.labeler == acct(first).address)
        review = (sub.labeler, sub.index, campaign_id, sub.batch, 1)
        data = encode_call("TaskBoard", "reviewBatches", [review], "")
        board = c.deployment.address("TaskBoard")
        cut_off = await c.outbox.prepare(TxRequest("auto-review:cut-off", board, data), acct(owner))

        (decided,) = (await AutoReviewer(services[owner]).run_once()).decisions
        assert decided.submission.labeler == acct(second).address
        assert c.outbox.get(cut_off.id).status == "mined"
        rows = {(r.campaign_id, r.batch): r.accepted for r in (await services[first].earnings()).rows}
        assert rows == {(campaign_id, 0): 1}  # as the cut-off round decided

    run(env, body)
