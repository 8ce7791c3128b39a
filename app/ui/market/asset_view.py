"""One asset, the way a buyer weighs it: its card, its license offers with every term in words, its
files with their CIDs and whether they checked out, its versions, its contributors and their shares,
its lineage drawn, what it has sold, and everything that happened to it on chain.

An asset whose metadata could not be fetched, is malformed or lies about its CID is shown with what
the chain says and a clear mark of what is wrong, never a crash: every field read from metadata has
a fallback, and the page never reads storage itself (the page's operations do, off the GUI thread).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.market.asset_cache import ContentCheck
from app.market.catalog.asset_page import AssetDetail, Offer
from app.ui.market import contributors_list
from app.ui.market.card_view import CardView
from app.ui.market.lineage_view import LineageView
from app.ui.market.wording import (
    bps,
    event_words,
    kind_name,
    meta_mark,
    offer_terms,
    price_words,
    short,
    title,
)
from app.ui.theme import Colors
from app.ui.widgets import (
    Card,
    FactTile,
    action_button,
    clear_layout,
    scrolling,
    selectable_label,
    set_role,
    styled_label,
)
from app.words import plural, sahara

TAB_STYLE = (  # the studio side panel's underlined tabs, in this page's colours
    "QTabWidget#MarketAssetTabs::pane {{ border: none; border-top: 1px solid {border}; }}"
    "QTabWidget#MarketAssetTabs > QTabBar {{ qproperty-drawBase: 0; }}"
    "QTabWidget#MarketAssetTabs > QTabBar::tab {{ background: transparent; color: {muted}; padding: 7px 12px;"
    " border: none; font-size: 13px; }}"
    "QTabWidget#MarketAssetTabs > QTabBar::tab:selected {{ color: {text};"
    " border-bottom: 2px solid {accent}; }}"
    "QTabWidget#MarketAssetTabs > QTabBar::tab:hover {{ color: {text}; }}"
    "QTextBrowser#MarketCard {{ background: {surface}; border: 1px solid {border}; border-radius: 8px; }}"
)
TABS = ("Card", "Licenses", "Files and versions", "Lineage", "Contributors", "History")


class OfferCard(Card):
    """One offer: its terms, one per line, and whether it can be bought now."""

    def __init__(self, offer: Offer, view: AssetView, *, mine: bool) -> None:
        super().__init__(padding=14, spacing=4)
        self.offer_id = offer.offer_id
        state = "" if offer.active else " · paused by the seller"
        self.body.addWidget(styled_label(f"Offer {offer.offer_id}{state}", "row-title"))
        self.terms = offer_terms(offer)
        for term in self.terms:
            self.body.addWidget(styled_label(f"• {term}", "bullet", wrap=True))
        foot = QHBoxLayout()
        foot.addWidget(styled_label(f"Sold by {short(offer.seller)}", "muted"), 1)
        self.buy_button = action_button("Buy…", lambda: view.buy_requested.emit(offer.offer_id), primary=True)
        self.buy_button.setToolTip("See the total and the terms before anything is signed")
        self.buy_button.setEnabled(offer.active)
        foot.addWidget(self.buy_button)
        self.toggle_button = None
        if mine:  # the owner lists and delists its offers here
            self.toggle_button = action_button(
                "Pause offer" if offer.active else "Resume offer",
                lambda: view.offer_active_requested.emit(offer.offer_id, not offer.active),
            )
            foot.addWidget(self.toggle_button)
        self.body.addLayout(foot)


class AssetView(QWidget):
    back_requested = Signal()
    open_asset = Signal(int)
    buy_requested = Signal(int)  # an offer id
    offer_active_requested = Signal(int, bool)  # an offer id, whether it should sell

    def __init__(self, colors: Colors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colors = colors
        self.detail: AssetDetail | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(10)

        top = QHBoxLayout()
        top.setSpacing(10)
        self.back = action_button("← Back", self.back_requested.emit)
        self.back.setToolTip("Back (Alt+Left)")
        top.addWidget(self.back)
        self.heading = styled_label("", "section", wrap=True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(self.heading, 1)
        self.kind = styled_label("", "badge")
        top.addWidget(self.kind)
        column.addLayout(top)
        self.problem = styled_label("", "error", wrap=True)
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.problem)
        self.tags = styled_label("", "muted", wrap=True)
        column.addWidget(self.tags)

        facts = QHBoxLayout()
        facts.setSpacing(10)
        self.owner_tile = FactTile("Owner", mono=False)
        self.licenses_tile = FactTile("Licenses sold")
        self.revenue_tile = FactTile("Revenue")
        self.price_tile = FactTile("From")
        for tile in (self.owner_tile, self.licenses_tile, self.revenue_tile, self.price_tile):
            tile.setMinimumHeight(70)
            facts.addWidget(tile, 1)
        column.addLayout(facts)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("MarketAssetTabs")
        self.tabs.setDocumentMode(True)
        self.card = CardView()
        self.offers = QVBoxLayout()
        self.files = QVBoxLayout()
        self.lineage = LineageView(colors)
        self.lineage.open_asset.connect(self.open_asset)
        self.royalty = styled_label("", "muted", wrap=True)
        self.contributors = QVBoxLayout()
        self.history = QVBoxLayout()
        lineage_tab = QWidget()
        lineage_column = QVBoxLayout(lineage_tab)
        lineage_column.setContentsMargins(0, 8, 0, 0)
        lineage_column.addWidget(self.royalty)
        lineage_column.addWidget(self.lineage, 1)
        pages: list[QWidget] = [self.card]
        for layout in (self.offers, self.files):
            pages.append(self._holder(layout))
        pages.append(lineage_tab)
        for layout in (self.contributors, self.history):
            pages.append(self._holder(layout))
        for name, page in zip(TABS, pages, strict=True):
            self.tabs.addTab(page, name)
        column.addWidget(self.tabs, 1)
        self.apply_colors(colors)

    @staticmethod
    def _holder(layout: QVBoxLayout) -> QScrollArea:
        inner = QWidget()
        outer = QVBoxLayout(inner)
        outer.setContentsMargins(0, 10, 8, 10)
        layout.setSpacing(8)
        outer.addLayout(layout)
        outer.addStretch(1)
        return scrolling(inner)

    def show_tab(self, name: str) -> None:
        self.tabs.setCurrentIndex(TABS.index(name))

    # -- the asset -------------------------------------------------------------------------------

    def show_asset(self, detail: AssetDetail, me: str | None) -> None:
        same = self.detail is not None and self.detail.asset_id == detail.asset_id
        self.detail = detail
        self.heading.setText(title(detail.name, detail.asset_id))
        self.kind.setText(f"{kind_name(detail.kind)} #{detail.asset_id}")
        mark = meta_mark(detail.meta_status, detail.meta_problem)
        self.problem.setText(
            f"{mark}. What is shown comes from the chain; the name, card and tags are missing until the "
            "metadata can be read."
            if mark
            else ""
        )
        self.problem.setVisible(bool(mark))
        tags = [*([detail.task_type] if detail.task_type else []), *detail.tags]
        self.tags.setText("  ".join(f"#{t}" for t in tags))
        self.tags.setVisible(bool(tags))
        mine = me is not None and detail.owner.lower() == me.lower()
        self.owner_tile.set_value("You" if mine else short(detail.owner), detail.owner)
        self.licenses_tile.set_value(f"{detail.licenses:,}")
        escrow = (
            f"; {sahara(detail.escrowed)} more is in escrow until delivery and the dispute window"
            if detail.escrowed
            else ""
        )
        self.revenue_tile.set_value(sahara(detail.revenue), f"Settled into the asset's royalty vault{escrow}")
        active = [o.price for o in detail.offers if o.active]
        self.price_tile.set_value(price_words(min(active) if active else None))
        fallback = (
            "The publisher wrote no card for this asset."
            if detail.meta_status == "ok"
            else f"No card: {mark.lower()}."
        )
        self.card.show_card(detail.card, fallback)
        self._offers(detail, mine)
        self._files(detail)
        self._lineage(detail)
        self._history(detail)
        contributors_list.show_pending(self.contributors, detail)
        if not same:
            self.tabs.setCurrentIndex(0)

    def _offers(self, detail: AssetDetail, mine: bool) -> None:
        clear_layout(self.offers)
        if not detail.offers:
            self.offers.addWidget(
                styled_label("The owner has not offered licenses for this asset yet.", "muted", wrap=True)
            )
            return
        for offer in detail.offers:
            self.offers.addWidget(OfferCard(offer, self, mine=mine))

    def _file_row(self, what: str, cid: str, status: str, role: str) -> QLabel:
        row = QGridLayout()
        row.setHorizontalSpacing(12)
        row.addWidget(styled_label(what, "row-title"), 0, 0)
        badge = styled_label(status, role, wrap=True)
        row.addWidget(badge, 0, 1)
        row.addWidget(selectable_label(cid or "—"), 1, 0, 1, 2)
        row.setColumnStretch(1, 1)
        self.files.addLayout(row)
        return badge

    def _files(self, detail: AssetDetail) -> None:
        clear_layout(self.files)
        if detail.meta_status == "ok":
            meta_status, meta_role = "✓ Verified: fetched and hashed to its CID", "ok"
        elif detail.meta_status == "pending":
            meta_status, meta_role = "Not fetched yet", "muted"
        else:
            meta_status, meta_role = f"✗ {meta_mark(detail.meta_status, detail.meta_problem)}", "error"
        self._file_row(
            f"Metadata (version {detail.metadata_version})", detail.metadata_cid, meta_status, meta_role
        )
        self.content_badge = self._file_row(
            "Content (encrypted)", detail.content_cid, "Looking for a downloaded copy…", "muted"
        )
        if detail.contributors_cid:
            self._file_row("Contributor list", detail.contributors_cid, "See Contributors", "muted")
        self.files.addSpacing(8)
        self.files.addWidget(styled_label("FILES", "caption"))
        self.published = QVBoxLayout()
        self.published.setSpacing(4)
        self.files.addLayout(self.published)
        self.published.addWidget(
            styled_label(
                "Reading the file list…" if detail.meta_status == "ok" else "Unknown: no metadata.", "muted"
            )
        )
        self.files.addSpacing(8)
        self.files.addWidget(styled_label("VERSIONS", "caption"))
        for version in reversed(detail.versions):
            current = " (current)" if version.metadata_cid == detail.metadata_cid else ""
            line = f"Version {version.version}{current} · block {version.block:,} · {version.metadata_cid}"
            self.files.addWidget(selectable_label(line, "muted"))

    def _lineage(self, detail: AssetDetail) -> None:
        parts = []
        if detail.parents:
            parts.append(
                f"Derives from {plural(len(detail.parents), 'asset')}: "
                f"{bps(detail.parent_royalty_bps)} of its revenue goes to them."
            )
        parts.append(f"Assets derived from it pay it {bps(detail.derivative_royalty_bps)} of theirs.")
        if detail.children:
            parts.append(f"It has {plural(len(detail.children), 'published derivative')}.")
        self.royalty.setText(" ".join(parts) + " Click a box to open that asset.")
        self.lineage.show_lineage(detail)

    def _history(self, detail: AssetDetail) -> None:
        clear_layout(self.history)
        if not detail.history:
            self.history.addWidget(styled_label("No events read yet.", "muted"))
        for entry in detail.history:
            line = QHBoxLayout()
            line.setSpacing(12)
            line.addWidget(styled_label(f"Block {entry.block:,}", "muted"))
            words = styled_label(event_words(entry), wrap=True)
            words.setToolTip(f"Transaction {entry.tx_hash}")
            line.addWidget(words, 1)
            self.history.addLayout(line)

    def show_published(self, meta: Any, problem: str = "") -> None:
        """The files the metadata lists (name, size, SHA-256 of the plaintext the buyer checks)."""
        clear_layout(self.published)
        if meta is None:
            self.published.addWidget(styled_label(f"✗ {problem}", "error", wrap=True))
            return
        for entry in meta.files:
            cid = f" · CID {entry.cid}" if entry.cid else ""
            line = f"{entry.name} · {entry.size:,} bytes{cid} · SHA-256 {entry.sha256}"
            self.published.addWidget(selectable_label(line, "muted"))
        if meta.content is not None:
            packing = "the file itself" if meta.content.packing == "file" else "the files zipped"
            self.published.addWidget(
                styled_label(
                    f"Sold as {packing} ({meta.content.size:,} bytes, SHA-256 {meta.content.sha256[:16]}…), "
                    "encrypted: a download is saved only if it hashes to that.",
                    "muted",
                    wrap=True,
                )
            )
        if not meta.files:
            self.published.addWidget(styled_label("The metadata lists no files.", "muted"))

    def show_content(self, check: ContentCheck) -> None:
        """The content's badge: verified only for bytes this app downloaded and hashed."""
        if check.state == "verified":
            text, role = f"✓ Verified: downloaded and hashed (SHA-256 {check.sha256[:16]}…)", "ok"
        elif check.state == "mismatch":
            text, role = f"✗ Hash mismatch (SHA-256 {check.sha256[:16]}…): {check.why}", "error"
        else:
            text, role = (
                "Not downloaded yet: a license holder's download is hashed before it is saved",
                "muted",
            )
        self.content_badge.setText(text)
        self.content_badge.setToolTip(str(check.path or ""))
        set_role(self.content_badge, role)

    def show_contributors(self, pairs: list[tuple[str, int]] | None, problem: str = "") -> None:
        """The contributor list read from storage, or why it could not be (``problem``)."""
        contributors_list.show_list(self.contributors, self.detail, pairs, problem)

    def apply_colors(self, colors: Colors) -> None:
        self.colors = colors
        self.lineage.apply_colors(colors)
        self.tabs.setStyleSheet(TAB_STYLE.format(**vars(colors)))
