"""What the labeler's screens say: SAHARA amounts, earnings estimates, requester reputation, the
work there is to claim, and the chain's refusals (custom errors such as
``ReputationTooLow(have=3, need=50)``) in words."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from app.labeling.schema import TaskType
from app.words import duration, plural, sahara

__all__ = [
    "duration",
    "explain",
    "in_words",
    "per_hour",
    "reputation",
    "requirement",
    "sahara",
    "work_summary",
]

# A labeler's pace per task type, for the "per hour" estimate: one key per image or text
# (Prodigy-style) is fast; boxes and spans take a while per item. Deliberately conservative.
LABELS_PER_MINUTE = {
    TaskType.IMAGE_CLASSIFICATION: 20.0,
    TaskType.TEXT_CLASSIFICATION: 8.0,
    TaskType.BOUNDING_BOXES: 3.0,
    TaskType.NER: 3.0,
}


def per_hour(reward_per_item: int, task: TaskType) -> int:
    """Estimated earnings per hour in wei at the task's typical pace."""
    return int(reward_per_item * LABELS_PER_MINUTE[task] * 60)


def per_hour_tooltip(task: TaskType) -> str:
    pace = LABELS_PER_MINUTE[task]
    return (
        f"An estimate: about {pace:g} items a minute is a typical pace for {task.title.lower()}, "
        "if every item is accepted. Your pace and the review decide what you really earn."
    )


def reputation(
    reviewed: int, accept_rate: float | None, disputes_lost: int = 0, auto_accepted: int = 0
) -> str:
    """The requester's public record on the board: the share of other labelers' items it accepted
    of those it decided (its own work never counts), and, when given, the disputes it lost and the
    items accepted only because it did not review in time."""
    if not reviewed or accept_rate is None:
        text = "New requester"
    else:
        text = f"{accept_rate:.0%} accepted · {reviewed:,} reviewed"
    if disputes_lost:
        text += f" · lost {plural(disputes_lost, 'dispute')}"
    if auto_accepted:
        text += f" · {auto_accepted:,} left unreviewed"
    return text


def requirement(min_reputation: int) -> str:
    return (
        f"Open to labelers with at least {min_reputation:,} accepted items. Reputation is the number of "
        "your items that requesters accepted, checked against hidden gold answers; build it on campaigns "
        "open to everyone."
    )


_ERROR = re.compile(r"\b(?P<name>[A-Z][A-Za-z]+)\((?P<args>[^)]*)\)")


def explain(exc: BaseException) -> str:
    """The reason a chain action failed, in words; unknown errors keep their own message."""
    text = str(exc) or type(exc).__name__
    match = _ERROR.search(text)
    name = match.group("name") if match else type(exc).__name__
    args = dict(re.findall(r"(\w+)=([^,]+)", match.group("args"))) if match else {}
    if name == "ReputationTooLow":
        have, need = args.get("have"), args.get("need")
        detail = f" (you have {have}, it needs {need})" if have and need else ""
        return (
            f"Your reputation is too low for this campaign{detail}. Reputation is your accepted items; "
            "label campaigns open to everyone first."
        )
    known = {
        "NoBatchAvailable": "Every batch of this campaign is taken or done. Batches come back when a claim "
        "expires: try again later, or pick another campaign.",
        "NoFreeSlot": "You hold 16 batches you have not submitted yet, as many as one can hold at once. "
        "Submit one of them first (submitted batches no longer count, reviewed or not).",
        "CampaignNotOpen": "This campaign is closed: it takes no more work.",
        "DisputeWindowClosed": "The time to dispute this review is over: the rejection is final.",
        "NotSubmitted": "This batch has moved on (reviewed, settled or disputed already): refresh to see "
        "where it stands.",
        "UnknownCampaign": "This campaign does not exist on this network.",
        "NotClaimed": "This batch is no longer yours (the claim expired and it was given back). Your "
        "answers are still saved on this computer.",
        "NothingToWithdraw": "There is nothing to withdraw yet: earnings arrive once batches are accepted.",
    }
    return known.get(name, text)


def work_summary(campaigns: Iterable[Any]) -> str:
    """One line on the work there is to claim (Home shows it): how many campaigns, the best pay."""
    claimable = [c for c in campaigns if c.open and c.batches_available > 0]
    if not claimable:
        return "No campaign has work to claim right now."
    best = max(c.reward_per_item for c in claimable)
    return f"{plural(len(claimable), 'campaign')} with work to claim, up to {sahara(best)} per item."


def in_words(seconds: int) -> str:
    """``in 52 minutes``, ``in 3 hours 5 minutes``, ``in 2 days``: how long until a claim expires."""
    return f"in {duration(max(60, seconds))}"
