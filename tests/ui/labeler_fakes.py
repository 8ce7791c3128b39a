"""Fakes for the labeler's side of the labeling workspace: images made in memory, a draft store
in a real SQLite file, and a ``LabelingService`` stand-in with the methods the UI calls."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QImage, QPainter

from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.labeling.claims import ClaimedBatch as ClaimedBatch  # the real types, re-exported for tests
from app.labeling.drafts import DraftStore
from app.labeling.earnings import EarningRow as EarningRow
from app.labeling.earnings import Earnings as Earnings
from app.labeling.schema import Annotation, Item, LabelClass, LabelSet, Manifest, TaskType
from app.wallet.outbox import TxRequest

ACCOUNT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
DIGITS = LabelSet(classes=[LabelClass(name=str(d), hotkey=str(d)) for d in range(10)])
ANIMALS = LabelSet.from_names(["cat", "dog", "bird"])
ENTITIES = LabelSet.from_names(["PER", "LOC", "ORG"])
TEXTS = [
    "Ada Lovelace met Charles Babbage in London.",
    "Grace Hopper worked at Harvard on the Mark I.",
    "Alan Turing was born in Maida Vale, London.",
]


def png(width: int = 64, height: int = 48, color: str = "#4e79a7", fmt: bytes = b"PNG") -> bytes:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(color))
    painter = QPainter(image)
    painter.fillRect(width // 4, height // 4, width // 2, height // 2, QColor("#ffffff"))
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, fmt.decode())
    return bytes(data.data())


def image_items(n: int, prefix: str = "img") -> list[Item]:
    return [Item(id=f"{prefix}{i}", image_cid=f"cid-{prefix}{i}", width=64, height=48) for i in range(n)]


def text_items() -> list[Item]:
    return [Item(id=f"t{i}", text=text) for i, text in enumerate(TEXTS)]


def draft_store(tmp_path: Path, campaign: int = 1) -> DraftStore:
    db = tmp_path / "sahara.db"
    upgrade(db)
    return DraftStore(session_factory(make_engine(db)), 31337, campaign, ACCOUNT)


class Images:
    """``item_bytes`` for a batch: distinct PNGs per item, or bad bytes for ``broken`` ids."""

    def __init__(self, broken: set[str] | None = None, size: tuple[int, int] = (64, 48)) -> None:
        self.broken = broken or set()
        self.size = size
        self.calls: list[str] = []
        self._colors = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f"]

    def __call__(self, item: Item) -> bytes:
        self.calls.append(item.id)
        if item.id in self.broken:
            return b"\x89PNG\r\n\x1a\n not really a png"
        index = int("".join(c for c in item.id if c.isdigit()) or 0)
        return png(*self.size, color=self._colors[index % len(self._colors)])


# -- the service -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignInfo:
    campaign_id: int
    title: str
    task_type: TaskType
    reward_per_item: int = 5 * 10**16
    batch_size: int = 5
    batches_available: int = 4
    item_count: int = 20
    redundancy: int = 1
    open: bool = True
    requester: str = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
    manifest_cid: str = "bafy-manifest"
    escrow: int = 10**18
    review_window_s: int = 3 * 86400
    claim_ttl_s: int = 3600
    min_reputation: int = 0
    requester_reviewed: int = 12
    requester_accept_rate: float | None = 0.92
    requester_disputes_lost: int = 0
    requester_auto_accepted: int = 0


class ReputationTooLow(Exception):
    pass


class NoBatchAvailable(Exception):
    pass


GWEI = 10**9
CLAIM_GAS = 300_000


@dataclass
class FakeOutbox:
    """The outbox's fee quote and signing checks, as the labeler's page uses them: what a claim's
    transaction would be quoted at (``max_fee_per_gas``) is set by the test."""

    max_fee_per_gas: int = 2 * GWEI
    checks: list[Any] = field(default_factory=list)

    async def market_fees(self) -> tuple[int, int]:
        return self.max_fee_per_gas, GWEI

    def add_signing_check(self, check: Any) -> Any:
        self.checks.append(check)
        return lambda: self.checks.remove(check)

    async def sign(self, intent: str, sender: str) -> None:
        """What the real outbox does before signing: every check sees the quoted request."""
        request = TxRequest(intent, None, b"", 0, intent.split(":")[0].capitalize(), CLAIM_GAS,
                            self.max_fee_per_gas, GWEI)  # fmt: skip
        for check in list(self.checks):
            await check(request, sender)


@dataclass
class FakeService:
    """What the labeler's UI calls on ``LabelingService``; records calls, fails on request."""

    tmp_path: Path
    address: str = ACCOUNT  # the active account
    chain_id: int = 0
    outbox: FakeOutbox = field(default_factory=FakeOutbox)
    campaigns_list: list[CampaignInfo] = field(default_factory=list)
    manifests: dict[int, Manifest] = field(default_factory=dict)
    claims: list[ClaimedBatch] = field(default_factory=list)
    claim_error: Exception | None = None
    submit_error: Exception | None = None
    dispute_error: Exception | None = None
    earnings_value: Earnings | None = None
    calls: list[str] = field(default_factory=list)
    submitted: list[tuple[ClaimedBatch, list[Annotation]]] = field(default_factory=list)
    images: Images = field(default_factory=Images)
    gate: asyncio.Event | None = None  # set by a test to hold an async call until it says so
    _stores: dict[int, DraftStore] = field(default_factory=dict)

    async def _step(self, name: str) -> None:
        self.calls.append(name)
        await asyncio.sleep(0)
        if self.gate is not None:
            await self.gate.wait()

    async def campaigns(self) -> list[CampaignInfo]:
        await self._step("campaigns")
        return list(self.campaigns_list)

    async def manifest(self, campaign_id: int) -> Manifest:
        await self._step(f"manifest {campaign_id}")
        return self.manifests[campaign_id]

    async def open_claims(self) -> list[ClaimedBatch]:
        await self._step("open_claims")
        return list(self.claims)

    async def claim(self, campaign_id: int) -> ClaimedBatch:
        await self._step(f"claim {campaign_id}")
        if self.claim_error is not None:
            raise self.claim_error
        await self.outbox.sign(f"claim:{campaign_id}:{len(self.calls)}", self.address)
        manifest = self.manifests[campaign_id]
        batch = sum(c.campaign_id == campaign_id for c in self.claims) + len(self.submitted)
        items = manifest.items[batch * 2 : batch * 2 + 2] or manifest.items[:2]
        claim = ClaimedBatch(campaign_id, 0, batch, batch * 2, items, 4_000_000_000)
        self.claims.append(claim)
        return claim

    def drafts(self, campaign_id: int) -> DraftStore:
        if campaign_id not in self._stores:
            self._stores[campaign_id] = draft_store(self.tmp_path, campaign_id)
        return self._stores[campaign_id]

    def item_bytes(self, item: Item) -> Any:
        return self.images(item)

    async def submit(self, claim: ClaimedBatch, annotations: list[Annotation]) -> str:
        await self._step(f"submit {claim.batch}")
        if self.submit_error is not None:
            raise self.submit_error
        self.submitted.append((claim, annotations))
        self.claims = [c for c in self.claims if c != claim]
        self.drafts(claim.campaign_id).delete(a.item_id for a in annotations)
        return "0x" + "ab" * 32

    async def submit_and_claim(
        self, claim: ClaimedBatch, annotations: list[Annotation]
    ) -> tuple[str, ClaimedBatch | None]:
        """As the service: submit, and claim the next batch in the same step (None when none is left)."""
        tx = await self.submit(claim, annotations)
        try:
            return tx, await self.claim(claim.campaign_id)
        except NoBatchAvailable:
            return tx, None

    async def earnings(self) -> Earnings:
        await self._step("earnings")
        assert self.earnings_value is not None
        return self.earnings_value

    async def withdraw(self) -> str:
        await self._step("withdraw")
        if self.earnings_value is not None:  # what the board does: the credit moves to "paid"
            e = self.earnings_value
            self.earnings_value = replace(e, paid=e.paid + e.withdrawable, withdrawable=0)
        return "0x" + "cd" * 32

    async def dispute(self, campaign_id: int, batch: int) -> str:
        await self._step(f"dispute {campaign_id} {batch}")
        if self.dispute_error is not None:
            raise self.dispute_error
        return "0x" + "ef" * 32


def manifest(title: str, task: TaskType, items: list[Item], label_set: LabelSet) -> Manifest:
    return Manifest(
        title=title,
        task_type=task,
        label_set=label_set,
        instructions="# How to label\n\nPick the **digit** you see. See [the guide](https://example.com/guide).",
        items=items,
        requester_pubkey="02" + "11" * 32,
    )
