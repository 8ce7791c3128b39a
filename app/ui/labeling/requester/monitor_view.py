"""One of the requester's campaigns as it runs: how much is labeled, what it has cost, how well the
labelers agree, each labeler's record on the gold items, and the items whose consensus is weak.

Figures come from ``service.monitor`` and refresh every 10 seconds while the view is on screen (a
timer that stops when it is hidden). Export, Publish and Close act on the campaign; Close asks
first and reports the escrow that came back.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QMessageBox, QProgressBar, QVBoxLayout, QWidget

from app.labeling.schema import TaskType
from app.ui.labeling.confirm import ask_destructive
from app.ui.labeling.requester.campaign_actions import ExportDialog, PublishDialog
from app.ui.labeling.status_line import StatusLine
from app.ui.labeling.tables import Cell, fill_sorted, make_table, table_style
from app.ui.labeling.wording import explain, sahara
from app.ui.operations import Op, Operations
from app.ui.theme import Colors
from app.ui.widgets import Card, FactTile, action_button, styled_label
from app.wallet.tx_summary import short_address

log = logging.getLogger(__name__)

REFRESH_MS = 10_000
LABELER_COLUMNS = ["Labeler", "Batches", "Accepted", "Rejected", "Gold accuracy"]
FLAGGED_COLUMNS = ["Item", "Consensus", "Confidence", "Votes"]


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


class MonitorView(QWidget):
    back_requested = Signal()
    closed = Signal(int)  # a campaign was closed: the list shows it so

    def __init__(self, colors: Colors) -> None:
        super().__init__()
        self.service: Any = None
        self.campaign: Any = None
        self.stats: Any = None
        self.dialog: ExportDialog | PublishDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self.ops = Operations(name="label-monitor", describe=explain, parent=self)  # reset per campaign
        self.actions = Operations(name="label-campaign", describe=explain, parent=self)  # a close ends
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(12)
        top = QHBoxLayout()
        top.setSpacing(8)
        self.back_button = action_button("← My campaigns", self.back_requested.emit)
        top.addWidget(self.back_button)
        self.title = styled_label("", "empty-title")
        top.addWidget(self.title, 1)
        self.refresh_button = action_button("Refresh", self.refresh)
        self.export_button = action_button("Export…", self.export)
        self.publish_button = action_button("Publish dataset…", self.publish)
        self.close_button = action_button("Close campaign", self.ask_close)
        for button in (self.refresh_button, self.export_button, self.publish_button, self.close_button):
            top.addWidget(button)
        column.addLayout(top)
        self.subtitle = styled_label("", "muted", wrap=True)
        column.addWidget(self.subtitle)
        self.status = StatusLine(selectable=True)
        column.addWidget(self.status)

        progress = Card(padding=16, spacing=8)
        progress.body.addWidget(styled_label("PROGRESS", "caption"))
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(10)
        self.progress.setAccessibleName("Labels done")
        progress.body.addWidget(self.progress)
        self.progress_text = styled_label("", "bullet")
        progress.body.addWidget(self.progress_text)
        column.addWidget(progress)
        tiles = QGridLayout()
        tiles.setSpacing(12)
        self.cost = FactTile("Cost so far")
        self.escrow = FactTile("Escrow left")
        self.agreement = FactTile("Agreement")
        self.agreement.setToolTip("How often labelers of the same item give the same answer")
        self.reviewed = FactTile("Reviewed batches")
        for i, tile in enumerate((self.cost, self.escrow, self.agreement, self.reviewed)):
            tiles.addWidget(tile, 0, i)
        column.addLayout(tiles)

        column.addWidget(styled_label("Labelers", "section"))
        self.labelers = make_table(LABELER_COLUMNS, colors)
        column.addWidget(self.labelers)
        self.no_labelers = styled_label("Nobody has submitted a batch yet.", "empty-body")
        column.addWidget(self.no_labelers)
        column.addWidget(styled_label("Flagged items", "section"))
        self.flagged_note = styled_label(
            "Items whose labelers disagree: the agreed answer is uncertain. Check them before you rely on "
            "the export.",
            "hint",
            wrap=True,
        )
        column.addWidget(self.flagged_note)
        self.flagged = make_table(FLAGGED_COLUMNS, colors)
        column.addWidget(self.flagged)
        self.no_flagged = styled_label("No flagged items.", "empty-body")
        column.addWidget(self.no_flagged)
        column.addStretch(1)

    def apply_colors(self, colors: Colors) -> None:
        for table in (self.labelers, self.flagged):
            table.setStyleSheet(table_style(colors))

    # -- what is shown ---------------------------------------------------------------------------

    def show_campaign(self, service: Any, campaign: Any) -> None:
        """Show ``campaign`` (a ``CampaignInfo``) and load its figures."""
        self.ops.reset()  # a late answer about another campaign is dropped
        self.service, self.campaign, self.stats = service, campaign, None
        self.title.setText(campaign.title)
        people = f"{campaign.redundancy} labeler{'s' if campaign.redundancy != 1 else ''}"
        self.subtitle.setText(
            f"Campaign #{campaign.campaign_id} · {campaign.task_type.title} · "
            f"{campaign.item_count:,} items × {people} · {sahara(campaign.reward_per_item)} per item"
            + ("" if campaign.open else " · Closed")
        )
        self.escrow.set_value(sahara(campaign.escrow))
        self.close_button.setEnabled(campaign.open)
        self.show_status(None)
        self.show_stats(None)
        self.refresh()

    def clear(self) -> None:
        """Forget the campaign (the service changed): late answers about it are dropped."""
        self.ops.reset()
        self.service = self.campaign = self.stats = None

    def show_status(self, text: str | None, role: str = "hint") -> None:
        self.status.say(text, role)

    def show_stats(self, stats: Any) -> None:
        """The monitor's figures, or placeholders (None) until they arrive."""
        self.stats = stats
        campaign = self.campaign
        total = campaign.item_count * campaign.redundancy if campaign is not None else 0
        labeled = stats.labeled if stats is not None else 0
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(labeled, total))
        if stats is None:
            self.progress_text.setText("Loading…")
            for tile in (self.cost, self.agreement, self.reviewed):
                tile.set_value("—")
            fill_sorted(self.labelers, [])
            fill_sorted(self.flagged, [])
        else:
            share = labeled / total if total else 0.0
            self.progress_text.setText(f"{labeled:,} of {total:,} labels ({share:.0%})")
            self.cost.set_value(sahara(stats.cost_so_far))
            self.agreement.set_value(percent(stats.agreement))
            self.reviewed.set_value(f"{stats.reviewed_batches:,} of {stats.submitted_batches:,}")
            self.reviewed.setToolTip("Batches reviewed of the batches labelers submitted")
            fill_sorted(self.labelers, [self._labeler_row(row) for row in stats.labelers])
            fill_sorted(self.flagged, [self._flagged_row(row, campaign.task_type) for row in stats.flagged])
        has_labelers = bool(stats and stats.labelers)
        self.labelers.setVisible(has_labelers)
        self.no_labelers.setVisible(stats is not None and not has_labelers)
        has_flagged = bool(stats and stats.flagged)
        self.flagged.setVisible(has_flagged)
        self.no_flagged.setVisible(stats is not None and not has_flagged)

    @staticmethod
    def _labeler_row(row: Any) -> list[Cell]:
        name = Cell(short_address(row.address), row.address.lower(), row.address)
        return [
            name,
            Cell(f"{row.batches:,}", row.batches),
            Cell(f"{row.accepted:,}", row.accepted),
            Cell(f"{row.rejected:,}", row.rejected),
            Cell(percent(row.gold_accuracy), -1.0 if row.gold_accuracy is None else row.gold_accuracy),
        ]

    @staticmethod
    def _flagged_row(row: Any, task: TaskType) -> list[Cell]:
        """A class task names the agreed class; boxes and spans are seen in the export."""
        answer = {
            TaskType.BOUNDING_BOXES: "Boxes: see the export",
            TaskType.NER: "Spans: see the export",
        }.get(task, row.label or "(no answer)")
        return [
            Cell(row.item_id),
            Cell(answer),
            Cell(percent(row.confidence), row.confidence),
            Cell(f"{row.votes:,}", row.votes),
        ]

    # -- refreshing ------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.timer.stop()

    def refresh(self) -> None:
        if self.service is None or self.campaign is None:
            return
        service, campaign_id = self.service, self.campaign.campaign_id
        self.ops.run(
            Op("figures", lambda _say: service.monitor(campaign_id), busy="Loading…", progress=self._loading,
               success=self._loaded, failure=self._not_loaded)
        )  # fmt: skip

    def _loading(self, line: str | None) -> None:
        self.refresh_button.setText(line or "Refresh")

    def _loaded(self, stats: Any) -> None:
        if self.status.property("role") == "error":
            self.show_status(None)
        self.show_stats(stats)

    def _not_loaded(self, why: str) -> None:  # the chain or storage is unreachable: keep the last figures
        self.show_status(f"The figures could not be refreshed: {why}", "error")

    # -- actions ---------------------------------------------------------------------------------

    def export(self) -> None:
        if self.campaign is not None:
            self.dialog = ExportDialog(self.service, self.campaign, self)
            self.dialog.open()

    def publish(self) -> None:
        if self.campaign is not None:
            self.dialog = PublishDialog(self.service, self.campaign, self)
            self.dialog.open()

    def ask_close(self) -> None:
        if self.campaign is None or not self.campaign.open or self.actions.busy("close"):
            return
        self.confirm_box = ask_destructive(
            self,
            QMessageBox.Icon.Warning,
            "Close campaign",
            f"Close “{self.campaign.title}”?",
            "Labelers can no longer claim batches. Batches already submitted are still reviewed and paid; "
            "the escrow nobody has earned goes back to your account.",
            yes="Close campaign",
            no="Keep it open",
            on_yes=self.close_campaign,
        )

    def close_campaign(self) -> None:
        """Close without asking (``ask_close`` asks); the escrow refunded is the drop in escrow."""
        if self.campaign is None or self.actions.busy("close"):
            return
        service, campaign = self.service, self.campaign
        self.close_button.setEnabled(False)
        self.close_button.setText("Closing…")

        async def close(_say: object) -> int | None:
            before = await self._escrow(service, campaign.campaign_id)
            await service.close(campaign.campaign_id)
            return before

        self.actions.run(
            Op("close", close, busy="Closing the campaign: a transaction on the chain…",
               progress=self._closing, success=lambda before: self._closed(service, campaign, before),
               failure=lambda why: self._not_closed(campaign, why))
        )  # fmt: skip

    def _closing(self, line: str | None) -> None:
        if line is None:
            self.close_button.setText("Close campaign")
        else:
            self.show_status(line)

    def _not_closed(self, campaign: Any, why: str) -> None:  # not the requester, a rejected signature…
        if campaign is self.campaign:
            self.show_status(f"The campaign was not closed: {why}", "error")
            self.close_button.setEnabled(True)

    def _closed(self, service: Any, campaign: Any, before: int | None) -> None:
        """Closed: read the escrow left (only the amount refunded may stay unknown), then tell the list."""

        def show(after: int | None) -> None:
            self.closed.emit(campaign.campaign_id)
            if campaign is not self.campaign:
                return
            refunded = before - after if before is not None and after is not None else 0
            self.escrow.set_value(sahara(after) if after is not None else "—")
            if refunded > 0:
                self.show_status(
                    f"Closed. {sahara(refunded)} of unspent escrow went back to your account.", "ok"
                )
            else:
                self.show_status("Closed. Labelers can no longer claim batches.", "ok")

        self.actions.run(
            Op("escrow", lambda _say: self._escrow(service, campaign.campaign_id), success=show,
               failure=lambda _why: show(None))
        )  # fmt: skip

    @staticmethod
    async def _escrow(service: Any, campaign_id: int) -> int | None:
        found = next((c for c in await service.campaigns() if c.campaign_id == campaign_id), None)
        return found.escrow if found is not None else None
