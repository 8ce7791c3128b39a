"""The parties of a market test: real wallets and each seller's key delivery over its own database.

A plain module (not a test), imported by name by the market's integration tests.
"""

from __future__ import annotations

from pathlib import Path

from devchain import Chain

from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.storage.local import LocalStore
from app.wallet.faucet import DEV_MNEMONIC
from app.wallet.outbox import Outbox
from app.wallet.service import WalletService
from app.workers.key_delivery import DeliveryConfig, KeyDeliveryService


def wallet(folder: Path, index: int) -> WalletService:
    """A real wallet holding the devnet mnemonic, with account ``index`` active."""
    service = WalletService(folder, scrypt_n=2**4)
    service.create(DEV_MNEMONIC, "correct horse battery")
    for _ in range(index):
        service.add_account()
    service.active_index = index
    return service


class Seller:
    """A seller's key delivery service over its own database, as its app runs it."""

    def __init__(self, folder: Path, wallet_: WalletService, index: int, store: LocalStore, c: Chain) -> None:
        upgrade(folder / f"seller-{index}.db")
        sessions = session_factory(make_engine(folder / f"seller-{index}.db"))
        outbox = Outbox(sessions, c.client, c.outbox.chain_id)
        self.service = KeyDeliveryService(
            sessions,
            outbox,
            c.deployment,
            store,
            wallet_,
            accounts=[index],
            config=DeliveryConfig(interval_s=0.1),
        )

    async def deliver(self, license_id: int) -> None:
        report = await self.service.run_once()
        assert report.delivered == [license_id], report
