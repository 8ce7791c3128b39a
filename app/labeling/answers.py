"""A labeler's answers for one claimed batch from a file, for ``sahara label submit``.

The file is JSON Lines, one annotation per line in the schema's own shape: ``{"item_id": ...,
"label": ...}`` for classification, ``"boxes"`` or ``"spans"`` for the other tasks (what a script or
a model produces). Every line is checked as the requester's review will check the result (item in
the batch, answered once, the task's kind of answer, labels from the label set), because a
submitted batch cannot be corrected: the file is refused whole, with every problem by line, rather
than submitted in part.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from app.labeling.formats.common import ANSWER_PART
from app.labeling.schema import Annotation, Item, LabelSet, TaskType

MAX_LINE = 1 << 20  # one annotation; a longer line is not one


@dataclass(frozen=True)
class BatchAnswers:
    answers: list[Annotation]
    problems: list[str]  # "line N: why", in file order
    unanswered: list[str]  # item ids of the batch the file does not answer


def read_answers(path: Path, items: Sequence[Item], task: TaskType, label_set: LabelSet) -> BatchAnswers:
    """The file's answers to ``items``; raises ``OSError`` only when the file cannot be read."""
    wanted = {item.id for item in items}
    allowed = set(label_set.names)
    part = ANSWER_PART[task]
    found: dict[str, Annotation] = {}
    problems: list[str] = []
    with Path(path).open("rb") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            if len(line) > MAX_LINE:
                problems.append(f"line {number}: longer than {MAX_LINE} bytes")
                continue
            try:
                answer = Annotation.model_validate_json(line)
            except ValidationError as exc:
                error = exc.errors()[0]
                where = ".".join(str(p) for p in error["loc"])
                problems.append(f"line {number}: {where + ': ' if where else ''}{error['msg']}")
                continue
            problem = _check(answer, wanted, found, part, allowed)
            if problem:
                problems.append(f"line {number}: {problem}")
            else:
                found[answer.item_id] = answer
    unanswered = [item.id for item in items if item.id not in found]
    return BatchAnswers(list(found.values()), problems, unanswered)


def _check(
    answer: Annotation, wanted: set[str], found: dict[str, Annotation], part: str, allowed: set[str]
) -> str | None:
    if answer.item_id not in wanted:
        return f"item {answer.item_id!r} is not in this batch"
    if answer.item_id in found:
        return f"item {answer.item_id!r} is answered twice"
    if not getattr(answer, part):
        return f"item {answer.item_id!r} has no {part!r}, the answer this task takes"
    unknown = answer.labels_used() - allowed
    if unknown:
        return f"item {answer.item_id!r} uses {sorted(unknown)}, not in the label set"
    return None
