"""Answer comparison, majority and medoid consensus, gold scoring and the batch review decision."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.labeling.quality import aggregate, majority_vote, review_batch, same_answer, score_gold
from app.labeling.schema import Annotation, Box, Item, Span, TaskType

CLS = TaskType.IMAGE_CLASSIFICATION
BOXES = TaskType.BOUNDING_BOXES
NER = TaskType.NER


def _label(item: str, label: str | None) -> Annotation:
    return Annotation(item_id=item, label=label)


def _boxes(*boxes: Box, item: str = "i") -> Annotation:
    return Annotation(item_id=item, boxes=list(boxes))


def _spans(*spans: tuple[int, int, str], item: str = "t") -> Annotation:
    return Annotation(item_id=item, spans=[Span(start=s, end=e, label=lab) for s, e, lab in spans])


CAR = Box(x=0, y=0, w=10, h=10, label="car")


def test_classification_agrees_only_on_the_same_label() -> None:
    assert same_answer(CLS, _label("i", "cat"), _label("i", "cat")) == 1.0
    assert same_answer(CLS, _label("i", "cat"), _label("i", "dog")) == 0.0
    assert same_answer(TaskType.TEXT_CLASSIFICATION, _label("i", "spam"), _label("i", None)) == 0.0


def test_boxes_match_by_iou_and_label() -> None:
    near = CAR.model_copy(update={"x": 1, "y": 1})  # IoU 81/119 = 0.68
    assert same_answer(BOXES, _boxes(CAR), _boxes(near)) == 1.0
    assert same_answer(BOXES, _boxes(CAR), _boxes(near.model_copy(update={"label": "bus"}))) == 0.0
    assert same_answer(BOXES, _boxes(CAR), _boxes(CAR.model_copy(update={"x": 8, "y": 8}))) == 0.0
    assert same_answer(BOXES, _boxes(), _boxes()) == 1.0
    assert same_answer(BOXES, _boxes(CAR), _boxes()) == 0.0


def test_box_iou_threshold_is_inclusive() -> None:
    half = CAR.model_copy(update={"w": 5})  # inside CAR, half its area: IoU exactly 0.5
    assert same_answer(BOXES, _boxes(CAR), _boxes(half)) == 1.0
    assert same_answer(BOXES, _boxes(CAR), _boxes(half.model_copy(update={"w": 4.9}))) == 0.0


def test_box_matching_is_one_to_one() -> None:
    twin = CAR.model_copy(update={"x": 0.5})
    far = CAR.model_copy(update={"x": 100})
    # Two boxes on one object cannot both match it: 1 match of 2 + 1 boxes -> F1 2/3.
    assert same_answer(BOXES, _boxes(CAR, twin), _boxes(CAR)) == 2 / 3
    # An extra box costs precision: 2 matches of 2 + 3 boxes.
    assert same_answer(BOXES, _boxes(CAR, far), _boxes(twin, CAR, far)) == 2 * 2 / 5


def test_spans_match_exactly() -> None:
    a = _spans((0, 4, "PER"), (9, 12, "LOC"))
    assert same_answer(NER, a, _spans((0, 4, "PER"))) == 2 / 3
    assert same_answer(NER, a, _spans((0, 5, "PER"), (9, 12, "ORG"))) == 0.0
    assert same_answer(NER, _spans(), _spans()) == 1.0
    assert same_answer(NER, a, _spans((9, 12, "LOC"), (0, 4, "PER"))) == 1.0  # order does not matter


def test_majority_takes_the_modal_class_and_breaks_ties_by_name() -> None:
    answers = {
        "a": {"x": _label("a", "dog"), "y": _label("a", "cat"), "z": _label("a", "dog")},
        "b": {"x": _label("b", "dog"), "y": _label("b", "cat")},
        "c": {"x": _label("c", None)},
    }
    result = majority_vote(CLS, answers)
    assert (result["a"].answer.label, result["a"].confidence, result["a"].votes) == ("dog", 2 / 3, 3)
    assert (result["b"].answer.label, result["b"].confidence) == ("cat", 0.5)
    assert "c" not in result  # nobody answered
    assert result["a"].answer.item_id == "a"


def test_medoid_consensus_for_boxes_and_spans() -> None:
    answers = {
        "i": {
            "x": _boxes(CAR),
            "y": _boxes(CAR.model_copy(update={"x": 0.5})),
            "z": _boxes(CAR.model_copy(update={"x": 50})),
        }
    }
    consensus = majority_vote(BOXES, answers)["i"]
    assert consensus.answer.boxes[0].x in (0, 0.5) and consensus.votes == 3 and consensus.confidence == 0.5
    spans = {"t": {"x": _spans((0, 4, "PER")), "y": _spans((0, 4, "PER")), "z": _spans((5, 8, "LOC"))}}
    consensus = majority_vote(NER, spans)["t"]
    assert consensus.answer.spans == [Span(start=0, end=4, label="PER")] and consensus.confidence == 0.5


def test_aggregate_uses_dawid_skene_only_with_three_answers() -> None:
    answers = {
        "a": {"x": _label("a", "cat"), "y": _label("a", "dog")},
        "b": {"x": _label("b", "cat"), "y": _label("b", "cat"), "z": _label("b", "dog")},
    }
    result = aggregate(CLS, answers, ["cat", "dog"])
    assert result["a"].answer.label == "cat" and result["a"].confidence == 0.5  # majority: tie → name
    assert result["b"].answer.label == "cat" and result["b"].votes == 3
    assert result["b"].confidence not in (2 / 3, 0.5)  # a Dawid–Skene posterior, not a vote share


def test_aggregate_boxes_is_the_medoid() -> None:
    answers = {"i": {"x": _boxes(CAR), "y": _boxes(CAR), "z": _boxes()}}
    assert aggregate(BOXES, answers, ["car"])["i"].answer.boxes == [CAR]


def test_gold_score_counts_skipped_gold_as_wrong() -> None:
    gold = {"a": _label("a", "3"), "b": _label("b", "7"), "c": _label("c", "1")}
    answers = [_label("a", "3"), _label("b", None), _label("x", "5")]
    score = score_gold(CLS, gold, answers)
    assert (score.correct, score.total, score.accuracy) == (1.0, 2, 0.5)
    assert score_gold(CLS, gold, []).accuracy == 1.0
    partial = score_gold(BOXES, {"i": _boxes(CAR)}, [_boxes(CAR, CAR.model_copy(update={"x": 50}))])
    assert partial.correct == 2 / 3


ITEMS = [Item(id=f"d{n}", source=f"/d{n}.png") for n in range(5)]


def test_failing_gold_rejects_the_batch_without_revealing_answers() -> None:
    gold = {i.id: _label(i.id, "7") for i in ITEMS}
    answers = [_label("d0", "7"), _label("d1", "7"), _label("d2", "1"), _label("d3", "1"), _label("d4", "1")]
    decision = review_batch(CLS, ITEMS, answers, gold, {}, min_gold_accuracy=0.8)
    assert decision.accepted == 0 and decision.items == 5
    assert decision.reasons == ["gold accuracy 40% (2/5) below 80%"]
    assert decision.gold.total == 5 and decision.agreement is None


def test_passing_gold_accepts_every_answered_item() -> None:
    gold = {"d0": _label("d0", "3")}
    answers = [_label(i.id, "3") for i in ITEMS]
    decision = review_batch(CLS, ITEMS, answers, gold, {}, min_gold_accuracy=0.8)
    assert (decision.accepted, decision.reasons, decision.gold.accuracy) == (5, [], 1.0)


def test_review_rejects_empty_and_contradicted_items() -> None:
    gold = {"d0": _label("d0", "3")}
    answers = [_label("d0", "3"), _label("d1", "5"), _label("d2", None), _label("d3", "2")]  # d4 missing
    peers = {
        "d1": [_label("d1", "6"), _label("d1", "6"), _label("d1", "6"), _label("d1", "5")],  # 3 of 4: 0.75
        "d3": [_label("d3", "2"), _label("d3", "9")],  # no confident consensus
    }
    decision = review_batch(CLS, ITEMS, answers, gold, peers, min_gold_accuracy=0.8)
    assert decision.accepted == 2
    assert decision.reasons == [
        "item d1: answered '5', 3 others agreed on '6'",
        "item d2: not answered",
        "item d4: not answered",
    ]
    assert decision.agreement == 2 / 6  # d1: one of four peers said '5'; d3: one of two said '2'


def test_one_peer_or_a_split_consensus_never_rejects() -> None:
    answers = [_label("d0", "cat"), _label("d1", "cat")]
    peers = {
        "d0": [_label("d0", "dog")],  # a single peer
        "d1": [_label("d1", "dog"), _label("d1", "dog"), _label("d1", "bird")],  # 2 of 3 < 0.75
    }
    decision = review_batch(CLS, ITEMS[:2], answers, {}, peers, min_gold_accuracy=0.8)
    assert decision.accepted == 2 and decision.reasons == []


def test_review_of_boxes_rejects_a_box_far_from_the_peers() -> None:
    items = ITEMS[:2]
    far = CAR.model_copy(update={"x": 60})
    answers = [_boxes(far, item="d0"), _boxes(CAR.model_copy(update={"x": 1}), item="d1")]
    peers = {"d0": [_boxes(CAR, item="d0"), _boxes(CAR, item="d0")], "d1": [_boxes(CAR, item="d1")] * 2}
    decision = review_batch(BOXES, items, answers, {}, peers, min_gold_accuracy=0.8)
    assert decision.accepted == 1
    assert decision.reasons == ["item d0: answered 1 box(es), 2 others agreed on 1 box(es)"]


box = st.builds(
    Box,
    x=st.floats(0, 100),
    y=st.floats(0, 100),
    w=st.floats(0.5, 50),
    h=st.floats(0.5, 50),
    label=st.sampled_from(["a", "b"]),
)
span = st.tuples(st.integers(0, 20), st.integers(1, 10), st.sampled_from(["PER", "LOC"])).map(
    lambda t: Span(start=t[0], end=t[0] + t[1], label=t[2])
)
answer = st.one_of(
    st.builds(lambda b: (BOXES, Annotation(item_id="i", boxes=b)), st.lists(box, max_size=4)),
    st.builds(lambda s: (NER, Annotation(item_id="i", spans=s)), st.lists(span, max_size=4)),
    st.builds(lambda c: (CLS, Annotation(item_id="i", label=c)), st.sampled_from([None, "a", "b"])),
)


@settings(max_examples=200, deadline=None)
@given(answer, answer)
def test_agreement_is_symmetric_bounded_and_reflexive(first, second) -> None:
    task, x = first
    _, y = second
    y = Annotation(item_id="i", label=y.label, boxes=y.boxes, spans=y.spans)
    score = same_answer(task, x, y)
    assert 0.0 <= score <= 1.0
    assert abs(score - same_answer(task, y, x)) < 1e-9
    assert same_answer(task, x, x) == 1.0
