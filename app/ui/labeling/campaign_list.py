"""The open campaigns a labeler can work on, read from the chain: reward, items left, an earnings
estimate, the requester's record, and the labeler's own batch in progress. Double-click or Enter
opens a campaign's instructions."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal

from app.ui.labeling.tables import CampaignTable, Cell
from app.ui.labeling.wording import per_hour, per_hour_tooltip, reputation, sahara
from app.ui.theme import Colors
from app.ui.widgets import action_button
from app.words import batch_name, plural

COLUMNS = ["Campaign", "Task", "Reward per item", "Items left", "Est. per hour", "Requester", "Your work"]


class CampaignListView(CampaignTable):
    open_requested = Signal(object)  # CampaignInfo
    refresh_requested = Signal()
    demo_requested = Signal()  # the empty list's "Add the demo campaign" (local devnet only)

    def __init__(self, colors: Colors) -> None:
        super().__init__(
            "Open campaigns",
            COLUMNS,
            colors,
            note="Est. per hour assumes a typical pace for the task and every item accepted (hover it for "
            "the pace). Double-click a campaign, or select it and press Enter, to read its instructions.",
            empty="No open campaigns on this network yet. On the local devnet, the demo campaign has real "
            "handwritten digits to label for pay (`sahara demo labeling` adds it from a terminal).",
        )
        self.campaigns: list[Any] = []
        self.refresh_button = action_button("Refresh", self.refresh_requested.emit)
        self.open_button = action_button("Open campaign", self.open_selected, primary=True)
        self.add_buttons(self.refresh_button, self.open_button, opener=self.open_button)
        self.row_opened.connect(self._open)
        self.demo_button = action_button("Add the demo campaign", self.demo_requested.emit, primary=True)
        self.demo_button.setToolTip(
            "Creates a campaign of real handwritten-digit images on the local devnet, paid by a demo "
            "requester, so you can try labeling for pay right away."
        )
        self.demo_button.hide()
        self.layout().insertWidget(self.layout().indexOf(self.empty) + 1, self.demo_button, 0,
                                   Qt.AlignmentFlag.AlignLeft)  # fmt: skip
        self._demo_offered = False

    def offer_demo(self, offered: bool) -> None:
        """Show the demo button with the empty list (only where the demo can run: the devnet)."""
        self._demo_offered = offered
        self.demo_button.setVisible(offered and not self.campaigns)

    def set_busy(self, busy: bool) -> None:
        self.refresh_button.setEnabled(not busy)
        self.refresh_button.setText("Loading…" if busy else "Refresh")

    def show_error(self, text: str | None) -> None:
        self.show_status(text, "error")

    def show_campaigns(self, campaigns: list[Any], claims: dict[int, Any]) -> None:
        """Open campaigns first by what they pay; ``claims`` are the labeler's open batches by campaign."""
        self.show_error(None)
        shown = [c for c in campaigns if c.open or c.campaign_id in claims]
        shown.sort(
            key=lambda c: (c.batches_available == 0 and c.campaign_id not in claims, -c.reward_per_item)
        )
        self.campaigns = shown
        self.demo_button.setVisible(self._demo_offered and not shown)
        rows = []
        for c in shown:
            left = c.batches_available * c.batch_size
            hourly = per_hour(c.reward_per_item, c.task_type)
            claim = claims.get(c.campaign_id)
            work = (
                f"{batch_name(claim.batch)} in progress"
                if claim is not None
                else f"Needs {c.min_reputation:,} accepted items"
                if c.min_reputation
                else ""
            )
            cells = [
                Cell(c.title, tooltip=f"Campaign #{c.campaign_id}"),
                Cell(c.task_type.title),
                Cell(sahara(c.reward_per_item), c.reward_per_item),
                Cell(f"{left:,}" if left else "None left", left),
                Cell(f"≈ {sahara(hourly)}", hourly, per_hour_tooltip(c.task_type)),
                Cell(
                    reputation(c.requester_reviewed, c.requester_accept_rate), c.requester_accept_rate or 0.0
                ),
                Cell(work, work),
            ]
            rows.append((c.campaign_id, cells))
        self.show_rows(rows)
        self.count.setText(plural(len(shown), "campaign"))

    def _open(self, campaign_id: int) -> None:
        campaign = next((c for c in self.campaigns if c.campaign_id == campaign_id), None)
        if campaign is not None:
            self.open_requested.emit(campaign)
