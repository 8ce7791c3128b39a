"""Quality control: compare answers, aggregate redundant ones, score gold, decide a batch.

Classification aggregates with Dawid–Skene (``dawid_skene.py``) when an item has three or more
answers — it learns how reliable each labeler is, so two careful labelers outvote three careless
ones — and with a plain majority otherwise. Boxes and spans have no class per item to vote on, so
their consensus is the medoid: the answer that agrees most with the others.

A batch review is what the requester would do by hand: a labeler who fails the hidden gold items
is paid nothing for the batch (the reason names the accuracy, never the gold answers); otherwise
each answered item is accepted unless it contradicts a confident consensus of other labelers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from app.labeling import dawid_skene as ds
from app.labeling.schema import Annotation, Box, Item, TaskType

IOU_MATCH = 0.5  # two boxes of the same label overlapping at least this much are the same object
AGREES = 0.5  # same_answer at or above this backs an answer (boxes, spans: half the objects match)
CONTRADICTION_CONFIDENCE = 0.75
CONTRADICTION_PEERS = 2
REDUNDANCY_FOR_DS = 3  # with fewer answers an item's posterior is mostly the labelers' prior

Answers = Mapping[str, Mapping[str, Annotation]]  # item id -> labeler -> answer


@dataclass(frozen=True)
class Consensus:
    item_id: str
    answer: Annotation
    confidence: float
    votes: int


@dataclass(frozen=True)
class GoldScore:
    correct: float
    total: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 1.0


@dataclass(frozen=True)
class BatchDecision:
    accepted: int
    items: int
    gold: GoldScore
    agreement: float | None
    reasons: list[str] = field(default_factory=list)


def _iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a.x + a.w, b.x + b.w) - max(a.x, b.x))
    iy = max(0.0, min(a.y + a.h, b.y + b.h) - max(a.y, b.y))
    inter = ix * iy
    union = a.w * a.h + b.w * b.h - inter
    return inter / union if union > 0 else 0.0


def _f1(matches: int, n_a: int, n_b: int) -> float:
    if n_a == 0 and n_b == 0:
        return 1.0
    return 2 * matches / (n_a + n_b)


def _box_matches(a: list[Box], b: list[Box]) -> int:
    """Greedy one-to-one matching of same-label boxes by IoU, best pairs first."""
    pairs = sorted(
        ((_iou(x, y), i, j) for i, x in enumerate(a) for j, y in enumerate(b) if x.label == y.label),
        reverse=True,
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    for iou, i, j in pairs:
        if iou < IOU_MATCH:
            break
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
    return len(used_a)


def same_answer(task: TaskType, a: Annotation, b: Annotation) -> float:
    """How far two answers for one item agree: 1.0 identical … 0.0 nothing in common (symmetric)."""
    if task in (TaskType.IMAGE_CLASSIFICATION, TaskType.TEXT_CLASSIFICATION):
        return 1.0 if a.label == b.label else 0.0
    if task is TaskType.BOUNDING_BOXES:
        return _f1(_box_matches(a.boxes, b.boxes), len(a.boxes), len(b.boxes))
    spans_a = {(s.start, s.end, s.label) for s in a.spans}
    spans_b = {(s.start, s.end, s.label) for s in b.spans}
    return _f1(len(spans_a & spans_b), len(spans_a), len(spans_b))


def _classifies(task: TaskType) -> bool:
    return task in (TaskType.IMAGE_CLASSIFICATION, TaskType.TEXT_CLASSIFICATION)


def _majority_item(task: TaskType, item_id: str, answers: Mapping[str, Annotation]) -> Consensus | None:
    given = [a for _, a in sorted(answers.items()) if not a.empty]
    if not given:
        return None
    if _classifies(task):
        counts = Counter(a.label for a in given)
        label, votes = min(counts.items(), key=lambda kv: (-kv[1], kv[0] or ""))  # ties: first by name
        return Consensus(item_id, Annotation(item_id=item_id, label=label), votes / len(given), len(given))
    if len(given) == 1:
        return Consensus(item_id, given[0].model_copy(update={"item_id": item_id}), 1.0, 1)
    scores = [
        sum(same_answer(task, a, b) for j, b in enumerate(given) if j != i) / (len(given) - 1)
        for i, a in enumerate(given)
    ]
    best = max(range(len(given)), key=lambda i: (scores[i], -i))
    return Consensus(item_id, given[best].model_copy(update={"item_id": item_id}), scores[best], len(given))


def majority_vote(task: TaskType, answers: Answers) -> dict[str, Consensus]:
    """Per item: the modal class (confidence = its share of votes), or for boxes/spans the medoid."""
    out: dict[str, Consensus] = {}
    for item_id, by_labeler in answers.items():
        consensus = _majority_item(task, item_id, by_labeler)
        if consensus is not None:
            out[item_id] = consensus
    return out


def dawid_skene(
    task: TaskType, answers: Answers, *, classes: list[str], iterations: int = 50
) -> dict[str, Consensus]:
    """Per item the most probable class under Dawid–Skene, confidence = its posterior.

    Boxes and spans have no class per item to weigh, so they get the majority vote (medoid).
    """
    if not _classifies(task):
        return majority_vote(task, answers)
    estimate = ds.fit(answers, classes, iterations=iterations)
    best = estimate.posterior.argmax(axis=1)
    return {
        item_id: Consensus(
            item_id,
            Annotation(item_id=item_id, label=classes[int(best[i])]),
            float(estimate.posterior[i, best[i]]),
            int(estimate.votes[i]),
        )
        for i, item_id in enumerate(estimate.items)
        if estimate.votes[i] > 0
    }


def aggregate(task: TaskType, answers: Answers, classes: list[str]) -> dict[str, Consensus]:
    """Dawid–Skene for classification items with ≥ 3 answers; majority vote for everything else.

    The labelers' confusion matrices are learned from every item (an item with one answer still
    says something about its labeler); only items with enough answers take the DS verdict.
    """
    if not _classifies(task):
        return majority_vote(task, answers)
    learned = dawid_skene(task, answers, classes=classes)
    result: dict[str, Consensus] = {}
    for item_id, by_labeler in answers.items():
        consensus = learned.get(item_id)
        if consensus is None or consensus.votes < REDUNDANCY_FOR_DS:
            consensus = _majority_item(task, item_id, by_labeler)
        if consensus is not None:
            result[item_id] = consensus
    return result


def score_gold(task: TaskType, gold: Mapping[str, Annotation], answers: list[Annotation]) -> GoldScore:
    """Agreement with the known answers over the gold items this labeler answered or skipped."""
    scored = [(gold[a.item_id], a) for a in answers if a.item_id in gold]
    return GoldScore(sum(same_answer(task, g, a) for g, a in scored), len(scored))


def _describe(task: TaskType, answer: Annotation) -> str:
    if _classifies(task):
        return repr(answer.label)
    if task is TaskType.BOUNDING_BOXES:
        return f"{len(answer.boxes)} box(es)"
    return f"{len(answer.spans)} span(s)"


def _contradicted(
    task: TaskType, answer: Annotation, others: list[Annotation]
) -> tuple[Annotation, int] | None:
    """The peers' consensus and how many peers back it, when at least two agree on it with
    confidence ≥ 0.75 and ``answer`` disagrees with it; None when the answer stands."""
    consensus = _majority_item(task, answer.item_id, {f"{n:09d}": p for n, p in enumerate(others)})
    if consensus is None or consensus.confidence < CONTRADICTION_CONFIDENCE:
        return None
    agreeing = sum(same_answer(task, p, consensus.answer) >= AGREES for p in others)
    if agreeing < CONTRADICTION_PEERS or same_answer(task, answer, consensus.answer) >= AGREES:
        return None
    return consensus.answer, agreeing


def review_batch(
    task: TaskType,
    items: list[Item],
    answers: list[Annotation],
    gold: Mapping[str, Annotation],
    peers: Mapping[str, list[Annotation]],
    *,
    min_gold_accuracy: float,
) -> BatchDecision:
    """Decide how many of a batch's items to pay for, with the reasons for every rejection.

    ``peers`` holds other labelers' answers by item id. The reasons are public (they go into the
    review report on-chain), so they name accuracies and counts, never a gold answer.
    """
    by_item = {a.item_id: a for a in answers}
    score = score_gold(task, gold, answers)
    agreements = [
        same_answer(task, by_item[i.id], p)
        for i in items
        if i.id in by_item and not by_item[i.id].empty
        for p in peers.get(i.id, [])
        if not p.empty
    ]
    agreement = sum(agreements) / len(agreements) if agreements else None
    if score.total and score.accuracy < min_gold_accuracy:
        share = f"{score.accuracy:.0%} ({score.correct:g}/{score.total})"
        return BatchDecision(
            0, len(items), score, agreement, [f"gold accuracy {share} below {min_gold_accuracy:.0%}"]
        )
    accepted, reasons = 0, []
    for item in items:
        answer = by_item.get(item.id)
        if answer is None or answer.empty:
            reasons.append(f"item {item.id}: not answered")
            continue
        contradicted = _contradicted(task, answer, [p for p in peers.get(item.id, []) if not p.empty])
        if contradicted is not None:
            consensus, agreeing = contradicted
            reasons.append(
                f"item {item.id}: answered {_describe(task, answer)}, "
                f"{agreeing} others agreed on {_describe(task, consensus)}"
            )
            continue
        accepted += 1
    return BatchDecision(accepted, len(items), score, agreement, reasons)
