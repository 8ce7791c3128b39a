"""``BatchPipeline`` against a scripted service: the next batch opens at once, one submission step
per boundary, and failures: a passing one (the node unreachable) is sent again at the next
boundary, one the board refused is not, a failed claim ahead is not retried in a loop, and the
answers of a failed batch stay in the drafts."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.labeling.claims import ClaimedBatch
from app.labeling.drafts import DraftStore
from app.labeling.pipeline import BatchPipeline
from app.labeling.schema import Annotation, Item, LabelSet, Manifest, TaskType
from app.wallet.outbox import TxReverted

LABELS = LabelSet.from_names(["a", "b"])
ITEMS = [Item(id=f"i{n}", image_cid="x") for n in range(16)]


class Service:
    """Claims batches of two items in order; submissions fail while ``fail_with`` is set."""

    def __init__(self, folder: Path, batches: int = 4) -> None:
        upgrade(folder / "db.sqlite")
        self.store = DraftStore(session_factory(make_engine(folder / "db.sqlite")), 1, 1, "0x" + "11" * 20)
        self.batches, self.next_batch = batches, 0
        self.fail_with: Exception | None = None
        self.claim_fails: Exception | None = None
        self.calls: list[str] = []

    async def open_claims(self) -> list[ClaimedBatch]:
        return []

    async def claim(self, campaign_id: int) -> ClaimedBatch:
        self.calls.append("claim")
        if self.claim_fails is not None:
            raise self.claim_fails
        return self._take(campaign_id)

    def _take(self, campaign_id: int) -> ClaimedBatch:
        if self.next_batch == self.batches:
            raise TxReverted(f"This transaction would fail: NoBatchAvailable(campaignId={campaign_id})")
        batch, self.next_batch = self.next_batch, self.next_batch + 1
        return ClaimedBatch(campaign_id, batch % 16, batch, 2 * batch, ITEMS[2 * batch : 2 * batch + 2], 0)

    async def submit(self, claim: ClaimedBatch, answers: list[Annotation]) -> str:
        self.calls.append(f"submit {claim.batch}")
        if self.fail_with is not None:
            raise self.fail_with
        self.store.delete([a.item_id for a in answers])
        return f"0x{claim.batch:064x}"

    async def submit_and_claim(
        self, claim: ClaimedBatch, answers: list[Annotation]
    ) -> tuple[str, ClaimedBatch | None]:
        tx = await self.submit(claim, answers)
        self.calls[-1] += "+claim"
        try:
            return tx, self._take(claim.campaign_id)
        except TxReverted:  # as the service: the claim refused, the submission sent alone
            return tx, None

    def drafts(self, campaign_id: int) -> DraftStore:
        return self.store


def manifest() -> Manifest:
    return Manifest(
        title="t", task_type=TaskType.IMAGE_CLASSIFICATION, label_set=LABELS, instructions="",
        items=ITEMS, requester_pubkey="02" + "11" * 32,
    )  # fmt: skip


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def label(pipeline: BatchPipeline) -> None:
    session = pipeline.session
    assert session is not None
    for _ in session.items:
        session.pick("a")


def test_the_next_batch_opens_at_once_and_each_boundary_is_one_step(tmp_path: Path) -> None:
    service = Service(tmp_path)

    async def body() -> None:
        pipeline = BatchPipeline(service, 1, manifest())
        await pipeline.start()
        await settle()  # the batch after it is claimed ahead
        assert pipeline.upcoming is not None and pipeline.upcoming.batch == 1
        for expected in (1, 2, 3):
            label(pipeline)
            opened = pipeline.finish()
            assert opened is not None and pipeline.claim is not None and pipeline.claim.batch == expected
            await settle()
        label(pipeline)
        ended: list[bool] = []
        pipeline.events.connect("exhausted", lambda: ended.append(True))
        assert pipeline.finish() is None and ended == [True]
        await pipeline.drain()
        assert service.calls == [
            "claim",
            "claim",
            "submit 0+claim",
            "submit 1+claim",
            "submit 2+claim",
            "submit 3",
        ]
        assert [c.batch for c, _tx in pipeline.submitted] == [0, 1, 2, 3]

    asyncio.run(body())


def test_a_passing_failure_is_sent_again_and_a_refusal_is_not(tmp_path: Path) -> None:
    service = Service(tmp_path, batches=8)

    async def body() -> None:
        pipeline = BatchPipeline(service, 1, manifest())
        failures: list[tuple[int, bool]] = []
        pipeline.events.connect("failed", lambda claim, exc, again: failures.append((claim.batch, again)))
        await pipeline.start()
        await settle()
        service.fail_with = OSError("the node is unreachable")
        label(pipeline)
        pipeline.finish()
        await pipeline.drain()
        assert failures == [(0, True)] and pipeline.pending == 1
        assert set(service.store.load_all()) == {"i0", "i1"}, "the failed batch's answers are kept"
        service.fail_with = None
        label(pipeline)
        pipeline.finish()  # batch 1 goes, and batch 0 with it
        await pipeline.drain()
        assert sorted(c.batch for c, _ in pipeline.submitted) == [0, 1] and pipeline.pending == 0
        service.fail_with = TxReverted("This transaction would fail: NotClaimed(labeler=0x1, slot=2)")
        label(pipeline)
        pipeline.finish()
        await pipeline.drain()
        service.fail_with = None
        label(pipeline)
        pipeline.finish()
        await pipeline.drain()
        assert failures[-1] == (2, False)
        assert [c.batch for c, _ in pipeline.submitted] == [1, 0, 3], "a refused batch is not sent again"
        assert service.calls.count("submit 2") + service.calls.count("submit 2+claim") == 1

    asyncio.run(body())


def test_a_failed_claim_ahead_waits_for_the_next_boundary(tmp_path: Path) -> None:
    service = Service(tmp_path)

    async def body() -> None:
        pipeline = BatchPipeline(service, 1, manifest())
        failures: list[object] = []
        pipeline.events.connect("failed", lambda claim, exc, again: failures.append(claim))
        service.claim_fails = OSError("the node is unreachable")
        service.next_batch = 0
        first = ClaimedBatch(1, 0, 0, 0, ITEMS[:2], 0)
        service.next_batch = 1

        async def claims() -> list[ClaimedBatch]:
            return [first]

        service.open_claims = claims  # type: ignore[method-assign]
        await pipeline.start()  # resumed: no claim needed to begin
        await settle()
        assert service.calls == ["claim"] and failures == [None], "tried once, not in a loop"
        service.claim_fails = None
        label(pipeline)
        assert pipeline.finish() is None  # nothing claimed ahead: the labeler waits …
        opened: list[object] = []
        pipeline.events.connect("opened", opened.append)
        await pipeline.drain()
        assert len(opened) == 1 and pipeline.claim is not None and pipeline.claim.batch == 1  # … briefly

    asyncio.run(body())
