"""Browse and search: the filter bar, the results as rows, and an empty state that says what to do.

The view only shows what it is given (``show_found``, ``show_hits``, ``show_unavailable``); the page
runs the searches (``app.ui.market.searching.find``, in a worker thread), and a result whose query
is no longer the filter bar's is dropped: a newer search is due or under way. Keyboard: Ctrl+F
focuses the search (the page's shortcut), Down moves into the results, arrows move through them and
Return (or a double click) opens one (``open_asset``).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.market.catalog.search import AssetHit
from app.ui.icons import glyph
from app.ui.market.filter_bar import FilterBar
from app.ui.market.searching import Found
from app.ui.market.wording import kind_icon, kind_name, meta_mark, price_words, short, title
from app.ui.pages.empty_state import EmptyStateCard
from app.ui.theme import Colors
from app.ui.widgets import action_button, styled_label
from app.words import plural

ROW_HEIGHT = 64
LIST_STYLE = (  # a quiet selection: the row's own accent icon and muted line must stay readable on it
    "QListWidget#MarketResults {{ background: {surface}; border: 1px solid {border}; border-radius: 8px; }}"
    "QListWidget#MarketResults::item {{ border-bottom: 1px solid {border}; }}"
    "QListWidget#MarketResults::item:hover {{ background: {hover}; }}"
    "QListWidget#MarketResults::item:selected {{ background: {selected}; border-left: 3px solid {accent}; }}"
)
NOTHING_PUBLISHED = (
    "Nothing is published on this network yet",
    "Datasets, models and agents appear here as soon as someone registers one on chain. Publish a "
    "finished campaign's dataset from Label → My campaigns, and it will be the first.",
)
NO_MATCH = "No asset matches"
NO_CATALOGUE = (
    "The catalogue is not available yet",
    "Assets are read from the chain's AssetRegistry once the network is connected and Sahara's contracts "
    "are found; the status bar shows the connection.",
)
TRY_FEWER_WORDS = (
    "Try fewer or shorter words (each word matches the start of a word in a name, card or tag), "
    "or clear the filters."
)
NOTHING_NEAR = "Nothing is near it in meaning or words either: try other words, or clear the filters."
MEANING_MISSING = (
    "Search by meaning is unavailable: the embedding model (all-MiniLM-L6-v2) is not installed or cannot "
    "be read, so these are word matches."
)


class HitRow(QWidget):
    """One result: kind icon, name, then kind, task, price, licenses and owner on a muted line."""

    def __init__(self, hit: AssetHit, colors: Colors, me: str | None) -> None:
        super().__init__()
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 8, 12, 8)
        row.setSpacing(12)
        icon = QLabel()
        icon.setPixmap(
            glyph(kind_icon(hit.kind), colors.accent).pixmap(QSize(22, 22), self.devicePixelRatioF())
        )
        row.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        column = QVBoxLayout()
        column.setSpacing(2)
        name = styled_label(title(hit.name, hit.asset_id), "value")
        column.addWidget(name)
        owner = "you" if me and hit.owner.lower() == me.lower() else short(hit.owner)
        facts = [kind_name(hit.kind), *([hit.task_type] if hit.task_type else []), price_words(hit.min_price)]
        facts.append(plural(hit.licenses, "license"))
        if hit.children:
            facts.append(plural(hit.children, "derivative"))
        facts.append(f"by {owner}")
        column.addWidget(styled_label(" · ".join(facts), "muted"))
        problem = meta_mark(hit.meta_status, hit.meta_problem)
        if problem:
            mark = styled_label(problem, "error")
            mark.setToolTip(problem)
            column.addWidget(mark)
        row.addLayout(column, 1)
        row.addWidget(styled_label(f"#{hit.asset_id}", "muted"), 0, Qt.AlignmentFlag.AlignTop)


class BrowseView(QWidget):
    open_asset = Signal(int)

    def __init__(self, colors: Colors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colors = colors
        self._me: str | None = None
        self.hits: list[AssetHit] = []
        self._limit = 0
        self.filters = FilterBar()
        self.count = styled_label("", "muted")
        self.meaning_note = styled_label(MEANING_MISSING, "hint", wrap=True)
        self.meaning_note.hide()
        self.results = QListWidget()
        self.results.setObjectName("MarketResults")
        self.results.setAccessibleName("Search results")
        self.results.setUniformItemSizes(False)
        self.results.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.results.itemActivated.connect(self._activated)
        self.results.setStyleSheet(LIST_STYLE.format(**vars(colors)))
        self.filters.search.down_pressed.connect(self.focus_results)

        self.empty = EmptyStateCard("storefront", "", "", colors)
        self.clear_button = action_button("Clear filters", self.filters.clear_filters)
        self.empty.text.addSpacing(8)
        self.empty.text.addWidget(self.clear_button, 0, Qt.AlignmentFlag.AlignLeft)
        empty_holder = QWidget()
        holder = QVBoxLayout(empty_holder)
        holder.setContentsMargins(0, 8, 0, 0)
        holder.addWidget(self.empty)
        holder.addStretch(1)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.results)
        self.stack.addWidget(empty_holder)

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(10)
        column.addWidget(self.filters)
        column.addWidget(self.count)
        column.addWidget(self.meaning_note)
        column.addWidget(self.stack, 1)

    def set_account(self, address: str | None) -> None:
        self._me = address
        self.filters.set_account(address)

    def focus_search(self) -> None:
        self.filters.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filters.search.selectAll()

    def focus_results(self) -> None:
        if self.results.count() and self.stack.currentWidget() is self.results:
            self.results.setFocus(Qt.FocusReason.TabFocusReason)
            if self.results.currentRow() < 0:
                self.results.setCurrentRow(0)

    def _activated(self, item: QListWidgetItem) -> None:
        self.open_asset.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def show_found(self, found: Found) -> bool:
        """A search's results, unless the filter bar asks for something else by now (then they are
        late and dropped: False)."""
        if found.query != self.filters.query(found.query.limit):
            return False
        self.meaning_note.setVisible(found.meaning_missing)
        self.show_hits(found.hits, limit=found.query.limit)
        return True

    def show_hits(self, hits: list[AssetHit], *, limit: int) -> None:
        """The results of the latest search (the page drops those of older ones)."""
        self.hits, self._limit = hits, limit
        selected = self.results.currentItem()
        keep = None if selected is None else selected.data(Qt.ItemDataRole.UserRole)
        self.results.clear()
        for hit in hits:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, hit.asset_id)
            item.setText("")
            item.setToolTip(f"{kind_name(hit.kind)} #{hit.asset_id}: {title(hit.name, hit.asset_id)}")
            row = HitRow(hit, self.colors, self._me)
            item.setSizeHint(QSize(0, max(ROW_HEIGHT, row.sizeHint().height())))
            self.results.addItem(item)
            self.results.setItemWidget(item, row)
            if hit.asset_id == keep:
                self.results.setCurrentItem(item)
        words = self.filters.search.text().strip()
        if hits:
            more = " (the first ones; narrow the search for the rest)" if len(hits) >= limit else ""
            self.count.setText(f"{plural(len(hits), 'asset')}{more}")
            self.stack.setCurrentWidget(self.results)
            return
        self.count.setText("")
        if words or self.filters.filtered():
            what = f"{NO_MATCH} “{words}”" if words else f"{NO_MATCH} these filters"
            extra = " with these filters" if words and self.filters.filtered() else ""
            self._empty(
                what + extra,
                NOTHING_NEAR if words and self.filters.searching_by_meaning() else TRY_FEWER_WORDS,
                clear=self.filters.filtered(),
            )
        else:
            self._empty(*NOTHING_PUBLISHED, clear=False)

    def show_unavailable(self, why: str | None = None) -> None:
        """No catalogue to search (no network or no contracts yet), or a search that failed."""
        self.hits = []
        self.results.clear()
        self.count.setText("")
        self.meaning_note.hide()
        if why:
            self._empty("The search failed", why, clear=False)
        else:
            self._empty(*NO_CATALOGUE, clear=False)

    def _empty(self, headline: str, body: str, *, clear: bool) -> None:
        self.empty.headline.setText(headline)
        self.empty.explanation.setText(body)
        self.clear_button.setVisible(clear)
        self.stack.setCurrentIndex(1)

    def apply_colors(self, colors: Colors) -> None:
        self.colors = colors
        self.results.setStyleSheet(LIST_STYLE.format(**vars(colors)))
        self.empty.apply_colors(colors)
        if self.hits:
            self.show_hits(self.hits, limit=self._limit)
