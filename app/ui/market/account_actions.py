"""The Marketplace's actions that sign or read as the account: buying (the dialog), My licenses
(read, download, refund, dispute, accept) and Earnings (read, claim all).

Each runs as an operation of its own key through the market services (``app.market.buying``,
``my_licenses``, ``earnings``): the same code as ``sahara market``. A failure is shown in words
where the user acted (the license's row, the Earnings card) and loses nothing; a success redraws
what it changed. Asset names come from the catalogue when it has them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from app.market import buying, earnings, licenses, my_licenses, offers
from app.market.asset_cache import note_download
from app.market.catalog.asset_page import asset_names_with
from app.market.context import MarketContext
from app.ui.market.buy_dialog import BuyDialog, download_name
from app.ui.market.context import describe
from app.ui.market.earnings_view import EarningsView
from app.ui.market.licenses_view import LicensesView
from app.ui.market.publish_wizard import PublishWizard
from app.ui.operations import Op, Operations


class AccountActions(QObject):
    """Runs the account's market actions for the page; ``context`` is None until a network is up."""

    notice = Signal(str)  # a short line for the page's status
    verified = Signal(int)  # an asset's content was downloaded and hashed (its page's badge changes)

    def __init__(
        self,
        held: LicensesView,
        earned: EarningsView,
        catalog: Callable[[], Any],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.ops = Operations(name="market-account", describe=describe, parent=self)
        self.licenses = held
        self.earned = earned
        self.catalog = catalog
        self.context: Callable[[], MarketContext] | None = None
        self.downloads = Path.home() / "Downloads" / "Sahara"
        self.cache: Path | None = None  # where a verified download is noted (the asset page's badge)
        self.dialog: BuyDialog | None = None
        self.wizard: PublishWizard | None = None
        self.labeling: Callable[[], tuple[Any, str]] | None = None  # the Label page's service, or why not
        self._parent = parent
        self._earnings: earnings.Earnings | None = None
        self._earnings_floor = earnings.ReadFloor()  # a read older than what is shown or claimed is stale
        held.refresh_button.clicked.connect(self.load_licenses)
        held.download.connect(self.download)
        held.refund.connect(lambda lid: self._act(lid, "refund", my_licenses.refund, "Refunded"))
        held.accept.connect(lambda lid: self._act(lid, "accept", my_licenses.accept, "Accepted"))
        held.dispute.connect(self.dispute)
        earned.claim_all.connect(self.claim_all)
        self.ops.changed.connect(self._changed)

    def forget(self) -> None:
        """Another account or network: reads under way are for the old one, and its block heights
        mean nothing on the new one."""
        self.ops.reset()
        self._earnings = None
        self._earnings_floor = earnings.ReadFloor()

    def _ctx(self) -> MarketContext:
        if self.context is None:
            from app.ui.market.context import NO_NETWORK, NoContext

            raise NoContext(NO_NETWORK)
        return self.context()

    async def _names(self, ids: list[int]) -> dict[int, str]:
        catalog = self.catalog()
        if catalog is None:
            return {}
        return await asyncio.to_thread(asset_names_with, catalog.sessions, catalog.chain_id, ids)

    def _changed(self, what: frozenset[str]) -> None:
        if "licenses" in what:
            self.load_licenses()
        if "earnings" in what:
            self.load_earnings()

    # -- buying ----------------------------------------------------------------------------------

    def buy(self, offer_id: int) -> BuyDialog:
        """Open the buy dialog for ``offer_id`` (it quotes before anything is signed)."""
        dialog = BuyDialog(self._ctx, offer_id, self.downloads, self._parent, noted=self.noted)
        dialog.ops.changed.connect(self._changed)
        self.dialog = dialog
        dialog.finished.connect(lambda _code: setattr(self, "dialog", None))
        dialog.open()
        return dialog

    # -- publishing ------------------------------------------------------------------------------

    def publish(self, chain_id: int) -> PublishWizard:
        """Open the publish wizard; a dataset comes from one of the account's own campaigns."""
        labeling = self.labeling

        def service() -> Any:
            found, why = labeling() if labeling is not None else (None, "No labeling service.")
            if found is None:
                raise RuntimeError(why)
            return found

        async def campaigns() -> list[tuple[int, str]]:
            found = service()
            mine = (found.address or "").lower()
            return [(c.campaign_id, c.title) for c in await found.campaigns() if c.requester.lower() == mine]

        async def from_campaign(
            campaign_id: int, terms: Any, owner_share_bps: int, say: Callable[[str, float], None]
        ) -> int:
            from app.labeling.publish import publish_campaign

            published = await publish_campaign(
                service(), campaign_id, price=terms.price, offers=(terms,), progress=say,
                owner_share_bps=owner_share_bps,
            )  # fmt: skip
            return published.asset_id

        async def labelers(campaign_id: int) -> int:
            from app.labeling.publish import contributor_weights

            return len(await contributor_weights(service(), campaign_id))

        wizard = PublishWizard(
            self._ctx, chain_id, self._parent,
            campaigns=campaigns if labeling else None, publish_campaign=from_campaign if labeling else None,
            labelers=labelers if labeling else None,
        )  # fmt: skip
        self.wizard = wizard
        wizard.finished.connect(lambda _code: setattr(self, "wizard", None))
        wizard.open()
        return wizard

    def set_offer_active(self, offer_id: int, active: bool) -> None:
        """Pause (delist) or resume one of the account's offers; the catalogue redraws the asset."""

        async def work(_say: Any) -> None:
            await offers.set_offer_active(self._ctx(), offer_id, active)

        done = "resumed" if active else "paused; nobody can buy it until you resume it"
        self.ops.run(
            Op(
                f"offer:{offer_id}", work, busy=f"{'Resuming' if active else 'Pausing'} offer {offer_id}…",
                progress=lambda text: self.notice.emit(text or ""),
                success=lambda _none: self.notice.emit(f"Offer {offer_id} {done}."),
                failure=self.notice.emit,
            )
        )  # fmt: skip

    def labelers(self, board: str, campaign_id: int) -> Callable[[Any], Any]:
        """The work reading a campaign's labelers and their accepted items (the dataset's contributors)."""

        async def work(_say: Any) -> list[tuple[str, int]]:
            from app.labeling.publish import contributor_weights

            service, why = self.labeling() if self.labeling is not None else (None, "no labeling service")
            if service is None:
                raise RuntimeError(why)
            if service.deployment.address("TaskBoard").lower() != board.lower():
                raise RuntimeError("the campaign is on another board")
            weights = await contributor_weights(service, campaign_id)
            return sorted(weights.items(), key=lambda pair: (-pair[1], pair[0]))

        return work

    # -- my licenses -----------------------------------------------------------------------------

    def load_licenses(self) -> None:
        async def work(_say: Any) -> tuple[list[my_licenses.HeldLicense], dict[int, str]]:
            rows = await my_licenses.my_licenses(self._ctx())
            return rows, await self._names([r.asset_id for r in rows])

        self.ops.run(
            Op(
                "licenses", work,
                success=lambda found: self.licenses.show_licenses(*found),
                failure=self.licenses.show_problem, again=True,
            )
        )  # fmt: skip

    def _act(self, license_id: int, key: str, action: Callable[..., Any], done: str, *args: Any) -> None:
        async def work(_say: Any) -> Any:
            return await action(self._ctx(), license_id, *args)

        self.ops.run(
            Op(
                f"{key}:{license_id}", work,
                success=lambda _result: self.notice.emit(f"{done} license #{license_id}."),
                failure=lambda why: self.licenses.show_problem(why, license_id),
                changes=frozenset({"licenses", "earnings"}),
            )
        )  # fmt: skip

    def dispute(self, license_id: int, reason: str) -> None:
        if not reason:
            self.licenses.show_problem(
                "Say what is wrong with the delivery: the arbiter reads it.", license_id
            )
            return
        self._act(license_id, "dispute", my_licenses.dispute, "Disputed", reason)

    def download(self, license_id: int) -> None:
        async def work(say: Any) -> buying.Downloaded:
            ctx = self._ctx()
            asset_id = await licenses.asset_of_license(ctx.client, ctx.deployment, license_id)
            meta = await buying.asset_metadata(ctx, asset_id)
            dest = self.downloads / download_name(meta, asset_id)
            saved = await buying.download(
                ctx,
                license_id,
                dest,
                progress=lambda stage, _f: say(f"License #{license_id}: {stage}…"),
                wait_s=5.0,
            )
            await self.noted(saved)
            return saved

        self.ops.run(
            Op(
                f"download:{license_id}", work, progress=lambda text: self.notice.emit(text or ""),
                success=lambda saved: self.notice.emit(
                    f"Saved {saved.path}: its SHA-256 matches the published hash."
                ),
                failure=lambda why: self.licenses.show_problem(why, license_id),
            )
        )  # fmt: skip

    async def noted(self, saved: buying.Downloaded) -> None:
        """Note a verified download where the asset page's badge looks (it says "verified" only then)."""
        cache, catalog = self.cache, self.catalog()
        if cache is not None and catalog is not None:
            await asyncio.to_thread(note_download, cache, catalog.chain_id, saved)
            self.verified.emit(saved.asset_id)

    # -- earnings --------------------------------------------------------------------------------

    def load_earnings(self) -> None:
        async def work(_say: Any) -> tuple[earnings.Earnings, list[earnings.ClaimRecord], dict[int, str]]:
            ctx = self._ctx()
            found = await earnings.earnings(ctx)  # as of the head: it carries that block
            claims = await earnings.history(ctx, block=found.block)
            names = await self._names([r.asset_id for r in found.rows] + [c.asset_id for c in claims])
            return found, claims, names

        def shown(result: tuple[earnings.Earnings, list[earnings.ClaimRecord], dict[int, str]]) -> None:
            if not self._earnings_floor.admit(result[0].block):
                return  # read before a claim was mined (or before what is shown): the next read is newer
            self._earnings = result[0]
            self.earned.show_earnings(*result)

        self.ops.run(Op("earnings", work, success=shown, failure=self.earned.show_problem, again=True))

    def claim_all(self) -> None:
        found = self._earnings

        async def work(_say: Any) -> earnings.Claim:
            return await earnings.claim(self._ctx(), found)

        def claimed(done: earnings.Claim) -> None:
            self._earnings_floor.raise_to(done.block)  # any read begun before it is mined is stale
            self.earned.show_claimed(done.amount)

        def failed(why: str) -> None:
            self.earned.show_problem(why)
            self.earned.claim_button.setEnabled(True)

        self.earned.claim_button.setEnabled(False)
        self.ops.run(Op("claim", work, success=claimed, failure=failed, changes=frozenset({"earnings"})))
