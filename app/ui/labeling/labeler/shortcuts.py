"""Every key of the labeling view, once: the overlay sheet (? or F1) and the hint line read it.

The keys depend on the task (boxes have a box tool, spans a text selection) and on the campaign's
classes (when "0" or "a" is a class key, fit and accept move to Ctrl+0 and Ctrl+A).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.labeling.schema import LabelSet, TaskType
from app.labeling.session import hotkey_text
from app.ui.theme import Colors
from app.ui.widgets import Card, styled_label


@dataclass(frozen=True)
class Keys:
    """The keys that depend on the campaign."""

    task: TaskType
    classes: str  # "1–9, 0"
    fit: str  # "0" or "Ctrl+0"
    accept: str | None  # the pre-label accept key, None without a pre-labeler

    @classmethod
    def for_campaign(cls, task: TaskType, label_set: LabelSet, *, prelabel: bool) -> Keys:
        used = {c.hotkey for c in label_set.classes}
        accept = ("Ctrl+A" if "a" in used else "A") if prelabel else None
        return cls(task, hotkey_text(label_set.classes), "Ctrl+0" if "0" in used else "0", accept)


def sections(keys: Keys) -> list[tuple[str, list[tuple[str, str]]]]:
    """(title, [(keys, what they do)]) for the sheet."""
    pick = {
        TaskType.IMAGE_CLASSIFICATION: "Label the image and go to the next",
        TaskType.TEXT_CLASSIFICATION: "Label the text and go to the next",
        TaskType.BOUNDING_BOXES: "Class of new boxes; relabel the selected box",
        TaskType.NER: "Mark the selection; relabel the span at the caret",
    }[keys.task]
    label = [(keys.classes, pick)]
    if keys.accept:
        label.append((keys.accept, "Accept the suggestion"))
    label.append(("Delete", _delete_text(keys.task)))
    out = [
        ("Label", label),
        (
            "Move",
            [
                ("→  Space  Enter", "Next item"),
                ("←", "Previous item"),
                ("Tab", "Next unanswered item"),
                ("Shift+Enter", "Skip: leave the item unanswered and go on"),
                ("Ctrl+Enter", "Submit the batch"),
            ],
        ),
        ("Edit", [("Z  Ctrl+Z", "Undo"), ("Ctrl+Shift+Z  Ctrl+Y", "Redo"), ("Esc", "Deselect")]),
    ]
    if keys.task is TaskType.BOUNDING_BOXES:
        out.append(
            (
                "Boxes",
                [
                    ("B", "Box tool on/off: drag to draw"),
                    ("Click a box", "Select it; drag to move"),
                    ("Drag a handle", "Resize the selected box"),
                ],
            )
        )
    if keys.task.modality == "image":
        out.append(
            (
                "View",
                [
                    ("Wheel  +  −", "Zoom"),
                    (keys.fit, "Fit the image"),
                    ("Space+drag, middle-drag", "Pan"),
                ],
            )
        )
    if keys.task is TaskType.NER:
        out.append(
            (
                "Select text",
                [
                    ("Mouse drag", "Select"),
                    ("Shift+← →", "Extend by a character"),
                    ("Ctrl+Shift+← →", "Extend by a word"),
                    ("Ctrl+← →", "Move the caret by a word"),
                ],
            )
        )
    out.append(("Help", [("?  F1", "Show or hide these keys")]))
    return out


def _delete_text(task: TaskType) -> str:
    return {
        TaskType.BOUNDING_BOXES: "Delete the selected box",
        TaskType.NER: "Delete the span at the caret",
    }.get(task, "Clear the answer")


def hint_line(keys: Keys) -> str:
    """The always-visible line under the labeling view: the keys a labeler needs most."""
    parts = [f"{keys.classes} label" if keys.classes else "click a class to label"]
    if keys.accept:
        parts.append(f"{keys.accept} accept")
    if keys.task is TaskType.BOUNDING_BOXES:
        parts.append("B box tool")
    if keys.task is TaskType.NER:
        parts.append("Shift+arrows select")
    parts += ["←/→ move", "Shift+Enter skip", "Z undo", "Ctrl+Enter submit", "? all keys"]
    return "   ·   ".join(parts)


class ShortcutSheet(QWidget):
    """A dimmed overlay over the labeling view with every key in a card; any key or click closes it."""

    closed = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        outer = QVBoxLayout(self)
        outer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.card = Card(padding=24, spacing=14)
        self.card.setMaximumWidth(760)
        outer.addWidget(self.card, 0, Qt.AlignmentFlag.AlignCenter)
        top = QHBoxLayout()
        top.addWidget(styled_label("Keyboard shortcuts", "dialog-title"))
        top.addStretch(1)
        top.addWidget(styled_label("Esc to close", "hint"))
        self.card.body.addLayout(top)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(36)
        self.grid.setVerticalSpacing(16)
        self.card.body.addLayout(self.grid)
        self._dim = "#000000"
        self.hide()

    def apply_colors(self, colors: Colors) -> None:
        self._dim = "#a0000000" if colors.name == "dark" else "#70000000"
        self.update()

    def set_keys(self, keys: Keys) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()
                item.widget().deleteLater()
        for n, (title, rows) in enumerate(sections(keys)):
            block = QWidget()
            column = QGridLayout(block)
            column.setContentsMargins(0, 0, 0, 0)
            column.setHorizontalSpacing(14)
            column.setVerticalSpacing(6)
            column.addWidget(styled_label(title.upper(), "caption"), 0, 0, 1, 2)
            for r, (key, what) in enumerate(rows, start=1):
                column.addWidget(styled_label(key, "word"), r, 0, Qt.AlignmentFlag.AlignLeft)
                column.addWidget(styled_label(what, "bullet"), r, 1)
            column.setColumnStretch(1, 1)
            self.grid.addWidget(block, n // 2, n % 2, Qt.AlignmentFlag.AlignTop)

    def text(self) -> str:
        """Everything the sheet lists, as plain text (tests, screen readers)."""
        labels = self.card.findChildren(QLabel)
        return "\n".join(label.text() for label in labels)

    def open(self) -> None:
        self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()
        self.setFocus()

    def close_sheet(self) -> None:
        if self.isVisible():
            self.hide()
            self.closed.emit()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(self._dim))
        painter.end()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() not in (Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta):
            self.close_sheet()

    def mousePressEvent(self, _event: QMouseEvent) -> None:
        self.close_sheet()
