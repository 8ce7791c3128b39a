"""The requester's view of a running campaign: submissions as decrypted, and the figures built on them.

A ``Submission`` is one ``BatchSubmitted`` event with its result opened and validated (or the
reason it could not be). ``monitor_stats`` turns a campaign's submissions and reviews into what the
monitor view shows: progress, cost, agreement between labelers, each labeler's record against the
gold set, and the items whose consensus is weakest (worth a look by hand).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.labeling.schema import Annotation, BatchResult, Item, Manifest

FLAG_BELOW = 0.75  # consensus confidence under which an item is listed for a second look
MAX_FLAGGED = 200


@dataclass(frozen=True)
class Submission:
    campaign_id: int
    batch: int
    labeler: str
    index: int  # the entry of the labeler's submission pool a review names (with campaign and batch)
    first_item: int
    items: list[Item]
    result_cid: str
    root: bytes
    block: int
    tx_hash: str
    log_index: int
    result: BatchResult | None  # None: could not be opened, see ``error``
    error: str = ""
    missing: bool = False  # the blob is not (yet) in storage: try again later rather than reject


@dataclass(frozen=True)
class LabelerStats:
    address: str
    batches: int
    accepted: int
    rejected: int
    gold_accuracy: float | None


@dataclass(frozen=True)
class FlaggedItem:
    item_id: str
    label: str | None
    confidence: float
    votes: int


@dataclass(frozen=True)
class MonitorStats:
    campaign_id: int
    items: int
    labeled: int
    reviewed_batches: int
    submitted_batches: int
    cost_so_far: int
    agreement: float | None
    labelers: list[LabelerStats]
    flagged: list[FlaggedItem]


def answers_by_item(submissions: list[Submission]) -> dict[str, dict[str, Annotation]]:
    """Non-empty answers of every opened submission: item id -> labeler -> answer."""
    answers: dict[str, dict[str, Annotation]] = {}
    for sub in submissions:
        for annotation in sub.result.annotations if sub.result else []:
            if not annotation.empty:
                answers.setdefault(annotation.item_id, {})[sub.labeler] = annotation
    return answers


def monitor_stats(
    campaign_id: int,
    manifest: Manifest,
    submissions: list[Submission],
    reviews: list[Mapping[str, Any]],
    gold: Mapping[str, Annotation],
) -> MonitorStats:
    """``reviews``: the campaign's ``BatchReviewed`` event arguments."""
    from app.labeling.quality import aggregate, score_gold

    answers = answers_by_item(submissions)
    consensus = aggregate(manifest.task_type, answers, manifest.label_set.names)
    shared = [c for c in consensus.values() if c.votes >= 2]
    by_labeler: dict[str, dict[str, float]] = {}
    for sub in submissions:
        entry = by_labeler.setdefault(sub.labeler, {"batches": 0, "accepted": 0, "rejected": 0})
        entry["batches"] += 1
    sizes = {(s.labeler, s.batch): len(s.items) for s in submissions}
    for review in reviews:
        labeler, accepted = str(review["labeler"]), int(review["accepted"])
        entry = by_labeler.setdefault(labeler, {"batches": 0, "accepted": 0, "rejected": 0})
        entry["accepted"] += accepted
        entry["rejected"] += sizes.get((labeler, int(review["batch"])), accepted) - accepted
    labelers = []
    for address, entry in by_labeler.items():
        own = [
            a for sub in submissions if sub.labeler == address and sub.result for a in sub.result.annotations
        ]
        score = score_gold(manifest.task_type, gold, own)
        labelers.append(
            LabelerStats(
                address, int(entry["batches"]), int(entry["accepted"]), int(entry["rejected"]),
                score.accuracy if score.total else None,
            )
        )  # fmt: skip
    flagged = sorted(
        (
            FlaggedItem(c.item_id, c.answer.label, c.confidence, c.votes)
            for c in shared
            if c.confidence < FLAG_BELOW
        ),
        key=lambda f: f.confidence,
    )[:MAX_FLAGGED]
    return MonitorStats(
        campaign_id=campaign_id,
        items=len(manifest.items),
        labeled=sum(len(by) for by in answers.values()),
        reviewed_batches=len(reviews),
        submitted_batches=len(submissions),
        cost_so_far=sum(int(r["paid"]) for r in reviews),
        agreement=sum(c.confidence for c in shared) / len(shared) if shared else None,
        labelers=sorted(labelers, key=lambda s: s.address.lower()),
        flagged=flagged,
    )
