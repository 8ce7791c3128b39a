"""A real market catalogue for the Marketplace page's tests: events encoded from the shipped ABIs
(``tests/unit/market_logs.py``) applied by the real sink into a migrated SQLite database, and
metadata fetched from a real local store by the real fetcher, so the page reads exactly what the
indexer would have written, hostile assets included (metadata missing, malformed, lying about its CID).
"""

from __future__ import annotations

import asyncio
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from app.chain.merkle import build_tree
from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.events import Events
from app.market.catalog.decode import Decoder
from app.market.catalog.metadata import fetch_pending
from app.market.catalog.sink import MarketSink
from app.storage import as_cid
from app.storage.local import CONTENT, LocalStore

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))  # market_logs lives beside its tests
from market_logs import ADDRESSES, CID, bought, linked, offered, raw_log, registered

CHAIN = 31337
E18 = 10**18
ALICE, BOB, CAROL = ("0x" + "1" * 40, "0x" + "2" * 40, "0x" + "3" * 40)
DIGITS_CARD = """# Handwritten digits

8x8 grey images of the digits 0 to 9, **labeled by 3 people** on Sahara.

![tracking pixel](https://tracker.example/pixel.png)
![local file](file:///etc/passwd)

| split | items |
| --- | --- |
| train | 1,500 |
"""


@dataclass
class Catalog:
    """What the page reads (the market indexer's ``sessions``, ``chain_id``, ``store``, ``events``)."""

    sessions: sessionmaker[Session]
    store: LocalStore
    chain_id: int = CHAIN
    events: Events = field(
        default_factory=lambda: Events("assets_changed", "offers_changed", "licenses_changed", "synced")
    )
    sink: MarketSink = field(default_factory=lambda: MarketSink(CHAIN, Decoder(ADDRESSES)))
    block: int = 10

    def apply(self, logs: list) -> None:
        with self.sessions() as session:
            self.sink.apply(session, logs)
            session.commit()

    def fetch_metadata(self) -> None:
        """The indexer's metadata step, on a loop of its own (a test's qasync loop is already running)."""
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, fetch_pending(self.sessions, self.store, CHAIN)).result()

    def meta(self, **fields: object) -> str:
        return str(self.store.put([json.dumps(fields).encode()]))

    def publish(
        self,
        asset: int,
        owner: str,
        *,
        kind: int = 0,
        meta: str,
        parents: tuple[int, ...] = (),
        split: str = "",
        owner_share: int = 0,
    ) -> None:
        """Register ``asset`` (``split``: a contributor tree file's CID, of whose royalties the owner
        keeps ``owner_share`` bps) and link its parents."""
        self.block += 1
        logs = [registered(asset, owner, block=self.block, kind=kind, meta=meta, parents=parents)]
        if split:
            logs = [
                raw_log(
                    "AssetRegistry",
                    "AssetRegistered",
                    self.block,
                    assetId=asset,
                    creator=owner,
                    kind=kind,
                    contentCid=meta,
                    metadataCid=meta,
                    parents=list(parents),
                    parentRoyaltyBps=0,
                    derivativeRoyaltyBps=1000,
                    contributorsRoot=b"\1" * 32,
                    totalWeight=10,
                    contributorsCid=split,
                    labelingRecord="0x" + "00" * 20,
                    campaignId=0,
                    ownerShareBps=owner_share,
                )
            ]
        logs += [linked(asset, parent, block=self.block) for parent in parents]
        self.apply(logs)


def build_catalog(folder: Path) -> Catalog:
    """Six assets: a dataset, a model derived from it, an agent derived from the model, and three
    whose metadata is missing, malformed or lies about its CID."""
    folder.mkdir(parents=True, exist_ok=True)
    upgrade(folder / "sahara.db")
    catalog = Catalog(session_factory(make_engine(folder / "sahara.db")), LocalStore(folder / "blobs"))
    digits = catalog.meta(
        name="Handwritten digits",
        card=DIGITS_CARD,
        tags=["digits", "vision"],
        task_type="image-classification",
        kind="dataset",
        files=[{"name": "digits.zip", "size": 1234, "sha256": "ab" * 32}],
        content={"cid": CID, "size": 1234, "sha256": "ab" * 32, "packing": "file"},
    )
    labelers = contributor_file(catalog, {ALICE: 1, BOB: 3, CAROL: 6})
    catalog.publish(1, ALICE, meta=digits, split=labelers, owner_share=1_000)
    model = catalog.meta(
        name="Digit classifier", card="A small CNN.", tags=["onnx"], task_type="image-classification"
    )
    catalog.publish(2, BOB, kind=1, meta=model, parents=(1,))
    agent = catalog.meta(name="Digit reader agent", card="Reads digits aloud.", tags=["agent"], task_type="")
    catalog.publish(3, CAROL, kind=2, meta=agent, parents=(2,))
    catalog.publish(
        4, ALICE, meta="bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
    )  # not stored
    catalog.publish(5, ALICE, meta=str(catalog.store.put([b"[1, 2, 3]"])))  # JSON, but not an object
    lying = catalog.meta(name="Honest dataset", card="", tags=[])
    (catalog.store._folder(as_cid(lying)) / CONTENT).write_bytes(
        b'{"name":"Lying dataset!","card":"","tags":[]}'
    )
    catalog.publish(6, BOB, meta=lying)
    catalog.block += 1
    catalog.apply(
        [
            offered(1, 1, ALICE, 2 * E18, block=catalog.block),
            offered(2, 2, BOB, 10 * E18, block=catalog.block, commercial=False),
            offered(3, 3, CAROL, 50 * E18, block=catalog.block),
            bought(1, 1, BOB, 1, 2 * E18, block=catalog.block),
            bought(2, 1, CAROL, 1, 2 * E18, block=catalog.block),
            raw_log(
                "LicenseMarket",
                "KeyDelivered",
                catalog.block,
                licenseId=1,
                assetId=1,
                wrappedKeyCid=digits,
                expiresAt=0,
                disputeUntil=0,
            ),
        ]
    )
    catalog.fetch_metadata()
    return catalog


def contributor_file(catalog: Catalog, weights: dict[str, int]) -> str:
    """A contributor tree file in the store, the way a dataset's publisher writes one."""
    return str(catalog.store.put([json.dumps(build_tree(weights).dump()).encode()]))
