"""The template gallery: the starter agents the app ships, as cards a newcomer clicks to begin.

Shown when the studio opens for the first time (no draft yet) and by New. Choosing a card emits
``chosen`` with a copy of its graph; "Empty canvas" gives a blank agent.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QDialog, QFrame, QGridLayout, QVBoxLayout, QWidget

from app.studio.graph import Graph
from app.studio.templates import Template, blank_graph, load_templates
from app.ui.widgets import styled_label


class TemplateCard(QFrame):
    """One template: its name and what it does; a click, Return or Space on it chooses it."""

    clicked = Signal()

    def __init__(self, title: str, description: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TemplateCard")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(260, 120)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        for label in (styled_label(title, "section"), styled_label(description, "muted", wrap=True)):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            layout.addWidget(label)
        layout.addStretch(1)
        self.setAccessibleName(title)
        self.setAccessibleDescription(description)

    def click(self) -> None:
        self.clicked.emit()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.clicked.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.clicked.emit()
        else:
            super().keyPressEvent(event)


class TemplateGallery(QDialog):
    chosen = Signal(object)  # Graph

    def __init__(self, parent: QWidget | None = None, templates: list[Template] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Start an agent")
        self.templates = load_templates() if templates is None else templates
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 18)
        layout.addWidget(styled_label("Start from a working agent", "dialog-title"))
        layout.addWidget(
            styled_label("Pick one to open it on the canvas; you can change everything.", "muted", wrap=True)
        )
        grid = QGridLayout()
        grid.setSpacing(10)
        self.cards: list[TemplateCard] = []
        entries = [(t.title, t.description, t.graph) for t in self.templates]
        entries.append(("Empty canvas", "Start from nothing and add nodes yourself.", blank_graph()))
        for i, (title, description, graph) in enumerate(entries):
            card = TemplateCard(title, description)
            card.clicked.connect(lambda g=graph: self._choose(g))
            grid.addWidget(card, i // 2, i % 2)
            self.cards.append(card)
        layout.addLayout(grid)
        if self.cards:
            self.cards[0].setFocus()
        self.resize(640, 460)

    def card(self, title: str) -> TemplateCard:
        return next(c for c in self.cards if c.accessibleName() == title)

    def _choose(self, graph: Graph) -> None:
        self.chosen.emit(graph.model_copy(deep=True))
        self.accept()
