"""The requester's side of the Label page ("My campaigns"): the campaigns the active account created,
"New campaign…" (the wizard), and a campaign's monitor with export, publish and close.

The panel gets the chain service with ``set_service`` (None while the wallet is locked) and runs
every call as an operation (a refresh asked for during one runs after it); answers of a service
replaced meanwhile are dropped. The list shows campaigns whose requester is the service's
``address`` (the active account).
"""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from app.ui.labeling.requester.monitor_view import MonitorView
from app.ui.labeling.requester.wizard import NewCampaignDialog
from app.ui.labeling.tables import CampaignTable, Cell, fill_sorted
from app.ui.labeling.wording import explain, sahara
from app.ui.operations import Op, Operations
from app.ui.theme import Colors
from app.ui.widgets import action_button

COLUMNS = ["Campaign", "Task", "Items", "Labelers per item", "Reward per item", "Escrow left", "Status"]


class RequesterPanel(QWidget):
    def __init__(self, colors: Colors) -> None:
        super().__init__()
        self.colors = colors
        self.service: Any = None
        self.campaigns: list[Any] = []
        self.wizard: NewCampaignDialog | None = None
        self.ops = Operations(name="label-requester", describe=explain, parent=self)
        self._open_when_listed: int | None = None  # a campaign just created, opened once it is listed

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack)
        self.list_page = CampaignTable(
            "Your campaigns",
            COLUMNS,
            colors,
            note="Double-click a campaign, or select it and press Enter, to follow its progress, export the "
            "labels, publish them as a dataset or close it.",
            empty="You have not created a campaign on this network. “New campaign…” turns a folder of "
            "images, a CSV, JSON Lines, COCO, YOLO, VOC or Label Studio file into a paid labeling campaign.",
        )
        self.table, self.count = self.list_page.table, self.list_page.count
        self.status = self.list_page.status
        self.table.setAccessibleName("Your campaigns")
        self.refresh_button = action_button("Refresh", self.refresh)
        self.monitor_button = action_button("Monitor", self.list_page.open_selected)
        self.new_button = action_button("New campaign…", self.new_campaign, primary=True)
        self.list_page.add_buttons(
            self.refresh_button, self.monitor_button, self.new_button, opener=self.monitor_button
        )
        self.list_page.row_opened.connect(self.open_campaign)
        self.stack.addWidget(self.list_page)
        self.monitor = MonitorView(colors)
        self.monitor.back_requested.connect(self.show_list)
        self.monitor.closed.connect(lambda _id: self.refresh())
        self.stack.addWidget(self.monitor)

    def apply_colors(self, colors: Colors) -> None:
        self.colors = colors
        self.list_page.apply_colors(colors)
        self.monitor.apply_colors(colors)
        if self.wizard is not None and shiboken6.isValid(self.wizard):
            self.wizard.apply_colors(colors)

    def set_service(self, service: Any) -> None:
        """The chain service of the active account, or None (then nothing can be listed or created)."""
        if service is self.service and service is not None:
            return
        self.ops.reset()  # answers of an older service are dropped
        self.refresh_button.setText("Refresh")
        self.service = service
        self.campaigns = []
        self.monitor.clear()
        self.show_list()
        self.new_button.setEnabled(service is not None)
        fill_sorted(self.table, [])
        if service is None:
            self.show_status("Unlock your wallet to see and create campaigns.")
            return
        self.refresh()

    # -- the list --------------------------------------------------------------------------------

    def show_status(self, text: str | None, role: str = "hint") -> None:
        self.list_page.show_status(text, role)

    def show_list(self) -> None:
        self.stack.setCurrentWidget(self.list_page)

    def showEvent(self, event: QShowEvent) -> None:
        """Coming back to the tab shows the list as it is now."""
        super().showEvent(event)
        if self.stack.currentWidget() is self.list_page and not self.ops.busy("campaigns"):
            self.refresh()

    def refresh(self) -> None:
        if self.service is None:
            return
        service = self.service
        self.ops.run(
            Op("campaigns", lambda _say: service.campaigns(), busy="Loading…", progress=self._loading,
               success=lambda found: self._loaded(service, found), failure=self._not_loaded, again=True)
        )  # fmt: skip

    def _loading(self, line: str | None) -> None:
        self.refresh_button.setText(line or "Refresh")

    def _loaded(self, service: Any, campaigns: list[Any]) -> None:
        self.show_status(None)
        address = (service.address or "").lower()
        self.show_campaigns([c for c in campaigns if c.requester.lower() == address])

    def _not_loaded(self, why: str) -> None:  # the chain is unreachable: keep the last list, say why
        self.show_status(f"Your campaigns could not be loaded: {why}", "error")

    def show_campaigns(self, campaigns: list[Any]) -> None:
        """Open campaigns first, newest first."""
        self.campaigns = sorted(campaigns, key=lambda c: (not c.open, -c.campaign_id))
        rows = [
            (
                c.campaign_id,
                [
                    Cell(c.title, tooltip=f"Campaign #{c.campaign_id}"),
                    Cell(c.task_type.title),
                    Cell(f"{c.item_count:,}", c.item_count),
                    Cell(f"{c.redundancy}", c.redundancy),
                    Cell(sahara(c.reward_per_item), c.reward_per_item),
                    Cell(sahara(c.escrow), c.escrow),
                    Cell("Open" if c.open else "Closed"),
                ],
            )
            for c in self.campaigns
        ]
        self.list_page.show_rows(rows)
        count = len(self.campaigns)
        self.count.setText(f"{count} campaign{'s' if count != 1 else ''}" if count else "")
        if self._open_when_listed is not None:
            self.open_campaign(self._open_when_listed)
            self._open_when_listed = None
        elif self.monitor.campaign is not None:  # keep the monitor's campaign facts current
            current = next(
                (c for c in self.campaigns if c.campaign_id == self.monitor.campaign.campaign_id), None
            )
            if current is not None and current != self.monitor.campaign:
                self.monitor.campaign = current
                self.monitor.close_button.setEnabled(current.open)

    def open_campaign(self, campaign_id: int) -> None:
        campaign = next((c for c in self.campaigns if c.campaign_id == campaign_id), None)
        if campaign is not None:
            self.monitor.show_campaign(self.service, campaign)
            self.stack.setCurrentWidget(self.monitor)

    # -- a new campaign --------------------------------------------------------------------------

    def new_campaign(self) -> None:
        if self.service is None:
            return
        self.wizard = NewCampaignDialog(self.service, self.colors, parent=self)
        self.wizard.created.connect(self._created)
        self.wizard.open()

    def _created(self, campaign_id: int) -> None:
        self._open_when_listed = campaign_id
        self.refresh()
