"""What one batch of the market sink reads and writes: lookups once per batch, inserts per table.

``Memo``: each asset, offer and license a range names is read in one query per table and chunk,
then remembered with what the batch itself wrote.

``Writes``: the batch's statements held and sent in one ``executemany`` each, inserts first.

A backfill range is mostly inserts (assets registered, offers created, licenses bought, lineage
edges) and transfers, and one ``execute`` each was most of the sink's SQLite time. Sending them
grouped gives what one statement per event gave because: the market's tables have no foreign keys
between them, so inserts into different tables commute; an update only ever names a row that
existed or was inserted before it in the batch (the sink checks that first), so sent after all the
inserts it finds its row; and each column the sink updates is written by one statement text only
(an owner by a transfer, a status by the status update...), whose rows keep their event order, so
updates of different statements touch different columns and commute too.

The sink never reads back a row ``Writes`` holds: its ``Memo`` records each insert as it is held, and
only looks up in SQLite the ids it has not seen in the batch. An asset's transfer in the batch that
registered it is written into the held insert (the owner it ends with) instead of as an ``UPDATE``
after it: a backfill's every mint, and the statement was a sixth of the sink's SQLite time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from app.market.catalog.decode import MARKET, MarketEvent

CHUNK = 500  # ids per IN (...) list


class Writes:
    """Statements held until ``flush``: per statement text, its rows in the order they came."""

    def __init__(self, cur: Any) -> None:
        self.cur = cur
        self.inserts: dict[str, list[Sequence[Any]]] = {}
        self.updates: dict[str, list[Sequence[Any]]] = {}

    def insert(self, sql: str, row: Sequence[Any]) -> None:
        """Hold one row of an ``INSERT`` statement."""
        self.inserts.setdefault(sql, []).append(row)

    def update(self, sql: str, row: Sequence[Any]) -> None:
        """Hold one row of an ``UPDATE`` of a row known to exist once the inserts are sent."""
        self.updates.setdefault(sql, []).append(row)

    def flush(self) -> None:
        """Send the held rows, one ``executemany`` per statement: the inserts, then the updates."""
        held = [*self.inserts.items(), *self.updates.items()]
        self.inserts, self.updates = {}, {}
        for sql, rows in held:
            self.cur.executemany(sql, rows)


def _assets_named(events: Iterable[MarketEvent]) -> set[int]:
    """The asset ids ``events`` name directly (not through an offer or a license)."""
    named: set[int] = set()
    for event in events:
        for key in ("assetId", "child", "parent"):
            if key in event.args:
                named.add(int(event.args[key]))
        if event.name == "Transfer" and event.contract == "AssetRegistry":
            named.add(int(event.args["tokenId"]))
    return named


def chunks(ids: Iterable[Any]) -> Iterable[list[Any]]:
    items = sorted(ids)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


class Memo:
    """What one batch has read or written: each asset, offer and license is looked up in SQLite at
    most once per batch (the events of a range mostly name what the same range created)."""

    def __init__(self, cur: Any, chain_id: int) -> None:
        self.cur, self.chain_id = cur, chain_id
        self.assets: dict[int, bool] = {}
        self.offers: dict[int, int | None] = {}  # offer id: its asset
        self.licenses: dict[int, int | None] = {}  # license id: its asset
        # Assets inserted by this batch (their totals at the defaults): each one's row, held by
        # ``Writes`` until the flush, so a transfer in the same batch writes its owner there.
        self.registered: dict[int, list[Any]] = {}

    def _one(self, sql: str, key: int) -> Any:
        row = self.cur.execute(sql, (self.chain_id, key)).fetchone()
        return None if row is None else row[0]

    def prefetch(self, events: Iterable[MarketEvent]) -> None:
        """The assets, offers and licenses ``events`` name, each table read in one query per
        ``CHUNK`` instead of one per event."""
        events = list(events)
        self.assets.update(self._read("market_asset", "asset_id", _assets_named(events), self.assets))
        offers = {int(e.args["offerId"]) for e in events if "offerId" in e.args}
        self.offers.update(self._read("market_offer", "offer_id", offers, self.offers, "asset_id"))
        licenses = {  # a license's own events, and the license NFT's transfers
            int(e.args.get("licenseId", e.args.get("tokenId", 0)))
            for e in events
            if "licenseId" in e.args or (e.name == "Transfer" and e.contract == MARKET)
        }
        self.licenses.update(self._read("market_license", "license_id", licenses, self.licenses, "asset_id"))

    def _read(
        self, table: str, key: str, ids: set[int], known: dict[int, Any], column: str = ""
    ) -> dict[int, Any]:
        """For each of ``ids`` not ``known``: ``column`` of its row (None: no row); without a
        column, whether it has a row."""
        found: dict[int, Any] = {}
        for chunk in chunks(ids - known.keys()):
            marks = ",".join("?" * len(chunk))
            rows = self.cur.execute(
                f"SELECT {key}, {column or 1} FROM {table} WHERE chain_id = ? AND {key} IN ({marks})",
                (self.chain_id, *chunk),
            )
            found.update(dict.fromkeys(chunk, None if column else False))
            found.update((int(row[0]), int(row[1]) if column else True) for row in rows)
        return found

    def asset_known(self, asset: int) -> bool:
        if asset not in self.assets:
            sql = "SELECT 1 FROM market_asset WHERE chain_id = ? AND asset_id = ?"
            self.assets[asset] = self._one(sql, asset) is not None
        return self.assets[asset]

    def offer_asset(self, offer: int) -> int | None:
        if offer not in self.offers:
            found = self._one("SELECT asset_id FROM market_offer WHERE chain_id = ? AND offer_id = ?", offer)
            self.offers[offer] = None if found is None else int(found)
        return self.offers[offer]

    def license_asset(self, license_id: int) -> int | None:
        if license_id not in self.licenses:
            sql = "SELECT asset_id FROM market_license WHERE chain_id = ? AND license_id = ?"
            found = self._one(sql, license_id)
            self.licenses[license_id] = None if found is None else int(found)
        return self.licenses[license_id]
