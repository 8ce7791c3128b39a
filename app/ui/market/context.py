"""The market actions' context for the window (the composition root builds it), or why there is none
yet, and the market's failures in the words the Marketplace shows where the user acted.
"""

from __future__ import annotations

from typing import Any

from app.market.context import MarketContext
from app.ui.labeling.wording import explain

LOCKED = "Your wallet is locked: unlock it (the account in the status bar) and try again. Nothing was sent."
NO_NETWORK = "The network and Sahara's contracts are not ready yet; the status bar shows the connection."


class NoContext(RuntimeError):
    """No market action can run now; the message says why."""


def market_context(services: Any) -> MarketContext:
    """``NetworkServices.market_context()`` (the composition root's), or ``NoContext`` in words."""
    from app.runtime import NetworkError

    try:
        return services.market_context()
    except NetworkError as exc:
        raise NoContext(NO_NETWORK) from exc


def describe(exc: BaseException) -> str:
    """A market action's failure in words: the services' own messages (``BuyError``, ``PublishError``,
    ``LicenseActionError``, ``ClaimError`` already say why and what was kept), a locked wallet, or
    the contract's error worded as the Label page words it."""
    from app.wallet.service import WalletLocked

    if isinstance(exc, WalletLocked):
        return LOCKED
    if isinstance(exc, ConnectionError | TimeoutError | OSError) and not isinstance(exc, FileNotFoundError):
        return f"The network did not answer ({exc}). Nothing was lost: try again when it is back."
    return explain(exc)
