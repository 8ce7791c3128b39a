"""My licenses, Earnings and a buyer's download read from the market catalogue on a real anvil.

The market indexer fills a real SQLite catalogue; the reads then come from its journal, and the node
is asked only for the blocks the catalogue has not reached (every ``eth_getLogs`` range is recorded
and checked). Each answer is compared with the same read over the chain alone. A purchase the chain
reorganises away leaves the journal with the rollback. Earnings reads carry their block: a read as
of the block before a claim still shows what the claim paid. The asset page's content badge is
"verified" only after a real download and hash. The account whose transaction is
reverted never sends afterwards, so anvil's ``evm_revert`` rewinds no nonce the outbox uses again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from devchain import Chain, Env, acct, run
from market_parties import Seller, wallet

from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.market import buying, earnings, licenses, my_licenses
from app.market.asset_cache import content_check, fetch_into_cache, note_download
from app.market.asset_metadata import load_metadata
from app.market.catalog.journal import Journal
from app.market.catalog.service import MarketIndexer, stream_of
from app.market.context import MarketContext
from app.market.publishing import PublishRequest, publish
from app.market.terms import OfferTerms
from app.storage.local import LocalStore

E18 = 10**18
SELLER, BUYER, DOOMED = 1, 2, 3


class Recorded(MarketContext):
    """A context that notes every block range it asks the node for."""

    asked: list[tuple[int, int]]

    async def chain_logs(self, contract: str, name: str, topics: Any, low: int, high: int) -> list[Any]:
        if low <= high:
            self.asked.append((low, high))
        return await super().chain_logs(contract, name, topics, low, high)


def test_reads_come_from_the_catalogue_and_the_chain_only_above_it(
    env: Env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalStore(tmp_path / "blobs")
    wallets = {i: wallet(tmp_path / f"w{i}", i) for i in (SELLER, BUYER, DOOMED)}
    (tmp_path / "data.csv").write_text("x,y\n1,2\n")
    upgrade(tmp_path / "catalogue.db")
    sessions = session_factory(make_engine(tmp_path / "catalogue.db"))
    delivery_ranges: list[tuple[int, int]] = []
    fetch_logs = licenses.fetch_logs

    async def recorded_fetch(client: Any, address: str, topics: Any, low: int, high: int) -> list[Any]:
        delivery_ranges.append((low, high))
        return await fetch_logs(client, address, topics, low, high)

    monkeypatch.setattr(licenses, "fetch_logs", recorded_fetch)

    async def body(c: Chain) -> None:
        journal = Journal(sessions, c.deployment.chain_id, stream_of(c.deployment), c.deployment.block)
        contexts: list[Recorded] = []

        def ctx(i: int, kept: bool = True) -> Recorded:
            made = Recorded(c.client, c.outbox, c.deployment, store, wallets[i], journal if kept else None)
            made.asked = []
            contexts.append(made)
            return made

        indexer = MarketIndexer(c.client, sessions, c.deployment, store)
        for i in (BUYER, DOOMED):
            await c.fund(acct(i), 20 * E18)
        request = PublishRequest(
            kind="dataset", name="Pairs", files=(tmp_path / "data.csv",), offers=(OfferTerms(3 * E18),)
        )
        asset = await publish(ctx(SELLER), request)
        (offer,) = asset.offer_ids
        seller = Seller(tmp_path, wallets[SELLER], SELLER, store, c)
        first = await buying.buy(ctx(BUYER), offer)
        await seller.deliver(first)
        await my_licenses.accept(ctx(BUYER), first)

        # Earnings carry their block: as of the block before the claim, the claimed amount is still owed
        owed = await earnings.earnings(ctx(SELLER))
        assert owed.total > 0 and owed.block > 0
        claim = await earnings.claim(ctx(SELLER), owed)
        assert claim.amount == owed.total
        assert (await earnings.earnings(ctx(SELLER), block=claim.block - 1)).total == owed.total
        assert (await earnings.earnings(ctx(SELLER), block=claim.block)).total == 0

        await indexer.sync()
        reach = journal.reach()
        assert reach > claim.block
        contexts.clear()
        kept, bare = ctx(BUYER), ctx(BUYER, kept=False)
        assert await my_licenses.my_licenses(kept) == await my_licenses.my_licenses(bare)
        assert [r.license_id for r in await my_licenses.my_licenses(kept)] == [first]
        seller_kept, seller_bare = ctx(SELLER), ctx(SELLER, kept=False)
        assert await earnings.history(seller_kept) == await earnings.history(seller_bare)
        (paid,) = await earnings.history(seller_kept)
        assert (paid.amount, paid.block) == (claim.amount, claim.block)
        assert await earnings.earnings(seller_kept) == await earnings.earnings(seller_bare)
        assert all(low >= reach for made in (kept, seller_kept) for low, _ in made.asked), kept.asked
        assert bare.asked[0][0] == c.deployment.block  # without a catalogue: every block since it

        # the download finds the key delivery in the journal: the catalogue reached the head, so the
        # node is not asked for logs at all
        delivery_ranges.clear()
        got = await buying.download(ctx(BUYER), first, tmp_path / "bought" / "data.csv", wait_s=0)
        assert got.path.read_text() == "x,y\n1,2\n"
        assert delivery_ranges == [] and await c.client.block_number() < reach

        # the content's badge: verified only once the bytes were downloaded and hashed
        cache, published = tmp_path / "cache", load_metadata(store, asset.metadata_cid).content.sha256
        assert content_check(cache, c.deployment.chain_id, asset.asset_id, published).state == "absent"
        note_download(cache, c.deployment.chain_id, got)
        check = content_check(cache, c.deployment.chain_id, asset.asset_id, published)
        assert (check.state, check.sha256, check.path) == ("verified", published, got.path)
        cached = await fetch_into_cache(ctx(BUYER), asset.asset_id, cache)  # the studio's way in
        got.path.write_text("x,y\n1,3\n")  # the saved copy edited after it was verified
        check = content_check(cache, c.deployment.chain_id, asset.asset_id, published)
        assert check.state == "mismatch" and check.path == got.path
        got.path.unlink()  # the cache's copy is still the verified bytes
        check = content_check(cache, c.deployment.chain_id, asset.asset_id, published)
        assert (check.state, check.path) == ("verified", cached.path)

        # a purchase after the indexer ran is found by the top-up from the chain
        second = await buying.buy(ctx(BUYER), offer)
        assert [r.license_id for r in await my_licenses.my_licenses(ctx(BUYER))] == [second, first]

        # a purchase the chain reorganises away leaves the journal with the indexer's rollback
        rpc = c.client.w3.provider
        await indexer.sync()
        snapshot = (await rpc.make_request("evm_snapshot", []))["result"]
        doomed = await buying.buy(ctx(DOOMED), offer)
        await indexer.sync()
        assert [r.license_id for r in await my_licenses.my_licenses(ctx(DOOMED))] == [doomed]
        assert (await rpc.make_request("evm_revert", [snapshot]))["result"]
        for _ in range(3):  # the new branch is longer than the orphaned one
            await rpc.make_request("evm_mine", [])
        await indexer.sync()
        assert (
            journal.events("LicenseMarket", "LicensePurchased", [None, None, None], 0, 10**9)[-1]["args"][
                "licenseId"
            ]
            == second
        )
        assert await my_licenses.my_licenses(ctx(DOOMED)) == []

    run(env, body)
