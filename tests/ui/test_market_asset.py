"""The Marketplace's asset page on a real catalogue: the card rendered with nothing fetched, offers
in words, files with their verified (or failed) marks, contributors and shares, lineage clicks with
back navigation, and assets whose metadata is missing, malformed or lies about its CID."""

from __future__ import annotations

import json
from typing import Any

from market_catalog import ALICE, BOB, contributor_file
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app.chain.merkle import build_tree


def open_asset(page: Any, qtbot: Any, asset_id: int) -> None:
    page.open_asset(asset_id)
    qtbot.waitUntil(
        lambda: page.stack.currentWidget() is page.asset and page.asset.detail.asset_id == asset_id,
        timeout=5000,
    )


def texts(widget: Any) -> list[str]:
    return [label.text() for label in widget.findChildren(QLabel) if label.text()]


def test_the_card_renders_and_fetches_nothing(market_page: Any, qtbot: Any) -> None:
    open_asset(market_page, qtbot, 1)
    view = market_page.asset
    assert view.heading.text() == "Handwritten digits"
    assert view.kind.text() == "Dataset #1"
    assert not view.problem.isVisibleTo(market_page)
    card = view.card.toPlainText()
    assert card.startswith("Handwritten digits") and "labeled by 3 people" in card and "train" in card
    assert "[image not loaded: tracking pixel] [image not loaded: local file]" in card  # in words
    assert not view.card.refused  # nothing was even asked for
    view.card.setHtml('<img src="https://tracker.example/a.png"><img src="file:///etc/passwd">')
    view.card.grab()  # a paint loads resources: both are asked for, and refused
    assert {"https://tracker.example/a.png", "file:///etc/passwd"} <= set(view.card.refused)
    assert view.tags.text() == "#image-classification  #digits  #vision"


def test_offers_files_contributors_and_sales_in_words(market_page: Any, qtbot: Any) -> None:
    open_asset(market_page, qtbot, 1)
    view = market_page.asset
    assert view.licenses_tile.value.text() == "2"
    assert view.revenue_tile.value.text() == "0 SAHARA"  # delivered or not, nothing settled yet
    assert "4 SAHARA more is in escrow" in view.revenue_tile.value.toolTip()
    assert view.price_tile.value.text() == "2 SAHARA"
    offers = texts(view.tabs.widget(1))
    for term in ("Costs 2 SAHARA", "Never expires", "Commercial use allowed", "Not transferable"):
        assert f"• {term}" in offers
    assert "• Unlimited licenses" in offers
    files = texts(view.tabs.widget(2))
    assert "✓ Verified: fetched and hashed to its CID" in files
    assert view.detail.metadata_cid in files and view.detail.content_cid in files
    assert any(t.startswith("Version 1 (current)") for t in files)
    listed = f"digits.zip · 1,234 bytes · SHA-256 {'ab' * 32}"
    qtbot.waitUntil(lambda: listed in texts(view.tabs.widget(2)), timeout=5000)  # from the metadata
    qtbot.waitUntil(
        lambda: "3 contributors, paid in proportion to their weight:" in texts(view), timeout=5000
    )
    people = texts(view.tabs.widget(4))
    assert {"54.00 %", "27.00 %", "9.00 %"} <= set(people)  # of the whole: the owner keeps 10 %
    assert any(
        t.startswith("Owner share: 10 % of the contributors' royalties go to the asset's owner")
        for t in people
    )
    history = texts(view.tabs.widget(5))
    assert any(t.startswith("License bought by") for t in history)
    assert "Key delivered: license 1" in history


def test_no_commercial_offer_says_so(market_page: Any, qtbot: Any) -> None:
    open_asset(market_page, qtbot, 2)
    offers = texts(market_page.asset.tabs.widget(1))
    assert "• No commercial use" in offers and "• Costs 10 SAHARA" in offers
    assert "The owner, 0x2222…2222, receives the asset's whole share." in texts(
        market_page.asset.tabs.widget(4)
    )


def test_unreadable_metadata_is_shown_as_such(market_page: Any, qtbot: Any) -> None:
    marks = {
        4: "Metadata could not be fetched",
        5: "Malformed metadata (metadata is not a JSON object)",
        6: "CID mismatch: the metadata does not hash to its CID",
    }
    for asset_id, mark in marks.items():
        open_asset(market_page, qtbot, asset_id)
        view = market_page.asset
        assert view.heading.text() == f"Asset #{asset_id}"  # never the lying blob's "Lying dataset!"
        assert view.problem.isVisibleTo(market_page) and view.problem.text().startswith(mark)
        assert view.card.toPlainText().startswith("No card:")
        assert any(t.startswith(f"✗ {mark}") for t in texts(view.tabs.widget(2)))
        market_page.go_back()
    assert "Lying dataset!" not in json.dumps([texts(market_page)])


def test_a_tampered_contributor_list_is_refused(market_page: Any, market_catalog: Any, qtbot: Any) -> None:
    dump = build_tree({ALICE: 1, BOB: 9}).dump()
    dump["values"][0]["value"][1] = "1000"  # a contributor gives itself more weight
    tampered = str(market_catalog.store.put([json.dumps(dump).encode()]))
    meta = market_catalog.meta(name="Tampered split", card="", tags=[])
    market_catalog.publish(7, ALICE, meta=meta, split=tampered)
    honest = contributor_file(market_catalog, {ALICE: 1})
    market_catalog.publish(8, ALICE, meta=meta, split=honest)
    market_catalog.fetch_metadata()
    open_asset(market_page, qtbot, 7)
    people = market_page.asset.tabs.widget(4)
    qtbot.waitUntil(lambda: any(t.startswith("✗ the contributor list") for t in texts(people)), timeout=5000)
    assert "does not match its contributors" in " ".join(texts(people))
    open_asset(market_page, qtbot, 8)
    qtbot.waitUntil(lambda: "100.00 %" in texts(people), timeout=5000)


def test_lineage_click_navigates_and_back_returns(market_page: Any, qtbot: Any) -> None:
    open_asset(market_page, qtbot, 2)
    view = market_page.asset
    view.show_tab("Lineage")
    lineage = view.lineage
    assert set(lineage.nodes) == {1, 2, 3}  # its parent, itself, its child
    assert "Derives from 1 asset: 20 % of its revenue goes to them." in view.royalty.text()

    def click(asset_id: int) -> None:
        qtbot.waitUntil(lambda: asset_id in lineage.nodes, timeout=5000)
        centre = lineage.node_rect(asset_id).center()
        qtbot.mouseClick(lineage.viewport(), Qt.MouseButton.LeftButton, pos=centre)
        qtbot.waitUntil(lambda: view.detail.asset_id == asset_id, timeout=5000)

    click(1)
    assert view.heading.text() == "Handwritten digits"
    click(2)
    click(3)
    assert view.heading.text() == "Digit reader agent"
    centre = lineage.node_rect(3).center()  # the asset itself is not a link
    qtbot.mouseClick(lineage.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert market_page._trail == [2, 1, 2, 3]
    for expected in (2, 1, 2):
        qtbot.keyClick(view, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda e=expected: view.detail.asset_id == e, timeout=5000)
    view.back.click()
    assert market_page.stack.currentWidget() is market_page.browse


def test_an_asset_not_in_the_catalogue(market_page: Any, qtbot: Any) -> None:
    market_page.open_asset(99)
    qtbot.waitUntil(lambda: "not in this network's catalogue" in market_page.status.text(), timeout=5000)
    assert market_page.stack.currentWidget() is market_page.browse and market_page._trail == []


def test_theme_switch_redraws(market_page: Any, qtbot: Any) -> None:
    from app.ui.theme import DARK

    open_asset(market_page, qtbot, 2)
    market_page.apply_colors(DARK)
    assert market_page.asset.lineage.backgroundBrush().color().name() == DARK.window


def test_a_redraw_never_pulls_the_user_out_of_my_licenses(
    market_page: Any, market_catalog: Any, qtbot: Any
) -> None:
    open_asset(market_page, qtbot, 1)
    market_page.show_section(1)  # no network here: the section says so, and stays shown
    licenses = market_page.stack.currentWidget()
    qtbot.waitUntil(lambda: market_page.licenses.problem.isVisibleTo(market_page), timeout=5000)
    assert "not ready yet" in market_page.licenses.problem.text()
    market_catalog.events.emit("assets_changed")  # the indexer redraws the asset opened before
    qtbot.waitUntil(lambda: not market_page.ops.busy("asset"), timeout=5000)
    qtbot.wait(100)
    assert market_page.stack.currentWidget() is licenses
    market_page.show_section(0)
    assert market_page.stack.currentWidget() is market_page.asset  # Browse returns to the asset open
