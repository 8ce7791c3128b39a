"""The asset page's content badge: "Not downloaded yet" until the app has downloaded and hashed the
bytes, "Verified (SHA-256 …)" after, "Hash mismatch" when the copy changed or is not what the asset
publishes. A metadata that parsed (its own badge says so) never marks the content verified."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from market_catalog import ALICE, CID
from PySide6.QtWidgets import QLabel

from app.market.asset_cache import note_download
from app.market.buying import Downloaded

BYTES = b"pixel,label\n0,7\n"
SHA = hashlib.sha256(BYTES).hexdigest()


def badge(page: Any) -> str:
    return page.asset.content_badge.text()


def reopen(page: Any, catalog: Any, qtbot: Any, asset_id: int, expected: str) -> None:
    if page.asset.detail is None or page.asset.detail.asset_id != asset_id:
        page.open_asset(asset_id)
    else:
        catalog.events.emit("assets_changed")  # the indexer's "what changed" redraws the page
    qtbot.waitUntil(
        lambda: page.asset.detail is not None and page.asset.detail.asset_id == asset_id, timeout=5000
    )
    qtbot.waitUntil(lambda: badge(page).startswith(expected), timeout=5000)


def test_the_badge_says_what_was_downloaded_and_hashed(
    market_page: Any, market_catalog: Any, qtbot: Any, tmp_path: Path
) -> None:
    market_page.cache = tmp_path / "cache"
    meta = market_catalog.meta(
        name="Labels",
        card="",
        tags=[],
        content={"cid": CID, "size": len(BYTES), "sha256": SHA, "packing": "file"},
    )
    market_catalog.publish(7, ALICE, meta=meta)
    market_catalog.fetch_metadata()
    reopen(market_page, market_catalog, qtbot, 7, "Not downloaded yet")
    files = [label.text() for label in market_page.asset.tabs.widget(2).findChildren(QLabel)]
    assert "✓ Verified: fetched and hashed to its CID" in files  # the metadata's badge, not the content's

    saved = tmp_path / "Downloads" / "labels.csv"
    saved.parent.mkdir()
    saved.write_bytes(BYTES)
    note_download(market_page.cache, market_catalog.chain_id, Downloaded(1, 7, saved, len(BYTES), SHA))
    reopen(market_page, market_catalog, qtbot, 7, "✓ Verified: downloaded and hashed")
    assert SHA[:16] in badge(market_page) and market_page.asset.content_badge.property("role") == "ok"

    saved.write_bytes(BYTES + b"1,1\n")  # the copy is changed after it was verified
    reopen(market_page, market_catalog, qtbot, 7, "✗ Hash mismatch")
    assert "changed after it was verified" in badge(market_page)
    assert market_page.asset.content_badge.property("role") == "error"


def test_parsed_metadata_alone_never_marks_the_content_verified(
    market_page: Any, market_catalog: Any, qtbot: Any, tmp_path: Path
) -> None:
    market_page.cache = tmp_path / "cache"
    reopen(market_page, market_catalog, qtbot, 1, "Not downloaded yet")  # its metadata parsed and verified
    saved = tmp_path / "digits.zip"
    saved.write_bytes(BYTES)  # bytes the app verified once, but not what asset 1 publishes
    note_download(market_page.cache, market_catalog.chain_id, Downloaded(1, 1, saved, len(BYTES), SHA))
    reopen(market_page, market_catalog, qtbot, 1, "✗ Hash mismatch")
    assert "not the content the asset publishes" in badge(market_page)
