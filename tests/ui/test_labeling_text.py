"""Text items: spans selected with the mouse or the keyboard, labeled with a class key, deleted
with a click and Delete, undone; text classification with one key per answer; offsets that stay
right around emoji and CRLF."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from labeler_fakes import ANIMALS, ENTITIES, text_items
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtTest import QTest

from app.labeling.schema import Item, Span, TaskType
from app.labeling.session import LabelingSession
from app.ui.labeling.labeler.labeling_view import LabelingView
from app.ui.labeling.labeler.text_view import OffsetMap
from app.ui.theme import LIGHT

CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def view(app, qtbot) -> Iterator[LabelingView]:
    widget = LabelingView(LIGHT)
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.shutdown()


def open_texts(view, task=TaskType.NER, labels=ENTITIES, items=None) -> LabelingSession:
    session = LabelingSession(task, labels, items or text_items())
    view.open(session, None, title="People and places")
    return session


def point_of(view, index: int) -> QPoint:
    """The viewport point just right of the left edge of character ``index``."""
    cursor = QTextCursor(view.text_view.document())
    cursor.setPosition(index)
    rect = view.text_view.cursorRect(cursor)
    return QPoint(rect.left() + 1, rect.center().y())


def test_select_with_the_mouse_then_a_class_key(view, qtbot) -> None:
    session = open_texts(view)
    viewport = view.text_view.viewport()
    # "Charles Babbage" is text[17:32]
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point_of(view, 17))
    QTest.mouseMove(viewport, point_of(view, 25))
    QTest.mouseMove(viewport, point_of(view, 32))
    QTest.mouseRelease(
        viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point_of(view, 32)
    )
    assert view.text_view.selection() == (17, 32)
    QTest.keyClick(view.text_view, Qt.Key.Key_1)
    assert session.answer.spans == [Span(start=17, end=32, label="PER")]
    assert view.text_view.selection()[0] == view.text_view.selection()[1], "the selection is used up"
    assert len(view.text_view.extraSelections()) == 1
    assert "“Charles Babbage” PER" in view.side.answer.text()


def test_select_with_shift_and_ctrl_shift_arrows(view, qtbot) -> None:
    session = open_texts(view)
    text = view.text_view
    text.setFocus()
    # caret at the start: Ctrl+Shift+Right twice selects "Ada Lovelace"
    QTest.keyClick(text, Qt.Key.Key_Right, CTRL | SHIFT)
    QTest.keyClick(text, Qt.Key.Key_Right, CTRL | SHIFT)
    start, end = text.selection()
    assert start == 0 and session.current.text[start:end].strip() == "Ada Lovelace"
    QTest.keyClick(text, Qt.Key.Key_1)
    assert session.answer.spans == [Span(start=0, end=12, label="PER")]
    # "London": Ctrl+Right to its start, then Shift+Right six times
    cursor = text.textCursor()
    cursor.setPosition(36)
    text.setTextCursor(cursor)
    for _ in range(6):
        QTest.keyClick(text, Qt.Key.Key_Right, SHIFT)
    assert text.selection() == (36, 42)
    QTest.keyClick(text, Qt.Key.Key_2)
    assert [s.label for s in session.answer.spans] == ["PER", "LOC"]
    assert session.index == 0, "plain arrows move between items, Shift+arrows did not"
    QTest.keyClick(text, Qt.Key.Key_Right)
    assert session.index == 1


def test_click_a_span_then_delete_and_undo_redo(view, qtbot) -> None:
    session = open_texts(view)
    session.label_span(0, 12, "PER")
    session.label_span(36, 42, "LOC")
    viewport = view.text_view.viewport()
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point_of(view, 39))
    assert session.span_at(view.text_view.caret()) == 1
    QTest.keyClick(view.text_view, Qt.Key.Key_Delete)
    assert [s.label for s in session.answer.spans] == ["PER"]
    QTest.keyClick(view.text_view, Qt.Key.Key_Z)
    assert [s.label for s in session.answer.spans] == ["PER", "LOC"]
    QTest.keyClick(view.text_view, Qt.Key.Key_Z, CTRL | SHIFT)
    assert [s.label for s in session.answer.spans] == ["PER"]
    # a class key with the caret in a span relabels it
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point_of(view, 4))
    QTest.keyClick(view.text_view, Qt.Key.Key_3)
    assert session.answer.spans == [Span(start=0, end=12, label="ORG")]
    QTest.keyClick(view.text_view, Qt.Key.Key_Z, CTRL)
    assert session.answer.spans == [Span(start=0, end=12, label="PER")]


def test_a_class_key_without_a_selection_explains(view) -> None:
    session = open_texts(view)
    cursor = view.text_view.textCursor()
    cursor.setPosition(14)
    view.text_view.setTextCursor(cursor)
    QTest.keyClick(view.text_view, Qt.Key.Key_1)
    assert session.answer.empty and "Select some text first" in view.status.text()


def test_text_classification_is_one_key_per_answer(view) -> None:
    session = open_texts(view, TaskType.TEXT_CLASSIFICATION, ANIMALS)
    QTest.keyClick(view.text_view, Qt.Key.Key_2)
    QTest.keyClick(view.text_view, Qt.Key.Key_3)
    assert [a.label for a in session.answers()] == ["dog", "bird", None]
    assert view.text_view.toPlainText() == session.current.text
    QTest.keyClick(view.text_view, Qt.Key.Key_Left)
    QTest.keyClick(view.text_view, Qt.Key.Key_Backspace)
    assert session.answer.empty


def test_offsets_survive_emoji_and_crlf(view) -> None:
    text = "Hi 😀 Bob\r\nfrom Paris"
    mapping = OffsetMap(text)
    assert [mapping.to_doc(i) for i in (0, 3, 4, 5, 8, 9, 10)] == [0, 3, 5, 6, 9, 9, 10]
    assert mapping.to_text(10) == 10 and mapping.to_text(5) == 4
    session = open_texts(view, items=[Item(id="e", text=text)])
    view.text_view.select(text.index("Bob"), text.index("Bob") + 3)
    QTest.keyClick(view.text_view, Qt.Key.Key_1)
    view.text_view.select(text.index("Paris"), len(text))
    QTest.keyClick(view.text_view, Qt.Key.Key_2)
    assert [text[s.start : s.end] for s in session.answer.spans] == ["Bob", "Paris"]
