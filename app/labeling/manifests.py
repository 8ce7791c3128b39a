"""Campaign manifests read from the blob store, by CID, with what the board says each campaign uses.

A campaign's manifest CID is in its ``CampaignCreated`` event; content under a CID never changes,
so a valid manifest is kept for good, and so is the reason an invalid one was refused (not read
again on every refresh); a missing one is asked for again next time, as it may still arrive.
CIDs on chain are anyone's: a blob is read with a size limit, never whole into memory first.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from pydantic import ValidationError

from app.labeling.schema import Manifest
from app.storage.cid import Cid
from app.storage.errors import BlobTooLarge, InvalidCid
from app.storage.store import read_limited

if TYPE_CHECKING:
    from app.labeling.catalog import Board
    from app.storage.store import BlobStore

MAX_MANIFEST_BYTES = 64 * 1024 * 1024  # a hostile CID must not make the app read gigabytes into memory


class Manifests:
    """The manifests of one board's campaigns, read once."""

    def __init__(self, store: BlobStore, board: Board) -> None:
        self.store = store
        self.board = board
        self._by_cid: dict[str, Manifest] = {}
        self._cids: dict[int, str] = {}  # campaign id -> manifest CID (from its CampaignCreated)
        self._invalid: dict[str, str] = {}  # manifest CID -> why it was refused

    def remember(self, campaign_id: int, cid: str, manifest: Manifest | None = None) -> None:
        """Note the campaign's manifest CID (from its creation event), and the manifest if known."""
        self._cids[campaign_id] = cid
        if manifest is not None:
            self._by_cid[cid] = manifest

    async def load(self, cid: str) -> Manifest:
        """The manifest under ``cid``; ``ValueError`` (cached) for one that is not a valid manifest,
        ``StorageError`` for one that cannot be read now."""
        if cid in self._invalid:
            raise ValueError(self._invalid[cid])
        if cid not in self._by_cid:
            try:
                Cid.parse(cid)
                raw = await asyncio.to_thread(read_limited, self.store, cid, MAX_MANIFEST_BYTES)
                self._by_cid[cid] = Manifest.model_validate_json(raw)
            except (ValidationError, InvalidCid, BlobTooLarge) as exc:
                self._invalid[cid] = f"not a valid manifest: {exc}"
                raise ValueError(self._invalid[cid]) from exc
        return self._by_cid[cid]

    async def cid(self, campaign_id: int) -> str:
        """The manifest CID the campaign was created with (``KeyError`` for an unknown campaign)."""
        if campaign_id not in self._cids:
            created = await self.board.events("CampaignCreated", campaign_id)
            if not created:
                raise KeyError(f"Campaign {campaign_id} does not exist on this network.")
            self._cids[campaign_id] = str(created[0].args["params"]["manifestCid"])
        return self._cids[campaign_id]

    async def of(self, campaign_id: int) -> Manifest:
        """The campaign's manifest (``KeyError`` for an unknown campaign)."""
        return await self.load(await self.cid(campaign_id))
