"""The bottom bar: which network, its latest block (live), and the account in use.

It shows exactly what is known: "Starting…" while the app opens its data (no network is known yet),
"Starting devnet…" while the devnet boots, "offline" when the RPC does not answer. The account area
says "No wallet yet", "Locked", or the active account's name and short address; clicking it emits
``account_clicked`` (the wallet controller opens the unlock dialog or the Wallet page). It never
invents a value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStatusBar, QWidget

from app.ui.icons import glyph
from app.ui.theme import Colors

if TYPE_CHECKING:
    from app.ui.network_monitor import NetState  # a type only; the monitor is built after first paint


class _IconLabel(QWidget):
    """A small icon followed by text, the unit the status bar is made of."""

    def __init__(self, text: str = "") -> None:
        super().__init__()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        self.icon = QLabel()
        self.icon.setFixedSize(QSize(14, 14))
        self.text = QLabel(text)
        row.addWidget(self.icon)
        row.addWidget(self.text)

    def set_icon(self, name: str, color: str, size: int = 12) -> None:
        self.icon.setPixmap(glyph(name, color).pixmap(QSize(size, size), self.devicePixelRatioF()))


class _ClickableIconLabel(_IconLabel):
    clicked = Signal()

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.clicked.emit()
        super().mouseReleaseEvent(event)


class ShellStatusBar(QStatusBar):
    """Network · block · transient message · account."""

    account_clicked = Signal()

    def __init__(self, colors: Colors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self._colors = colors
        self._state: NetState = "starting"
        self._network_name = ""

        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(10, 0, 10, 0)
        row.setSpacing(18)
        self.network = _IconLabel()
        self.block = _IconLabel("Block —")
        self.message = QLabel()
        self.account = _ClickableIconLabel("No wallet yet")
        self.account.setToolTip("Click to set up a wallet on the Wallet page.")
        self.account.clicked.connect(self.account_clicked)
        self._account_icon = "wallet"
        row.addWidget(self.network)
        row.addWidget(self.block)
        row.addStretch(1)
        row.addWidget(self.message)
        row.addWidget(self.account)
        # One permanent widget with stretch spans the whole bar; QStatusBar.showMessage would hide it.
        self.addPermanentWidget(bar, 1)

        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.timeout.connect(self.message.clear)
        self.set_network("", "starting")
        self.apply_colors(colors)

    def set_network(self, name: str, state: NetState, detail: str = "") -> None:
        """Show the network's name and state; ``detail`` (e.g. the error) goes in the tooltip."""
        self._network_name, self._state = name, state
        label = name or "network"
        if not name:  # the app is still opening its data: no network chosen yet
            starting = "Starting…"
        else:
            starting = "Starting devnet…" if name == "devnet" else f"Connecting to {label}…"
        text = {
            "starting": starting,
            "online": label,
            "offline": f"{label} · offline",
        }[state]
        self.network.text.setText(text)
        self.network.setToolTip(detail)
        if state == "offline":
            self.block.text.setText("Block: offline")
        elif state == "starting":
            self.block.text.setText("Block —")
        self._paint_network()

    def set_block(self, number: int) -> None:
        self.block.text.setText(f"Block {number:,}")

    def set_account(self, text: str, tooltip: str, icon: str = "wallet") -> None:
        """The account area: "No wallet yet", "Locked", or "<name> · 0x1234…abcd"."""
        self.account.text.setText(text)
        self.account.setToolTip(tooltip)
        self._account_icon = icon
        self._paint_account()

    def show_message(self, text: str, timeout_ms: int = 8000) -> None:
        """A transient note in the middle of the bar (devnet restarts, saves)."""
        self.message.setText(text)
        self.message.setToolTip(text)
        self._message_timer.start(timeout_ms)

    def apply_colors(self, colors: Colors) -> None:
        self._colors = colors
        self._paint_network()
        self.block.set_icon("cube", colors.muted)
        self._paint_account()

    def _paint_account(self) -> None:
        color = self._colors.accent if self._account_icon == "lock-simple-open" else self._colors.muted
        self.account.set_icon(self._account_icon, color)

    def _paint_network(self) -> None:
        c = self._colors
        color = {"starting": c.warning, "online": c.success, "offline": c.danger}[self._state]
        self.network.set_icon("circle-fill", color, size=9)
