"""Reading a labeler's answers for one batch from a JSON Lines file (``sahara label submit``)."""

from __future__ import annotations

import json
from pathlib import Path

from app.labeling.answers import read_answers
from app.labeling.schema import Annotation, Item, LabelSet, TaskType

ITEMS = [Item(id=f"img/{n}.png", source=f"/x/{n}.png") for n in range(3)]
LABELS = LabelSet.from_names(["circle", "square"])


def _write(path: Path, *lines: object) -> Path:
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return path


def test_good_answers_are_read_and_the_unanswered_listed(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "a.jsonl",
        {"item_id": "img/0.png", "label": "circle"},
        "",
        {"item_id": "img/2.png", "label": "square"},
    )
    read = read_answers(path, ITEMS, TaskType.IMAGE_CLASSIFICATION, LABELS)
    assert read.answers == [
        Annotation(item_id="img/0.png", label="circle"),
        Annotation(item_id="img/2.png", label="square"),
    ]
    assert read.problems == [] and read.unanswered == ["img/1.png"]


def test_every_wrong_line_is_named_with_why(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "a.jsonl",
        {"item_id": "img/0.png", "label": "circle"},
        "{not json",
        {"item_id": "img/9.png", "label": "circle"},
        {"item_id": "img/0.png", "label": "square"},
        {"item_id": "img/1.png", "label": "triangle"},
        {"item_id": "img/2.png"},
        {"item_id": "img/2.png", "label": 7},
    )
    read = read_answers(path, ITEMS, TaskType.IMAGE_CLASSIFICATION, LABELS)
    assert [p.split(":")[0] for p in read.problems] == [f"line {n}" for n in (2, 3, 4, 5, 6, 7)]
    assert "is not in this batch" in read.problems[1] and "answered twice" in read.problems[2]
    assert "not in the label set" in read.problems[3] and "has no 'label'" in read.problems[4]
    assert read.problems[5].startswith("line 7: label:")
    assert [a.item_id for a in read.answers] == ["img/0.png"]


def test_a_box_task_wants_boxes(tmp_path: Path) -> None:
    box = {"label": "square", "x": 1, "y": 2, "w": 3, "h": 4}
    path = _write(
        tmp_path / "a.jsonl",
        {"item_id": "img/0.png", "label": "circle"},
        {"item_id": "img/1.png", "boxes": [box]},
    )
    read = read_answers(path, ITEMS, TaskType.BOUNDING_BOXES, LABELS)
    assert read.problems == ["line 1: item 'img/0.png' has no 'boxes', the answer this task takes"]
    assert [a.item_id for a in read.answers] == ["img/1.png"]
