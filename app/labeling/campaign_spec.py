"""What a requester asks for when creating a campaign, and the board's bounds on it, in words.

The "New campaign" wizard and ``sahara label create`` both build a ``CampaignSpec``;
``check_spec`` refuses what the TaskBoard would revert on (or what does not fit its integer
fields) before anything is uploaded or signed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.labeling.formats.common import names_a_local_path
from app.labeling.schema import Annotation, Item, LabelSet, TaskType

# TaskBoard's bounds on a campaign's terms (MIN_/MAX_CLAIM_TTL, MIN_/MAX_REVIEW_WINDOW)
CLAIM_TTL_S = (60, 7 * 86400)
REVIEW_S = (600, 30 * 86400)


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
    prelabels: dict[str, Annotation] = field(default_factory=dict)  # starting answers, published


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
    if leaked := sorted(spec.prelabels.keys() & spec.gold.keys())[:1]:
        raise CampaignError(
            f"Item {leaked[0]!r} is gold and has a pre-label: pre-labels are published, so its answer "
            "would be too. Leave gold items without pre-labels."
        )
    if local := next((item.id for item in spec.items if names_a_local_path(item.id)), None):
        raise CampaignError(f"Item id {local!r} is a local path, and item ids are published: rename it.")
