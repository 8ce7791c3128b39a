"""Wallet: the account page, honest until the wallet feature lands."""

from __future__ import annotations

from app.ui.pages.empty_state import EmptyStatePage
from app.ui.theme import Colors


class WalletPage(EmptyStatePage):
    def __init__(self, colors: Colors) -> None:
        super().__init__(
            "Wallet",
            "Your accounts, balances and transactions.",
            icon="wallet",
            headline="No wallet yet",
            body=(
                "Creating or importing a wallet arrives with the wallet feature. Until then the app has no "
                "account, so it shows no balance and signs nothing."
            ),
            plans=[
                "Create a wallet with a recovery phrase, or import one (compatible with MetaMask).",
                "Keys stay on this computer in an encrypted keystore, never in logs.",
                "See balances and every transaction the app sends, with its status on-chain.",
            ],
            colors=colors,
        )
