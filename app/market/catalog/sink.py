"""The market's tables, written from checked events inside the indexer's transaction.

``market_log`` is the journal: every event kept, unique per (chain, tx hash, log index), so a log is
applied at most once. The other tables are projections of it: assets, lineage edges, offers and
licenses, plus per-asset aggregates search filters and sorts on (licenses sold, derivatives, the
cheapest active offer, whether any offer allows commercial use or derivatives), recomputed for the
assets a batch touched. A rollback (a reorganisation) deletes the journal above the fork and
rebuilds the touched assets from what is left of it, so no stale state survives one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app import safe_json
from app.chain.indexer import RawLog
from app.db.models import MarketAsset, MarketLicense, MarketLog, MarketOffer, MarketParent
from app.market.catalog.decode import BadEvent, Decoder, MarketEvent

log = logging.getLogger(__name__)

PRICE_DIGITS = 30  # uint256 prices above 10^30 wei are refused by the checks below
LICENSE_STATUS = {
    "KeyDelivered": "delivered",
    "LicenseDisputed": "disputed",
    "LicenseSettled": "settled",
    "LicenseRefunded": "refunded",
}
ZERO = "0x0000000000000000000000000000000000000000"


def padded(wei: int | str) -> str:
    """A wei amount as a fixed-width decimal string: compares and sorts like the number."""
    text = str(int(wei))
    if len(text) > PRICE_DIGITS or int(text) < 0:
        raise BadEvent(f"a price of {text[:40]} wei is out of range")
    return text.rjust(PRICE_DIGITS, "0")


class MarketSink:
    """The market catalogue's ``LogSink`` for one chain; ``skipped`` counts events left out."""

    def __init__(self, chain_id: int, decoder: Decoder) -> None:
        self.chain_id = chain_id
        self.decoder = decoder
        self.skipped = 0

    # -- LogSink ---------------------------------------------------------------------------------

    def apply(self, session: Session, logs: Sequence[RawLog]) -> set[str]:
        changed: set[str] = set()
        touched: set[int] = set()
        for raw in logs:
            try:
                event = self.decoder.decode(raw)
                asset = self._asset_of(session, event)
            except BadEvent as exc:
                self._skip(raw.tx_hash, raw.log_index, str(exc))
                continue
            row = {
                "chain_id": self.chain_id, "tx_hash": event.tx_hash, "log_index": event.log_index,
                "block": event.block, "asset_id": asset, "name": f"{event.contract}.{event.name}",
                "args": json.dumps(event.args, separators=(",", ":")),
            }  # fmt: skip
            stored = session.execute(sqlite_insert(MarketLog).values(row).on_conflict_do_nothing())
            if not stored.rowcount:
                continue  # already applied (a range read twice)
            try:
                changed |= self._project(session, event, touched)
            except BadEvent as exc:
                session.execute(
                    delete(MarketLog).where(
                        MarketLog.chain_id == self.chain_id,
                        MarketLog.tx_hash == event.tx_hash,
                        MarketLog.log_index == event.log_index,
                    )
                )
                self._skip(event.tx_hash, event.log_index, str(exc))
        self.refresh(session, touched)
        return changed

    def rollback(self, session: Session, after_block: int) -> set[str]:
        chain = MarketLog.chain_id == self.chain_id
        affected = set(
            session.scalars(select(MarketLog.asset_id).where(chain, MarketLog.block > after_block))
        )
        affected.discard(None)
        if not affected:
            session.execute(delete(MarketLog).where(chain, MarketLog.block > after_block))
            return set()
        parents = set(
            session.scalars(
                select(MarketParent.parent).where(
                    MarketParent.chain_id == self.chain_id, MarketParent.child.in_(affected)
                )
            )
        )
        session.execute(delete(MarketLog).where(chain, MarketLog.block > after_block))
        self._forget(session, affected)
        replay = session.execute(
            select(MarketLog)
            .where(chain, MarketLog.asset_id.in_(affected))
            .order_by(MarketLog.block, MarketLog.log_index)
        ).scalars()
        touched: set[int] = set()
        for entry in list(replay):
            contract, name = entry.name.split(".", 1)
            args = safe_json.loads(entry.args)
            event = MarketEvent(contract, name, args, entry.block, entry.tx_hash, entry.log_index)
            self._project(session, event, touched)
        self.refresh(session, affected | parents | touched)
        return {"assets", "offers", "licenses"}

    # -- projections -----------------------------------------------------------------------------

    def _skip(self, tx_hash: str, log_index: int, why: str) -> None:
        self.skipped += 1
        log.warning("market event %s#%d skipped: %s", tx_hash, log_index, why)

    def _asset_of(self, session: Session, event: MarketEvent) -> int | None:
        """The asset an event is about (looked up for events that name only a license or offer)."""
        args = event.args
        if event.name == "ParentLinked":
            return int(args["child"])
        if "assetId" in args:
            return int(args["assetId"])
        if event.name == "Transfer":
            if event.contract == "AssetRegistry":
                return int(args["tokenId"])
            return self._license_asset(session, int(args["tokenId"]), required=False)
        if event.name == "OfferActiveSet":
            found = session.scalar(
                select(MarketOffer.asset_id).where(
                    MarketOffer.chain_id == self.chain_id, MarketOffer.offer_id == args["offerId"]
                )
            )
            if found is None:
                raise BadEvent(f"OfferActiveSet for unknown offer {args['offerId']}")
            return int(found)
        if "licenseId" in args:
            return self._license_asset(session, int(args["licenseId"]), required=True)
        return None

    def _license_asset(self, session: Session, license_id: int, *, required: bool) -> int | None:
        found = session.scalar(
            select(MarketLicense.asset_id).where(
                MarketLicense.chain_id == self.chain_id, MarketLicense.license_id == license_id
            )
        )
        if found is None and required:
            raise BadEvent(f"an event for unknown license {license_id}")
        return None if found is None else int(found)

    def _known(self, session: Session, asset_id: int) -> bool:
        return session.scalar(select(MarketAsset.id).where(*self._asset(asset_id))) is not None

    def _asset(self, asset_id: int) -> tuple[Any, Any]:
        return MarketAsset.chain_id == self.chain_id, MarketAsset.asset_id == asset_id

    def _project(self, session: Session, event: MarketEvent, touched: set[int]) -> set[str]:
        a, name, chain = event.args, event.name, self.chain_id
        if name == "AssetRegistered":
            if self._known(session, a["assetId"]):
                raise BadEvent(f"asset {a['assetId']} registered twice")
            session.execute(
                insert(MarketAsset).values(
                    chain_id=chain, asset_id=a["assetId"], creator=a["creator"], owner=a["creator"],
                    kind=a["kind"], content_cid=a["contentCid"], metadata_cid=a["metadataCid"],
                    metadata_version=1, parent_royalty_bps=a["parentRoyaltyBps"],
                    derivative_royalty_bps=a["derivativeRoyaltyBps"], contributors_cid=a["contributorsCid"],
                    total_weight=str(a["totalWeight"]), labeling_record=a["labelingRecord"],
                    campaign_id=str(a["campaignId"]), block=event.block, tx_hash=event.tx_hash,
                    log_index=event.log_index, name="", card="", tags="", task_type="",
                    meta_status="pending", meta_problem="", meta_tries=0, meta_retry_at=0.0,
                    licenses=0, children=0, min_price=None, commercial=False, derivatives=False,
                )
            )  # fmt: skip
            touched.add(a["assetId"])
            return {"assets"}
        asset = a.get("child", a.get("assetId"))
        if name == "Transfer":
            return self._transfer(session, event, touched)
        if asset is not None and not self._known(session, int(asset)):
            raise BadEvent(f"{name} for unknown asset {asset}")
        if name == "ParentLinked":
            if not self._known(session, a["parent"]):
                raise BadEvent(f"ParentLinked to unknown parent {a['parent']}")
            edge = {"chain_id": chain, "child": a["child"], "parent": a["parent"], "block": event.block}
            session.execute(sqlite_insert(MarketParent).values(edge).on_conflict_do_nothing())
            touched.update((a["child"], a["parent"]))
            return {"assets"}
        if name == "MetadataUpdated":
            fresh = {"meta_status": "pending", "meta_tries": 0, "meta_retry_at": 0.0}
            values = {"metadata_cid": a["metadataCid"], "metadata_version": a["version"], **fresh}
            session.execute(update(MarketAsset).where(*self._asset(a["assetId"])).values(values))
            return {"assets"}
        if name == "OfferCreated":
            if session.get(MarketOffer, (chain, a["offerId"])) is not None:
                raise BadEvent(f"offer {a['offerId']} created twice")
            session.execute(
                insert(MarketOffer).values(
                    chain_id=chain, offer_id=a["offerId"], asset_id=a["assetId"], seller=a["seller"],
                    price=padded(a["price"]), duration=int(a["duration"]), max_licenses=a["maxLicenses"],
                    commercial=a["commercialUse"], derivatives=a["derivativesAllowed"],
                    transferable=a["transferable"], active=True, block=event.block,
                )
            )  # fmt: skip
            touched.add(a["assetId"])
            return {"offers"}
        if name == "OfferActiveSet":
            offer = MarketOffer.chain_id == chain, MarketOffer.offer_id == a["offerId"]
            session.execute(update(MarketOffer).where(*offer).values(active=a["active"]))
            touched.add(int(session.scalar(select(MarketOffer.asset_id).where(*offer)) or 0))
            return {"offers"}
        return self._license(session, event, touched)

    def _transfer(self, session: Session, event: MarketEvent, touched: set[int]) -> set[str]:
        a = event.args
        if event.contract == "AssetRegistry":
            if a["to"] == ZERO or not self._known(session, a["tokenId"]):
                return set()  # the mint comes before AssetRegistered, which sets the owner
            session.execute(update(MarketAsset).where(*self._asset(a["tokenId"])).values(owner=a["to"]))
            return {"assets"}
        if a["to"] == ZERO:
            return set()  # a refund burns the license: LicenseRefunded says so
        lic = MarketLicense.chain_id == self.chain_id, MarketLicense.license_id == a["tokenId"]
        session.execute(update(MarketLicense).where(*lic).values(buyer=a["to"]))
        return {"licenses"}

    def _license(self, session: Session, event: MarketEvent, touched: set[int]) -> set[str]:
        a, chain = event.args, self.chain_id
        if event.name == "LicensePurchased":
            if session.get(MarketLicense, (chain, a["licenseId"])) is not None:
                raise BadEvent(f"license {a['licenseId']} bought twice")
            session.execute(
                insert(MarketLicense).values(
                    chain_id=chain, license_id=a["licenseId"], asset_id=a["assetId"], buyer=a["buyer"],
                    offer_id=int(a["offerId"]), price=padded(a["price"]), status="pending",
                    used_for_derivative=False, block=event.block,
                )
            )  # fmt: skip
            touched.add(a["assetId"])
            return {"licenses"}
        lic = MarketLicense.chain_id == chain, MarketLicense.license_id == a["licenseId"]
        if event.name in LICENSE_STATUS:
            session.execute(update(MarketLicense).where(*lic).values(status=LICENSE_STATUS[event.name]))
        elif event.name == "DisputeResolved":
            session.execute(
                update(MarketLicense).where(*lic).values(status="refunded" if a["buyerWins"] else "settled")
            )
        elif event.name == "LicenseUsed" and a["forDerivative"]:
            session.execute(update(MarketLicense).where(*lic).values(used_for_derivative=True))
        touched.update(session.scalars(select(MarketLicense.asset_id).where(*lic)))
        return {"licenses"}

    def _forget(self, session: Session, assets: Iterable[int]) -> None:
        ids = list(assets)
        chain = self.chain_id
        session.execute(
            delete(MarketParent).where(MarketParent.chain_id == chain, MarketParent.child.in_(ids))
        )
        session.execute(
            delete(MarketOffer).where(MarketOffer.chain_id == chain, MarketOffer.asset_id.in_(ids))
        )
        session.execute(
            delete(MarketLicense).where(MarketLicense.chain_id == chain, MarketLicense.asset_id.in_(ids))
        )
        session.execute(
            delete(MarketAsset).where(MarketAsset.chain_id == chain, MarketAsset.asset_id.in_(ids))
        )

    def refresh(self, session: Session, assets: Iterable[int]) -> None:
        """Recompute the search aggregates of ``assets`` from the projections."""
        chain = self.chain_id
        for asset in {a for a in assets if a}:
            terms = (
                func.min(MarketOffer.price),
                func.max(MarketOffer.commercial),
                func.max(MarketOffer.derivatives),
            )
            offers = session.execute(
                select(*terms).where(
                    MarketOffer.chain_id == chain, MarketOffer.asset_id == asset, MarketOffer.active.is_(True)
                )
            ).one()
            sold = MarketLicense.chain_id == chain, MarketLicense.asset_id == asset
            licenses = session.scalar(select(func.count()).where(*sold, MarketLicense.status != "refunded"))
            children = session.scalar(
                select(func.count()).where(MarketParent.chain_id == chain, MarketParent.parent == asset)
            )
            session.execute(
                update(MarketAsset)
                .where(*self._asset(asset))
                .values(
                    min_price=offers[0], commercial=bool(offers[1]), derivatives=bool(offers[2]),
                    licenses=licenses or 0, children=children or 0,
                )
            )  # fmt: skip
