"""A text item, read-only, with its spans highlighted in their class colours.

The labeler selects with the mouse or the keyboard (Shift+arrows, Ctrl+Shift+arrows by word — the
editor's own keyboard selection) and a class key turns the selection into a span; the labeling
view does that through the session. The span under the caret is underlined: Delete removes it.

Spans are Python string offsets (``Span``), Qt's document positions are UTF-16 units with "\\r\\n"
folded to one paragraph break, so ``OffsetMap`` translates between the two.
"""

from __future__ import annotations

from bisect import bisect_left

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QFrame, QPlainTextEdit, QTextEdit, QWidget

from app.labeling.schema import Span
from app.ui.theme import Colors


class OffsetMap:
    """Python string index <-> QTextDocument position for one text."""

    def __init__(self, text: str) -> None:
        positions = [0] * (len(text) + 1)
        pos = 0
        for i, char in enumerate(text):
            positions[i] = pos
            if char == "\r" and text[i + 1 : i + 2] == "\n":
                continue  # "\r\n" is one paragraph break in the document
            pos += 2 if ord(char) > 0xFFFF else 1
        positions[len(text)] = pos
        self._positions = positions

    def to_doc(self, index: int) -> int:
        return self._positions[max(0, min(index, len(self._positions) - 1))]

    def to_text(self, position: int) -> int:
        return min(bisect_left(self._positions, position), len(self._positions) - 1)


class TextItemView(QPlainTextEdit):
    """Shows one text item; ``selection()`` and ``caret()`` are in Python string offsets."""

    def __init__(self, colors: Colors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LabelText")
        self.setReadOnly(True)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)  # Copy is Ctrl+C; no Undo to confuse
        self._map = OffsetMap("")
        self._item_id: str | None = None
        self._colors = colors
        self.apply_colors(colors)

    def apply_colors(self, colors: Colors) -> None:
        self._colors = colors
        self.setStyleSheet(
            f"QPlainTextEdit#LabelText {{ background: {colors.surface}; color: {colors.text};"
            f" border: 1px solid {colors.border}; border-radius: 10px; padding: 18px 22px;"
            " font-family: sans-serif; font-size: 17px; }"
        )

    def show_item(self, item_id: str, text: str) -> None:
        """Load a new item's text (same item again: keep the caret and scroll)."""
        if item_id == self._item_id:
            return
        self._item_id = item_id
        self._map = OffsetMap(text)
        self.setPlainText(text)
        self.moveCursor(QTextCursor.MoveOperation.Start)

    def selection(self) -> tuple[int, int]:
        cursor = self.textCursor()
        return self._map.to_text(cursor.selectionStart()), self._map.to_text(cursor.selectionEnd())

    def caret(self) -> int:
        return self._map.to_text(self.textCursor().position())

    def select(self, start: int, end: int) -> None:
        """Select ``text[start:end]`` (tests and the mouse-free path)."""
        cursor = self.textCursor()
        cursor.setPosition(self._map.to_doc(start))
        cursor.setPosition(self._map.to_doc(end), QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)

    def collapse_selection(self) -> None:
        cursor = self.textCursor()
        cursor.clearSelection()
        self.setTextCursor(cursor)

    def show_spans(self, spans: list[Span], color_of: dict[str, str], current: int | None) -> None:
        """Highlight ``spans``; the one at index ``current`` (under the caret) is underlined."""
        selections = []
        for i, span in enumerate(spans):
            color = QColor(color_of.get(span.label, "#888888"))
            color.setAlpha(120 if self._colors.name == "dark" else 100)
            fmt = QTextCharFormat()
            fmt.setBackground(color)
            if i == current:
                fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
                fmt.setUnderlineColor(QColor(color_of.get(span.label, "#888888")))
                fmt.setFontUnderline(True)
            selection = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self.document())
            cursor.setPosition(self._map.to_doc(span.start))
            cursor.setPosition(self._map.to_doc(span.end), QTextCursor.MoveMode.KeepAnchor)
            selection.cursor = cursor
            selection.format = fmt
            selections.append(selection)
        self.setExtraSelections(selections)
