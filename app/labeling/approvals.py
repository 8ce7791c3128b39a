"""One approval per campaign, in words, instead of a confirmation for every batch.

A labeler signs a transaction to claim each batch and one to submit it: asking each time would
make the keyboard loop a click loop, and never asking would sign without the plain-words review
every other signature gets. So the first Start in a campaign says what may be signed there and
what it costs, once; the answer is kept per network, account and campaign in
``<data>/labeling/approvals.json`` and can be revoked in Settings (then the next Start asks
again). Withdrawing earnings moves money, so it is reviewed every time (``withdraw_words``).

The file holds no secret; it is written atomically and read defensively (a damaged file means
"nothing approved": the worst case is one question more).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from app import safe_json
from app.fileio import atomic_write_text
from app.words import sahara

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Approval:
    chain_id: int
    account: str  # checksummed
    campaign_id: int
    title: str
    granted_at: float


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

    def granted(self, chain_id: int, account: str, campaign_id: int) -> bool:
        return any(self._same(a, chain_id, account, campaign_id) for a in self.all())

    def grant(self, chain_id: int, account: str, campaign_id: int, title: str) -> None:
        kept = [a for a in self.all() if not self._same(a, chain_id, account, campaign_id)]
        self._write([*kept, Approval(chain_id, account, campaign_id, title, time.time())])

    def revoke(self, chain_id: int, account: str, campaign_id: int) -> None:
        self._write([a for a in self.all() if not self._same(a, chain_id, account, campaign_id)])

    def _write(self, rows: list[Approval]) -> None:
        self.file.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.file, json.dumps([asdict(a) for a in rows], indent=1))

    @staticmethod
    def _same(a: Approval, chain_id: int, account: str, campaign_id: int) -> bool:
        return (a.chain_id, a.account.lower(), a.campaign_id) == (chain_id, account.lower(), campaign_id)


def consent_words(title: str, reward_per_item: int) -> str:
    """What the one approval of a campaign allows, and what it costs, in plain words."""
    return (
        f"While you label “{title}”, Sahara will sign two kinds of transactions for you without asking "
        "each time: claiming a batch, and submitting your answers to it (encrypted to the requester).\n\n"
        "What it costs: only the network fee of each transaction, in ETH. No SAHARA leaves your wallet; "
        f"accepted items earn {sahara(reward_per_item)} each.\n\n"
        "Nothing else is signed without asking: withdrawing earnings and disputing a review are reviewed "
        "every time. You can revoke this approval in Settings → Labeling approvals."
    )


def withdraw_words(amount: int, address: str) -> str:
    """The review of a withdrawal: how much, from where, to where, and what it costs."""
    return (
        f"Withdraw {sahara(amount)} of accepted earnings from the TaskBoard contract to your account "
        f"{address}.\n\nThis signs one transaction; it costs only its network fee, in ETH."
    )
