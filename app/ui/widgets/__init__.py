"""Small building blocks every page shares: a page scaffold, cards, fact tiles and banners.

They carry no state of their own beyond what they display, and they take their look from the
stylesheet (object names and the ``role`` property), so a theme switch restyles them for free.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.ui.icons import glyph


def styled_label(text: str = "", role: str | None = None, *, wrap: bool = False) -> QLabel:
    """A QLabel with a stylesheet role (title, subtitle, muted, value, ...)."""
    label = QLabel(text)
    if role:
        label.setProperty("role", role)
    label.setWordWrap(wrap)
    return label


def scrolling(inner: QWidget) -> QScrollArea:
    """``inner`` in a frameless scroll area that sizes it to its width (it scrolls when taller)."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(inner)
    return area


def selectable_label(text: str, role: str = "mono") -> QLabel:
    """A wrapped label whose text can be selected and copied (an address, a CID, a hash)."""
    label = styled_label(text, role, wrap=True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def clear_layout(layout: QLayout) -> None:
    """Empty ``layout`` for a redraw: its widgets are deleted, its nested layouts emptied too."""
    while layout.count():
        item = layout.takeAt(0)
        if item.widget() is not None:
            item.widget().deleteLater()
        elif item.layout() is not None:
            clear_layout(item.layout())


def set_role(widget: QWidget, role: str) -> None:
    """Change a widget's stylesheet role at run time (Qt only re-reads it after a re-polish)."""
    widget.setProperty("role", role)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class Card(QFrame):
    """A rounded surface that groups related content."""

    def __init__(self, parent: QWidget | None = None, *, padding: int = 18, spacing: int = 10) -> None:
        super().__init__(parent)
        self.setObjectName("Card")
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(padding, padding, padding, padding)
        self.body.setSpacing(spacing)


class FactTile(Card):
    """A caption over one value, e.g. "CHAIN ID" / "31337"; the value can be updated live."""

    def __init__(self, caption: str, value: str = "—", *, mono: bool = False) -> None:
        super().__init__(padding=16, spacing=6)
        self.caption = styled_label(caption.upper(), "caption")
        self.value = styled_label(value, "mono" if mono else "value")
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.value.setWordWrap(mono)
        self.body.addWidget(self.caption)
        self.body.addWidget(self.value)
        self.body.addStretch(1)
        self.setMinimumHeight(84)

    def set_value(self, text: str, tooltip: str | None = None) -> None:
        self.value.setText(text)
        self.value.setToolTip(tooltip or "")


class Banner(QFrame):
    """A dismissable notice across the top of the content, for things the user must see once."""

    dismissed = Signal()

    def __init__(
        self,
        text: str,
        level: str = "warning",
        icon_color: str | None = None,
        parent: QWidget | None = None,
        *,
        action: tuple[str, Callable[[], object]] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("Banner")
        self.setProperty("level", level)
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 10, 8, 10)
        row.setSpacing(10)
        if icon_color is not None:
            icon = QLabel()
            name = {"error": "warning-circle", "info": "info"}.get(level, "warning")
            icon.setPixmap(glyph(name, icon_color).pixmap(QSize(16, 16), self.devicePixelRatioF()))
            row.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        self.label = styled_label(text, wrap=True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.label, 1)
        self.action_button: QPushButton | None = None
        if action is not None:
            self.action_button = action_button(action[0], action[1], primary=True)
            row.addWidget(self.action_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.close_button = QPushButton("Dismiss")
        self.close_button.setProperty("flat", True)
        self.close_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.close_button.clicked.connect(self._dismiss)
        row.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)

    @property
    def text(self) -> str:
        return self.label.text()

    def dismiss(self) -> None:
        """Take the banner away (the notice no longer applies)."""
        if not self.isHidden():
            self._dismiss()

    def _dismiss(self) -> None:
        self.hide()
        self.dismissed.emit()
        self.deleteLater()


class Page(QWidget):
    """A scrollable page: a title, a one-line subtitle, then ``self.body`` for the content."""

    def __init__(self, title: str, subtitle: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        inner = QWidget()
        inner.setObjectName("PageBody")
        outer.addWidget(scrolling(inner))
        column = QVBoxLayout(inner)
        column.setContentsMargins(40, 32, 40, 32)
        column.setSpacing(6)
        self.header = QHBoxLayout()
        self.header.setSpacing(12)
        self.title_label = styled_label(title, "title")
        self.header.addWidget(self.title_label)
        self.header.addStretch(1)
        column.addLayout(self.header)
        self.subtitle_label = styled_label(subtitle, "subtitle", wrap=True)
        column.addWidget(self.subtitle_label)
        column.addSpacing(20)
        self.body = QVBoxLayout()
        self.body.setSpacing(16)
        column.addLayout(self.body)
        column.addStretch(1)


class ActionButton(QPushButton):
    """A push button that Return (or Enter) presses when it has the focus, as Space does: Qt does
    this only for a dialog's default button, so a keyboard user who tabs to "Start labeling" on a
    page and presses Return would otherwise get nothing. (Per class, not an application-wide event
    filter: a Python filter sees every event of every object, some mid-destruction.)"""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and plain and not event.isAutoRepeat():
            self.animateClick()
            event.accept()
            return
        super().keyPressEvent(event)


def action_button(text: str, slot: Callable[[], object], *, primary: bool = False) -> QPushButton:
    """A push button wired to ``slot`` that Return presses when focused; primary buttons use the
    accent colour."""
    button = ActionButton(text)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    if primary:
        button.setProperty("primary", True)
    button.clicked.connect(slot)
    return button


def separator() -> QFrame:
    line = QFrame()
    line.setObjectName("Separator")
    return line
