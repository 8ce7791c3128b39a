"""Marketplace: the asset catalogue's page, honest until publishing and licensing land."""

from __future__ import annotations

from app.ui.pages.empty_state import EmptyStatePage
from app.ui.theme import Colors


class MarketplacePage(EmptyStatePage):
    def __init__(self, colors: Colors) -> None:
        super().__init__(
            "Marketplace",
            "Publish and license datasets, models and agents.",
            icon="storefront",
            headline="The marketplace arrives with asset publishing",
            body=(
                "There is nothing listed yet: publishing and licensing are not part of the app so far. "
                "Listings will come from the chain's AssetRegistry, never from sample data."
            ),
            plans=[
                "Publish a dataset, model or agent with its license terms: price, duration, commercial use.",
                "Buy a license; the content's key is delivered to you, encrypted, once payment is in escrow.",
                "Royalties flow automatically to everyone upstream of an asset, labelers included.",
            ],
            colors=colors,
        )
