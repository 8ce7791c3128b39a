"""``ReceiveDialog``: the active account's address, a Copy button, and a QR code of it.

The QR code is drawn from segno's module matrix (a pure-Python package, imported only here); if it
is not installed the dialog says so instead of drawing something that does not scan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QWidget

from app.ui.widgets import styled_label
from app.ui.widgets.dialogs import button_row, dialog_column
from app.ui.widgets.fields import copy_button

if TYPE_CHECKING:
    from app.runtime import NetworkStatus
    from app.ui.theme import Colors
    from app.wallet.keystore import AccountEntry

QR_BORDER = 4  # quiet zone, in modules, as the standard asks


def qr_pixmap(text: str, size: int) -> QPixmap | None:
    """A black-on-white QR code of ``text``, about ``size`` px wide; None without segno."""
    try:
        import segno
    except ImportError:
        return None
    code = segno.make(text, error="m", micro=False)
    rows = [list(row) for row in code.matrix_iter(scale=1, border=QR_BORDER)]
    modules = len(rows)
    scale = max(1, size // modules)
    image = QImage(modules * scale, modules * scale, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                painter.fillRect(QRect(x * scale, y * scale, scale, scale), QColor("black"))
    painter.end()
    return QPixmap.fromImage(image)


class ReceiveDialog(QDialog):
    def __init__(
        self,
        account: AccountEntry,
        network: NetworkStatus | None,
        colors: Colors,
        parent: QWidget | None = None,
    ) -> None:
        from app.wallet.tx_summary import network_label

        super().__init__(parent)
        where = network_label(network.chain_id, network.name) if network is not None else "this network"
        column = dialog_column(
            self,
            "Receive",
            440,
            spacing=12,
            intro=(f"Receive to {account.name}", f"Send only ETH and tokens on {where} to this address."),
        )
        self.qr = QLabel()
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        pixmap = qr_pixmap(account.address, 220)
        if pixmap is None:
            self.qr.setText("QR code unavailable: the segno package is not installed.")
            self.qr.setProperty("role", "hint")
        else:
            self.qr.setPixmap(pixmap)
            self.qr.setFixedSize(QSize(pixmap.width() + 16, pixmap.height() + 16))
            self.qr.setStyleSheet("background: white; border-radius: 10px;")
            self.qr.setAccessibleName("QR code of the address")
        column.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        self.address = styled_label(account.address, "mono")
        self.address.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.address.setAlignment(Qt.AlignmentFlag.AlignCenter)
        column.addWidget(self.address)
        self.copy = copy_button(lambda: account.address, colors.muted)
        self.copy.setText(" Copy address")
        self.copy.setProperty("flat", False)
        close = QPushButton("Done")
        close.setProperty("primary", True)
        close.setDefault(True)
        close.clicked.connect(self.accept)
        column.addLayout(button_row(self.copy, close))
