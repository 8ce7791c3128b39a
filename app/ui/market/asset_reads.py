"""An open asset's reads beyond its catalogue row, for the Marketplace page: the metadata's file list
and the content's badge, and its contributors (the list in storage, or a campaign's labelers read
from the board).

They run as operations of the page's own ``Operations`` (each a key of its own, run once more when
asked again while one runs), so the page's busy state and its reset on a new catalogue cover them.
The contributor list is read once per CID: a redraw of the same asset shows what it said before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from app.events import Events
from app.market.asset_cache import ContentCheck, files_and_content
from app.market.catalog.asset_page import AssetDetail, read_contributors
from app.ui.market.account_actions import AccountActions
from app.ui.market.asset_view import AssetView
from app.ui.market.contributors_list import from_campaign
from app.ui.operations import Op, Operations


class Catalog(Protocol):
    """What the page reads: the market indexer (``MarketIndexer``) has these."""

    sessions: Any
    chain_id: int
    store: Any
    events: Events


class AssetReads:
    """Fills ``view`` (the asset shown) with what its page row does not hold; ``say`` is the page's
    status line, ``catalog`` and ``cache`` give the page's catalogue and cache folder of the moment."""

    def __init__(
        self,
        view: AssetView,
        ops: Operations,
        account: AccountActions,
        catalog: Callable[[], Catalog | None],
        cache: Callable[[], Path | None],
        say: Callable[[str], None],
    ) -> None:
        self.view = view
        self.ops = ops
        self.account = account
        self.catalog = catalog
        self.cache = cache
        self.say = say
        self._contributors_of = ""  # the contributor list shown (a CID), so a redraw does not reread it
        self._contributors: tuple[list[tuple[str, int]] | None, str] | None = None  # what it said

    def forget(self) -> None:
        """A new catalogue: the next asset shown reads its contributors again."""
        self._contributors_of = ""

    def shown(self, detail: AssetDetail, before: AssetDetail | None) -> None:
        """``detail`` was just drawn (``before`` was the asset shown until then): read its files and,
        unless they are the ones shown already, its contributors."""
        self.load_files(detail)  # the redraw cleared the file list and the content's badge
        same = before is not None and before.asset_id == detail.asset_id
        if same and self._contributors_of == detail.contributors_cid:
            if self._contributors is not None:
                self.view.show_contributors(*self._contributors)
            return
        self._contributors_of = detail.contributors_cid
        self._contributors = None
        if detail.contributors_cid:
            self._load_contributors(detail.contributors_cid)
        elif from_campaign(detail):
            self._load_labelers(detail)

    def content_verified(self, asset_id: int) -> None:
        """A download of ``asset_id`` was verified: its page's badge (if open) says so now."""
        if self.view.detail is not None and self.view.detail.asset_id == asset_id:
            self.load_files(self.view.detail)

    def _load_labelers(self, detail: AssetDetail) -> None:
        """A campaign-backed dataset's labelers and their accepted items, read from the board (when
        the Label page's service is there to read it; otherwise the page says who they are in words)."""
        asset_id = detail.asset_id

        def shown(pairs: list[tuple[str, int]]) -> None:
            if pairs and self.view.detail is not None and self.view.detail.asset_id == asset_id:
                self._contributors = (pairs, "")
                self.view.show_contributors(pairs)

        work = self.account.labelers(detail.labeling_record, detail.campaign_id)
        self.ops.run(Op("labelers", work, success=shown, failure=lambda _why: None, again=True))

    def load_files(self, detail: AssetDetail) -> None:
        """The metadata's file list (the catalogue keeps only what search needs), and whether this
        computer holds the content as bytes the app downloaded and hashed (the content's badge)."""
        catalog, cache, cid = self.catalog(), self.cache(), detail.metadata_cid
        if catalog is None:
            return

        async def work(_say: Any) -> tuple[Any, str, ContentCheck]:
            ok = detail.meta_status == "ok"
            return await asyncio.to_thread(
                files_and_content, catalog.store, cid, ok, cache, catalog.chain_id, detail.asset_id
            )

        def shown(found: tuple[Any, str, ContentCheck]) -> None:
            meta, problem, check = found
            if self.view.detail is None or self.view.detail.metadata_cid != cid:
                return
            if detail.meta_status == "ok":
                self.view.show_published(meta, problem)
            self.view.show_content(check)

        self.ops.run(Op("files", work, success=shown, failure=self.say, again=True))

    def _load_contributors(self, cid: str) -> None:
        catalog = self.catalog()
        if catalog is None:
            return

        async def work(_say: Any) -> list[tuple[str, int]]:
            return await asyncio.to_thread(read_contributors, catalog.store, cid)

        def shown(result: list[tuple[str, int]] | None, problem: str = "") -> None:
            if self._contributors_of != cid:
                return
            self._contributors = (result, problem)
            self.view.show_contributors(result, problem)

        self.ops.run(
            Op("contributors", work, success=shown, failure=lambda why: shown(None, str(why)), again=True)
        )
