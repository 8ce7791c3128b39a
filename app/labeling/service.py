"""The labeling workspace's chain service: campaigns, claims, submissions and earnings on the TaskBoard.

The UI (app/ui/pages/label.py, app/ui/labeling/) calls only this class. It ties storage (images,
manifests, encrypted results and gold sets), the wallet (the active account signs and decrypts)
and the board (every transaction through ``app.wallet.calls.transact``, so through the outbox,
with an intent that makes a retry after a crash return the first transaction, never send a second).

Chain errors are not translated here: the outbox raises ``TxReverted`` with the contract's decoded
error (``ReputationTooLow(have=3, need=50)``, ``NoBatchAvailable(...)``), which the UI words.
Blocking work (storage, encryption, image checks) runs in threads, off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_utils import keccak, to_checksum_address
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import safe_json
from app.chain.client import ChainClient
from app.chain.contracts import Deployment
from app.db.models import LabelCampaign
from app.labeling.catalog import SLOT_CLAIMED, STATUS_OPEN, SUBMISSION_REVIEWED, Board, BoardCampaign
from app.labeling.drafts import DraftStore
from app.labeling.formats import ImportProblem
from app.labeling.formats.common import names_a_local_path
from app.labeling.funding import fund_campaign
from app.labeling.funding_check import FundingError, check_funding
from app.labeling.monitor import MonitorStats, Submission, answers_by_item, monitor_stats
from app.labeling.results import ResultError, open_result, ordered_answers, result_root, seal
from app.labeling.schema import Annotation, BatchResult, GoldSet, Item, LabelSet, Manifest, TaskType
from app.labeling.upload import upload_images
from app.storage import envelope
from app.storage.cid import Cid
from app.storage.errors import BlobNotFound, BlobTooLarge, InvalidCid, StorageError
from app.storage.keywrap import parse_public_key
from app.storage.store import BlobStore
from app.wallet.calls import events, transact
from app.words import format_sahara, plural

if TYPE_CHECKING:
    from app.labeling.quality import Consensus
    from app.wallet.outbox import Outbox
    from app.wallet.service import WalletService

log = logging.getLogger(__name__)

Progress = Callable[[str, float], None]
CHECKING, UPLOADING = "Checking the account's SAHARA", "Uploading images"
CANCELLABLE_STAGES = frozenset({CHECKING, UPLOADING})  # before the manifest: cancelling keeps nothing
MAX_MANIFEST_BYTES = 64 * 1024 * 1024  # a hostile CID must not make the app read gigabytes into memory
MAX_REPORT_BYTES = 8 * 1024 * 1024
# TaskBoard's bounds on a campaign's terms (MIN_/MAX_CLAIM_TTL, MIN_/MAX_REVIEW_WINDOW)
CLAIM_TTL_S = (60, 7 * 86400)
REVIEW_S = (600, 30 * 86400)
NO_NEXT_BATCH = ("NoBatchAvailable", "CampaignNotOpen", "ReputationTooLow")  # submitAndClaim's claim refused


@dataclass(frozen=True)
class CampaignSpec:
    """What the requester's wizard produces; ``items`` carry local paths in ``source``."""

    title: str
    task_type: TaskType
    label_set: LabelSet
    instructions: str
    items: list[Item]
    gold: dict[str, Annotation]
    redundancy: int = 1
    reward_per_item: int = 10**17
    batch_size: int = 10
    review_window_s: int = 3 * 86400
    claim_ttl_s: int = 3600
    min_reputation: int = 0
    min_gold_accuracy: float = 0.8


@dataclass(frozen=True)
class CampaignInfo:
    """One on-chain campaign with its manifest's title and task, and its requester's record."""

    campaign_id: int
    requester: str
    manifest_cid: str
    title: str
    task_type: TaskType
    item_count: int
    reward_per_item: int
    redundancy: int
    batch_size: int
    batches_available: int
    open: bool
    escrow: int
    review_window_s: int
    claim_ttl_s: int
    min_reputation: int
    requester_reviewed: int  # items the requester accepted or rejected (on chain, its record)
    requester_accept_rate: float | None
    requester_disputes_lost: int = 0
    requester_auto_accepted: int = 0  # items accepted because the requester did not review in time


@dataclass(frozen=True)
class ClaimedBatch:
    campaign_id: int
    slot: int
    batch: int
    first_item: int
    items: list[Item]
    expires_at: int


@dataclass(frozen=True)
class EarningRow:
    campaign_id: int
    batch: int
    items: int
    status: str  # claimed | pending | accepted | rejected | partly accepted
    accepted: int
    paid: int
    reason: str
    disputable: bool = False  # rejected items the labeler may still dispute (within the window)


@dataclass(frozen=True)
class Earnings:
    """Amounts in wei: ``pending`` awaits review, ``accepted``/``rejected`` were decided, ``paid``
    was withdrawn, ``withdrawable`` is credited on the board now."""

    pending: int
    accepted: int
    paid: int
    rejected: int
    withdrawable: int
    rows: list[EarningRow]


class CampaignError(ValueError):
    """A campaign cannot be created as specified (e.g. no readable image); the message says why."""


def check_spec(spec: CampaignSpec) -> None:
    """Refuse terms the board would reject or that do not fit its integer fields, in words,
    before anything is uploaded or signed."""
    limits = [
        (spec.items, 1, 2**32 - 1, "The campaign needs between 1 and 4,294,967,295 items."),
        (spec.reward_per_item, 1, 2**72 - 1, "The reward per item must be above 0."),
        (spec.redundancy, 1, 255, "Each item can be labeled by 1 to 255 labelers."),
        (spec.batch_size, 1, 65_535, "A batch holds 1 to 65,535 items."),
        (spec.claim_ttl_s, *CLAIM_TTL_S, "A batch's time limit must be 1 minute to 7 days."),
        (spec.review_window_s, *REVIEW_S, "The review window must be 10 minutes to 30 days."),
        (spec.min_reputation, 0, 2**48 - 1, "The minimum reputation cannot be negative."),
    ]
    for value, low, high, message in limits:
        number = len(value) if isinstance(value, list) else value
        if not low <= number <= high:
            raise CampaignError(message)
    if len(spec.items) * spec.redundancy * spec.reward_per_item >= 2**96:
        raise CampaignError("The escrow (items × labelers × reward) is too large for the board.")
    if local := next((item.id for item in spec.items if names_a_local_path(item.id)), None):
        raise CampaignError(f"Item id {local!r} is a local path, and item ids are published: rename it.")


def _tx_hash(receipt: Any) -> str:
    return "0x" + bytes(receipt["transactionHash"]).hex()


class LabelingService:
    def __init__(
        self,
        client: ChainClient,
        outbox: Outbox,
        deployment: Deployment,
        store: BlobStore,
        sessions: sessionmaker[Session],
        wallet: WalletService,
        board: Board | None = None,
    ) -> None:
        """``board``: the TaskBoard reader (with its event cache) to share with the other services
        of the same deployment; the composition root passes one, else the service makes its own."""
        self.client = client
        self.outbox = outbox
        self.deployment = deployment
        self.store = store
        self.sessions = sessions
        self.wallet = wallet
        self.board = board if board is not None else Board(client, deployment)
        self._manifests: dict[str, Manifest] = {}  # by CID: immutable, so cached for good
        self._manifest_cids: dict[int, str] = {}
        self._results: dict[str, BatchResult] = {}  # opened results by CID
        self._invalid: dict[str, str] = {}  # manifest CID -> why it was refused
        self._notes: dict[str, str] = {}  # review tx hash -> its report CID ('' for none)

    # -- who -------------------------------------------------------------------------------------

    @property
    def address(self) -> str | None:
        """The active account (checksummed), or None without a wallet."""
        entry = self.wallet.active_account()
        return to_checksum_address(entry.address) if entry is not None else None

    def _account(self) -> str:
        address = self.address
        if address is None:
            raise RuntimeError("Create or unlock a wallet first.")
        return address

    @property
    def chain_id(self) -> int:
        return self.outbox.chain_id

    async def send(self, contract: str, function: str, *args: Any, intent: str, description: str) -> Any:
        """``contract.function(*args)`` from the active account through the outbox; the receipt."""
        return await transact(
            self.outbox, self.wallet.signer(), self.deployment, contract, function, *args,
            intent=intent, description=description,
        )  # fmt: skip

    async def _send(self, function: str, *args: Any, intent: str, description: str) -> Any:
        return await self.send("TaskBoard", function, *args, intent=intent, description=description)

    def receipt_events(self, contract: str, name: str, receipt: Any) -> list[Any]:
        """The decoded ``name`` events ``contract`` emitted in ``receipt`` (their ``args``)."""
        return [log["args"] for log in events(self.outbox, self.deployment, contract, name, receipt)]

    def _events(self, name: str, receipt: Any) -> list[Any]:
        return self.receipt_events("TaskBoard", name, receipt)

    # -- requester: creating ---------------------------------------------------------------------

    async def create_campaign(
        self, spec: CampaignSpec, *, progress: Progress | None = None
    ) -> tuple[int, list[ImportProblem]]:
        """Upload the images, manifest and (encrypted) gold set, then fund the campaign in one
        transaction (``createCampaignWithPermit``). Returns the campaign id and the images skipped."""
        check_spec(spec)
        report = progress or (lambda stage, fraction: None)
        signer = self.wallet.signer()
        own_key = self.wallet.encryption_key()
        report(CHECKING, 0.0)
        try:
            await check_funding(
                self.client, self.deployment.address("SaharaToken"), self._account(),
                len(spec.items) * spec.redundancy * spec.reward_per_item, self.chain_id,
            )  # fmt: skip
        except FundingError as exc:  # before any upload: nothing is stored for a campaign never funded
            raise CampaignError(str(exc)) from exc
        items, problems = await self._upload_items(spec, report)
        if not items:
            raise CampaignError(
                "None of the items could be uploaded: " + "; ".join(p.message for p in problems[:3])
            )
        report("Uploading the manifest", 0.8)
        manifest = Manifest(
            title=spec.title,
            task_type=spec.task_type,
            label_set=spec.label_set,
            instructions=spec.instructions,
            items=items,
            requester_pubkey=own_key.public_key.hex(),
            min_gold_accuracy=spec.min_gold_accuracy,
        )
        manifest_cid = str(await asyncio.to_thread(self.store.put, [manifest.model_dump_json().encode()]))
        kept = {item.id for item in items}
        gold = GoldSet(answers={k: a for k, a in spec.gold.items() if k in kept})
        gold_cid = await self._gold_cid(manifest_cid, gold, own_key.public_key)
        report("Funding the campaign", 0.9)
        board = self.deployment.address("TaskBoard")
        params = (
            manifest_cid, len(items), spec.reward_per_item, spec.redundancy, spec.batch_size,
            spec.claim_ttl_s, spec.review_window_s, spec.min_reputation,
            keccak(gold_cid.encode()) if gold_cid else b"\0" * 32,
        )  # fmt: skip
        escrow = len(items) * spec.redundancy * spec.reward_per_item
        receipt = await fund_campaign(self, signer, params, escrow, spec.title)
        (created,) = self._events("CampaignCreated", receipt)
        campaign_id = int(created["campaignId"])
        with self.sessions.begin() as session:
            row = session.get(LabelCampaign, (self.chain_id, board, manifest_cid))
            if row is not None:
                row.campaign_id = campaign_id
        self._manifests[manifest_cid] = manifest
        self._manifest_cids[campaign_id] = manifest_cid
        report("Done", 1.0)
        return campaign_id, problems

    async def _upload_items(
        self, spec: CampaignSpec, report: Progress
    ) -> tuple[list[Item], list[ImportProblem]]:
        """Image items with their image stored and named by CID (local paths stay private), in
        parallel and durable in one batch (``upload.upload_images``); unreadable or corrupt images
        are skipped with a problem each. Text items only lose their local source. Cancelling the
        task stops the upload between images and keeps nothing of it."""
        if spec.task_type.modality != "image":
            return [item.model_copy(update={"source": ""}) for item in spec.items], []
        loop = asyncio.get_running_loop()
        stop = threading.Event()
        shown = [-1]

        def tick(done: int, total: int) -> None:  # on a pool thread: hand it to the loop, a step a percent
            percent = 100 * done // total
            if percent != shown[0] and not stop.is_set():
                shown[0] = percent
                loop.call_soon_threadsafe(report, UPLOADING, 0.8 * done / total)

        report(UPLOADING, 0.0)
        try:
            return await asyncio.to_thread(upload_images, spec.items, self.store, tick=tick, stop=stop)
        except asyncio.CancelledError:
            stop.set()
            raise

    async def _gold_cid(self, manifest_cid: str, gold: GoldSet, requester_key: bytes) -> str | None:
        """The encrypted gold set's CID for this manifest, uploaded once: a retry after a crash
        reuses the first one, whose hash may already be on chain."""
        board = self.deployment.address("TaskBoard")
        with self.sessions() as session:
            row = session.get(LabelCampaign, (self.chain_id, board, manifest_cid))
            if row is not None:
                return row.gold_cid
        gold_cid = None
        if gold.answers:
            sealed = envelope.encrypt([gold.model_dump_json().encode()], [requester_key])
            gold_cid = str(await asyncio.to_thread(self.store.put, sealed))
        with self.sessions.begin() as session:
            session.add(
                LabelCampaign(
                    chain_id=self.chain_id, board=board, manifest_cid=manifest_cid,
                    requester=self._account(), gold_cid=gold_cid,
                )
            )  # fmt: skip
        return gold_cid

    def gold_set(self, campaign_id: int) -> GoldSet | None:
        """The requester's private gold set of a campaign created here (sync; call in a thread)."""
        with self.sessions() as session:
            gold_cid = session.scalar(
                select(LabelCampaign.gold_cid).filter_by(
                    chain_id=self.chain_id,
                    board=self.deployment.address("TaskBoard"),
                    campaign_id=campaign_id,
                )
            )
        if not gold_cid:
            return None
        blob = b"".join(self.store.get(gold_cid))
        plain = b"".join(envelope.decrypt([blob], self.wallet.encryption_key().private_key))
        return GoldSet.model_validate_json(plain)

    # -- browsing --------------------------------------------------------------------------------

    async def campaigns(self) -> list[CampaignInfo]:
        """Every campaign on the board with a readable manifest, newest first."""
        created = await self.board.events("CampaignCreated")
        found: list[CampaignInfo] = []
        ids = [int(event.args["campaignId"]) for event in created]
        for campaign_id, event in zip(ids, created, strict=True):
            self._manifest_cids[campaign_id] = str(event.args["params"]["manifestCid"])
        read = await asyncio.gather(*(self.board.campaign(i) for i in ids))
        terms: dict[int, BoardCampaign] = dict(zip(ids, read, strict=True))
        available = dict(
            zip(ids, await asyncio.gather(*(self.board.batches_available(i) for i in ids)), strict=True)
        )
        requesters = sorted({c.requester for c in terms.values()})
        read_records = await asyncio.gather(*(self.board.requester_record(r) for r in requesters))
        records = dict(zip(requesters, read_records, strict=True))
        for event in reversed(created):
            campaign_id = int(event.args["campaignId"])
            cid = self._manifest_cids[campaign_id]
            try:
                manifest = await self._load_manifest(cid)
            except (StorageError, ValidationError, ValueError) as exc:
                log.info("skipping campaign %s: its manifest %s is unusable: %s", campaign_id, cid, exc)
                continue
            c = terms[campaign_id]
            record = records[c.requester]
            found.append(
                CampaignInfo(
                    campaign_id=campaign_id, requester=c.requester, manifest_cid=cid, title=manifest.title,
                    task_type=manifest.task_type, item_count=c.item_count, reward_per_item=c.reward_per_item,
                    redundancy=c.redundancy, batch_size=c.batch_size,
                    batches_available=available[campaign_id],
                    open=c.status == STATUS_OPEN, escrow=c.escrow, review_window_s=c.review_window,
                    claim_ttl_s=c.claim_ttl, min_reputation=c.min_reputation,
                    requester_reviewed=record.decided, requester_accept_rate=record.accept_rate,
                    requester_disputes_lost=record.disputes_lost,
                    requester_auto_accepted=record.auto_accepted_items,
                )
            )  # fmt: skip
        return found

    async def _load_manifest(self, cid: str) -> Manifest:
        """The manifest under ``cid``. Content under a CID never changes, so a valid manifest is
        cached for good, and so is the reason an invalid one was refused (not read again on every
        refresh); a missing one is asked for again next time, as it may still arrive."""
        if cid in self._invalid:
            raise ValueError(self._invalid[cid])
        if cid not in self._manifests:
            try:
                Cid.parse(cid)
                raw = await asyncio.to_thread(self._read_limited, cid, MAX_MANIFEST_BYTES)
                self._manifests[cid] = Manifest.model_validate_json(raw)
            except (ValidationError, InvalidCid, BlobTooLarge) as exc:
                self._invalid[cid] = f"not a valid manifest: {exc}"
                raise ValueError(self._invalid[cid]) from exc
        return self._manifests[cid]

    async def manifest_cid(self, campaign_id: int) -> str:
        """The manifest CID the campaign was created with (``KeyError`` for an unknown campaign)."""
        if campaign_id not in self._manifest_cids:
            created = await self.board.events("CampaignCreated", campaign_id)
            if not created:
                raise KeyError(f"Campaign {campaign_id} does not exist on this network.")
            self._manifest_cids[campaign_id] = str(created[0].args["params"]["manifestCid"])
        return self._manifest_cids[campaign_id]

    async def manifest(self, campaign_id: int) -> Manifest:
        """The campaign's manifest (cached by CID; raises ``KeyError`` for an unknown campaign)."""
        return await self._load_manifest(await self.manifest_cid(campaign_id))

    def item_bytes(self, item: Item) -> bytes:
        """The item's image, read from storage and checked against its CID (sync; call in a thread)."""
        if not item.image_cid:
            raise ValueError(f"Item {item.id!r} has no image.")
        return b"".join(self.store.get(item.image_cid))

    # -- labeler ---------------------------------------------------------------------------------

    async def claim(self, campaign_id: int) -> ClaimedBatch:
        """Claim the next batch of ``campaign_id`` for the active account."""
        manifest = await self.manifest(campaign_id)
        receipt = await self._send(
            "claimBatch", campaign_id,
            intent=f"claim:{campaign_id}:{uuid.uuid4().hex}",
            description=f"Claim a batch of campaign {campaign_id}",
        )  # fmt: skip
        (claimed,) = self._events("BatchClaimed", receipt)
        return await self._claimed(manifest, claimed)

    async def _claimed(self, manifest: Manifest, claimed: Any) -> ClaimedBatch:
        """The claim a ``BatchClaimed`` event describes, with its items from the manifest."""
        campaign_id, batch = int(claimed["campaignId"]), int(claimed["batch"])
        first, count = await self.board.batch_range(campaign_id, batch)
        return ClaimedBatch(
            campaign_id, int(claimed["slot"]), batch, first, manifest.items[first : first + count],
            int(claimed["expiresAt"]),
        )  # fmt: skip

    async def open_claims(self) -> list[ClaimedBatch]:
        """The active account's claimed, unsubmitted batches (from its 16 slots on the board)."""
        account = self.address
        if account is None:
            return []
        mask = (await self.board.labeler(account)).open_mask
        claims: list[ClaimedBatch] = []
        for index in range(16):
            if not mask & (1 << index):
                continue
            slot = await self.board.slot(account, index)
            if slot.status != SLOT_CLAIMED:
                continue
            try:
                manifest = await self.manifest(slot.campaign_id)
            except (KeyError, StorageError, ValidationError, ValueError) as exc:
                log.info("claim in slot %s: campaign %s unusable: %s", index, slot.campaign_id, exc)
                continue
            terms = await self.board.campaign(slot.campaign_id)
            first, count = await self.board.batch_range(slot.campaign_id, slot.batch)
            claims.append(
                ClaimedBatch(
                    slot.campaign_id, index, slot.batch, first, manifest.items[first : first + count],
                    slot.time + terms.claim_ttl,
                )
            )  # fmt: skip
        return claims

    def drafts(self, campaign_id: int) -> DraftStore:
        """The active account's drafts in ``campaign_id`` on this chain."""
        return DraftStore(self.sessions, self.chain_id, campaign_id, self._account())

    async def submit(self, claim: ClaimedBatch, annotations: list[Annotation]) -> str:
        """Encrypt the answers to the requester (and to the labeler), store them and submit the
        batch with its Merkle root; the batch's drafts are deleted once the transaction is mined.
        Submitting frees the claim slot: the submission waits for review outside the 16 slots."""
        cid, root = await self._sealed(claim, annotations)
        receipt = await self._send(
            "submitBatch", claim.slot, cid, root, intent=self._submit_intent(claim),
            description=f"Submit batch {claim.batch} of campaign {claim.campaign_id}",
        )  # fmt: skip
        await asyncio.to_thread(self.drafts(claim.campaign_id).delete, [item.id for item in claim.items])
        return _tx_hash(receipt)

    async def submit_and_claim(
        self, claim: ClaimedBatch, annotations: list[Annotation]
    ) -> tuple[str, ClaimedBatch | None]:
        """Submit ``claim`` and claim the campaign's next batch in one transaction
        (``submitAndClaim``): one transaction per batch boundary. The next batch is None when the
        campaign has none left for this account; the submission is then sent alone."""
        from app.wallet.outbox import TxReverted

        manifest = await self.manifest(claim.campaign_id)
        cid, root = await self._sealed(claim, annotations)
        try:
            receipt = await self._send(
                "submitAndClaim", claim.slot, cid, root, intent=self._submit_intent(claim) + ":next",
                description=f"Submit batch {claim.batch} of campaign {claim.campaign_id} and claim the next",
            )  # fmt: skip
        except TxReverted as exc:  # nothing signed: no next batch (or closed); submit alone
            if not any(name in str(exc) for name in NO_NEXT_BATCH):
                raise
            return await self.submit(claim, annotations), None
        await asyncio.to_thread(self.drafts(claim.campaign_id).delete, [item.id for item in claim.items])
        (claimed,) = self._events("BatchClaimed", receipt)
        return _tx_hash(receipt), await self._claimed(manifest, claimed)

    def _submit_intent(self, claim: ClaimedBatch) -> str:
        return f"submit:{claim.campaign_id}:{claim.batch}:{claim.slot}:{claim.expires_at}"

    async def _sealed(self, claim: ClaimedBatch, annotations: list[Annotation]) -> tuple[str, bytes]:
        """The answers as a stored result (encrypted to the requester and the labeler): its CID and
        Merkle root. The same answers give the same CID, so a retry stores nothing new."""
        account = self._account()
        manifest = await self.manifest(claim.campaign_id)
        answers = ordered_answers(claim.items, annotations)
        result = BatchResult(
            campaign_id=claim.campaign_id, batch=claim.batch, labeler=account, annotations=answers
        )
        recipients = [parse_public_key(manifest.requester_pubkey), self.wallet.encryption_key().public_key]
        blob = await asyncio.to_thread(seal, result, recipients)
        cid = str(await asyncio.to_thread(self.store.put, [blob]))
        return cid, result_root(claim.first_item, answers)

    async def earnings(self) -> Earnings:
        """The active account's submissions and their reviews, with totals in wei."""
        account = self._account()
        submitted = await self.board.events("BatchSubmitted", None, account)
        reviewed = {
            (int(e.args["campaignId"]), int(e.args["batch"])): e
            for e in await self.board.events("BatchReviewed", None, account)
        }
        disputes = {
            (int(e.args["campaignId"]), int(e.args["batch"])): e
            for e in await self.board.events("DisputeResolved", None, account)
        }
        withdrawn = await self.board.events("Withdrawn", account)
        terms: dict[int, BoardCampaign] = {}
        rows: list[EarningRow] = []
        totals = {"pending": 0, "accepted": 0, "rejected": 0}
        for event in submitted:
            campaign_id, batch = int(event.args["campaignId"]), int(event.args["batch"])
            if campaign_id not in terms:
                terms[campaign_id] = await self.board.campaign(campaign_id)
            c = terms[campaign_id]
            items = c.batch_items(batch)
            review = reviewed.get((campaign_id, batch))
            if review is None or review.block < event.block:
                rows.append(EarningRow(campaign_id, batch, items, "pending", 0, 0, ""))
                totals["pending"] += items * c.reward_per_item
                continue
            accepted, paid = int(review.args["accepted"]), int(review.args["paid"])
            reason = (
                "accepted automatically after the review window"
                if review.args["auto_"]
                else await self._review_reason(review.tx_hash, campaign_id, batch, account)
            )
            ruling = disputes.get((campaign_id, batch))
            if ruling is not None and ruling.block >= review.block:  # a dispute decided the rejected part
                awarded = int(ruling.args["awarded"])
                accepted, paid = accepted + awarded, paid + int(ruling.args["paid"])
                reason = f"dispute: {awarded} more item(s) paid" + (
                    " (the arbiter did not rule in time)" if ruling.args["byDeadline"] else ""
                )
            status = "accepted" if accepted == items else "rejected" if accepted == 0 else "partly accepted"
            disputable = accepted < items and ruling is None and not review.args["auto_"]
            if disputable:
                index = int(event.args["submission"])
                disputable = await self._disputable(account, index, campaign_id, batch)
            rows.append(EarningRow(campaign_id, batch, items, status, accepted, paid, reason, disputable))
            totals["accepted"] += paid
            totals["rejected"] += (items - accepted) * c.reward_per_item
        for claim in await self.open_claims():
            rows.append(EarningRow(claim.campaign_id, claim.batch, len(claim.items), "claimed", 0, 0, ""))
        rows.reverse()
        return Earnings(
            pending=totals["pending"],
            accepted=totals["accepted"],
            paid=sum(int(e.args["amount"]) for e in withdrawn),
            rejected=totals["rejected"],
            withdrawable=(await self.board.labeler(account)).earnings,
            rows=rows,
        )

    async def _disputable(self, account: str, index: int, campaign_id: int, batch: int) -> bool:
        """Whether the reviewed submission's rejection is still open to dispute on chain."""
        entry = await self.board.submission(account, index)
        if (entry.status, entry.campaign_id, entry.batch) != (SUBMISSION_REVIEWED, campaign_id, batch):
            return False
        latest = await self.client.ask(self.client.w3.eth.get_block("latest"))
        return int(latest["timestamp"]) <= entry.time + await self.board.dispute_window()

    async def _review_reason(self, tx_hash: str, campaign_id: int, batch: int, labeler: str) -> str:
        """The reasons the review report of ``tx_hash`` (its ``ReviewNote``) gives for this batch;
        empty when the requester left no report or it cannot be read (it is only an explanation)."""
        if tx_hash not in self._notes:
            receipt = await self.client.ask(self.client.w3.eth.get_transaction_receipt(tx_hash))
            notes = self._events("ReviewNote", receipt)
            self._notes[tx_hash] = str(notes[0]["reasonCid"]) if notes else ""
        cid = self._notes[tx_hash]
        if not cid:
            return ""
        try:
            Cid.parse(cid)
            report = safe_json.loads(await asyncio.to_thread(self._read_limited, cid, MAX_REPORT_BYTES))
            reviews = report["reviews"]
            reasons = next(
                r["reasons"]
                for r in reviews
                if (int(r["campaign_id"]), int(r["batch"])) == (campaign_id, batch)
                and str(r["labeler"]).lower() == labeler.lower()
            )
            return "; ".join(str(reason) for reason in reasons)
        except (StorageError, ValueError, KeyError, TypeError, StopIteration) as exc:
            log.info("review report %s unreadable: %s", cid, exc)
            return ""

    def _read_limited(self, cid: str, limit: int) -> bytes:
        """A blob's bytes, refusing more than ``limit`` (CIDs from the chain are anyone's)."""
        data = bytearray()
        for piece in self.store.get(cid):
            data += piece
            if len(data) > limit:
                raise BlobTooLarge(f"{cid} is larger than {limit} bytes")
        return bytes(data)

    async def dispute(self, campaign_id: int, batch: int) -> str:
        """Dispute the rejected items of the active account's reviewed batch, with a bond (see
        app/labeling/disputes.py); the transaction hash."""
        from app.labeling.disputes import dispute

        return await dispute(self, campaign_id, batch)

    async def withdraw(self) -> str:
        """Pay out everything credited to the active account."""
        labeler = await self.board.labeler(self._account())
        receipt = await self._send(
            "withdraw",
            intent=f"withdraw:{uuid.uuid4().hex}",
            description=f"Withdraw {format_sahara(labeler.earnings)} of earnings",
        )
        return _tx_hash(receipt)

    # -- requester: running ----------------------------------------------------------------------

    async def close(self, campaign_id: int) -> str:
        """Close the campaign and take back the escrow not reserved for open work, after making
        final the rejections nobody disputed in time (rejected items stay reserved while a
        labeler may still dispute them; call again later for those)."""
        from app.labeling.disputes import settle_rejections

        await settle_rejections(self, campaign_id)
        receipt = await self._send(
            "close", campaign_id, intent=f"close:{campaign_id}:{uuid.uuid4().hex}",
            description=f"Close campaign {campaign_id} and refund its escrow",
        )  # fmt: skip
        return _tx_hash(receipt)

    async def review_batches(
        self, reviews: list[tuple[Submission, int]], reason_cid: str, *, intent: str
    ) -> str:
        """``reviewBatches`` for ``(submission, accepted)`` entries with the round's report CID.
        Each review names its submission (labeler, pool index, campaign, batch), so one mined after
        the submission settled cannot land on the next one in its pool entry; ``intent`` must name
        the round so that a retry finds the first transaction."""
        entries = [(s.labeler, s.index, s.campaign_id, s.batch, accepted) for s, accepted in reviews]
        receipt = await self._send(
            "reviewBatches", entries, reason_cid,
            intent=intent, description=f"Review {plural(len(reviews), 'labeled batch', 'labeled batches')}",
        )  # fmt: skip
        return _tx_hash(receipt)

    # -- requester: results ----------------------------------------------------------------------

    async def submissions(self, campaign_id: int, *, from_block: int | None = None) -> list[Submission]:
        """The campaign's submissions, each opened with the active account's key and validated
        (against the manifest and the committed root); one that fails carries the reason instead."""
        manifest = await self.manifest(campaign_id)
        terms = await self.board.campaign(campaign_id)
        key = self.wallet.encryption_key().private_key
        found = []
        for event in await self.board.events("BatchSubmitted", campaign_id, from_block=from_block):
            batch = int(event.args["batch"])
            first = batch * terms.batch_size
            items = manifest.items[first : first + terms.batch_items(batch)]
            sub = Submission(
                campaign_id, batch, to_checksum_address(event.args["labeler"]), int(event.args["submission"]),
                first, items, str(event.args["resultCid"]), bytes(event.args["resultRoot"]), event.block,
                event.tx_hash, event.log_index, None,
            )  # fmt: skip
            found.append(await asyncio.to_thread(self._open, sub, key, manifest.label_set))
        return found

    def _open(self, sub: Submission, key: bytes, label_set: LabelSet) -> Submission:
        cached = self._results.get(sub.result_cid)
        if cached is not None and cached.labeler == sub.labeler and cached.batch == sub.batch:
            return replace(sub, result=cached)
        try:
            blob = b"".join(self.store.get(sub.result_cid))
        except BlobNotFound as exc:
            return replace(sub, error=str(exc), missing=True)
        except StorageError as exc:
            return replace(sub, error=str(exc))
        try:
            result = open_result(
                blob, key, campaign_id=sub.campaign_id, batch=sub.batch, labeler=sub.labeler, items=sub.items,
                label_set=label_set, first_item=sub.first_item, expected_root=sub.root,
            )  # fmt: skip
        except ResultError as exc:
            log.info("result %s of batch %s by %s refused: %s", sub.result_cid, sub.batch, sub.labeler, exc)
            return replace(sub, error=str(exc))
        self._results[sub.result_cid] = result
        return replace(sub, result=result)

    async def results(self, campaign_id: int) -> dict[str, Consensus]:
        """The aggregated answer per labeled item (Dawid–Skene with ≥ 3 answers, else majority)."""
        from app.labeling.quality import aggregate

        manifest = await self.manifest(campaign_id)
        answers = answers_by_item(await self.submissions(campaign_id))
        return aggregate(manifest.task_type, answers, manifest.label_set.names)

    async def monitor(self, campaign_id: int) -> MonitorStats:
        """Progress, cost, agreement, labelers and weak items of one of the active account's campaigns."""
        manifest = await self.manifest(campaign_id)
        submissions = await self.submissions(campaign_id)
        reviews = [e.args for e in await self.board.events("BatchReviewed", campaign_id)]
        gold = await asyncio.to_thread(self.gold_set, campaign_id)
        return monitor_stats(campaign_id, manifest, submissions, reviews, gold.answers if gold else {})

    async def export(self, campaign_id: int, fmt: str, dest: Path) -> list[Path]:
        """Write the campaign's aggregated answers (and its images) in ``fmt`` under ``dest``."""
        from app.labeling.formats import export

        manifest = await self.manifest(campaign_id)
        consensus = await self.results(campaign_id)
        annotations = {item_id: c.answer for item_id, c in consensus.items()}
        shape = (manifest.task_type, manifest.label_set, manifest.items)
        images = self.item_bytes if manifest.task_type.modality == "image" else None
        return await asyncio.to_thread(export, fmt, dest, shape, annotations, images=images)

    async def publish_dataset(self, campaign_id: int, *, price: int) -> int:
        """Register the campaign's aggregated dataset with its labelers as contributors (weighted by
        accepted items) and offer licenses at ``price``; the asset id (see app/labeling/publish.py)."""
        from app.labeling.publish import publish_dataset

        return await publish_dataset(self, campaign_id, price=price)
