"""Quality control: answer comparison, aggregation (Dawid–Skene beats majority) and batch review."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.labeling.dawid_skene import dawid_skene, labeler_accuracy
from app.labeling.quality import aggregate, majority_vote, review_batch, same_answer, score_gold
from app.labeling.schema import Annotation, Box, Item, Span, TaskType

CLS = TaskType.IMAGE_CLASSIFICATION


def _label(item: str, label: str | None) -> Annotation:
    return Annotation(item_id=item, label=label)


def _simulate(seed: int = 7):
    """2,000 items, 5 classes, 7 labelers of known accuracy, 3–5 random labelers per item."""
    rng = np.random.default_rng(seed)
    accuracy = [0.9, 0.85, 0.6, 0.55, 0.5, 0.4, 0.35]
    classes = [str(k) for k in range(5)]
    truth: dict[str, str] = {}
    answers: dict[str, dict[str, Annotation]] = {}
    for n in range(2000):
        item = f"i{n}"
        true = int(rng.integers(5))
        truth[item] = classes[true]
        answers[item] = {}
        for j in rng.choice(7, size=int(rng.integers(3, 6)), replace=False):
            if rng.random() < accuracy[j]:
                given_ = true
            else:
                given_ = int(rng.choice([k for k in range(5) if k != true]))
            answers[item][f"L{j}"] = _label(item, classes[given_])
    return truth, answers, classes, accuracy


def _accuracy(truth, consensus) -> float:
    return sum(consensus[i].answer.label == t for i, t in truth.items()) / len(truth)


def test_dawid_skene_beats_majority_vote_and_ranks_the_labelers() -> None:
    truth, answers, classes, accuracy = _simulate()
    majority = _accuracy(truth, majority_vote(CLS, answers))
    ds = _accuracy(truth, dawid_skene(answers, classes=classes))
    assert ds > majority + 0.03, (ds, majority)
    estimated = labeler_accuracy(answers, dawid_skene(answers, classes=classes))
    order = sorted(estimated, key=estimated.get, reverse=True)
    assert order == [f"L{j}" for j in np.argsort(accuracy)[::-1]]


def test_aggregate_uses_dawid_skene_only_with_three_answers() -> None:
    answers = {
        "a": {"x": _label("a", "cat"), "y": _label("a", "dog")},
        "b": {"x": _label("b", "cat"), "y": _label("b", "cat"), "z": _label("b", "dog")},
    }
    result = aggregate(CLS, answers, ["cat", "dog"])
    assert result["a"].answer.label == "cat" and result["a"].confidence == 0.5  # tie → first name
    assert result["b"].answer.label == "cat" and result["b"].votes == 3


def test_boxes_match_by_iou_and_label() -> None:
    a = Annotation(item_id="i", boxes=[Box(x=0, y=0, w=10, h=10, label="car")])
    near = Annotation(item_id="i", boxes=[Box(x=1, y=1, w=10, h=10, label="car")])
    other = Annotation(item_id="i", boxes=[Box(x=1, y=1, w=10, h=10, label="bus")])
    far = Annotation(item_id="i", boxes=[Box(x=8, y=8, w=10, h=10, label="car")])
    assert same_answer(TaskType.BOUNDING_BOXES, a, near) == 1.0
    assert same_answer(TaskType.BOUNDING_BOXES, a, other) == 0.0
    assert same_answer(TaskType.BOUNDING_BOXES, a, far) == 0.0
    assert same_answer(TaskType.BOUNDING_BOXES, Annotation(item_id="i"), Annotation(item_id="i")) == 1.0


def test_spans_match_exactly() -> None:
    a = Annotation(item_id="t", spans=[Span(start=0, end=4, label="PER"), Span(start=9, end=12, label="LOC")])
    b = Annotation(item_id="t", spans=[Span(start=0, end=4, label="PER")])
    assert same_answer(TaskType.NER, a, b) == 2 / 3


def test_medoid_consensus_for_boxes() -> None:
    box = Box(x=0, y=0, w=10, h=10, label="car")
    answers = {
        "i": {
            "x": Annotation(item_id="i", boxes=[box]),
            "y": Annotation(item_id="i", boxes=[box.model_copy(update={"x": 0.5})]),
            "z": Annotation(item_id="i", boxes=[box.model_copy(update={"x": 50})]),
        }
    }
    consensus = majority_vote(TaskType.BOUNDING_BOXES, answers)["i"]
    assert consensus.answer.boxes[0].x in (0, 0.5) and consensus.votes == 3


ITEMS = [Item(id=f"d{n}", source=f"/d{n}.png") for n in range(5)]


def test_failing_gold_rejects_the_batch_without_revealing_answers() -> None:
    gold = {"d0": _label("d0", "3"), "d1": _label("d1", "7")}
    answers = [_label(i.id, "1") for i in ITEMS]
    decision = review_batch(CLS, ITEMS, answers, gold, {}, min_gold_accuracy=0.8)
    assert decision.accepted == 0 and decision.gold.total == 2 and decision.gold.accuracy == 0
    assert decision.reasons == ["gold accuracy 0% (0/2) below 80%: batch rejected"]
    assert "3" not in decision.reasons[0].replace("0%", "")


def test_review_rejects_empty_and_contradicted_items() -> None:
    gold = {"d0": _label("d0", "3")}
    answers = [_label("d0", "3"), _label("d1", "5"), _label("d2", None), _label("d3", "2"), _label("d4", "4")]
    peers = {"d1": [_label("d1", "6"), _label("d1", "6")], "d3": [_label("d3", "2"), _label("d3", "9")]}
    decision = review_batch(CLS, ITEMS, answers, gold, peers, min_gold_accuracy=0.8)
    assert decision.accepted == 3
    assert decision.reasons == ["item d1: answered '5', 2 others agreed on '6'", "item d2: not answered"]
    assert decision.agreement == 0.25  # d1: 0, 0; d3: 1, 0
    assert score_gold(CLS, gold, answers).accuracy == 1.0


boxes = st.lists(
    st.builds(
        Box,
        x=st.floats(0, 100),
        y=st.floats(0, 100),
        w=st.floats(0.5, 50),
        h=st.floats(0.5, 50),
        label=st.sampled_from(["a", "b"]),
    ),
    max_size=4,
)


@settings(max_examples=60, deadline=None)
@given(boxes, boxes)
def test_box_agreement_is_symmetric_and_bounded(a: list[Box], b: list[Box]) -> None:
    x, y = Annotation(item_id="i", boxes=a), Annotation(item_id="i", boxes=b)
    score = same_answer(TaskType.BOUNDING_BOXES, x, y)
    assert 0.0 <= score <= 1.0
    assert abs(score - same_answer(TaskType.BOUNDING_BOXES, y, x)) < 1e-9
