"""One approval per campaign, in words, instead of a confirmation for every batch.

A labeler signs a transaction to claim each batch and one to submit it: asking each time would
make the keyboard loop a click loop, and never asking would sign without the plain-words review
every other signature gets. So the first Start in a campaign says what may be signed there and up
to what network fee per transaction, once; the answer is kept per network, account and campaign in
``<data>/labeling/approvals.json`` and can be revoked in Settings (then the next Start asks
again). Withdrawing earnings moves money, so it is reviewed every time (``withdraw_words``).

The fee cap is what makes "once" safe: an approval given at today's fees must not sign at any fee
tomorrow. ``SigningGuard`` is a signing check for the outbox (``Outbox.add_signing_check``): it
runs after the fee is quoted and before anything is signed, and a claim or submission whose worst
fee (gas limit × max fee per gas) is above the approval's cap, or in a campaign with no approval
(revoked meanwhile), is signed only if the injected ``ask`` (the UI's review in words) says yes;
otherwise ``FeeNotApproved`` is raised and nothing is signed. The guard never prompts by itself.

The file holds no secret; it is written atomically and read defensively (a damaged file means
"nothing approved": the worst case is one question more).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from app import safe_json
from app.fileio import atomic_write_text
from app.wallet.outbox import OutboxError, TxRequest
from app.words import format_eth, sahara

# The gas a claim or a submission may take (``submitAndClaim`` is the largest, with the outbox's
# headroom on its estimate), and how far fees may rise over today's before the approval asks again.
LABELING_GAS = 600_000
FEE_ROOM = 3
SIGNED_HERE = ("claim", "submit")  # the intents (``kind:campaign:...``) one approval covers

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Approval:
    chain_id: int
    account: str  # checksummed
    campaign_id: int
    title: str
    granted_at: float
    fee_cap_wei: int = 0  # the network fee per transaction it covers (0: an approval from before caps)


class Approvals:
    def __init__(self, file: Path) -> None:
        self.file = file

    def all(self) -> list[Approval]:
        try:
            rows = safe_json.load_path(self.file) if self.file.exists() else []
            return [Approval(**row) for row in rows]
        except (OSError, ValueError, TypeError) as exc:  # damaged: nothing is approved
            log.warning("labeling approvals unreadable (%s): asking again", exc)
            return []

    def find(self, chain_id: int, account: str, campaign_id: int) -> Approval | None:
        return next((a for a in self.all() if self._same(a, chain_id, account, campaign_id)), None)

    def granted(self, chain_id: int, account: str, campaign_id: int) -> bool:
        return self.find(chain_id, account, campaign_id) is not None

    def grant(self, chain_id: int, account: str, campaign_id: int, title: str, fee_cap_wei: int) -> None:
        kept = [a for a in self.all() if not self._same(a, chain_id, account, campaign_id)]
        self._write([*kept, Approval(chain_id, account, campaign_id, title, time.time(), fee_cap_wei)])

    def revoke(self, chain_id: int, account: str, campaign_id: int) -> None:
        self._write([a for a in self.all() if not self._same(a, chain_id, account, campaign_id)])

    def _write(self, rows: list[Approval]) -> None:
        self.file.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.file, json.dumps([asdict(a) for a in rows], indent=1))

    @staticmethod
    def _same(a: Approval, chain_id: int, account: str, campaign_id: int) -> bool:
        return (a.chain_id, a.account.lower(), a.campaign_id) == (chain_id, account.lower(), campaign_id)


def fee_cap_for(max_fee_per_gas: int) -> int:
    """The cap an approval given now names: a claim or submission at up to ``FEE_ROOM`` times
    today's max fee per gas (``Outbox.market_fees``)."""
    return LABELING_GAS * max_fee_per_gas * FEE_ROOM


def fee_words(wei: int) -> str:
    """A fee cap as people read it: ``0.0021 ETH``, rounded up so the words never understate it."""
    return format_eth(wei, max_decimals=6, round_up=True)


def consent_words(title: str, reward_per_item: int, fee_cap_wei: int) -> str:
    """What the one approval of a campaign allows, and up to what cost, in plain words."""
    return (
        f"While you label “{title}”, Sahara will sign two kinds of transactions for you without asking "
        "each time: claiming a batch, and submitting your answers to it (encrypted to the requester).\n\n"
        f"What it costs: only the network fee of each transaction, in ETH, up to {fee_words(fee_cap_wei)} "
        "per transaction. If fees rise above that, Sahara asks you again before signing. No SAHARA leaves "
        f"your wallet; accepted items earn {sahara(reward_per_item)} each.\n\n"
        "Nothing else is signed without asking: withdrawing earnings and disputing a review are reviewed "
        "every time. You can revoke this approval in Settings → Labeling approvals."
    )


def campaign_of(intent_id: str) -> int | None:
    """The campaign of a claim or submission intent (``claim:7:…``, ``submit:7:…#2``); None for any
    other transaction, which this approval does not cover."""
    kind, _, rest = intent_id.partition(":")
    campaign = rest.split(":", 1)[0].split("#", 1)[0]
    return int(campaign) if kind in SIGNED_HERE and campaign.isdigit() else None


class FeeNotApproved(OutboxError):
    """A claim or submission the labeler's approval does not cover was refused; nothing was signed."""


Ask = Callable[[str], Awaitable[bool]]  # the UI's review in words: True to sign


class SigningGuard:
    """The outbox signing check of one network and its approvals (see the module's docstring)."""

    def __init__(self, approvals: Approvals, chain_id: int, ask: Ask) -> None:
        self.approvals = approvals
        self.chain_id = chain_id
        self.ask = ask
        self._one_question = asyncio.Lock()  # a claim ahead and a submission: one review, then both

    async def __call__(self, request: TxRequest, sender: str) -> None:
        campaign = campaign_of(request.intent_id)
        if campaign is None:
            return  # not a labeling signature: its own review applies
        async with self._one_question:
            await self._check(request, sender, campaign)

    async def _check(self, request: TxRequest, sender: str, campaign: int) -> None:
        fee = (request.gas or 0) * (request.max_fee_per_gas or 0)
        approval = self.approvals.find(self.chain_id, sender, campaign)
        if approval is not None and fee <= approval.fee_cap_wei:
            return
        title = approval.title if approval is not None else f"campaign {campaign}"
        if approval is None:
            words = (
                f"{request.description or 'This transaction'} in “{title}” is not covered by an approval "
                f"(it was revoked). Its network fee is up to {fee_words(fee)}.\n\nSign it, and allow "
                "claims and submissions in this campaign at up to that fee again?"
            )
        else:
            words = (
                f"Network fees have risen: {request.description or 'this transaction'} in “{title}” may "
                f"cost up to {fee_words(fee)}, above the {fee_words(approval.fee_cap_wei)} per transaction "
                "you approved.\n\nSign it, and let this campaign sign at up to that fee from now on?"
            )
        if not await self.ask(words):
            raise FeeNotApproved(
                f"Not signed: its network fee (up to {fee_words(fee)}) is above what you approved for "
                f"“{title}”. Start the campaign again to approve the new fee."
            )
        cap = max(fee, fee_cap_for(request.max_fee_per_gas or 0))
        self.approvals.grant(self.chain_id, sender, campaign, title, cap)


def withdraw_words(amount: int, address: str) -> str:
    """The review of a withdrawal: how much, from where, to where, and what it costs."""
    return (
        f"Withdraw {sahara(amount)} of accepted earnings from the TaskBoard contract to your account "
        f"{address}.\n\nThis signs one transaction; it costs only its network fee, in ETH."
    )
