"""What a requester does with a campaign's results: export them to a folder in a common format, or
publish them as a Dataset asset. Each dialog runs its call in the background with a busy state,
says how it ended in words, and stays open with the outcome (the folder to open, the asset id)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.labeling.campaign_rules import parse_price
from app.labeling.formats import EXPORT_FORMATS
from app.ui.labeling.wording import explain, sahara
from app.ui.operations import Op
from app.ui.widgets import styled_label
from app.ui.widgets.dialogs import OperationDialog, button_row, heading
from app.ui.widgets.fields import StatusText
from app.ui.widgets.file_chooser import choose_path

log = logging.getLogger(__name__)

T = TypeVar("T")

EXPORT_NAMES = {
    "coco": "COCO JSON",
    "yolo": "YOLO (images and labels folders)",
    "voc": "Pascal VOC XML",
    "jsonl": "JSON Lines",
    "csv": "CSV",
    "labelstudio": "Label Studio JSON",
}


class ActionDialog(OperationDialog):
    """A small dialog around one call, run as an operation: Cancel is refused while it runs (it ends
    with a message either way)."""

    def __init__(self, title: str, body: str, action: str, parent: QWidget | None) -> None:
        super().__init__(f"label-{action.lower()}", explain, parent)
        self.action = action
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumWidth(540)
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(24, 22, 24, 20)
        self.column.setSpacing(12)
        for label in heading(title, body):
            self.column.addWidget(label)
        self.form = QFormLayout()
        self.form.setHorizontalSpacing(14)
        self.column.addLayout(self.form)
        self.status = StatusText()
        self.column.addWidget(self.status)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        self.go_button = QPushButton(action)
        self.go_button.setProperty("primary", True)
        self.go_button.setDefault(True)
        self.footer = button_row(self.cancel_button, self.go_button)
        self.column.addLayout(self.footer)

    def start(
        self,
        call: Callable[[], Awaitable[T]],
        button: str,
        explanation: str,
        done: Callable[[T], None],
        failed: str,
    ) -> None:
        """Run ``call``: ``done`` gets its result; a failure is said after ``failed`` ("Nothing was
        exported"), with the fields as they were to try again."""
        self.set_busy(button, explanation)
        self.ops.run(
            Op(self.action, lambda _say: call(), progress=self._progress, success=done,
               failure=lambda why: self.status.set_error(f"{failed}: {why}"))
        )  # fmt: skip

    def _progress(self, line: str | None) -> None:
        if line is None:
            self.set_busy(None)

    def set_busy(self, button: str | None, explanation: str = "") -> None:
        for widget in self.findChildren(QWidget):
            if isinstance(widget, QLineEdit | QComboBox | QPushButton):
                widget.setEnabled(button is None)
        self.go_button.setText(button or self.action)
        if button:
            self.status.set_hint(explanation)

    def finished_with(self, text: str) -> None:
        """The call succeeded: say so, and leave one button that closes the dialog."""
        self.set_busy(None)
        self.status.set_ok(text)
        self.go_button.hide()
        self.cancel_button.setText("Close")
        self.cancel_button.setDefault(True)
        self.cancel_button.setFocus()


class ExportDialog(ActionDialog):
    def __init__(self, service: Any, campaign: Any, parent: QWidget | None = None) -> None:
        super().__init__(
            "Export the dataset",
            "Writes every item with its agreed answer (the consensus of its labelers) and the images.",
            "Export",
            parent,
        )
        self.service, self.campaign = service, campaign
        self.files: list[Path] = []
        self.dest: Path | None = None
        self.file_dialog: QFileDialog | None = None
        self.format = QComboBox()
        self.format.setAccessibleName("Export format")
        for fmt in EXPORT_FORMATS:
            self.format.addItem(EXPORT_NAMES.get(fmt, fmt), fmt)
        self.form.addRow("Format", self.format)
        row = QHBoxLayout()
        self.folder = QLineEdit(str(Path.home() / "Sahara exports" / f"campaign-{campaign.campaign_id}"))
        self.folder.setAccessibleName("Export folder")
        row.addWidget(self.folder, 1)
        self.choose_button = QPushButton("Choose…")
        self.choose_button.setAutoDefault(False)
        self.choose_button.clicked.connect(self._choose)
        row.addWidget(self.choose_button)
        self.form.addRow("Folder", row)
        self.open_button = QPushButton("Open folder")
        self.open_button.setAutoDefault(False)
        self.open_button.clicked.connect(self.open_folder)
        self.open_button.hide()
        self.footer.insertWidget(0, self.open_button)
        self.go_button.clicked.connect(self.go)
        self.format.setFocus()

    def _choose(self) -> None:
        self.file_dialog = choose_path(
            self, "Export into this folder", self.folder.setText, folder=True, directory=self.folder.text()
        )

    def go(self) -> None:
        text = self.folder.text().strip()
        if not text:
            self.status.set_error("Choose the folder to export into.")
            return
        fmt = self.format.currentData()
        dest = Path(text).expanduser()
        self.start(
            lambda: self.service.export(self.campaign.campaign_id, fmt, dest), "Exporting…",
            f"Writing {EXPORT_NAMES[fmt]} into {dest}…", lambda files: self._exported(dest, files),
            "Nothing was exported",  # a format that cannot hold the task, a full disk, storage
        )  # fmt: skip

    def _exported(self, dest: Path, files: list[Path]) -> None:
        self.files = files
        self.dest = dest
        self.finished_with(f"Exported {len(files):,} file{'s' if len(files) != 1 else ''} to {dest}")
        self.open_button.show()

    def open_folder(self) -> None:
        if self.dest is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.dest)))


class PublishDialog(ActionDialog):
    def __init__(self, service: Any, campaign: Any, parent: QWidget | None = None) -> None:
        super().__init__(
            "Publish as a dataset",
            "Lists the labeled dataset as a Dataset asset others can buy. Its labelers are recorded as "
            "contributors, weighted by the items of theirs you accepted.",
            "Publish",
            parent,
        )
        self.service, self.campaign = service, campaign
        self.asset_id: int | None = None
        row = QHBoxLayout()
        self.price = QLineEdit()
        self.price.setPlaceholderText("0 for free")
        self.price.setAccessibleName("Price in SAHARA")
        row.addWidget(self.price, 1)
        row.addWidget(styled_label("SAHARA", "muted"))
        self.form.addRow("Price", row)
        self.price.textEdited.connect(lambda _t: self.status.set_hint(""))
        self.go_button.clicked.connect(self.go)
        self.price.setFocus()

    def go(self) -> None:
        try:
            price = parse_price(self.price.text())
        except ValueError as exc:
            self.status.set_error(str(exc))
            self.price.setFocus()
            return
        self.start(
            lambda: self.service.publish_dataset(self.campaign.campaign_id, price=price), "Publishing…",
            "Uploading the dataset and registering the asset…", lambda asset: self._published(price, asset),
            "The dataset was not published",  # nothing accepted yet, storage, the network
        )  # fmt: skip

    def _published(self, price: int, asset_id: int) -> None:
        self.asset_id = asset_id
        cost = "free" if price == 0 else f"for {sahara(price)}"
        self.finished_with(f"Published as dataset asset #{asset_id}, {cost}.")
