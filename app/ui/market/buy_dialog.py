"""Buy a license: the offer's terms and the total in words before anything is signed, then the
purchase, the wait for the seller's key, the download, decryption and hash check, with progress.

Everything runs through ``app.market.buying`` (the CLI's code too). A purchase the chain would
refuse is refused before signing and says why ("Nothing was paid"); a failure after the purchase
keeps the license (My licenses downloads it later, or refunds it after the delivery deadline). The
dialog cannot be closed while a transaction is being signed; the wait for the key can be stopped,
the license stays bought.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from app.market import buying
from app.market.context import MarketContext
from app.ui.market.context import describe
from app.ui.operations import Op
from app.ui.widgets import styled_label
from app.ui.widgets.dialogs import OperationDialog, button_row, dialog_column
from app.ui.widgets.fields import progress_bar
from app.words import format_sahara

SAFE_NAME = re.compile(r"[^\w.\- ]+")


def download_name(meta: Any, asset_id: int) -> str:
    """The file name a download is saved under: the published file's, or the asset's name as a zip."""
    if meta.content is not None and meta.content.packing == "file" and len(meta.files) == 1:
        name = meta.files[0].name
    else:
        name = f"{meta.name or f'asset-{asset_id}'}.zip"
    cleaned = SAFE_NAME.sub("_", Path(name).name).strip(" .")
    return cleaned or f"asset-{asset_id}"


class BuyDialog(OperationDialog):
    """Quote → confirm → buy → wait for delivery → download, decrypt, verify."""

    def __init__(
        self,
        context: Callable[[], MarketContext],
        offer_id: int,
        downloads: Path,
        parent: QWidget | None = None,
        *,
        wait_s: float = 600.0,
        noted: Callable[[buying.Downloaded], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__("buy", describe, parent)
        self.context = context
        self.noted = noted  # told of a verified download (the asset page's badge)
        self.offer_id = offer_id
        self.downloads = downloads
        self.wait_s = wait_s
        self.quote: buying.Quote | None = None
        self.license_id: int | None = None
        self.saved: buying.Downloaded | None = None
        self.request_id = (
            f"buy-dialog:{uuid.uuid4().hex}"  # one purchase per confirmed dialog, retries included
        )
        column = dialog_column(self, "Buy a license", 520, intro=("Buy a license", "Reading the offer…"))
        self.words = column.itemAt(1).widget()
        assert isinstance(self.words, QLabel)
        self.total = styled_label("", "row-value")
        column.addWidget(self.total)
        self.stage = styled_label("", "muted", wrap=True)
        column.addWidget(self.stage)
        self.progress = progress_bar(100, 6)
        column.addWidget(self.progress)
        self.problem = styled_label("", "error", wrap=True)
        self.problem.hide()
        column.addWidget(self.problem)
        self.done_line = styled_label("", "ok", wrap=True)
        self.done_line.hide()
        column.addWidget(self.done_line)
        self.close_button = QPushButton("Cancel")
        self.close_button.clicked.connect(self._close_or_stop)
        self.buy_button = QPushButton("Buy")
        self.buy_button.setProperty("primary", True)
        self.buy_button.setEnabled(False)
        self.buy_button.clicked.connect(self.buy)
        column.addSpacing(6)
        column.addLayout(button_row(self.close_button, self.buy_button))
        self.ops.run(Op("quote", self._quote, success=self._quoted, failure=self._failed))

    # -- quote -----------------------------------------------------------------------------------

    async def _quote(self, _say: Any) -> buying.Quote:
        return await buying.quote(self.context(), self.offer_id)

    def _quoted(self, quote: buying.Quote) -> None:
        self.quote = quote
        self.words.setText(quote.words())
        self.total.setText(f"Total: {format_sahara(quote.total)} (you hold {format_sahara(quote.balance)})")
        if quote.problem:
            self._failed(f"This license cannot be bought now: {quote.problem}.")
            return
        self.buy_button.setText(f"Buy for {format_sahara(quote.total)}")
        self.buy_button.setEnabled(True)
        self.buy_button.setFocus()

    # -- buy, then download ----------------------------------------------------------------------

    def _say(self, stage: str, fraction: float) -> None:
        self.stage.setText(stage)
        self.progress.show()
        self.progress.setValue(int(max(0.0, min(1.0, fraction)) * 100))

    def buy(self) -> None:
        if self.quote is None or self.license_id is not None:
            return
        self.buy_button.setEnabled(False)
        self.problem.hide()
        self.close_button.setEnabled(False)  # a transaction being signed cannot be called back

        async def work(_say: Any) -> int:
            return await buying.buy(
                self.context(), self.offer_id, progress=self._say, request_id=self.request_id
            )

        self.ops.run(
            Op(
                "buy",
                work,
                busy=None,
                success=self._bought,
                failure=self._buy_failed,
                changes=frozenset({"licenses"}),
            )
        )

    def _buy_failed(self, why: str) -> None:
        self.close_button.setEnabled(True)
        self.close_button.setText("Close")
        self.buy_button.setEnabled(self.quote is not None and not self.quote.problem)
        self.progress.hide()
        self.stage.setText("")
        self._failed(why)

    def _bought(self, license_id: int) -> None:
        self.license_id = license_id
        self.close_button.setEnabled(True)
        self.close_button.setText("Stop waiting")
        self.buy_button.setText("Bought")
        self.download()

    def download(self) -> None:
        license_id, quote = self.license_id, self.quote
        if license_id is None or quote is None:
            return
        self.problem.hide()

        async def work(_say: Any) -> buying.Downloaded:
            ctx = self.context()
            meta = await buying.asset_metadata(ctx, quote.offer.asset_id)
            dest = self.downloads / download_name(meta, quote.offer.asset_id)
            saved = await buying.download(ctx, license_id, dest, progress=self._say, wait_s=self.wait_s)
            if self.noted is not None:
                await self.noted(saved)
            return saved

        self.ops.run(
            Op(
                "download", work, success=self._downloaded, failure=self._download_failed,
                changes=frozenset({"licenses"}),
            )
        )  # fmt: skip

    def _download_failed(self, why: str) -> None:
        self.close_button.setText("Close")
        self._failed(
            f"{why} Your license #{self.license_id} is bought and kept: download it from My licenses "
            "once the key is delivered."
        )

    def _downloaded(self, saved: buying.Downloaded) -> None:
        self.saved = saved
        self.progress.setValue(100)
        self.stage.setText("")
        self.close_button.setText("Close")
        self.done_line.setText(
            f"License #{saved.license_id} is yours. Saved {saved.path} ({saved.size:,} bytes); its SHA-256 "
            f"{saved.sha256[:16]}… matches the published hash."
        )
        self.done_line.show()

    def _failed(self, why: str) -> None:
        self.problem.setText(str(why))
        self.problem.show()
        if self.license_id is None and not self.ops.busy("buy"):
            self.close_button.setText("Close")

    def _close_or_stop(self) -> None:
        if self.ops.busy("download"):
            self.ops.cancel("download")
            self._download_failed("Stopped waiting.")
            return
        self.reject()
