"""The labeling workspace's chain service: campaigns, claims, submissions and earnings on the TaskBoard.

The UI (app/ui/pages/label.py, app/ui/labeling/), the CLI and the workers call only this class. It
ties storage (images, manifests, encrypted results and gold sets), the wallet (the active account
signs and decrypts) and the board (every transaction through ``app.wallet.calls.transact``, so
through the outbox, with an intent that makes a retry after a crash return the first transaction,
never send a second). The work lives in the modules named for it, each given this service:
creating (``creating.py``), browsing (``campaign_list.py``, ``manifests.py``), labeling
(``claims.py``), earnings and withdrawals (``earnings.py``), disputes (``disputes.py``),
results (``submissions.py``) and publishing (``publish.py``).

Chain errors are not translated here: the outbox raises ``TxReverted`` with the contract's decoded
error (``ReputationTooLow(have=3, need=50)``, ``NoBatchAvailable(...)``), which the UI words.
Blocking work (storage, encryption, image checks) runs in threads, off the event loop.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from eth_utils import to_checksum_address

from app.chain.indexer import client_rpc
from app.labeling import campaign_list, claims, creating, earnings, submissions
from app.labeling.catalog import Board
from app.labeling.drafts import DraftStore
from app.labeling.manifests import Manifests
from app.wallet.calls import events, transact
from app.words import plural

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.orm import Session, sessionmaker

    from app.chain.client import ChainClient
    from app.chain.contracts import Deployment
    from app.labeling.campaign_list import CampaignInfo
    from app.labeling.campaign_spec import CampaignSpec
    from app.labeling.claims import ClaimedBatch
    from app.labeling.creating import Progress
    from app.labeling.earnings import Earnings
    from app.labeling.formats import ImportProblem
    from app.labeling.monitor import MonitorStats, Submission
    from app.labeling.quality import Consensus
    from app.labeling.schema import Annotation, BatchResult, GoldSet, Item, Manifest
    from app.storage.store import BlobStore
    from app.wallet.outbox import Outbox
    from app.wallet.service import WalletService


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
        self.board = board if board is not None else Board.indexed(client_rpc(client), deployment, sessions)
        self.manifests = Manifests(store, self.board)
        self.opened_results: dict[str, BatchResult] = {}  # by CID: immutable, so kept
        self.review_notes: dict[str, str] = {}  # review tx hash -> its report CID ('' for none)

    # -- who and how -----------------------------------------------------------------------------

    @property
    def address(self) -> str | None:
        """The active account (checksummed), or None without a wallet."""
        entry = self.wallet.active_account()
        return to_checksum_address(entry.address) if entry is not None else None

    def require_account(self) -> str:
        """The active account, or a ``RuntimeError`` that says what to do."""
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

    async def send_board(self, function: str, *args: Any, intent: str, description: str) -> Any:
        """``TaskBoard.function(*args)`` from the active account through the outbox; the receipt."""
        return await self.send("TaskBoard", function, *args, intent=intent, description=description)

    def receipt_events(self, contract: str, name: str, receipt: Any) -> list[Any]:
        """The decoded ``name`` events ``contract`` emitted in ``receipt`` (their ``args``)."""
        return [log["args"] for log in events(self.outbox, self.deployment, contract, name, receipt)]

    def board_events(self, name: str, receipt: Any) -> list[Any]:
        """The decoded ``name`` events the TaskBoard emitted in ``receipt``."""
        return self.receipt_events("TaskBoard", name, receipt)

    @staticmethod
    def tx_hash(receipt: Any) -> str:
        return "0x" + bytes(receipt["transactionHash"]).hex()

    # -- requester: creating (creating.py) -------------------------------------------------------

    async def create_campaign(
        self, spec: CampaignSpec, *, progress: Progress | None = None
    ) -> tuple[int, list[ImportProblem]]:
        """Upload, then fund the campaign in one transaction; its id and the images skipped."""
        return await creating.create_campaign(self, spec, progress=progress)

    def gold_set(self, campaign_id: int) -> GoldSet | None:
        """The requester's private gold set of a campaign created here (sync; call in a thread)."""
        return creating.gold_set(self, campaign_id)

    # -- browsing (campaign_list.py, manifests.py) -----------------------------------------------

    async def campaigns(self) -> list[CampaignInfo]:
        """Every campaign on the board with a readable manifest, newest first."""
        return await campaign_list.campaigns(self.board, self.manifests)

    async def manifest_cid(self, campaign_id: int) -> str:
        """The manifest CID the campaign was created with (``KeyError`` for an unknown campaign)."""
        return await self.manifests.cid(campaign_id)

    async def manifest(self, campaign_id: int) -> Manifest:
        """The campaign's manifest (cached by CID; raises ``KeyError`` for an unknown campaign)."""
        return await self.manifests.of(campaign_id)

    def item_bytes(self, item: Item) -> bytes:
        """The item's image, read from storage and checked against its CID (sync; call in a thread)."""
        if not item.image_cid:
            raise ValueError(f"Item {item.id!r} has no image.")
        return b"".join(self.store.get(item.image_cid))

    # -- labeler (claims.py, earnings.py, disputes.py) -------------------------------------------

    async def claim(self, campaign_id: int) -> ClaimedBatch:
        """Claim the next batch of ``campaign_id`` for the active account."""
        return await claims.claim(self, campaign_id)

    async def open_claims(self) -> list[ClaimedBatch]:
        """The active account's claimed, unsubmitted batches (from its 16 slots on the board)."""
        return await claims.open_claims(self)

    def drafts(self, campaign_id: int) -> DraftStore:
        """The active account's drafts in ``campaign_id`` on this chain."""
        return DraftStore(self.sessions, self.chain_id, campaign_id, self.require_account())

    async def submit(self, claim: ClaimedBatch, annotations: list[Annotation]) -> str:
        """Seal, store and submit the batch's answers; the transaction hash."""
        return await claims.submit(self, claim, annotations)

    async def submit_and_claim(
        self, claim: ClaimedBatch, annotations: list[Annotation]
    ) -> tuple[str, ClaimedBatch | None]:
        """Submit ``claim`` and claim the next batch in one transaction (None: none left)."""
        return await claims.submit_and_claim(self, claim, annotations)

    async def earnings(self) -> Earnings:
        """The active account's submissions and their reviews, with totals in wei."""
        return await earnings.earnings(self)

    async def withdraw(self) -> str:
        """Pay out everything credited to the active account."""
        return await earnings.withdraw(self)

    async def dispute(self, campaign_id: int, batch: int) -> str:
        """Dispute the rejected items of the active account's reviewed batch, with a bond (see
        app/labeling/disputes.py); the transaction hash."""
        from app.labeling.disputes import dispute

        return await dispute(self, campaign_id, batch)

    # -- requester: running ----------------------------------------------------------------------

    async def close(self, campaign_id: int) -> str:
        """Close the campaign and take back the escrow not reserved for open work, after making
        final the rejections nobody disputed in time (rejected items stay reserved while a
        labeler may still dispute them; call again later for those)."""
        from app.labeling.disputes import settle_rejections

        await settle_rejections(self, campaign_id)
        receipt = await self.send_board(
            "close", campaign_id, intent=f"close:{campaign_id}:{uuid.uuid4().hex}",
            description=f"Close campaign {campaign_id} and refund its escrow",
        )  # fmt: skip
        return self.tx_hash(receipt)

    async def review_batches(
        self, reviews: list[tuple[Submission, int]], reason_cid: str, *, intent: str
    ) -> str:
        """``reviewBatches`` for ``(submission, accepted)`` entries with the round's report CID.
        Each review names its submission (labeler, pool index, campaign, batch), so one mined after
        the submission settled cannot land on the next one in its pool entry; ``intent`` must name
        the round so that a retry finds the first transaction."""
        entries = [(s.labeler, s.index, s.campaign_id, s.batch, accepted) for s, accepted in reviews]
        receipt = await self.send_board(
            "reviewBatches", entries, reason_cid,
            intent=intent, description=f"Review {plural(len(reviews), 'labeled batch', 'labeled batches')}",
        )  # fmt: skip
        return self.tx_hash(receipt)

    # -- requester: results (submissions.py, publish.py) -----------------------------------------

    async def submissions(self, campaign_id: int, *, from_block: int | None = None) -> list[Submission]:
        """The campaign's submissions, opened and validated (a failed one carries the reason)."""
        return await submissions.submissions(self, campaign_id, from_block=from_block)

    async def results(self, campaign_id: int) -> dict[str, Consensus]:
        """The aggregated answer per labeled item (Dawid–Skene with ≥ 3 answers, else majority)."""
        return await submissions.results(self, campaign_id)

    async def monitor(self, campaign_id: int) -> MonitorStats:
        """Progress, cost, agreement, labelers and weak items of one of the active account's campaigns."""
        return await submissions.monitor(self, campaign_id)

    async def export(self, campaign_id: int, fmt: str, dest: Path) -> list[Path]:
        """Write the campaign's aggregated answers (and its images) in ``fmt`` under ``dest``."""
        return await submissions.export(self, campaign_id, fmt, dest)

    async def publish_dataset(self, campaign_id: int, *, price: int) -> int:
        """Register the campaign's aggregated dataset with its labelers as contributors (weighted by
        accepted items) and offer licenses at ``price``; the asset id (see app/labeling/publish.py)."""
        from app.labeling.publish import publish_dataset

        return await publish_dataset(self, campaign_id, price=price)
