"""The real digits pre-labeler in the labeling view: it loads in a prefetch worker, its suggestion
for a real digit shows beside the classes, and A accepts it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from labeler_fakes import DIGITS
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.labeling.schema import Item, LabelSet, TaskType
from app.labeling.session import LabelingSession
from app.ui.labeling.labeler.labeling_view import LabelingView
from app.ui.labeling.labeler.prelabeler import prelabeler
from app.ui.theme import DARK

digits = pytest.importorskip("app.labeling.digits")


@pytest.fixture
def view(app, qtbot) -> Iterator[LabelingView]:
    widget = LabelingView(DARK)
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.shutdown()


def test_the_digits_model_suggests_and_a_accepts(view, qtbot) -> None:
    images, labels = digits.load_digits()
    items = [Item(id=f"d{i}", image_cid=f"cid{i}") for i in range(6)]
    data = {item.id: digits.digit_png(images[i]) for i, item in enumerate(items)}
    session = LabelingSession(TaskType.IMAGE_CLASSIFICATION, DIGITS, items)
    view.open(session, lambda item: data[item.id], title="Digits", proposer=lambda: prelabeler(DIGITS.names))
    qtbot.waitUntil(lambda: view.side.proposal.text() not in ("", "…"), timeout=20_000)
    label, _, percent = view.side.proposal.text().partition(" · ")
    assert label == str(labels[0]) and percent.endswith("%")
    assert view.side.accept.text() == "Accept (A)" and "A accept" in view.hint.text()
    QTest.keyClick(view.canvas, Qt.Key.Key_A)
    assert session.answer_of("d0").label == str(labels[0]) and session.index == 1


def test_a_campaign_the_model_does_not_know_gets_no_suggestions(view, qtbot) -> None:
    animals = LabelSet.from_names(["cat", "dog"])
    images, _ = digits.load_digits()
    session = LabelingSession(TaskType.IMAGE_CLASSIFICATION, animals, [Item(id="x", image_cid="c")])
    png = digits.digit_png(images[0])
    view.open(session, lambda _item: png, title="Pets", proposer=lambda: prelabeler(animals.names))
    qtbot.waitUntil(lambda: not view.side.no_suggestions.isHidden(), timeout=20_000)
    assert "does not know this campaign's classes" in view.side.no_suggestions.toolTip()
    assert "accept" not in view.hint.text() and not view.side.suggestion.isVisible()
