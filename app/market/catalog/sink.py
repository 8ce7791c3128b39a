"""The market's tables, written from checked events inside the indexer's transaction.

``market_log`` is the journal: every event kept, unique per (chain, tx hash, log index), so a log is
applied at most once. The other tables are projections of it: assets, lineage edges, offers and
licenses, plus per-asset aggregates search filters and sorts on (licenses sold, derivatives, the
cheapest active offer, whether any offer allows commercial use or derivatives), recomputed in one
statement for the assets a batch touched. A rollback (a reorganisation) deletes the journal above
the fork and rebuilds the touched assets from what is left of it, so no stale state survives one.

Statements go straight to the session's DB-API cursor (same connection, same transaction): the ORM's
per-statement overhead was most of a backfill's time, and these are a handful of fixed statements.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from app import safe_json
from app.chain.indexer import RawLog
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
CHUNK = 500  # ids per IN (...) list

INSERT_ASSET = (
    "INSERT OR IGNORE INTO market_asset (chain_id, asset_id, creator, owner, kind, content_cid, "
    "metadata_cid, "
    "metadata_version, parent_royalty_bps, derivative_royalty_bps, contributors_cid, total_weight, "
    "labeling_record, campaign_id, block, tx_hash, log_index, name, card, tags, task_type, meta_status, "
    "meta_problem, meta_tries, meta_retry_at, licenses, children, min_price, commercial, derivatives) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', '', '', 'pending', '', 0, 0.0, "
    "0, 0, NULL, 0, 0)"
)
REFRESH = (
    "UPDATE market_asset SET "
    "min_price = (SELECT min(o.price) FROM market_offer o WHERE o.chain_id = market_asset.chain_id "
    "  AND o.asset_id = market_asset.asset_id AND o.active), "
    "commercial = coalesce((SELECT max(o.commercial) FROM market_offer o "
    "  WHERE o.chain_id = market_asset.chain_id AND o.asset_id = market_asset.asset_id AND o.active), 0), "
    "derivatives = coalesce((SELECT max(o.derivatives) FROM market_offer o "
    "  WHERE o.chain_id = market_asset.chain_id AND o.asset_id = market_asset.asset_id AND o.active), 0), "
    "licenses = (SELECT count(*) FROM market_license l WHERE l.chain_id = market_asset.chain_id "
    "  AND l.asset_id = market_asset.asset_id AND l.status != 'refunded'), "
    "children = (SELECT count(*) FROM market_parent p WHERE p.chain_id = market_asset.chain_id "
    "  AND p.parent = market_asset.asset_id) "
    "WHERE chain_id = ? AND asset_id IN ({})"
)


def padded(wei: int | str) -> str:
    """A wei amount as a fixed-width decimal string: compares and sorts like the number."""
    text = str(int(wei))
    if len(text) > PRICE_DIGITS or int(text) < 0:
        raise BadEvent(f"a price of {text[:40]} wei is out of range")
    return text.rjust(PRICE_DIGITS, "0")


def _cursor(session: Session) -> Any:
    return session.connection().connection.cursor()


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    items = sorted(ids)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


class MarketSink:
    """The market catalogue's ``LogSink`` for one chain; ``skipped`` counts events left out."""

    def __init__(self, chain_id: int, decoder: Decoder) -> None:
        self.chain_id = chain_id
        self.decoder = decoder
        self.skipped = 0

    # -- LogSink ---------------------------------------------------------------------------------

    def apply(self, session: Session, logs: Sequence[RawLog]) -> set[str]:
        cur = _cursor(session)
        changed: set[str] = set()
        touched: set[int] = set()
        for raw in logs:
            try:
                event = self.decoder.decode(raw)
                asset = self._asset_of(cur, event)
            except BadEvent as exc:
                self._skip(raw.tx_hash, raw.log_index, str(exc))
                continue
            key = (self.chain_id, event.tx_hash, event.log_index)
            cur.execute(
                "INSERT OR IGNORE INTO market_log "
                "(chain_id, tx_hash, log_index, block, asset_id, name, args) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (*key, event.block, asset, f"{event.contract}.{event.name}", json.dumps(event.args)),
            )
            if not cur.rowcount:
                continue  # already applied (a range read twice)
            try:  # every check in _project comes before its one write
                changed |= self._project(cur, event, touched)
            except BadEvent as exc:
                cur.execute(
                    "DELETE FROM market_log WHERE chain_id = ? AND tx_hash = ? AND log_index = ?", key
                )
                self._skip(event.tx_hash, event.log_index, str(exc))
        self._refresh(cur, touched)
        return changed

    def rollback(self, session: Session, after_block: int) -> set[str]:
        cur = _cursor(session)
        chain = self.chain_id
        rows = cur.execute(
            "SELECT DISTINCT asset_id FROM market_log "
            "WHERE chain_id = ? AND block > ? AND asset_id IS NOT NULL",
            (chain, after_block),
        ).fetchall()
        affected = {int(r[0]) for r in rows}
        parents: set[int] = set()
        for ids in _chunks(affected):
            marks = ",".join("?" * len(ids))
            found = cur.execute(
                f"SELECT parent FROM market_parent WHERE chain_id = ? AND child IN ({marks})", (chain, *ids)
            )
            parents.update(int(r[0]) for r in found.fetchall())
        cur.execute("DELETE FROM market_log WHERE chain_id = ? AND block > ?", (chain, after_block))
        if not affected:
            return set()
        touched: set[int] = set()
        for ids in _chunks(affected):
            marks = ",".join("?" * len(ids))
            for table, column in (("market_parent", "child"), ("market_offer", "asset_id"),
                                  ("market_license", "asset_id"), ("market_asset", "asset_id")):  # fmt: skip
                cur.execute(
                    f"DELETE FROM {table} WHERE chain_id = ? AND {column} IN ({marks})", (chain, *ids)
                )
        for ids in _chunks(affected):
            marks = ",".join("?" * len(ids))
            replay = cur.execute(
                f"SELECT name, args, block, tx_hash, log_index FROM market_log WHERE chain_id = ? "
                f"AND asset_id IN ({marks}) ORDER BY block, log_index",
                (chain, *ids),
            ).fetchall()
            for name, args, block, tx_hash, log_index in replay:
                contract, event_name = name.split(".", 1)
                event = MarketEvent(contract, event_name, safe_json.loads(args), block, tx_hash, log_index)
                self._project(cur, event, touched)
        self._refresh(cur, affected | parents | touched)
        return {"assets", "offers", "licenses"}

    def refresh(self, session: Session, assets: Iterable[int]) -> None:
        """Recompute the search aggregates of ``assets`` from the projections."""
        self._refresh(_cursor(session), assets)

    # -- projections -----------------------------------------------------------------------------

    def _skip(self, tx_hash: str, log_index: int, why: str) -> None:
        self.skipped += 1
        log.warning("market event %s#%d skipped: %s", tx_hash, log_index, why)

    def _one(self, cur: Any, sql: str, *args: Any) -> Any:
        row = cur.execute(sql, (self.chain_id, *args)).fetchone()
        return None if row is None else row[0]

    def _asset_of(self, cur: Any, event: MarketEvent) -> int | None:
        """The asset an event is about (looked up for events that name only a license or offer)."""
        args = event.args
        if event.name == "ParentLinked":
            return int(args["child"])
        if "assetId" in args:
            return int(args["assetId"])
        if event.name == "Transfer" and event.contract == "AssetRegistry":
            return int(args["tokenId"])
        if event.name == "OfferActiveSet":
            found = self._one(
                cur, "SELECT asset_id FROM market_offer WHERE chain_id = ? AND offer_id = ?", args["offerId"]
            )
            if found is None:
                raise BadEvent(f"OfferActiveSet for unknown offer {args['offerId']}")
            return int(found)
        license_id = args.get("licenseId", args.get("tokenId"))
        found = self._one(
            cur, "SELECT asset_id FROM market_license WHERE chain_id = ? AND license_id = ?", license_id
        )
        if found is None and "licenseId" in args:
            raise BadEvent(f"an event for unknown license {license_id}")
        return None if found is None else int(found)

    def _known(self, cur: Any, asset_id: int) -> bool:
        found = self._one(cur, "SELECT 1 FROM market_asset WHERE chain_id = ? AND asset_id = ?", asset_id)
        return found is not None

    def _project(self, cur: Any, event: MarketEvent, touched: set[int]) -> set[str]:
        a, name, chain = event.args, event.name, self.chain_id
        if name == "AssetRegistered":
            cur.execute(INSERT_ASSET, (
                chain, a["assetId"], a["creator"], a["creator"], a["kind"], a["contentCid"], a["metadataCid"],
                a["parentRoyaltyBps"], a["derivativeRoyaltyBps"], a["contributorsCid"], str(a["totalWeight"]),
                a["labelingRecord"], str(a["campaignId"]), event.block, event.tx_hash, event.log_index,
            ))  # fmt: skip
            if not cur.rowcount:  # the unique key refused it
                raise BadEvent(f"asset {a['assetId']} registered twice")
            touched.add(a["assetId"])
            return {"assets"}
        if name == "Transfer":
            return self._transfer(cur, event)
        asset = a.get("child", a.get("assetId"))
        if asset is not None and not self._known(cur, int(asset)):
            raise BadEvent(f"{name} for unknown asset {asset}")
        if name == "ParentLinked":
            if not self._known(cur, a["parent"]):
                raise BadEvent(f"ParentLinked to unknown parent {a['parent']}")
            cur.execute(
                "INSERT OR IGNORE INTO market_parent (chain_id, child, parent, block) VALUES (?, ?, ?, ?)",
                (chain, a["child"], a["parent"], event.block),
            )
            touched.update((a["child"], a["parent"]))
            return {"assets"}
        if name == "MetadataUpdated":
            cur.execute(
                "UPDATE market_asset SET metadata_cid = ?, metadata_version = ?, meta_status = 'pending', "
                "meta_tries = 0, meta_retry_at = 0.0 WHERE chain_id = ? AND asset_id = ?",
                (a["metadataCid"], a["version"], chain, a["assetId"]),
            )
            return {"assets"}
        if name == "OfferCreated":
            if self._one(cur, "SELECT 1 FROM market_offer WHERE chain_id = ? AND offer_id = ?", a["offerId"]):
                raise BadEvent(f"offer {a['offerId']} created twice")
            terms = (a["commercialUse"], a["derivativesAllowed"], a["transferable"])
            cur.execute(
                "INSERT INTO market_offer (chain_id, offer_id, asset_id, seller, price, duration, "
                "max_licenses, commercial, derivatives, transferable, active, block) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)",
                (chain, a["offerId"], a["assetId"], a["seller"], padded(a["price"]), int(a["duration"]),
                 a["maxLicenses"], *terms, event.block),
            )  # fmt: skip
            touched.add(a["assetId"])
            return {"offers"}
        if name == "OfferActiveSet":
            cur.execute(
                "UPDATE market_offer SET active = ? WHERE chain_id = ? AND offer_id = ?",
                (a["active"], chain, a["offerId"]),
            )
            touched.add(
                self._one(
                    cur, "SELECT asset_id FROM market_offer WHERE chain_id = ? AND offer_id = ?", a["offerId"]
                )
            )
            return {"offers"}
        return self._license(cur, event, touched)

    def _transfer(self, cur: Any, event: MarketEvent) -> set[str]:
        a = event.args
        if a["to"] == ZERO:
            return set()  # a burn: LicenseRefunded says what it means
        if event.contract == "AssetRegistry":
            # The mint comes before AssetRegistered (which sets the owner): then no row matches.
            cur.execute(
                "UPDATE market_asset SET owner = ? WHERE chain_id = ? AND asset_id = ?",
                (a["to"], self.chain_id, a["tokenId"]),
            )
            return {"assets"} if cur.rowcount else set()
        cur.execute(
            "UPDATE market_license SET buyer = ? WHERE chain_id = ? AND license_id = ?",
            (a["to"], self.chain_id, a["tokenId"]),
        )
        return {"licenses"} if cur.rowcount else set()

    def _license(self, cur: Any, event: MarketEvent, touched: set[int]) -> set[str]:
        a, chain = event.args, self.chain_id
        if event.name == "LicensePurchased":
            if self._one(
                cur, "SELECT 1 FROM market_license WHERE chain_id = ? AND license_id = ?", a["licenseId"]
            ):
                raise BadEvent(f"license {a['licenseId']} bought twice")
            cur.execute(
                "INSERT INTO market_license (chain_id, license_id, asset_id, buyer, offer_id, price, status, "
                "used_for_derivative, block) VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?)",
                (
                    chain,
                    a["licenseId"],
                    a["assetId"],
                    a["buyer"],
                    int(a["offerId"]),
                    padded(a["price"]),
                    event.block,
                ),
            )
            touched.add(a["assetId"])
            return {"licenses"}
        where = " WHERE chain_id = ? AND license_id = ?"
        key = (chain, a["licenseId"])
        if event.name in LICENSE_STATUS:
            cur.execute("UPDATE market_license SET status = ?" + where, (LICENSE_STATUS[event.name], *key))
        elif event.name == "DisputeResolved":
            cur.execute(
                "UPDATE market_license SET status = ?" + where,
                ("refunded" if a["buyerWins"] else "settled", *key),
            )
        elif event.name == "LicenseUsed" and a["forDerivative"]:
            cur.execute("UPDATE market_license SET used_for_derivative = 1" + where, key)
        touched.add(self._one(cur, "SELECT asset_id FROM market_license" + where, a["licenseId"]))
        return {"licenses"}

    def _refresh(self, cur: Any, assets: Iterable[int]) -> None:
        for ids in _chunks({a for a in assets if a}):
            cur.execute(REFRESH.format(",".join("?" * len(ids))), (self.chain_id, *ids))
