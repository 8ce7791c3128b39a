"""The labeling session headless: picks, boxes, spans, undo/redo, and a draft row per change."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.labeling.drafts import DraftStore
from app.labeling.schema import Annotation, Box, Item, LabelClass, LabelSet, Span, TaskType
from app.labeling.session import LabelingSession, hotkey_text

ACCOUNT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
DIGITS = LabelSet(classes=[LabelClass(name=str(d), hotkey=str(d)) for d in range(10)])
ANIMALS = LabelSet.from_names(["cat", "dog", "bird"])


@pytest.fixture
def store(tmp_path: Path) -> DraftStore:
    db = tmp_path / "sahara.db"
    upgrade(db)
    return DraftStore(session_factory(make_engine(db)), 31337, 1, ACCOUNT)


def images(n: int) -> list[Item]:
    return [Item(id=f"img{i}", image_cid=f"cid{i}", width=100, height=80) for i in range(n)]


def test_picks_advance_and_every_change_is_a_draft(store: DraftStore) -> None:
    session = LabelingSession(TaskType.IMAGE_CLASSIFICATION, DIGITS, images(3), store)
    seen: list[str] = []
    session.events.connect("changed", seen.append)
    session.pick(session.class_for_key("7").name)
    assert session.index == 1 and session.answer_of("img0").label == "7"
    assert store.load("img0") == Annotation(item_id="img0", label="7")
    assert seen == ["answer", "cursor"]
    session.pick("3")
    session.pick("3")
    assert session.complete and session.index == 2, "the last item stays put"
    assert [a.label for a in session.answers()] == ["7", "3", "3"]
    session.previous()
    session.clear()
    assert session.unanswered() == [1] and store.load("img1").empty


def test_undo_and_redo_jump_to_the_item_and_save(store: DraftStore) -> None:
    session = LabelingSession(TaskType.IMAGE_CLASSIFICATION, DIGITS, images(3), store)
    session.pick("1")
    session.pick("2")
    assert session.index == 2
    edit = session.undo()
    assert edit is not None and edit.item_id == "img1" and session.index == 1
    assert session.answer.empty and store.load("img1").empty
    assert session.answered == 1
    session.undo()
    assert session.index == 0 and session.answer.empty and not session.can_undo and session.answered == 0
    assert session.undo() is None
    session.redo()
    assert session.answer_of("img0").label == "1" and store.load("img0").label == "1"
    assert session.answered == 1
    session.pick("5")  # a new edit drops what could be redone
    assert not session.can_redo
    assert session.answer_of("img0").label == "5"


def test_drafts_are_restored_and_the_cursor_resumes(store: DraftStore) -> None:
    first = LabelingSession(TaskType.IMAGE_CLASSIFICATION, DIGITS, images(4), store)
    first.pick("4")
    first.pick("2")
    again = LabelingSession(TaskType.IMAGE_CLASSIFICATION, DIGITS, images(4), store)
    assert again.restored == 2 and again.index == 2
    assert [a.label for a in again.answers()] == ["4", "2", None, None]


def test_a_draft_with_a_class_no_longer_in_the_set_keeps_the_rest(store: DraftStore) -> None:
    store.save(Annotation(item_id="img0", boxes=[Box(x=1, y=1, w=5, h=5, label="cat"),
                                                  Box(x=1, y=1, w=5, h=5, label="lion")]))  # fmt: skip
    session = LabelingSession(TaskType.BOUNDING_BOXES, ANIMALS, images(1), store)
    assert [b.label for b in session.answer.boxes] == ["cat"]


def test_boxes_draw_move_relabel_delete_with_undo(store: DraftStore) -> None:
    session = LabelingSession(TaskType.BOUNDING_BOXES, ANIMALS, images(2), store)
    session.pick("dog")  # no box selected: the class new boxes get
    assert session.active_class == "dog" and session.answer.empty and session.index == 0
    assert session.add_box(50, 40, -30, -20) == 0, "a drag up-left is normalised"
    assert session.answer.boxes == [Box(x=20, y=20, w=30, h=20, label="dog")]
    assert session.add_box(5, 5, 1, 30) is None, "too thin to be a box"
    assert session.selected_box == 0
    session.pick("cat")  # relabels the selected box
    assert session.answer.boxes[0].label == "cat"
    session.move_box(0, -5, 10, 30, 20)
    assert session.answer.boxes[0] == Box(x=0, y=10, w=25, h=20, label="cat"), "clamped at the image edge"
    session.delete_box(0)
    assert session.answer.boxes == [] and store.load("img0").boxes == []
    for expected in ([Box(x=0, y=10, w=25, h=20, label="cat")], [Box(x=20, y=20, w=30, h=20, label="cat")]):
        session.undo()
        assert session.answer.boxes == expected
    session.undo()
    session.undo()
    assert session.answer.empty
    session.redo()
    assert store.load("img0").boxes == [Box(x=20, y=20, w=30, h=20, label="dog")]


def test_spans_trim_replace_overlaps_relabel_and_delete(store: DraftStore) -> None:
    items = [Item(id="t0", text="Ada Lovelace met  Charles Babbage in London.")]
    names = LabelSet.from_names(["PER", "LOC"])
    session = LabelingSession(TaskType.NER, names, items, store)
    assert session.label_span(0, 13, "PER") == 0  # "Ada Lovelace " -> trailing space trimmed
    assert session.answer.spans == [Span(start=0, end=12, label="PER")]
    session.label_span(18, 33, "PER")
    session.label_span(37, 43, "PER")
    assert session.span_at(40) == 2 and session.span_at(15) is None
    session.label_span(40, 40, "LOC")  # a caret inside a span relabels it
    assert session.answer.spans[2] == Span(start=37, end=43, label="LOC")
    session.label_span(10, 25, "LOC")  # overlaps the first two: both replaced
    assert [(s.start, s.end, s.label) for s in session.answer.spans] == [(10, 25, "LOC"), (37, 43, "LOC")]
    session.undo()
    assert len(session.answer.spans) == 3
    session.delete_span(1)
    assert [s.start for s in store.load("t0").spans] == [0, 37]
    assert session.label_span(13, 13, "PER") is None, "whitespace only: nothing"


def test_unknown_classes_are_refused() -> None:
    session = LabelingSession(TaskType.IMAGE_CLASSIFICATION, DIGITS, images(1))
    with pytest.raises(ValueError, match="not one of"):
        session.pick("cat")


def test_a_failed_save_keeps_the_answer_and_says_so() -> None:
    class Broken:
        fail = True

        def save(self, annotation: Annotation) -> None:
            if self.fail:
                raise OperationalError("INSERT", {}, Exception("disk I/O error"))

        def load_all(self) -> dict[str, Annotation]:
            return {}

    sink = Broken()
    session = LabelingSession(TaskType.IMAGE_CLASSIFICATION, DIGITS, images(2), sink)
    seen: list[str] = []
    session.events.connect("changed", seen.append)
    session.pick("1")
    assert session.answer_of("img0").label == "1"
    assert session.save_error and "kept in memory" in session.save_error and "saved" in seen
    sink.fail = False
    session.pick("2")
    assert session.save_error is None


def test_next_unanswered_wraps() -> None:
    session = LabelingSession(TaskType.IMAGE_CLASSIFICATION, DIGITS, images(3), auto_advance=False)
    session.pick("1")
    assert session.index == 0
    assert session.next_unanswered() and session.index == 1
    session.go_to(2)
    session.pick("1")
    assert session.next_unanswered() and session.index == 1
    session.pick("1")
    assert not session.next_unanswered()


def test_hotkey_text() -> None:
    # digits named 0–9 keep their own keys
    assert hotkey_text(LabelSet.from_names([str(d) for d in range(10)]).classes) == "0–9"
    assert hotkey_text(ANIMALS.classes) == "1–3"
    assert hotkey_text(DIGITS.classes) == "0–9"


def test_answering_the_last_item_finishes_the_batch_only_when_none_is_left_open() -> None:
    session = LabelingSession(TaskType.IMAGE_CLASSIFICATION, DIGITS, images(3))
    seen: list[str] = []
    session.events.connect("changed", seen.append)
    session.go_to(2)
    session.pick("1")  # the last item, with two before it unanswered: no moving on
    assert "done" not in seen and session.index == 2
    session.go_to(0)
    session.pick("2")
    session.pick("3")  # the middle one: the cursor moves to the last, already answered
    assert "done" not in seen and session.index == 2
    session.pick("4")  # the last again, now with every item answered
    assert seen[-2:] == ["answer", "done"] and session.complete
    manual = LabelingSession(TaskType.IMAGE_CLASSIFICATION, DIGITS, images(1), auto_advance=False)
    manual.events.connect("changed", seen.append)
    seen.clear()
    manual.pick("5")  # without auto-advance the labeler submits with Ctrl+Enter
    assert seen == ["answer"]
