"""The market's tables, written from checked events inside the indexer's transaction.

``market_log`` is the journal: every event kept, unique per (chain, tx hash, log index), so a log is
applied at most once. The other tables are projections of it: assets, lineage edges, offers and
licenses, plus per-asset aggregates search filters and sorts on (licenses sold, derivatives, the
cheapest active offer, whether any offer allows commercial use or derivatives), recomputed in one
statement for the assets a batch touched. A rollback (a reorganisation) deletes the journal above
the fork and rebuilds the touched assets from what is left of it, so no stale state survives one.

Statements go straight to the session's DB-API cursor (same connection, same transaction): the ORM's
per-statement overhead was most of a backfill's time, and these are a handful of fixed statements.
A batch's inserts go out per table in one ``executemany`` and its lookups in one query per table
(``batch``); assets it registered with nothing to count yet keep their totals unwritten.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any

from sqlalchemy.orm import Session

from app import safe_json
from app.chain.raw_logs import RawLog
from app.market.catalog.batch import Memo, Writes, chunks
from app.market.catalog.decode import VAULT, BadEvent, Decoder, MarketEvent

log = logging.getLogger(__name__)

PRICE_DIGITS = 30  # uint256 prices above 10^30 wei are refused by the checks below
LICENSE_STATUS = {
    "KeyDelivered": "delivered",
    "LicenseDisputed": "disputed",
    "LicenseSettled": "settled",
    "LicenseRefunded": "refunded",
}
ZERO = "0x0000000000000000000000000000000000000000"

INSERT_ASSET = (
    "INSERT OR IGNORE INTO market_asset (chain_id, asset_id, creator, owner, kind, content_cid, "
    "metadata_cid, "
    "metadata_version, parent_royalty_bps, derivative_royalty_bps, contributors_cid, total_weight, "
    "labeling_record, campaign_id, owner_share_bps, block, tx_hash, log_index, name, card, tags, "
    "task_type, meta_status, meta_problem, meta_tries, meta_retry_at, licenses, children, min_price, "
    "commercial, derivatives) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', '', '', 'pending', '', 0, 0.0, "
    "0, 0, NULL, 0, 0)"
)
ASSET_OWNER = 3  # INSERT_ASSET's owner
# The search aggregates of a chunk of assets, read grouped (one pass per table), then written back
# with one executemany: cheaper than an UPDATE whose five correlated subqueries run per row.
OFFER_TOTALS = (
    "SELECT asset_id, min(price), max(commercial), max(derivatives) FROM market_offer "
    "WHERE chain_id = ? AND active AND asset_id IN ({}) GROUP BY asset_id"
)
LICENSE_TOTALS = (
    "SELECT asset_id, count(*) FROM market_license WHERE chain_id = ? AND status != 'refunded' "
    "AND asset_id IN ({}) GROUP BY asset_id"
)
CHILD_TOTALS = (
    "SELECT parent, count(*) FROM market_parent WHERE chain_id = ? AND parent IN ({}) GROUP BY parent"
)
UNCOUNTED = (None, 0, 0, 0, 0)  # INSERT_ASSET's min_price, commercial, derivatives, licenses, children
SET_TOTALS = (
    "UPDATE market_asset SET min_price = ?, commercial = ?, derivatives = ?, licenses = ?, children = ? "
    "WHERE chain_id = ? AND asset_id = ?"
)


def padded(wei: int | str) -> str:
    """A wei amount as a fixed-width decimal string: compares and sorts like the number."""
    text = str(int(wei))
    if len(text) > PRICE_DIGITS or int(text) < 0:
        raise BadEvent(f"a price of {text[:40]} wei is out of range")
    return text.rjust(PRICE_DIGITS, "0")


def _cursor(session: Session) -> Any:
    return session.connection().connection.cursor()


INSERT_LOG = (
    "INSERT OR IGNORE INTO market_log (chain_id, tx_hash, log_index, block, asset_id, name, args) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)


def _compact_json() -> Callable[[dict[str, Any]], str]:
    """``json.JSONEncoder(separators=(",", ":")).encode`` with its C encoder made once: ``encode``
    makes a new one per call, which cost as much as encoding an event's arguments. No circular
    check: arguments are flat values and lists the decoder made."""
    default = json.JSONEncoder().default  # raises TypeError for what JSON cannot hold
    chunks = c_make_encoder(
        None, default, encode_basestring_ascii, None, ":", ",", False, False, True
    )  # markers, default, string encoder, indent, key and item separators, sort, skip, allow NaN
    return lambda args: "".join(chunks(args, 0))


# The journal's JSON, compact (fields in the ABI's order, indexed first, as they always were): what
# ``safe_json.loads`` and SQLite's ``json_extract`` read, like the spaced rows written before it.
journal_json = _compact_json()


class MarketSink:
    """The market catalogue's ``LogSink`` for one chain; ``skipped`` counts events left out."""

    def __init__(self, chain_id: int, decoder: Decoder) -> None:
        self.chain_id = chain_id
        self.decoder = decoder
        self.skipped = 0

    # -- LogSink ---------------------------------------------------------------------------------

    def apply(self, session: Session, logs: Sequence[RawLog]) -> set[str]:
        """Each new log decoded, checked and projected in order; the journal rows of those kept
        written in one ``executemany``. Lookups are per batch, not per log (``Memo``)."""
        cur = _cursor(session)
        events: list[MarketEvent] = []
        for raw in self._fresh(cur, logs):
            try:
                events.append(self.decoder.decode(raw))
            except BadEvent as exc:
                self._skip(raw.tx_hash, raw.log_index, str(exc))
        memo = Memo(cur, self.chain_id)
        memo.prefetch(events)
        writes = Writes(cur)
        changed: set[str] = set()
        touched: set[int] = set()
        journal: list[tuple[Any, ...]] = []
        for event in events:
            try:
                asset = self._asset_of(memo, event)
                changed |= self._project(writes, memo, event, touched)  # its checks come before its write
            except BadEvent as exc:
                self._skip(event.tx_hash, event.log_index, str(exc))
                continue
            journal.append((
                self.chain_id, event.tx_hash, event.log_index, event.block, asset,
                f"{event.contract}.{event.name}", journal_json(event.args),
            ))  # fmt: skip
        writes.flush()
        cur.executemany(INSERT_LOG, journal)
        self._refresh(cur, touched, memo.registered)
        return changed

    def _fresh(self, cur: Any, logs: Sequence[RawLog]) -> list[RawLog]:
        """``logs`` less those already journaled (a range read twice) and repeats, in order."""
        seen: set[tuple[str, int]] = set()
        for hashes in chunks({r.tx_hash for r in logs}):
            marks = ",".join("?" * len(hashes))
            seen.update(
                cur.execute(
                    f"SELECT tx_hash, log_index FROM market_log WHERE chain_id = ? AND tx_hash IN ({marks})",
                    (self.chain_id, *hashes),
                )
            )
        fresh = []
        for raw in logs:
            if (raw.tx_hash, raw.log_index) not in seen:
                seen.add((raw.tx_hash, raw.log_index))
                fresh.append(raw)
        return fresh

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
        for ids in chunks(affected):
            marks = ",".join("?" * len(ids))
            found = cur.execute(
                f"SELECT parent FROM market_parent WHERE chain_id = ? AND child IN ({marks})", (chain, *ids)
            )
            parents.update(int(r[0]) for r in found.fetchall())
        cur.execute("DELETE FROM market_log WHERE chain_id = ? AND block > ?", (chain, after_block))
        if not affected:
            return set()
        touched: set[int] = set()
        for ids in chunks(affected):
            marks = ",".join("?" * len(ids))
            for table, column in (("market_parent", "child"), ("market_offer", "asset_id"),
                                  ("market_license", "asset_id"), ("market_asset", "asset_id")):  # fmt: skip
                cur.execute(
                    f"DELETE FROM {table} WHERE chain_id = ? AND {column} IN ({marks})", (chain, *ids)
                )
        memo, writes = Memo(cur, chain), Writes(cur)
        for ids in chunks(affected):
            marks = ",".join("?" * len(ids))
            replay = cur.execute(
                f"SELECT name, args, block, tx_hash, log_index FROM market_log WHERE chain_id = ? "
                f"AND asset_id IN ({marks}) ORDER BY block, log_index",
                (chain, *ids),
            ).fetchall()
            for name, args, block, tx_hash, log_index in replay:
                contract, event_name = name.split(".", 1)
                event = MarketEvent(contract, event_name, safe_json.loads(args), block, tx_hash, log_index)
                self._project(writes, memo, event, touched)
        writes.flush()
        self._refresh(cur, affected | parents | touched)
        return {"assets", "offers", "licenses"}

    def refresh(self, session: Session, assets: Iterable[int]) -> None:
        """Recompute the search aggregates of ``assets`` from the projections."""
        self._refresh(_cursor(session), assets)

    # -- projections -----------------------------------------------------------------------------

    def _skip(self, tx_hash: str, log_index: int, why: str) -> None:
        self.skipped += 1
        log.warning("market event %s#%d skipped: %s", tx_hash, log_index, why)

    def _asset_of(self, memo: Memo, event: MarketEvent) -> int | None:
        """The asset an event is about (looked up for events that name only a license or offer)."""
        args = event.args
        if event.name == "ParentLinked":
            return int(args["child"])
        if "assetId" in args:
            return int(args["assetId"])
        if event.name == "Transfer" and event.contract == "AssetRegistry":
            return int(args["tokenId"])
        if event.name == "OfferActiveSet":
            found = memo.offer_asset(args["offerId"])
            if found is None:
                raise BadEvent(f"OfferActiveSet for unknown offer {args['offerId']}")
            return found
        license_id = args.get("licenseId", args.get("tokenId"))
        found = memo.license_asset(license_id)
        if found is None and "licenseId" in args:
            raise BadEvent(f"an event for unknown license {license_id}")
        return found

    def _project(self, out: Writes, memo: Memo, event: MarketEvent, touched: set[int]) -> set[str]:
        a, name, chain = event.args, event.name, self.chain_id
        if name == "AssetRegistered":
            if memo.asset_known(a["assetId"]):  # the unique key would refuse it
                raise BadEvent(f"asset {a['assetId']} registered twice")
            row = [
                chain, a["assetId"], a["creator"], a["creator"], a["kind"], a["contentCid"], a["metadataCid"],
                a["parentRoyaltyBps"], a["derivativeRoyaltyBps"], a["contributorsCid"], str(a["totalWeight"]),
                a["labelingRecord"], str(a["campaignId"]), a["ownerShareBps"], event.block, event.tx_hash,
                event.log_index,
            ]  # fmt: skip
            out.insert(INSERT_ASSET, row)
            memo.assets[a["assetId"]] = True
            memo.registered[a["assetId"]] = row
            touched.add(a["assetId"])
            return {"assets"}
        if name == "Transfer":
            return self._transfer(out, memo, event)
        asset = a.get("child", a.get("assetId"))
        if asset is not None and not memo.asset_known(int(asset)):
            raise BadEvent(f"{name} for unknown asset {asset}")
        if event.contract == VAULT:
            return {"earnings"}  # the journal row is all: Earnings reads it (``catalog.journal``)
        if name == "ParentLinked":
            if not memo.asset_known(a["parent"]):
                raise BadEvent(f"ParentLinked to unknown parent {a['parent']}")
            out.insert(
                "INSERT OR IGNORE INTO market_parent (chain_id, child, parent, block) VALUES (?, ?, ?, ?)",
                (chain, a["child"], a["parent"], event.block),
            )
            touched.update((a["child"], a["parent"]))
            return {"assets"}
        if name == "MetadataUpdated":
            out.update(
                "UPDATE market_asset SET metadata_cid = ?, metadata_version = ?, meta_status = 'pending', "
                "meta_tries = 0, meta_retry_at = 0.0 WHERE chain_id = ? AND asset_id = ?",
                (a["metadataCid"], a["version"], chain, a["assetId"]),
            )
            return {"assets"}
        if name == "OfferCreated":
            if memo.offer_asset(a["offerId"]) is not None:
                raise BadEvent(f"offer {a['offerId']} created twice")
            terms = (a["commercialUse"], a["derivativesAllowed"], a["transferable"])
            out.insert(
                "INSERT INTO market_offer (chain_id, offer_id, asset_id, seller, price, duration, "
                "max_licenses, commercial, derivatives, transferable, active, block) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)",
                (chain, a["offerId"], a["assetId"], a["seller"], padded(a["price"]), int(a["duration"]),
                 a["maxLicenses"], *terms, event.block),
            )  # fmt: skip
            memo.offers[a["offerId"]] = a["assetId"]
            touched.add(a["assetId"])
            return {"offers"}
        if name == "OfferActiveSet":
            out.update(
                "UPDATE market_offer SET active = ? WHERE chain_id = ? AND offer_id = ?",
                (a["active"], chain, a["offerId"]),
            )
            touched.add(memo.offer_asset(a["offerId"]))  # type: ignore[arg-type]
            return {"offers"}
        return self._license(out, memo, event, touched)

    def _transfer(self, out: Writes, memo: Memo, event: MarketEvent) -> set[str]:
        a = event.args
        if a["to"] == ZERO:
            return set()  # a burn: LicenseRefunded says what it means
        if event.contract == "AssetRegistry":
            # The mint comes before AssetRegistered (which sets the owner): no row to update yet.
            if not memo.asset_known(a["tokenId"]):
                return set()
            held = memo.registered.get(a["tokenId"])
            if held is not None:  # registered by this batch: its insert, not sent yet, gets the owner
                held[ASSET_OWNER] = a["to"]
            else:
                out.update(
                    "UPDATE market_asset SET owner = ? WHERE chain_id = ? AND asset_id = ?",
                    (a["to"], self.chain_id, a["tokenId"]),
                )
            return {"assets"}
        if memo.license_asset(a["tokenId"]) is None:
            return set()  # the mint comes before LicensePurchased: no row to update yet
        out.update(
            "UPDATE market_license SET buyer = ? WHERE chain_id = ? AND license_id = ?",
            (a["to"], self.chain_id, a["tokenId"]),
        )
        return {"licenses"}

    def _license(self, out: Writes, memo: Memo, event: MarketEvent, touched: set[int]) -> set[str]:
        a, chain = event.args, self.chain_id
        if event.name == "LicensePurchased":
            if memo.license_asset(a["licenseId"]) is not None:
                raise BadEvent(f"license {a['licenseId']} bought twice")
            out.insert(
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
            memo.licenses[a["licenseId"]] = a["assetId"]
            touched.add(a["assetId"])
            return {"licenses"}
        where = " WHERE chain_id = ? AND license_id = ?"
        key = (chain, a["licenseId"])
        if event.name in LICENSE_STATUS:
            out.update("UPDATE market_license SET status = ?" + where, (LICENSE_STATUS[event.name], *key))
        elif event.name == "DisputeResolved":
            out.update(
                "UPDATE market_license SET status = ?" + where,
                ("refunded" if a["buyerWins"] else "settled", *key),
            )
        elif event.name == "LicenseUsed" and a["forDerivative"]:
            out.update("UPDATE market_license SET used_for_derivative = 1" + where, key)
        touched.add(memo.license_asset(a["licenseId"]))  # type: ignore[arg-type]
        return {"licenses"}

    def _refresh(self, cur: Any, assets: Iterable[int], inserted: Collection[int] = ()) -> None:
        """The aggregates of ``assets`` recomputed; those just ``inserted`` with nothing to count yet
        (no offer, license or child: most of a backfill) already hold them, and are not rewritten."""
        chain = self.chain_id
        for ids in chunks({a for a in assets if a}):
            marks, key = ",".join("?" * len(ids)), (chain, *ids)
            offers = {row[0]: row[1:] for row in cur.execute(OFFER_TOTALS.format(marks), key)}
            licenses = dict(cur.execute(LICENSE_TOTALS.format(marks), key).fetchall())
            children = dict(cur.execute(CHILD_TOTALS.format(marks), key).fetchall())
            totals = [
                (*offers.get(a, (None, 0, 0)), licenses.get(a, 0), children.get(a, 0), chain, a) for a in ids
            ]
            cur.executemany(SET_TOTALS, [t for t in totals if t[-1] not in inserted or t[:5] != UNCOUNTED])
