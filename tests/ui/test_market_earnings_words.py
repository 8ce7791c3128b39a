"""The Earnings section says what part of an asset's royalties each row is: an owner share beside
the labeler share of the same dataset (the labelers' part net of it), in words."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel

from app.market.earnings import OWNER_SHARE, AssetEarning, Earnings
from app.ui.market.earnings_view import EarningsView
from app.ui.theme import LIGHT

E18 = 10**18


def test_owner_share_and_labeler_rows_in_words(app: Any, qtbot: Any) -> None:
    view = EarningsView(LIGHT)
    qtbot.addWidget(view)
    rows = (
        AssetEarning(3, "owner share", OWNER_SHARE, 10, 1_000, E18, 0),
        AssetEarning(3, "labeler", 5, 10, 1_000, 4 * E18 + 5 * 10**17, 0),
        AssetEarning(4, "owner", 0, 0, 0, 2 * E18, E18),
    )
    view.show_earnings(Earnings(rows, (4, 3)), [], {3: "Digits"})
    shown = [label.text() for label in view.findChildren(QLabel)]
    assert "owner, keeps 10 % of its royalties" in shown
    assert "labeler, 50.00 % of the contributors' 90 %" in shown
    assert "owner" in shown
    assert view.total.text() == "7.5 SAHARA" and view.claim_button.isEnabled()
