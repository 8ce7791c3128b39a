"""How a recovery phrase is shown: numbered words that cannot be selected, and a Copy that says its
risk beside it (onboarding and Reveal use both)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QWidget

from app.ui.icons import glyph
from app.ui.widgets import styled_label

PHRASE_COPIED = "Copied. The clipboard is cleared in 30 seconds; paste it nowhere online."


def phrase_copy_row(color: str) -> tuple[QHBoxLayout, QPushButton, QLabel]:
    """Copy for a recovery phrase with the risk said beside it: (row, button, note). The caller
    copies through ``SecretClipboard`` (cleared after 30 s) and then shows ``PHRASE_COPIED``."""
    row = QHBoxLayout()
    row.setSpacing(10)
    button = QPushButton("Copy")
    button.setAutoDefault(False)
    button.setIcon(glyph("copy", color))
    row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
    note = styled_label(
        "Copying is risky: other apps can read the clipboard. Sahara clears it after 30 seconds.",
        "hint",
        wrap=True,
    )
    row.addWidget(note, 1)
    return row, button, note


class WordGrid(QWidget):
    """Numbered words in columns, read in order down each column; not selectable (copying a phrase
    goes only through the explicit Copy button, which warns and clears the clipboard)."""

    def __init__(self, words: list[str] | None = None, columns: int = 3) -> None:
        super().__init__()
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(10)
        self._grid.setVerticalSpacing(8)
        self._columns = columns
        self.labels: list[QLabel] = []
        self._words: list[str] = []
        self.set_words(words or [])

    def set_words(self, words: list[str]) -> None:
        for label in self.labels:
            self._grid.removeWidget(label)
            label.deleteLater()
        self.labels = []
        self._words = list(words)
        rows = -(-len(words) // self._columns) if words else 0
        for index, word in enumerate(words):
            cell = QLabel(f"<span style='opacity:0.6'>{index + 1}.</span>&nbsp;&nbsp;{word}")
            cell.setProperty("role", "word")
            cell.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
            cell.setAccessibleName(f"Word {index + 1}")
            self._grid.addWidget(cell, index % rows, index // rows)
            self.labels.append(cell)

    def words(self) -> list[str]:
        return list(self._words)
