"""A lone labeler labels 300 items on a real devnet through the pipeline the Label page uses: the
next batch is claimed ahead, finished batches go out in the background (one ``submitAndClaim``
per boundary), nobody reviews, and no ``NoFreeSlot`` stops them (30 batches, 16 slots)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from devchain import Chain, Env, acct, run
from PIL import Image
from test_labeling_service import LABELS, REWARD, wallet

from app.labeling.campaign_spec import CampaignSpec
from app.labeling.pipeline import BatchPipeline
from app.labeling.schema import Annotation, Item, TaskType
from app.labeling.service import LabelingService
from app.labeling.session import LabelingSession
from app.storage.local import LocalStore

E18 = 10**18
REQUESTER, LABELER = 5, 6
ITEMS, BATCH = 300, 10


def spec(folder: Path) -> CampaignSpec:
    folder.mkdir()
    items = []
    for n in range(ITEMS):
        Image.new("RGB", (8, 8), (n % 256, n // 256, 7)).save(folder / f"{n}.png")
        items.append(Item(id=f"img/{n}.png", source=str(folder / f"{n}.png")))
    return CampaignSpec(
        title="Three hundred", task_type=TaskType.IMAGE_CLASSIFICATION, label_set=LABELS, instructions="",
        items=items, gold={}, reward_per_item=REWARD, batch_size=BATCH,
    )  # fmt: skip


def test_a_lone_labeler_labels_300_items_without_waiting_or_running_out_of_slots(
    env: Env, tmp_path: Path
) -> None:
    store = LocalStore(tmp_path / "blobs")
    campaign_spec = spec(tmp_path / "pictures")
    wallets = {i: wallet(tmp_path / f"w{i}", i) for i in (REQUESTER, LABELER)}

    async def body(c: Chain) -> None:
        requester, labeler = (
            LabelingService(c.client, c.outbox, c.deployment, store, env.sessions, wallets[i])
            for i in (REQUESTER, LABELER)
        )
        await c.fund(acct(REQUESTER), 10 * E18)
        campaign_id, _ = await requester.create_campaign(campaign_spec)
        pipeline = BatchPipeline(labeler, campaign_id, await labeler.manifest(campaign_id))
        opened: asyncio.Queue[LabelingSession] = asyncio.Queue()
        pipeline.events.connect("opened", opened.put_nowait)
        failures: list[object] = []
        pipeline.events.connect("failed", lambda claim, exc: failures.append(exc))
        exhausted = asyncio.Event()
        pipeline.events.connect("exhausted", exhausted.set)

        session: LabelingSession | None = await pipeline.start()
        labeled: list[str] = []
        waited_at_boundary = 0
        while session is not None:
            seen: list[str] = []
            session.events.connect("changed", seen.append)
            for item in session.items:  # the keys a labeler presses, one per item
                assert labeler.item_bytes(item)[:8] == b"\x89PNG\r\n\x1a\n"  # the stored image
                session.pick("circle" if len(labeled) % 2 else "square")
                labeled.append(item.id)
            assert seen[-1] == "done"  # the last key finished the batch
            session = pipeline.finish()
            if session is None and not exhausted.is_set():  # only if the chain was slower than us
                waited_at_boundary += 1
                got, _ = await asyncio.wait(
                    [asyncio.ensure_future(opened.get()), asyncio.ensure_future(exhausted.wait())],
                    return_when=asyncio.FIRST_COMPLETED,
                )
                result = got.pop().result()
                session = result if isinstance(result, LabelingSession) else None
            await asyncio.sleep(0)  # the courier's turn, as the GUI's event loop gives it

        await pipeline.drain()
        assert failures == []  # no NoFreeSlot, nothing failed
        assert len(labeled) == ITEMS and len(set(labeled)) == ITEMS
        assert pipeline.pending == 0 and len(pipeline.submitted) == ITEMS // BATCH
        assert pipeline.exhausted
        # every submission is on chain, with the answers given, and no batch is left claimed
        subs = await requester.submissions(campaign_id)
        assert sorted(s.batch for s in subs) == list(range(ITEMS // BATCH))
        assert [s.error for s in subs if s.error] == []
        answers = {a.item_id: a.label for s in subs for a in s.result.annotations}
        assert answers == {item: "circle" if n % 2 else "square" for n, item in enumerate(labeled)}
        assert await labeler.open_claims() == []
        assert await c.read("TaskBoard", "batchesAvailable", campaign_id) == 0
        # one transaction per boundary: 1 claim to start, 1 ahead, then submitAndClaim per batch
        sent = [r.intent_id for r in c.outbox.history(acct(LABELER).address, limit=500)]
        assert sum(i.startswith("claim:") for i in sent) == 2
        assert sum(i.endswith(":next") for i in sent) == ITEMS // BATCH - 2
        assert len(sent) == ITEMS // BATCH + 2  # the last two batches are submitted alone
        assert labeler.drafts(campaign_id).load_all() == {}  # drafts go once their batch is mined

    run(env, body)


def test_prelabels_asked_for_reach_the_labeler_as_starting_answers(env: Env, tmp_path: Path) -> None:
    """The requester's pre-labels (e.g. a Label Studio project's labels) travel in the manifest;
    the labeler's session opens with them, and what is submitted is what the labeler kept."""
    store = LocalStore(tmp_path / "blobs")
    full = spec(tmp_path / "pictures")
    items = full.items[:BATCH]
    starting = {item.id: Annotation(item_id=item.id, label="circle") for item in items[1:]}
    gold = {items[0].id: Annotation(item_id=items[0].id, label="square")}
    asked = replace(full, items=items, gold=gold, prelabels=starting)
    wallets = {i: wallet(tmp_path / f"w{i}", i) for i in (REQUESTER, LABELER)}

    async def body(c: Chain) -> None:
        requester, labeler = (
            LabelingService(c.client, c.outbox, c.deployment, store, env.sessions, wallets[i])
            for i in (REQUESTER, LABELER)
        )
        await c.fund(acct(REQUESTER), 10 * E18)
        campaign_id, _ = await requester.create_campaign(asked)
        manifest = await labeler.manifest(campaign_id)
        assert manifest.prelabels == starting and items[0].id not in manifest.prelabels
        pipeline = BatchPipeline(labeler, campaign_id, manifest)
        session = await pipeline.start()
        assert session is not None
        assert [a.label for a in session.answers()] == [None] + ["circle"] * (BATCH - 1)
        assert session.index == 0
        session.pick("square")  # the gold item, then the labeler corrects one pre-label
        session.go_to(2)
        session.pick("square")
        assert pipeline.finish() is None
        await pipeline.drain()
        (sub,) = await requester.submissions(campaign_id)
        labels = [a.label for a in sub.result.annotations]
        assert labels == ["square", "circle", "square"] + ["circle"] * (BATCH - 3)

    run(env, body)
