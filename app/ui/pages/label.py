"""Label: the labeling workspace. Campaigns → instructions → labeling a claimed batch → submit →
the next batch; earnings with withdraw; and the requester's own campaigns in "My campaigns".

Everything comes from the chain service (``app.labeling.service.LabelingService``, given with
``set_service`` once the wallet is unlocked and the contracts are known); without one the page says
why. Every call to it runs as an operation (``app.ui.operations``) with a busy state, and its
failures are shown in words where they happened. Answers live in the session's drafts, so a failed
submit, a switched account or a closed app loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.ui.labeling.campaign_detail import CampaignDetailView
from app.ui.labeling.campaign_list import CampaignListView
from app.ui.labeling.labeler.approval_gate import ApprovalGate
from app.ui.labeling.labeler.batch_flow import BatchFlow
from app.ui.labeling.labeler.earnings_view import EarningsView
from app.ui.labeling.labeler.labeling_view import LabelingView
from app.ui.labeling.locked_card import NO_SERVICE, LockedCard
from app.ui.labeling.wording import explain, work_summary
from app.ui.operations import Op, Operations
from app.ui.theme import Colors
from app.ui.widgets import styled_label
from app.ui.widgets.segmented import segmented

log = logging.getLogger(__name__)

TABS = ["Campaigns", "Earnings", "My campaigns"]


class LabelPage(QWidget):
    summary_changed = Signal(str)  # one line on the work there is, for Home

    def __init__(self, colors: Colors) -> None:
        super().__init__()
        self.title = "Label"
        self.colors = colors
        self.ops = Operations(name="label", describe=explain, parent=self)
        self.ops.changed.connect(self._on_changed)
        self._service: Any = None  # the labeling service of the moment (None: the page says why)
        self._campaigns: dict[int, Any] = {}
        self._claims: dict[int, Any] = {}
        self._manifests: dict[int, Any] = {}
        self._flow: BatchFlow | None = None  # the campaign being labeled: its batch, the next, the sending
        self.requester: QWidget | None = None
        self.summary = ""
        self._seed_demo: Callable[[Callable[[str, float], None]], Awaitable[Any]] | None = None
        self._list_stale = False  # a new campaign appeared while the list was not shown
        self.gate = ApprovalGate(self, self.ops)  # the one approval per campaign; the shell gives its file

        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 22, 32, 16)
        outer.setSpacing(14)
        header = QHBoxLayout()
        header.setSpacing(12)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(styled_label("Label", "title"))
        self.subtitle = styled_label(  # wraps rather than run under the tabs in a narrow window
            "Label data for pay, or turn your own files into a reviewed dataset.", "subtitle", wrap=True
        )
        titles.addWidget(self.subtitle)
        header.addLayout(titles, 1)
        header.addSpacing(16)
        tabs, self.tabs, self.tab_buttons = segmented(TABS, self)
        header.addLayout(tabs)
        header.setSpacing(0)
        self.tabs.idClicked.connect(self.show_tab)
        outer.addLayout(header)

        self.stack = QStackedWidget()
        self.unavailable = self._unavailable_card()
        self.stack.addWidget(self.unavailable)
        self.campaign_stack = QStackedWidget()
        self.list_view = CampaignListView(colors)
        self.detail_view = CampaignDetailView(colors)
        self.labeling = LabelingView(colors)
        for view in (self.list_view, self.detail_view, self.labeling):
            self.campaign_stack.addWidget(view)
        self.stack.addWidget(self.campaign_stack)
        self.earnings_view = EarningsView(colors)
        self.stack.addWidget(self.earnings_view)
        self.requester_holder = QWidget()
        QVBoxLayout(self.requester_holder).setContentsMargins(0, 0, 0, 0)
        self.stack.addWidget(self.requester_holder)
        outer.addWidget(self.stack, 1)
        for stack in (self.stack, self.campaign_stack):
            stack.currentChanged.connect(self._header_for_labeling)

        self.list_view.refresh_requested.connect(self.refresh_campaigns)
        self.list_view.open_requested.connect(self.open_campaign)
        self.list_view.demo_requested.connect(self.add_demo)
        refresh = QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.refresh_shown)
        refresh.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.detail_view.back_requested.connect(self.show_list)
        self.detail_view.start_requested.connect(self.start_labeling)
        self.labeling.back_requested.connect(self.leave_labeling)
        self.labeling.submit_requested.connect(self.submit)
        self.labeling.next_batch_requested.connect(self.next_batch)
        self.set_service(None)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)  # the prefetch threads end with the app

    @property
    def service(self) -> Any:
        """The chain service of the active account (None: locked, no wallet, no contracts)."""
        return self._service

    def _header_for_labeling(self) -> None:
        """While labeling, the canvas gets the subtitle's room."""
        labeling = (
            self.stack.currentWidget() is self.campaign_stack
            and self.campaign_stack.currentWidget() is self.labeling
        )
        self.subtitle.setVisible(not labeling)

    def _unavailable_card(self) -> QWidget:
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 8, 0, 0)
        self.unavailable_card = LockedCard(self.colors)
        self.unavailable_title = self.unavailable_card.headline
        column.addWidget(self.unavailable_card)
        column.addStretch(1)
        return holder

    def follow_wallet(self, wallet: Any) -> None:
        """Offer the step the wallet needs on the no-service card (as Home's "Get started" does)."""
        self.unavailable_card.follow_wallet(wallet)

    def offer_demo(self, seed: Callable[[Callable[[str, float], None]], Awaitable[Any]] | None) -> None:
        """``seed(progress)`` creates the devnet's demo campaign; None where there is no demo."""
        self._seed_demo = seed
        self.list_view.offer_demo(seed is not None)

    def add_demo(self) -> None:
        seed = self._seed_demo
        if seed is None:
            return
        self._run(
            Op(
                "demo", lambda say: seed(lambda text, _fraction: say(text)), busy="Adding the demo campaign…",
                progress=lambda text: self.list_view.show_status(text), changes=frozenset({"campaigns"}),
                failure=lambda why: self.list_view.show_error(f"The demo campaign was not added: {why}"),
            )
        )  # fmt: skip

    def refresh_shown(self) -> None:
        """F5: read again what is on screen (the campaign list or the earnings)."""
        if self.service is not None and self.stack.currentWidget() is self.earnings_view:
            self.earnings_view.refresh()
        elif self._list_shown():
            self.refresh_campaigns()

    def on_new_campaigns(self) -> None:
        """A campaign appeared on the board: the list updates now if shown, else when next shown."""
        self._list_stale = True
        if self._list_shown():
            self.refresh_campaigns()

    def _list_shown(self) -> bool:
        return (
            self.service is not None
            and self.stack.currentWidget() is self.campaign_stack
            and self.campaign_stack.currentWidget() is self.list_view
        )

    def apply_colors(self, colors: Colors) -> None:
        self.colors = colors
        self.unavailable_card.apply_colors(colors)
        for view in (self.list_view, self.detail_view, self.labeling, self.earnings_view):
            view.apply_colors(colors)
        if self.requester is not None and hasattr(self.requester, "apply_colors"):
            self.requester.apply_colors(colors)

    # -- the service -----------------------------------------------------------------------------

    def set_service(self, service: Any, reason: str | None = None) -> None:
        """The chain service for the active account, or None (locked, no wallet, no contracts):
        then the page says why (``reason``, or that the wallet must be unlocked)."""
        if service is self.service and service is not None:
            return
        self._service = service
        self.ops.reset()  # results of calls to the previous service are dropped
        self._campaigns, self._claims, self._manifests = {}, {}, {}
        self.earnings_view.set_service(service)
        self.gate.follow(service)
        self._stop_flow()
        self.labeling.close_batch()  # its answers are in the drafts of the account they belong to
        if self.requester is not None and hasattr(self.requester, "set_service"):
            self.requester.set_service(service)
        for button in self.tab_buttons:
            button.setVisible(service is not None)
        if service is None:
            self.unavailable_title.setText(reason or NO_SERVICE)
            self.stack.setCurrentWidget(self.unavailable)
            self._summarize(reason or NO_SERVICE)
            return
        self.campaign_stack.setCurrentWidget(self.list_view)
        self.show_tab(0)
        self.refresh_campaigns()
        if self.isVisible():  # just unlocked here: the keyboard goes on in the list (↓, Return)
            self.list_view.table.setFocus()

    def show_tab(self, index: int) -> None:
        if self.service is None:
            return
        self.tab_buttons[index].setChecked(True)
        if index == 0:
            self.stack.setCurrentWidget(self.campaign_stack)
        elif index == 1:
            self.stack.setCurrentWidget(self.earnings_view)
            self.earnings_view.refresh()
        else:
            self._ensure_requester()
            self.stack.setCurrentWidget(self.requester_holder)

    def on_reviewed(self) -> None:
        """Batches were just reviewed (paid or refused): redraw the list or earnings on show."""
        self.refresh_shown()

    def _ensure_requester(self) -> None:
        """The requester's panel, built on first use (and only if that part of the app is there)."""
        if self.requester is not None:
            return
        try:
            from app.ui.labeling.requester.requester_panel import RequesterPanel
        except ImportError as exc:
            log.warning("the requester panel is not available: %s", exc)
            self.requester = styled_label(
                f"Creating campaigns is not available in this build ({exc}).", "muted"
            )
        else:
            self.requester = RequesterPanel(self.colors)
            self.requester.set_service(self.service)
        self.requester_holder.layout().addWidget(self.requester)

    # -- campaigns -------------------------------------------------------------------------------

    def _run(self, op: Op[Any]) -> None:
        """Every call of the page goes to the service of the moment, and only when there is one."""
        if self._service is not None:
            self.ops.run(op)

    def _on_changed(self, changes: frozenset[str]) -> None:
        """An action of the page changed data on chain: redraw what shows it."""
        if "campaigns" in changes:
            self.refresh_campaigns()

    def refresh_campaigns(self) -> None:
        service = self._service
        self._list_stale = False

        async def load(_say: Any) -> tuple[Any, Any]:
            return await service.campaigns(), await service.open_claims()

        self._run(
            Op(
                "campaigns", load, busy="", progress=lambda text: self.list_view.set_busy(text is not None),
                success=self._show_campaigns, again=True,
                failure=lambda why: self.list_view.show_error(f"The campaigns could not be loaded: {why}"),
            )
        )  # fmt: skip

    def _show_campaigns(self, loaded: tuple[Any, Any]) -> None:
        campaigns, claims = loaded
        self._campaigns = {c.campaign_id: c for c in campaigns}
        self.earnings_view.titles = {i: c.title for i, c in self._campaigns.items()}
        self._claims = {c.campaign_id: c for c in claims}
        self.list_view.show_campaigns(campaigns, self._claims)
        self._summarize(work_summary(campaigns))

    def _summarize(self, text: str) -> None:
        self.summary = text
        self.summary_changed.emit(text)

    def show_list(self) -> None:
        self.campaign_stack.setCurrentWidget(self.list_view)
        if self._list_stale:
            self.refresh_campaigns()

    def open_campaign(self, campaign: Any) -> None:
        self.detail_view.show_campaign(
            campaign, self._instructions(campaign.campaign_id), self._claims.get(campaign.campaign_id)
        )
        self.campaign_stack.setCurrentWidget(self.detail_view)
        self.detail_view.start_button.setFocus()  # Return starts labeling
        if campaign.campaign_id not in self._manifests:
            self._load_manifest(campaign)

    def _instructions(self, campaign_id: int) -> str | None:
        manifest = self._manifests.get(campaign_id)
        return manifest.instructions if manifest is not None else None

    def _load_manifest(self, campaign: Any) -> None:
        service = self._service

        def show(manifest: Any) -> None:
            self._manifests[campaign.campaign_id] = manifest
            if self.detail_view.campaign is campaign:
                self.detail_view.show_campaign(
                    campaign, manifest.instructions, self._claims.get(campaign.campaign_id)
                )

        def failed(why: str) -> None:  # storage unreachable, a manifest that does not validate
            if self.detail_view.campaign is campaign:
                self.detail_view.instructions.setPlainText("")
                self.detail_view.show_status(f"The campaign's manifest could not be read: {why}", "error")

        work = lambda _say: service.manifest(campaign.campaign_id)  # noqa: E731
        self._run(Op(f"manifest-{campaign.campaign_id}", work, success=show, failure=failed))

    # -- labeling --------------------------------------------------------------------------------

    def start_labeling(self) -> None:
        """Start (or resume) the shown campaign, after its one approval in words if not given yet."""
        campaign, service = self.detail_view.campaign, self._service
        if campaign is not None and service is not None:
            start = lambda: self._start(campaign, resume=True)  # noqa: E731
            self.gate.before_start(service, campaign, start, self.detail_view)

    def next_batch(self) -> None:
        claim = self._flow.claim if self._flow is not None else None
        campaign = self._campaigns.get(claim.campaign_id) if claim is not None else None
        if campaign is not None:
            self._start(campaign, resume=False)

    def _stop_flow(self) -> None:
        if self._flow is not None:
            self._flow.close()  # what is finished is still sent; nothing more is claimed
            self._flow = None

    def _start(self, campaign: Any, *, resume: bool) -> None:
        """Resume the labeler's open batches of ``campaign``, else claim one (a transaction); the
        next batch is claimed ahead and finished ones are submitted in the background."""
        service = self._service
        status = (
            self.detail_view if self.campaign_stack.currentWidget() is self.detail_view else self.labeling
        )

        async def claim(say: Any) -> BatchFlow:
            manifest = self._manifests.get(campaign.campaign_id) or await service.manifest(
                campaign.campaign_id
            )
            self._manifests[campaign.campaign_id] = manifest
            flow = BatchFlow(self.labeling, service, campaign, manifest, self.refresh_campaigns)
            say("Claiming a batch (a transaction on the chain)…")
            await flow.start(resume=resume)
            return flow

        def opened(flow: BatchFlow) -> None:
            self._stop_flow()
            self._flow = flow
            self._claims[campaign.campaign_id] = flow.claim
            flow.show()
            self.campaign_stack.setCurrentWidget(self.labeling)

        self._run(
            Op(
                "claim", claim, busy="Looking for a batch you already started…", progress=status.set_busy,
                success=opened, failure=lambda why: status.show_status(why, "error"),
            )
        )  # fmt: skip

    def leave_labeling(self) -> None:
        """Back to the list; open batches stay claimed and their answers in the drafts (Resume finds
        them), finished ones are still sent."""
        self._stop_flow()
        self.labeling.close_batch()
        self.show_list()
        self.refresh_campaigns()

    def submit(self) -> None:
        """The labeler is done with the batch (the last answer, Ctrl+Enter or the button): it is
        submitted in the background and the next batch, claimed ahead, opens at once."""
        if self._flow is not None:
            self._flow.finish()

    def shutdown(self) -> None:
        """Stop the labeling view's worker threads (at quit; drafts are already saved)."""
        self.labeling.shutdown()
