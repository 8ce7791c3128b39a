"""Marketplace: browse and search the catalogue, open an asset, follow its lineage and come back.

The catalogue is the market indexer's (``app.market.catalog``), built by the composition root for
the network of the moment: ``follow`` listens for a new one (``NetworkServices.events`` "market")
and for what it indexed (``assets_changed``, ``offers_changed``, ``licenses_changed``), so results
and the open asset redraw when the chain changes, never on a timer. Every read runs as an operation
in a thread (``app.ui.operations``): a search per pause in typing, the asset page, and what its
row does not hold (files, content badge, contributors: ``app.ui.market.asset_reads``). A read asked
for while one runs is run once more after it, so what is shown is never older than the last change.

Keyboard: Ctrl+F searches, Down and the arrows move through the results, Return opens one, Alt+Left
(or Backspace outside a text field) goes back, through the assets opened from lineage links first.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.market.catalog import semantic
from app.market.catalog.asset_page import AssetDetail, asset_detail_with, task_types_with
from app.ui.market.account_actions import AccountActions
from app.ui.market.asset_reads import AssetReads, Catalog
from app.ui.market.asset_view import AssetView
from app.ui.market.browse_view import BrowseView
from app.ui.market.context import market_context
from app.ui.market.earnings_view import EarningsView
from app.ui.market.licenses_view import LicensesView
from app.ui.market.searching import Found, find
from app.ui.operations import Op, Operations
from app.ui.qt_events import relay
from app.ui.theme import Colors
from app.ui.widgets import action_button, scrolling, styled_label
from app.ui.widgets.segmented import segmented

RESULTS = 100
CHANGES = ("assets_changed", "offers_changed", "licenses_changed")
SECTIONS = ("Browse", "My licenses", "Earnings")


class MarketplacePage(QWidget):
    def __init__(self, colors: Colors) -> None:
        super().__init__()
        self.title = "Marketplace"
        self.colors = colors
        self.ops = Operations(name="market", parent=self)
        self.catalog: Catalog | None = None
        self.cache: Path | None = None  # the app's cache, where verified downloads are recorded
        self._listening: QObject | None = None  # the relays of the catalogue of the moment
        self._me: str | None = None
        self._trail: list[int] = []  # assets opened, the one shown last; empty: the results

        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 22, 32, 16)
        outer.setSpacing(14)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(styled_label("Marketplace", "title"))
        titles.addWidget(
            styled_label(
                "Datasets, models and agents on chain: license them, build on them, earn royalties.",
                "subtitle",
                wrap=True,
            )
        )
        header = QHBoxLayout()
        header.addLayout(titles, 1)
        header.addSpacing(16)
        sections, self.sections, _buttons = segmented(list(SECTIONS), self)
        header.addLayout(sections)
        header.setAlignment(sections, Qt.AlignmentFlag.AlignTop)
        self.sections.idClicked.connect(self.show_section)
        header.addSpacing(12)
        self.publish_button = action_button("Publish…", self.open_publish, primary=True)
        self.publish_button.setToolTip("Publish a dataset, model or agent with its license terms")
        header.addWidget(self.publish_button, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(header)
        self.status = styled_label("", "muted", wrap=True)
        self.status.hide()
        outer.addWidget(self.status)

        self.browse = BrowseView(colors)
        self.asset = AssetView(colors)
        self.licenses = LicensesView(colors)
        self.earnings = EarningsView(colors)
        self.stack = QStackedWidget()
        for view in (self.browse, self.asset):
            self.stack.addWidget(view)
        self.stack.addWidget(scrolling(self.licenses))
        self.stack.addWidget(scrolling(self.earnings))
        outer.addWidget(self.stack, 1)
        self.account = AccountActions(self.licenses, self.earnings, lambda: self.catalog, self)
        self.account.notice.connect(self._say)
        self.reads = AssetReads(
            self.asset, self.ops, self.account, lambda: self.catalog, lambda: self.cache, self._say
        )
        self.account.verified.connect(self.reads.content_verified)
        self.asset.buy_requested.connect(self.account.buy)
        self.asset.offer_active_requested.connect(self.account.set_offer_active)
        for view in (self.licenses, self.earnings):
            view.open_asset.connect(self._open_from_section)

        self.browse.filters.changed.connect(self.refresh)
        self.browse.open_asset.connect(self.open_asset)
        self.asset.open_asset.connect(self.open_asset)
        self.asset.back_requested.connect(self.go_back)
        find = QShortcut(QKeySequence.StandardKey.Find, self, self.focus_search)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        back = QShortcut(QKeySequence(Qt.Modifier.ALT | Qt.Key.Key_Left), self, self.go_back)
        back.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        backspace = QShortcut(QKeySequence(Qt.Key.Key_Backspace), self, self._backspace)
        backspace.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.browse.show_unavailable()

    # -- what the page reads ---------------------------------------------------------------------

    def follow(self, services: Any, wallet: Any) -> None:
        """Use ``services.market`` now and each time it is rebuilt; "Owned by me" is ``wallet``'s
        active account."""
        relay(services.events, "market", lambda: self.set_catalog(services.market), self)
        self.account.context = lambda: market_context(services)
        self.account.labeling = services.labeling_for_user
        self.account.downloads = services.runtime.paths.data / "downloads"
        self.cache = self.account.cache = services.runtime.paths.cache
        wallet.changed.connect(lambda: self._account_of(wallet))
        self._account_of(wallet)
        self.set_catalog(services.market)

    def _account_of(self, wallet: Any) -> None:
        active = wallet.active() if wallet.state in ("locked", "unlocked") else None
        self.set_account(None if active is None else active.address)

    def set_account(self, address: str | None) -> None:
        if address == self._me:
            return
        self._me = address
        self.account.forget()
        self.browse.set_account(address)
        self.refresh()
        if self._trail:  # "You", and the owner's offer buttons, follow the account
            self._load_asset(self._trail[-1])

    def set_catalog(self, catalog: Catalog | None) -> None:
        """The catalogue to read (None: no network or contracts yet, and the page says so)."""
        if catalog is self.catalog:
            return
        self.ops.reset()
        self.account.forget()
        if self._listening is not None:
            self._listening.deleteLater()
            self._listening = None
        self.catalog = catalog
        self._trail.clear()
        self.reads.forget()
        self.stack.setCurrentWidget(self.browse)
        if catalog is None:
            self.browse.show_unavailable()
            return
        self._listening = QObject(self)
        for name in CHANGES:
            relay(catalog.events, name, self._on_catalogue_changed, self._listening)
        self._load_task_types()
        self.refresh()
        self._warm_meaning()

    def _warm_meaning(self) -> None:
        """The MiniLM model loaded in a worker now: a first search by meaning would wait for it."""

        async def work(_say: Any) -> bool:
            return await asyncio.to_thread(semantic.warm)

        self.ops.run(Op("warm-meaning", work))

    def _on_catalogue_changed(self) -> None:
        self._load_task_types()
        self.refresh()
        if self._trail:
            self._load_asset(self._trail[-1])
        if self.stack.currentIndex() == 2:
            self.account.load_licenses()
        elif self.stack.currentIndex() == 3:
            self.account.load_earnings()

    # -- sections --------------------------------------------------------------------------------

    def show_section(self, index: int) -> None:
        """Browse (the results, or the asset open), My licenses (read now) or Earnings (read now)."""
        self.sections.button(index).setChecked(True)
        self._say("")
        if index == 0:
            self.stack.setCurrentWidget(self.asset if self._trail and self.asset.detail else self.browse)
        elif index == 1:
            self.stack.setCurrentIndex(2)
            self.account.load_licenses()
        else:
            self.stack.setCurrentIndex(3)
            self.account.load_earnings()

    def open_publish(self) -> None:
        catalog = self.catalog
        if catalog is None or self.account.context is None:
            self._say(
                "Publishing needs the network and Sahara's contracts; the status bar shows the connection."
            )
            return
        wizard = self.account.publish(catalog.chain_id)
        wizard.published.connect(lambda _asset: self.refresh())

    def _open_from_section(self, asset_id: int) -> None:
        self.sections.button(0).setChecked(True)
        self.open_asset(asset_id)

    # -- search ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Search again with what the filter bar says (results as you type)."""
        catalog = self.catalog
        if catalog is None:
            return
        query = self.browse.filters.query(RESULTS)

        async def work(_say: Any) -> Found:  # by meaning, the text is embedded first: never on this thread
            return await asyncio.to_thread(find, catalog.sessions, catalog.chain_id, query)

        self.ops.run(
            Op(
                "search", work,
                success=self.browse.show_found,
                failure=lambda why: self.browse.show_unavailable(f"The catalogue could not be read: {why}"),
                again=True,
            )
        )  # fmt: skip

    def _load_task_types(self) -> None:
        catalog = self.catalog
        if catalog is None:
            return

        async def work(_say: Any) -> list[str]:
            return await asyncio.to_thread(task_types_with, catalog.sessions, catalog.chain_id)

        self.ops.run(Op("task-types", work, success=self.browse.filters.set_task_types, again=True))

    def focus_search(self) -> None:
        self.sections.button(0).setChecked(True)
        if self.stack.currentWidget() is not self.browse:
            self._trail.clear()
            self.stack.setCurrentWidget(self.browse)
        self.browse.focus_search()

    # -- an asset --------------------------------------------------------------------------------

    def open_asset(self, asset_id: int) -> None:
        """Show ``asset_id``; Back returns to what was shown before."""
        if self._trail and self._trail[-1] == asset_id:
            return
        self._trail.append(asset_id)
        self._load_asset(asset_id)

    def go_back(self) -> None:
        if not self._trail:
            return
        self._trail.pop()
        if self._trail:
            self._load_asset(self._trail[-1])
            return
        self.stack.setCurrentWidget(self.browse)
        self._say("")
        self.browse.focus_results()

    def _backspace(self) -> None:
        if not isinstance(self.focusWidget(), QLineEdit):
            self.go_back()

    def _load_asset(self, asset_id: int) -> None:
        catalog = self.catalog
        if catalog is None:
            return

        async def work(_say: Any) -> AssetDetail | None:
            return await asyncio.to_thread(asset_detail_with, catalog.sessions, catalog.chain_id, asset_id)

        self.ops.run(
            Op(
                "asset", work,
                busy=f"Reading asset #{asset_id}…", progress=self._progress,
                success=lambda detail: self._show_asset(asset_id, detail),
                failure=lambda why: self._say(f"Asset #{asset_id} could not be read: {why}"),
                again=True,
            )
        )  # fmt: skip

    def _progress(self, text: str | None) -> None:
        self._say(text or "")

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def _show_asset(self, asset_id: int, detail: AssetDetail | None) -> None:
        if not self._trail or self._trail[-1] != asset_id:
            return  # the user went elsewhere meanwhile
        if detail is None:
            self._trail.pop()
            self._say(f"Asset #{asset_id} is not in this network's catalogue (yet).")
            return
        self._say("")
        shown = self.asset.detail
        self.asset.show_asset(detail, self._me)
        if self.sections.checkedId() == 0:  # a redraw never pulls the user out of My licenses or Earnings
            self.stack.setCurrentWidget(self.asset)
        self.reads.shown(detail, shown)

    def apply_colors(self, colors: Colors) -> None:
        self.colors = colors
        for view in (self.browse, self.asset, self.licenses, self.earnings):
            view.apply_colors(colors)
