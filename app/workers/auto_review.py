"""Auto-review: the requester's app reviews submitted batches against the gold set, unattended.

Each round (``run_once``) scans ``BatchSubmitted`` of the active account's campaigns from a cursor
kept in the database (``label_review_cursor``), opens each new result with the requester's key,
and decides it with ``quality.review_batch`` (gold accuracy, agreement with other labelers' answers
to the same items). Every decision of the round goes into one ``reviewBatches`` transaction whose
``reasonCid`` is a public JSON report: per batch the accepted count and the reasons, which name
accuracies and counts, never a gold answer. A result that cannot be opened or fails validation is
the labeler's fault and is rejected with the reason; one not yet in storage waits for a later round,
but only for half the review window: a result that never arrives must not be accepted by
``finalize`` once the window is over (anyone could submit a CID of nothing and get paid).

Why a restart never reviews twice: a batch is only reviewed while the labeler's submission pool
entry on the board still holds that submission awaiting review (``getSubmission``), each review
names its submission exactly (labeler, pool index, campaign, batch: the board refuses it once the
entry holds anything else), and the round's transaction has a deterministic intent (a hash of the
submissions it reviews), so a round interrupted after sending finds its own transaction in the
outbox instead of sending a second one. The cursor moves past a block only
after everything up to it was reviewed or found reviewed.

One ``AutoReviewer`` serves one requester (a ``LabelingService`` for one signer): the composition
root (``app.services.NetworkServices.reviewers``) makes one per wallet account, plus the devnet's
demo requester, and ``run`` keeps them going in the window and in ``sahara serve`` alike.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from eth_utils import keccak, to_checksum_address
from sqlalchemy.dialects.sqlite import insert

from app.db.models import LabelReviewCursor, utcnow
from app.labeling.catalog import SUBMISSION_SUBMITTED
from app.labeling.monitor import Submission
from app.labeling.schema import Annotation
from app.wallet.service import WalletLocked
from app.words import plural

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from app.labeling.service import LabelingService
    from app.wallet.hd import EncryptionKey
    from app.wallet.keystore import AccountEntry
    from app.wallet.service import WalletService

log = logging.getLogger(__name__)

REPORT_VERSION = 1
MAX_PER_ROUND = 50  # batches per reviewBatches transaction, well inside a block's gas
INTENT_PREFIX = "auto-review:"
SETTLE_WAIT_S = 30.0


@dataclass(frozen=True)
class Decision:
    submission: Submission
    accepted: int
    reasons: list[str]


@dataclass(frozen=True)
class Round:
    """What one round did: the decisions sent (empty if none) and its transaction."""

    decisions: list[Decision]
    tx_hash: str | None = None
    report_cid: str | None = None


class AutoReviewer:
    def __init__(self, service: LabelingService) -> None:
        self.service = service

    def _key(self, account: str) -> dict[str, object]:
        return {
            "chain_id": self.service.chain_id,
            "board": self.service.deployment.address("TaskBoard"),
            "account": account.lower(),
        }

    def _cursor(self, account: str) -> int:
        with self.service.sessions() as session:
            row = session.get(LabelReviewCursor, tuple(self._key(account).values()))
        return row.next_block if row is not None else self.service.deployment.block

    def _move_cursor(self, account: str, next_block: int) -> None:
        statement = insert(LabelReviewCursor).values(
            **self._key(account), next_block=next_block, updated_at=utcnow()
        )
        statement = statement.on_conflict_do_update(
            index_elements=["chain_id", "board", "account"],
            set_={"next_block": next_block, "updated_at": statement.excluded.updated_at},
            where=LabelReviewCursor.next_block < next_block,
        )
        with self.service.sessions.begin() as session:
            session.execute(statement)

    async def run_once(self) -> Round:
        """Review every new submission to the active account's campaigns in one transaction."""
        service = self.service
        account = service.address
        if account is None or not await self._earlier_round_settled(account):
            return Round([])
        start = self._cursor(account)
        high = await service.client.block_number()
        board = service.board
        fresh = {int(e.args["campaignId"]) for e in await board.events("BatchSubmitted", from_block=start)}
        mine = {int(e.args["campaignId"]) for e in await board.events("CampaignCreated", None, account)}
        decisions: list[Decision] = []
        next_block = high + 1
        try:
            for campaign_id in sorted(fresh & mine):
                decided, waiting = await self._campaign(campaign_id, start)
                decisions += decided
                next_block = min([next_block, *waiting])
        except WalletLocked:  # the results cannot be opened now; a later round (unlocked) will
            return Round([])
        if not decisions:
            self._move_cursor(account, next_block)
            return Round([])
        decisions.sort(key=lambda d: (d.submission.block, d.submission.log_index))
        if len(decisions) > MAX_PER_ROUND:  # the rest go in the next round, from their block on
            next_block = min(next_block, decisions[MAX_PER_ROUND].submission.block)
            decisions = decisions[:MAX_PER_ROUND]
        report = _report(decisions)
        report_cid = str(await _put(service, report))
        identity = "|".join(sorted(f"{d.submission.tx_hash}:{d.submission.log_index}" for d in decisions))
        tx_hash = await service.review_batches(
            [(d.submission, d.accepted) for d in decisions],
            report_cid,
            intent=f"{INTENT_PREFIX}{keccak(identity.encode()).hex()}",
        )
        self._move_cursor(account, next_block)
        return Round(decisions, tx_hash, report_cid)

    async def _earlier_round_settled(self, account: str) -> bool:
        """Wait for a round's transaction still in flight (a restart while it was being mined):
        deciding before it lands would put its batches, plus any newer ones, in a second
        transaction under another intent, which reverts on the first's reviewed submissions."""
        outbox = self.service.outbox
        for row in outbox.pending():
            if row.sender.lower() == account.lower() and row.intent_id.startswith(INTENT_PREFIX):
                try:
                    await outbox.wait(row.id, timeout=SETTLE_WAIT_S)
                except TimeoutError:
                    return False  # still not mined: try again next round
        return True

    async def _campaign(self, campaign_id: int, start: int) -> tuple[list[Decision], list[int]]:
        """Decisions for the campaign's unreviewed submissions since ``start``, and the blocks of
        those that must wait (result not in storage yet)."""
        from app.labeling.quality import review_batch

        service = self.service
        manifest = await service.manifest(campaign_id)
        every = await service.submissions(campaign_id)
        gold = await asyncio.to_thread(service.gold_set, campaign_id)
        grace = (await service.board.campaign(campaign_id)).review_window // 2
        latest = await service.client.ask(service.client.w3.eth.get_block("latest"))
        now = int(latest["timestamp"])
        decisions, waiting = [], []
        for sub in every:
            if sub.block < start:
                continue
            entry = await service.board.submission(sub.labeler, sub.index)
            awaiting = (SUBMISSION_SUBMITTED, campaign_id, sub.batch)
            if (entry.status, entry.campaign_id, entry.batch) != awaiting:
                continue  # reviewed already (by a person, an earlier round or finalize)
            if sub.result is None:
                if sub.missing and now < entry.time + grace:
                    waiting.append(sub.block)
                elif sub.missing:
                    reason = (
                        f"result not found in storage {_duration(now - entry.time)} after it was submitted"
                    )
                    decisions.append(Decision(sub, 0, [reason]))
                else:
                    decisions.append(Decision(sub, 0, [f"result refused: {sub.error}"]))
                continue
            peers: dict[str, list[Annotation]] = {}
            for other in every:
                if other.labeler != sub.labeler and other.result is not None:
                    for answer in other.result.annotations:
                        peers.setdefault(answer.item_id, []).append(answer)
            decision = review_batch(
                manifest.task_type, sub.items, sub.result.annotations, gold.answers if gold else {}, peers,
                min_gold_accuracy=manifest.min_gold_accuracy,
            )  # fmt: skip
            decisions.append(Decision(sub, decision.accepted, decision.reasons))
        return decisions, waiting


def _report(decisions: list[Decision]) -> bytes:
    """The round's public report: canonical JSON, so the same round always has the same CID."""
    reviews = [
        {
            "campaign_id": d.submission.campaign_id,
            "batch": d.submission.batch,
            "labeler": to_checksum_address(d.submission.labeler),
            "result_cid": d.submission.result_cid,
            "items": len(d.submission.items),
            "accepted": d.accepted,
            "reasons": d.reasons,
        }
        for d in decisions
    ]
    return json.dumps(
        {"version": REPORT_VERSION, "reviews": reviews}, sort_keys=True, separators=(",", ":")
    ).encode()


def _duration(seconds: int) -> str:
    if seconds >= 2 * 3600:
        return f"{seconds // 3600} hours"
    return f"{max(1, seconds // 60)} minutes"


async def _put(service: LabelingService, data: bytes) -> object:
    return await asyncio.to_thread(service.store.put, [data])


class WalletAccount:
    """One account of a wallet, shaped like the parts of ``WalletService`` the labeling service
    uses (as ``labeling.demo.DemoRequester`` is), so every account gets its own reviewer while
    the wallet's active account stays whatever the user picked."""

    def __init__(self, wallet: WalletService, index: int) -> None:
        self.wallet = wallet
        self.index = index

    def active_account(self) -> AccountEntry | None:
        return next((e for e in self.wallet.accounts() if e.index == self.index), None)

    def signer(self, index: int | None = None) -> LocalAccount:
        return self.wallet.signer(self.index)

    def encryption_key(self, index: int | None = None) -> EncryptionKey:
        return self.wallet.encryption_key(self.index)


def describe(account: str, done: Round) -> str:
    """One status line for a round that decided something."""
    accepted = sum(d.accepted for d in done.decisions)
    items = sum(len(d.submission.items) for d in done.decisions)
    return (
        f"auto-review: {account} reviewed {plural(len(done.decisions), 'batch')}, "
        f"{accepted} of {items} items accepted (tx {done.tx_hash})"
    )


async def run(
    requesters: Callable[[], Sequence[AutoReviewer]],
    *,
    interval_s: float = 5.0,
    status: Callable[[str], None] | None = None,
) -> None:
    """Rounds for every requester ``requesters()`` names, until cancelled (the window and ``sahara
    serve``, through ``app.services``). A failing round (network down, a storage node away) is
    logged and tried again next time: everything it did is either on chain or redone from the
    cursor."""
    say = status or log.info
    names = ", ".join(str(r.service.address) for r in requesters()) or "nobody yet"
    log.info("auto-review: reviewing submissions to the campaigns of %s", names)
    while True:
        for reviewer in requesters():
            try:
                done = await reviewer.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("auto-review: the round for %s failed; trying again", reviewer.service.address)
                continue
            if done.decisions:
                say(describe(str(reviewer.service.address), done))
        await asyncio.sleep(interval_s)
