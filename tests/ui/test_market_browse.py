"""The Marketplace page's browse and search, on a real catalogue: results as you type, every filter
and sort, the empty states, keyboard access and redraws when the indexer says the catalogue changed."""

from __future__ import annotations

from typing import Any

from market_catalog import ALICE, BOB
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.ui.market.browse_view import NO_CATALOGUE, NOTHING_PUBLISHED


def shown(page: Any) -> list[int]:
    results = page.browse.results
    return [int(results.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(results.count())]


def wait_for(qtbot: Any, page: Any, ids: list[int]) -> None:
    qtbot.waitUntil(lambda: shown(page) == ids and not page.ops.busy("search"), timeout=5000)


def test_results_appear_as_you_type(market_page: Any, qtbot: Any) -> None:
    wait_for(qtbot, market_page, [6, 5, 4, 3, 2, 1])  # newest first with no words
    assert market_page.browse.count.text() == "6 assets"
    search = market_page.browse.filters.search
    qtbot.keyClicks(search, "dig")  # a prefix, typed key by key: one search after the pause
    qtbot.waitUntil(lambda: sorted(shown(market_page)) == [1, 2, 3], timeout=5000)  # "Digit…", "…digits"
    qtbot.keyClicks(search, "it classif")
    wait_for(qtbot, market_page, [2])
    search.clear()
    qtbot.keyClicks(search, "zebra")
    qtbot.waitUntil(lambda: market_page.browse.stack.currentIndex() == 1, timeout=5000)
    assert market_page.browse.empty.headline.text() == "No asset matches “zebra”"
    assert not market_page.browse.clear_button.isVisibleTo(market_page)  # no filter to clear


def test_typed_query_syntax_is_only_words(market_page: Any, qtbot: Any) -> None:
    search = market_page.browse.filters.search
    for hostile in ('"unbalanced', "NEAR(a b)", "name:digits", "* OR 1=1 --", "digits)"):
        search.setText(hostile)
        market_page.browse.filters.flush()
        qtbot.waitUntil(lambda: not market_page.ops.busy("search"), timeout=5000)
        assert market_page.browse.empty.headline.text() != "The search failed", hostile


def test_every_filter_and_sort(market_page: Any, qtbot: Any) -> None:
    filters = market_page.browse.filters
    wait_for(qtbot, market_page, [6, 5, 4, 3, 2, 1])
    filters.kind.setCurrentText("Models")
    wait_for(qtbot, market_page, [2])
    filters.kind.setCurrentIndex(0)
    filters.terms.setCurrentText("Commercial use")
    wait_for(qtbot, market_page, [3, 1])
    filters.terms.setCurrentText("Derivatives allowed")
    wait_for(qtbot, market_page, [3, 2, 1])
    filters.terms.setCurrentIndex(0)
    filters.price.setCurrentText("Up to 10 SAHARA")
    wait_for(qtbot, market_page, [2, 1])
    filters.price.setCurrentText("Over 100 SAHARA")
    wait_for(qtbot, market_page, [])
    assert market_page.browse.empty.headline.text() == "No asset matches these filters"
    assert market_page.browse.clear_button.isVisibleTo(market_page)
    market_page.browse.clear_button.click()
    wait_for(qtbot, market_page, [6, 5, 4, 3, 2, 1])
    filters.derived.setChecked(True)
    wait_for(qtbot, market_page, [2, 1])
    filters.derived.setChecked(False)
    qtbot.waitUntil(lambda: filters.task.count() == 2, timeout=5000)  # the task types indexed
    filters.task.setCurrentText("image-classification")
    wait_for(qtbot, market_page, [2, 1])
    filters.task.setCurrentIndex(0)
    filters.sort.setCurrentText("Most licensed")
    wait_for(qtbot, market_page, [1, 6, 5, 4, 3, 2])
    filters.sort.setCurrentText("Lowest price")
    wait_for(qtbot, market_page, [1, 2, 3, 6, 5, 4])  # assets without an offer last


def test_owned_by_me_needs_an_account(market_page: Any, qtbot: Any) -> None:
    filters = market_page.browse.filters
    assert not filters.mine.isEnabled()
    market_page.set_account(BOB)
    filters.mine.setChecked(True)
    wait_for(qtbot, market_page, [6, 2])
    market_page.set_account(ALICE.upper().replace("0X", "0x"))  # addresses compare without case
    wait_for(qtbot, market_page, [5, 4, 1])
    market_page.set_account(None)
    assert not filters.mine.isChecked() and not filters.mine.isEnabled()
    wait_for(qtbot, market_page, [6, 5, 4, 3, 2, 1])


def test_keyboard_search_results_and_open(market_page: Any, qtbot: Any) -> None:
    wait_for(qtbot, market_page, [6, 5, 4, 3, 2, 1])
    market_page.activateWindow()
    market_page.browse.results.setFocus()
    qtbot.keyClick(market_page.browse.results, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is market_page.browse.filters.search
    qtbot.keyClicks(market_page.browse.filters.search, "agent")
    wait_for(qtbot, market_page, [3])
    qtbot.keyClick(market_page.browse.filters.search, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is market_page.browse.results
    qtbot.keyClick(market_page.browse.results, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: market_page.stack.currentWidget() is market_page.asset, timeout=5000)
    assert market_page.asset.heading.text() == "Digit reader agent"
    qtbot.keyClick(market_page.asset, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert market_page.stack.currentWidget() is market_page.browse
    assert QApplication.focusWidget() is market_page.browse.results


def test_catalogue_changes_redraw_the_results(market_page: Any, market_catalog: Any, qtbot: Any) -> None:
    wait_for(qtbot, market_page, [6, 5, 4, 3, 2, 1])
    meta = market_catalog.meta(name="Street signs", card="Photos of signs.", tags=["signs"])
    market_catalog.publish(7, ALICE, meta=meta)
    market_catalog.fetch_metadata()
    market_catalog.events.emit("assets_changed")  # what the indexer says after it wrote them
    wait_for(qtbot, market_page, [7, 6, 5, 4, 3, 2, 1])


def test_empty_states_say_what_to_do(market_page: Any, qtbot: Any, tmp_path: Any) -> None:
    from market_catalog import Catalog

    from app.db.engine import make_engine, session_factory
    from app.db.migrate import upgrade
    from app.storage.local import LocalStore

    market_page.set_catalog(None)
    assert market_page.browse.empty.headline.text() == NO_CATALOGUE[0]
    upgrade(tmp_path / "empty.db")
    empty = Catalog(session_factory(make_engine(tmp_path / "empty.db")), LocalStore(tmp_path / "none"))
    market_page.set_catalog(empty)
    qtbot.waitUntil(lambda: market_page.browse.empty.headline.text() == NOTHING_PUBLISHED[0], timeout=5000)
    assert "Label → My campaigns" in market_page.browse.empty.explanation.text()
