"""The playground's Chat tab: a transcript of turns, a message box, Send, Cancel and Clear.

The conversation itself (and the rule for what reaches the graph) is ``app.studio.chat``; this
view renders its turns as bubbles, updating the last one in place as tokens stream in.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.studio.chat import Conversation, Turn
from app.ui.theme import DARK, Colors
from app.ui.widgets import scrolling, styled_label

CHAT_RULE = (
    "How a chat reaches the agent:\n"
    "• an Input named 'messages' (list) gets the whole conversation as [{role, content}, …];\n"
    "• otherwise the first text Input gets your message, and an Input named 'history' (if any)\n"
    "  gets the turns before it;\n"
    "• other Inputs take their values from the Form tab (or their defaults);\n"
    "• the reply is the first Output node, streamed as it arrives.\n"
    "Enter sends, Shift+Enter starts a new line."
)


class ChatInput(QPlainTextEdit):
    """The message box: Enter sends, Shift+Enter adds a line."""

    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class ChatBubble(QLabel):
    def __init__(self, turn: Turn, colors: Colors) -> None:
        super().__init__()
        self.turn = turn
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)  # an answer is shown as text, never as HTML
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self._state = ""
        self.refresh(colors)

    def refresh(self, colors: Colors) -> None:
        turn = self.turn
        text = turn.content
        if turn.state == "streaming":
            text = text + " ▍" if text else "…"
        elif turn.state in ("error", "cancelled"):
            note = "cancelled" if turn.state == "cancelled" else f"error: {turn.error}"
            text = f"{text}\n\n[{note}]" if text else f"[{note}]"
        self.setText(text)
        if self._state != turn.state or colors is not getattr(self, "_colors", None):
            self._state, self._colors = turn.state, colors
            background = colors.accent_soft if turn.role == "user" else colors.surface_alt
            border = colors.danger if turn.state == "error" else colors.border
            self.setStyleSheet(
                f"QLabel {{ background: {background}; color: {colors.text}; border: 1px solid {border};"
                " border-radius: 10px; padding: 7px 10px; }"
            )


class ChatPanel(QWidget):
    send_requested = Signal()  # a message is pending: run the graph
    cancel_requested = Signal()

    def __init__(self, colors: Colors = DARK, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colors = colors
        self.conversation = Conversation()
        self.bubbles: list[ChatBubble] = []
        self.setToolTip(CHAT_RULE)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        host = QWidget()
        self.rows = QVBoxLayout(host)
        self.rows.setContentsMargins(2, 2, 6, 2)
        self.rows.setSpacing(6)
        self.empty = styled_label("Say something to the agent: Enter sends.", "muted", wrap=True)
        self.rows.addWidget(self.empty)
        self.rows.addStretch(1)
        self.scroll = scrolling(host)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        bar = self.scroll.verticalScrollBar()
        bar.rangeChanged.connect(lambda _lo, hi: bar.setValue(hi))  # follow the newest text
        layout.addWidget(self.scroll, 1)
        self.box = ChatInput()
        self.box.setPlaceholderText("Message  (Enter sends, Shift+Enter new line)")
        self.box.setFixedHeight(64)
        self.box.setToolTip(CHAT_RULE)
        self.box.submitted.connect(self.send)
        layout.addWidget(self.box)
        buttons = QHBoxLayout()
        self.send_button = QPushButton("Send")
        self.send_button.setProperty("primary", True)
        self.send_button.clicked.connect(self.send)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Start a new conversation")
        self.clear_button.clicked.connect(self.clear)
        for button in (self.send_button, self.cancel_button, self.clear_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

    def apply_colors(self, colors: Colors) -> None:
        self.colors = colors
        for bubble in self.bubbles:
            bubble.refresh(colors)

    # what the user does
    def send(self) -> None:
        text = self.box.toPlainText().strip()
        if not text or not self.send_button.isEnabled():
            return
        try:
            self.conversation.send(text)
        except ValueError:
            return
        self.box.clear()
        self._sync()
        self.send_requested.emit()

    def clear(self) -> None:
        if self.conversation.replying is None:
            self.conversation.clear()
            self._sync()

    def withdraw(self) -> None:
        """The run for the pending message did not start: put the text back in the box."""
        text = self.conversation.withdraw()
        if text is not None:
            self.box.setPlainText(text)
            self._sync()

    def set_running(self, running: bool) -> None:
        self.send_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.clear_button.setEnabled(not running)

    # what the run does
    def begin_reply(self) -> None:
        self.conversation.begin_reply()
        self._sync()

    def add_token(self, text: str) -> None:
        if self.conversation.replying is not None:
            self.conversation.add_token(text)
            self.bubbles[-1].refresh(self.colors)

    def finish(self, value: object) -> None:
        self.conversation.finish(value)
        self._sync()

    def fail(self, error: str, cancelled: bool = False) -> None:
        self.conversation.fail(error, cancelled)
        self._sync()

    def _sync(self) -> None:
        """Make the bubbles match the turns: drop the ones past the end, add new ones, refresh the last."""
        turns = self.conversation.turns
        while len(self.bubbles) > len(turns) or (
            self.bubbles and self.bubbles[len(self.bubbles) - 1].turn is not turns[len(self.bubbles) - 1]
        ):
            bubble = self.bubbles.pop()
            row = bubble.parentWidget()
            self.rows.removeWidget(row)
            row.deleteLater()
        for turn in turns[len(self.bubbles) :]:
            self._add_bubble(turn)
        if self.bubbles:
            self.bubbles[-1].refresh(self.colors)
        self.empty.setVisible(not turns)

    def _add_bubble(self, turn: Turn) -> None:
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        bubble = ChatBubble(turn, self.colors)
        column = QVBoxLayout()
        column.setSpacing(2)
        who = styled_label("You" if turn.role == "user" else "Agent", "caption")
        column.addWidget(who)
        column.addWidget(bubble)
        if turn.role == "user":
            line.addStretch(1)
            who.setAlignment(Qt.AlignmentFlag.AlignRight)
            line.addLayout(column, 4)
        else:
            line.addLayout(column, 4)
            line.addStretch(1)
        self.rows.insertWidget(self.rows.count() - 1, row)
        self.bubbles.append(bubble)
