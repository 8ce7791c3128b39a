"""The service's pure parts: campaign terms checked before anything is signed, the requester's
record from reviews, log topics, and the monitor's figures from opened submissions."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.labeling.campaign_spec import CampaignError, CampaignSpec, check_spec
from app.labeling.catalog import RequesterRecord, topic
from app.labeling.monitor import FlaggedItem, LabelerStats, Submission, monitor_stats
from app.labeling.schema import Annotation, BatchResult, Item, LabelSet, Manifest, TaskType

A, B, C = (
    "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
    "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
)
LABELS = LabelSet.from_names(["cat", "dog"])
ITEMS = [Item(id=f"i{n}", text=f"text {n}") for n in range(4)]
MANIFEST = Manifest(
    title="Pets", task_type=TaskType.TEXT_CLASSIFICATION, label_set=LABELS, items=ITEMS, requester_pubkey="00"
)


def spec(**changes: object) -> CampaignSpec:
    base = CampaignSpec("Pets", TaskType.TEXT_CLASSIFICATION, LABELS, "", ITEMS, {}, reward_per_item=10)
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"items": []}, "between 1 and"),
        ({"reward_per_item": 0}, "reward per item"),
        ({"redundancy": 256}, "1 to 255 labelers"),
        ({"batch_size": 70_000}, "1 to 65,535"),
        ({"claim_ttl_s": 0}, "time limit"),
        ({"claim_ttl_s": 59}, "1 minute to 7 days"),  # the board's bounds (MIN/MAX_CLAIM_TTL)
        ({"claim_ttl_s": 7 * 86400 + 1}, "1 minute to 7 days"),
        ({"review_window_s": 599}, "10 minutes to 30 days"),  # MIN/MAX_REVIEW_WINDOW
        ({"review_window_s": 30 * 86400 + 1}, "review window"),
        ({"min_reputation": -1}, "reputation"),
        ({"items": ITEMS[:1] * 70_000, "reward_per_item": 2**72 - 1, "redundancy": 255}, "escrow"),
    ],
)
def test_terms_the_board_would_refuse_are_refused_in_words(changes: dict, message: str) -> None:
    check_spec(spec())
    with pytest.raises(CampaignError, match=message):
        check_spec(spec(**changes))


def test_topics_pad_numbers_and_addresses() -> None:
    assert topic(7) == "0x" + "00" * 31 + "07"
    assert topic(A.lower()) == "0x" + "00" * 12 + A[2:].lower()


def test_requester_record_share_is_of_decided_items_only() -> None:
    """The board's record (TaskBoard.requesterRecord): items accepted only because the requester
    stayed silent do not count in its favour; a requester that decided nothing has no share."""
    record = RequesterRecord(
        accepted_items=30, rejected_items=10, auto_accepted_items=50, disputes_lost=1, disputes_won=0
    )
    assert (record.decided, record.accept_rate) == (40, 0.75)
    assert RequesterRecord(0, 0, 7, 0, 0).accept_rate is None


def submission(labeler: str, batch: int, labels: list[str | None]) -> Submission:
    items = ITEMS[batch * 2 : batch * 2 + 2]
    answers = [Annotation(item_id=i.id, label=label) for i, label in zip(items, labels, strict=True)]
    result = BatchResult(campaign_id=1, batch=batch, labeler=labeler, annotations=answers)
    return Submission(1, batch, labeler, 0, batch * 2, items, "cid", b"", 1, "0x", 0, result)


def test_monitor_figures_from_submissions_reviews_and_gold() -> None:
    subs = [
        submission(A, 0, ["cat", "dog"]),
        submission(B, 0, ["cat", "cat"]),
        submission(C, 1, [None, "dog"]),
        replace(submission(C, 0, ["cat", "cat"]), result=None, error="bad"),  # refused: counted, no answers
    ]
    reviews = [
        {"labeler": A, "batch": 0, "accepted": 2, "paid": 20},
        {"labeler": B, "batch": 0, "accepted": 1, "paid": 10},
    ]
    gold = {"i0": Annotation(item_id="i0", label="cat"), "i1": Annotation(item_id="i1", label="dog")}
    stats = monitor_stats(1, MANIFEST, subs, reviews, gold)
    assert (stats.items, stats.labeled, stats.submitted_batches, stats.reviewed_batches) == (4, 5, 4, 2)
    assert stats.cost_so_far == 30
    assert stats.labelers == [
        LabelerStats(B, 1, 1, 1, 0.5),
        LabelerStats(A, 1, 2, 0, 1.0),
        LabelerStats(C, 2, 0, 0, None),
    ]
    # i0: both say cat (agree); i1: dog vs cat (a tie, weakest): agreement is their mean confidence.
    assert stats.flagged == [FlaggedItem("i1", stats.flagged[0].label, 0.5, 2)]
    assert stats.agreement == pytest.approx(0.75)
