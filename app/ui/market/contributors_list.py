"""The asset page's Contributors tab: the owner share, then who is paid from the asset's vault and
in what part: the contributor list the page read from storage (``asset_reads``), a campaign's
labelers weighted by their accepted items, or the owner alone.

Functions that fill the tab's layout, so the asset view only says when; the shares are computed
from the weights as the vault pays them (the owner share first, the rest by weight).
"""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QVBoxLayout

from app.market.catalog.asset_page import AssetDetail
from app.ui.market.wording import short
from app.ui.widgets import clear_layout, selectable_label, styled_label
from app.words import plural

ZERO = "0x" + "00" * 20
SHOWN = 500  # rows drawn at most: a dataset may pay thousands of labelers


def from_campaign(detail: AssetDetail) -> bool:
    """Whether the asset's contributors are a labeling campaign's labelers (read from the board)."""
    return detail.labeling_record.lower() not in ("", ZERO)


def show_pending(layout: QVBoxLayout, detail: AssetDetail) -> None:
    """What the tab says while the list is read, or who is paid when there is no list to read."""
    clear_layout(layout)
    _owner_share(layout, detail)
    if detail.contributors_cid:
        layout.addWidget(styled_label("Reading the contributor list…", "muted"))
    elif from_campaign(detail):
        layout.addWidget(
            styled_label(
                f"The labelers of campaign {detail.campaign_id} on {short(detail.labeling_record)}, each "
                "weighted by their accepted items as the board counts them on chain. They claim their "
                "share of every sale from the asset's vault.",
                wrap=True,
            )
        )
    else:
        layout.addWidget(
            styled_label(f"The owner, {short(detail.owner)}, receives the asset's whole share.", wrap=True)
        )


def show_list(
    layout: QVBoxLayout, detail: AssetDetail | None, pairs: list[tuple[str, int]] | None, problem: str = ""
) -> None:
    """The contributors and their shares of each sale, or why they could not be read (``problem``)."""
    clear_layout(layout)
    if detail is not None:
        _owner_share(layout, detail)
    if pairs is None:
        layout.addWidget(styled_label(f"✗ {problem}", "error", wrap=True))
        return
    total = sum(weight for _, weight in pairs) or 1
    left = 10_000 - (detail.owner_share_bps if detail is not None else 0)
    layout.addWidget(
        styled_label(f"{plural(len(pairs), 'contributor')}, paid in proportion to their weight:", wrap=True)
    )
    grid = QGridLayout()
    grid.setHorizontalSpacing(16)
    for row, (account, weight) in enumerate(pairs[:SHOWN]):
        grid.addWidget(selectable_label(account), row, 0)
        grid.addWidget(styled_label(f"{weight:,}", "muted"), row, 1)
        share = styled_label(f"{weight * left / 100 / total:.2f} %", "row-value")
        share.setToolTip(f"{weight * 100 / total:.2f} % of the contributors' part")
        grid.addWidget(share, row, 2)
    grid.setColumnStretch(0, 1)
    layout.addLayout(grid)


def _owner_share(layout: QVBoxLayout, detail: AssetDetail) -> None:
    """The owner share, beside the contributors it is taken from (nothing without one)."""
    bps = detail.owner_share_bps
    if bps:
        layout.addWidget(
            styled_label(
                f"Owner share: {bps / 100:g} % of the contributors' royalties go to the asset's owner, "
                f"{short(detail.owner)} (whoever owns it when claiming); the contributors below share "
                f"the other {(10_000 - bps) / 100:g} %.",
                wrap=True,
            )
        )
