"""The labeling view with the keyboard and mouse: class keys, moving, undo/redo, boxes, the sheet,
bad images, suggestions, and drafts that survive recreating the view."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from labeler_fakes import ANIMALS, DIGITS, Images, draft_store, image_items
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from app.labeling.schema import Box, TaskType
from app.labeling.session import LabelingSession
from app.ui.labeling.labeler.labeling_view import LabelingView
from app.ui.theme import DARK


@pytest.fixture
def view(app, qtbot) -> Iterator[LabelingView]:
    widget = LabelingView(DARK)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.shutdown()


def open_batch(view, qtbot, task=TaskType.IMAGE_CLASSIFICATION, labels=DIGITS, n=4, drafts=None, **kw):
    images = kw.pop("images", None) or Images()
    session = LabelingSession(task, labels, image_items(n), drafts)
    view.open(session, images, title="Digits", **kw)
    qtbot.waitUntil(
        lambda: view.canvas.has_image or view.canvas.message.text().startswith("This"), timeout=10000
    )
    return session


def key(view, k, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(view.content.currentWidget(), k, modifier)


def test_class_keys_label_and_advance(view, qtbot) -> None:
    session = open_batch(view, qtbot)
    assert view.side.buttons["3"].toolTip() == "3 (key 3)"
    key(view, Qt.Key.Key_3)
    assert session.answer_of("img0").label == "3" and session.index == 1
    qtbot.waitUntil(lambda: view.canvas.has_image)
    key(view, Qt.Key.Key_7)
    assert session.answer_of("img1").label == "7"
    assert view.progress_text.text() == "2 / 4 answered"
    key(view, Qt.Key.Key_Left)
    assert session.index == 1 and view.side.buttons["7"].isChecked()
    key(view, Qt.Key.Key_Right)
    key(view, Qt.Key.Key_Space)
    assert session.index == 3
    key(view, Qt.Key.Key_Left)
    key(view, Qt.Key.Key_Return)
    assert session.index == 3
    key(view, Qt.Key.Key_Tab)  # next unanswered wraps to img2
    assert session.index == 2
    view.side.buttons["5"].click()  # a click does what the key does
    assert session.answer_of("img2").label == "5"


def test_undo_redo_with_z_ctrl_z_and_ctrl_shift_z(view, qtbot) -> None:
    session = open_batch(view, qtbot)
    key(view, Qt.Key.Key_1)
    key(view, Qt.Key.Key_2)
    key(view, Qt.Key.Key_Z)
    assert session.index == 1 and session.answer.empty
    key(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert session.index == 0 and session.answer.empty
    key(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert session.answer_of("img0").label == "1"
    key(view, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert session.answer_of("img1").label == "2"


def _viewport_point(view, x: float, y: float) -> QPoint:
    return view.canvas.mapFromScene(QPointF(x, y))


def _drag(view, start: QPoint, end: QPoint) -> None:
    viewport = view.canvas.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for step in range(1, 5):
        QTest.mouseMove(viewport, start + (end - start) * step / 4)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def test_draw_resize_move_relabel_delete_boxes_with_undo(view, qtbot) -> None:
    session = open_batch(view, qtbot, TaskType.BOUNDING_BOXES, ANIMALS, n=2)
    key(view, Qt.Key.Key_2)  # dog: the class of new boxes
    key(view, Qt.Key.Key_B)
    assert view.canvas.tool.drawing and "Box tool on" in view.side.box_tool.text()
    _drag(view, _viewport_point(view, 10, 10), _viewport_point(view, 40, 30))
    assert len(session.answer.boxes) == 1
    box = session.answer.boxes[0]
    assert box.label == "dog" and abs(box.x - 10) < 1 and abs(box.w - 30) < 1 and abs(box.h - 20) < 1
    assert session.selected_box == 0 and len(view.canvas.boxes.items[0].handles) == 8
    # resize by the bottom-right handle
    _drag(view, _viewport_point(view, 40, 30), _viewport_point(view, 50, 44))
    box = session.answer.boxes[0]
    assert abs(box.x - 10) < 1 and abs(box.w - 40) < 1 and abs(box.h - 34) < 1
    # the top handle moves only the top edge
    _drag(view, _viewport_point(view, 30, 10), _viewport_point(view, 30, 4))
    assert abs(session.answer.boxes[0].y - 4) < 1 and abs(session.answer.boxes[0].h - 40) < 1
    key(view, Qt.Key.Key_Z)
    assert abs(session.answer.boxes[0].y - 10) < 1
    # box tool off: dragging a box moves it, clamped to the image (64 x 48)
    key(view, Qt.Key.Key_B)
    assert not view.canvas.tool.drawing
    _drag(view, _viewport_point(view, 20, 20), _viewport_point(view, 30, 25))
    box = session.answer.boxes[0]
    assert abs(box.x - 20) < 1 and abs(box.y - 14) < 1 and abs(box.w - 40) < 1
    key(view, Qt.Key.Key_1)  # a class key relabels the selected box
    assert session.answer.boxes[0].label == "cat"
    assert view.canvas.boxes.items[0].tag._text == "cat"
    key(view, Qt.Key.Key_Delete)
    assert session.answer.boxes == []
    key(view, Qt.Key.Key_Z)
    assert [b.label for b in session.answer.boxes] == ["cat"]
    key(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ShiftModifier)
    assert session.answer.boxes == []
    # clicking empty space deselects; Esc too
    key(view, Qt.Key.Key_Z)
    session.select_box(0)
    key(view, Qt.Key.Key_Escape)
    assert session.selected_box is None


def test_space_tap_is_next_and_space_drag_pans(view, qtbot) -> None:
    session = open_batch(view, qtbot, images=Images(size=(3000, 2000)))
    canvas = view.canvas
    key(view, Qt.Key.Key_Plus)
    key(view, Qt.Key.Key_Plus)
    assert canvas.zoom() > canvas.fit_zoom() * 1.5
    before = canvas.horizontalScrollBar().value()
    QTest.keyPress(canvas, Qt.Key.Key_Space)
    center = canvas.viewport().rect().center()
    _drag(view, center, center + QPoint(-120, 0))
    QTest.keyRelease(canvas, Qt.Key.Key_Space)
    assert canvas.horizontalScrollBar().value() > before, "Space-drag panned"
    assert session.index == 0, "and did not move on"
    key(view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)  # "0" is a class key here: fit moves
    assert abs(canvas.zoom() - canvas.fit_zoom()) < 1e-6
    assert "Ctrl+0" in view.sheet.text()
    key(view, Qt.Key.Key_Space)
    assert session.index == 1


def test_the_shortcut_sheet_opens_with_question_mark_and_f1(view, qtbot) -> None:
    open_batch(view, qtbot, TaskType.BOUNDING_BOXES, ANIMALS)
    assert "B box tool" in view.hint.text() and "? all keys" in view.hint.text()
    QTest.keyClicks(view.canvas, "?")
    assert view.sheet.isVisible() and view.sheet.hasFocus()
    text = view.sheet.text()
    assert "Box tool on/off" in text and "Ctrl+Shift+Z" in text and "1–3" in text
    QTest.keyClick(view.sheet, Qt.Key.Key_Escape)
    assert not view.sheet.isVisible()
    assert view.canvas.hasFocus(), "the keyboard is back on the canvas"
    QTest.keyClick(view.canvas, Qt.Key.Key_F1)
    assert view.sheet.isVisible()
    QTest.keyClick(view.sheet, Qt.Key.Key_F1)
    assert not view.sheet.isVisible()


def test_a_corrupt_image_says_so_and_labeling_goes_on(view, qtbot) -> None:
    session = open_batch(view, qtbot, images=Images(broken={"img0"}))
    assert "This image could not be decoded" in view.canvas.message.text()
    key(view, Qt.Key.Key_4)
    assert session.answer.empty and "skip this item" in view.status.text()
    key(view, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: view.canvas.has_image)
    key(view, Qt.Key.Key_4)
    assert session.answer_of("img1").label == "4"


def test_a_failed_fetch_is_shown_in_words(view, qtbot) -> None:
    def fetch(item):
        raise OSError("the storage node is unreachable")

    open_batch(view, qtbot, images=fetch)
    assert "could not be loaded: the storage node is unreachable" in view.canvas.message.text()


def test_suggestion_is_shown_and_a_accepts_it(view, qtbot) -> None:
    seen_threads = []

    def proposer():
        import threading

        seen_threads.append(threading.current_thread().name)
        return lambda data: ("7", 0.98)

    session = open_batch(view, qtbot, proposer=proposer)
    assert seen_threads and seen_threads[0].startswith("label-prefetch"), "built off the GUI thread"
    assert view.side.suggestion.isVisible() and view.side.proposal.text() == "7 · 98%"
    assert "A accept" in view.hint.text()
    key(view, Qt.Key.Key_A)
    assert session.answer_of("img0").label == "7" and session.index == 1


def test_suggestions_hide_with_a_reason_when_the_model_is_missing(view, qtbot) -> None:
    def proposer():
        raise FileNotFoundError("resources/models/digits.onnx is missing")

    open_batch(view, qtbot, proposer=proposer)
    qtbot.waitUntil(lambda: not view.side.no_suggestions.isHidden())
    assert not view.side.suggestion.isVisible()
    assert "digits.onnx is missing" in view.side.no_suggestions.toolTip()


def test_drafts_are_restored_after_recreating_the_view(app, qtbot, tmp_path: Path) -> None:
    store = draft_store(tmp_path)
    first = LabelingView(DARK)
    qtbot.addWidget(first)
    first.show()
    session = open_batch(first, qtbot, TaskType.BOUNDING_BOXES, ANIMALS, drafts=store)
    session.add_box(5, 5, 20, 20, "bird")
    first.shutdown()
    first.close()
    second = LabelingView(DARK)
    qtbot.addWidget(second)
    second.show()
    again = open_batch(second, qtbot, TaskType.BOUNDING_BOXES, ANIMALS, drafts=store)
    try:
        assert again.answer_of("img0").boxes == [Box(x=5, y=5, w=20, h=20, label="bird")]
        assert "Restored 1 saved answer." in second.status.text()
        qtbot.waitUntil(lambda: len(second.canvas.boxes.items) == 1 or again.index != 0)
    finally:
        second.shutdown()


def test_submit_asks_before_skipping_and_the_last_answer_or_ctrl_enter_submits(view, qtbot) -> None:
    session = open_batch(view, qtbot, n=2)
    asked = []
    view.submit_requested.connect(lambda: asked.append(True))
    key(view, Qt.Key.Key_1)
    key(view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: getattr(view, "confirm_box", None) is not None and view.confirm_box.isVisible())
    assert "1 of 2 items has no answer" in view.confirm_box.text()
    view.confirm_box.buttons()[1].click()  # keep labeling
    assert not asked
    key(view, Qt.Key.Key_2)  # the last item answered, none left open: the batch is finished
    assert session.complete and asked == [True]
    key(view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert asked == [True, True]
