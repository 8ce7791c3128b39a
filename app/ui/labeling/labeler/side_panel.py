"""The labeling view's right column: the classes with their keys, the pre-label suggestion, and
the current item's answer in words. Clicking a class does what its key does."""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.labeling.schema import Annotation, Item, LabelSet, TaskType
from app.ui.theme import Colors
from app.ui.widgets import separator, styled_label

SHOWN_SPANS = 8


class ClassButton(QPushButton):
    """One class: its key, colour and name; checked when it is the answer (or the box class)."""

    def __init__(self, name: str, color: str, hotkey: str) -> None:
        super().__init__()
        self.name = name
        self.setCheckable(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the canvas keeps the keyboard
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(f"{name} (key {hotkey.upper()})" if hotkey else name)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 10, 4)
        row.setSpacing(10)
        key = styled_label(hotkey.upper() or " ", "keycap")
        key.setFixedWidth(24)
        key.setAlignment(Qt.AlignmentFlag.AlignCenter)
        swatch = QLabel()
        pixmap = QPixmap(QSize(12, 12))
        pixmap.fill(QColor(color))
        swatch.setPixmap(pixmap)
        text = styled_label(name, "bullet")
        for widget in (key, swatch, text):
            widget.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        row.addWidget(key)
        row.addWidget(swatch)
        row.addWidget(text, 1)
        self.setMinimumHeight(34)


class SidePanel(QWidget):
    class_clicked = Signal(str)
    accept_clicked = Signal()

    def __init__(self, colors: Colors) -> None:
        super().__init__()
        self.setFixedWidth(260)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        column.addWidget(styled_label("CLASSES", "caption"))
        self.classes_box = QVBoxLayout()
        self.classes_box.setSpacing(3)
        column.addLayout(self.classes_box)
        self.buttons: dict[str, ClassButton] = {}
        self.box_tool = styled_label("", "hint", wrap=True)
        column.addWidget(self.box_tool)

        self.suggestion = QWidget()
        suggestion = QVBoxLayout(self.suggestion)
        suggestion.setContentsMargins(0, 10, 0, 0)
        suggestion.setSpacing(6)
        suggestion.addWidget(styled_label("SUGGESTION", "caption"))
        row = QHBoxLayout()
        self.proposal = styled_label("", "value")
        row.addWidget(self.proposal, 1)
        self.accept = QPushButton("Accept")
        self.accept.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.accept.clicked.connect(self.accept_clicked)
        row.addWidget(self.accept)
        suggestion.addLayout(row)
        column.addWidget(self.suggestion)
        self.suggestion.hide()
        self.no_suggestions = styled_label("Suggestions off", "hint")
        self.no_suggestions.hide()
        column.addWidget(self.no_suggestions)

        column.addSpacing(8)
        column.addWidget(separator())
        column.addSpacing(4)
        column.addWidget(styled_label("ANSWER", "caption"))
        self.answer = styled_label("", "bullet", wrap=True)
        self.answer.setTextFormat(Qt.TextFormat.PlainText)
        column.addWidget(self.answer)
        column.addStretch(1)
        self.item = styled_label("", "hint", wrap=True)
        self.item.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.item)
        self.apply_colors(colors)

    def apply_colors(self, colors: Colors) -> None:
        self.setStyleSheet(
            f"QLabel[role='keycap'] {{ color: {colors.muted}; background: {colors.surface_alt};"
            f" border: 1px solid {colors.border}; border-radius: 4px; font-family: monospace;"
            " font-size: 12px; padding: 1px 0; }"
            f" QPushButton:checked {{ background: {colors.accent_soft}; border-color: {colors.accent}; }}"
        )

    def set_classes(self, label_set: LabelSet) -> None:
        for button in self.buttons.values():
            self.classes_box.removeWidget(button)
            button.hide()  # at once: deleteLater waits for the event loop
            button.deleteLater()
        self.buttons = {}
        for cls in label_set.classes:
            button = ClassButton(cls.name, cls.color, cls.hotkey)
            button.clicked.connect(lambda _checked=False, name=cls.name: self.class_clicked.emit(name))
            self.classes_box.addWidget(button)
            self.buttons[cls.name] = button

    def show_state(
        self, task: TaskType, answer: Annotation, active_class: str, selected_box: int | None, item: Item
    ) -> None:
        """Check the class that is the answer (classification) or that new boxes get (boxes)."""
        if task in (TaskType.IMAGE_CLASSIFICATION, TaskType.TEXT_CLASSIFICATION):
            checked = answer.label
        elif task is TaskType.BOUNDING_BOXES:
            checked = answer.boxes[selected_box].label if selected_box is not None else active_class
        else:
            checked = None
        for name, button in self.buttons.items():
            button.setChecked(name == checked)
        self.answer.setText(describe(task, answer, item, selected_box))

    def show_box_tool(self, on: bool | None) -> None:
        """None: not a boxes task."""
        self.box_tool.setVisible(on is not None)
        if on is not None:
            self.box_tool.setText(
                "Box tool on: drag on the image to draw (B turns it off)"
                if on
                else "Box tool off: drag to pan, click a box to select it (B to draw)"
            )

    def show_suggestion(self, text: str | None, accept_key: str | None) -> None:
        """``text`` like "7 · 98%"; "" while it is being worked out; None hides it."""
        self.suggestion.setVisible(text is not None)
        self.proposal.setText(text or "…")
        self.accept.setEnabled(bool(text))
        self.accept.setText(f"Accept ({accept_key})" if accept_key else "Accept")

    def suggestions_unavailable(self, why: str | None) -> None:
        self.no_suggestions.setVisible(why is not None)
        self.no_suggestions.setToolTip(why or "")


def describe(task: TaskType, answer: Annotation, item: Item, selected_box: int | None) -> str:
    """The answer in words, for the side panel (and screen readers)."""
    if task in (TaskType.IMAGE_CLASSIFICATION, TaskType.TEXT_CLASSIFICATION):
        return answer.label or "No answer yet"
    if task is TaskType.BOUNDING_BOXES:
        if not answer.boxes:
            return "No boxes yet"
        counts = Counter(b.label for b in answer.boxes)
        text = f"{len(answer.boxes)} box{'es' if len(answer.boxes) > 1 else ''}: " + ", ".join(
            f"{name} ×{n}" if n > 1 else name for name, n in counts.items()
        )
        if selected_box is not None and selected_box < len(answer.boxes):
            b = answer.boxes[selected_box]
            text += f"\nSelected: {b.label}, {b.w:.0f} × {b.h:.0f} px at ({b.x:.0f}, {b.y:.0f})"
        return text
    if not answer.spans:
        return "No spans yet"
    source = item.text or ""
    lines = [f"“{source[s.start : s.end][:40]}” {s.label}" for s in answer.spans[:SHOWN_SPANS]]
    if len(answer.spans) > SHOWN_SPANS:
        lines.append(f"and {len(answer.spans) - SHOWN_SPANS} more")
    return "\n".join(lines)
