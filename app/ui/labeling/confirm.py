"""The labeling screens' "are you sure?" boxes, before a step that cannot be undone (closing a
campaign, throwing away a new one) and before submitting a batch with unanswered items: each is a
``QMessageBox`` opened with ``open()``, never ``exec()`` (a nested event loop would stall asyncio),
that calls back on the answer, and the caller keeps the box so tests can press its buttons."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from app.words import plural


def ask_destructive(
    parent: QWidget,
    icon: QMessageBox.Icon,
    title: str,
    question: str,
    detail: str,
    *,
    yes: str,
    no: str,
    on_yes: Callable[[], object],
) -> QMessageBox:
    """Ask ``question``; ``no`` is the default and Esc's answer, ``yes`` calls ``on_yes``."""
    box = QMessageBox(icon, title, question, parent=parent)
    box.setInformativeText(detail)
    accept = box.addButton(yes, QMessageBox.ButtonRole.DestructiveRole)
    keep = box.addButton(no, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.buttonClicked.connect(lambda button: on_yes() if button is accept else None)
    box.open()
    return box


def ask_submit_skipped(
    parent: QWidget, missing: int, total: int, on_submit: Callable[[], object], on_done: Callable[[], object]
) -> QMessageBox:
    """Ask whether to submit a batch with ``missing`` of ``total`` items unanswered; no button is the
    default (Enter must not submit by accident). ``on_done`` runs after either answer."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Submit with skipped items?")
    box.setText(f"{missing} of {plural(total, 'item')} {'has' if missing == 1 else 'have'} no answer.")
    box.setInformativeText("They are submitted as skipped and earn nothing. Submit the batch anyway?")
    submit = box.addButton("Submit anyway", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Keep labeling", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(QMessageBox.StandardButton.NoButton)

    def done(_code: int) -> None:
        if box.clickedButton() is submit:
            on_submit()
        box.deleteLater()
        on_done()

    box.finished.connect(done)
    box.open()
    return box


def ask_in_words(
    parent: QWidget, title: str, headline: str, words: str, yes: str, on_yes: Callable[[], object],
    on_no: Callable[[], object] | None = None,
) -> QMessageBox:  # fmt: skip
    """A review in plain words before something is signed: ``on_yes`` runs only on ``yes``, and
    ``on_no`` on any other end (Cancel, Escape, closed); Cancel is the default, so a stray Enter
    signs nothing."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setText(headline)
    box.setInformativeText(words)
    accept = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(cancel)

    def done(_code: int) -> None:
        if box.clickedButton() is accept:
            on_yes()
        elif on_no is not None:
            on_no()
        box.deleteLater()

    box.finished.connect(done)
    box.open()
    return box
