"""Each guard of the market services attacked on a real devnet: the exploit or bad input is sent,
and the test shows it is refused in words with nothing lost.

- buying a paused (delisted) or sold-out offer; a purchase the chain reverts: nothing paid;
- building on a parent with a license that does not allow derivatives, or not yet accepted;
- a paid offer for an asset whose parent license forbids commercial use;
- a seller whose metadata lies about the content's hash: the download is refused, no file written;
- a refund before the delivery deadline, then after it; a dispute inside and outside its window.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from devchain import Chain, Env, acct, run
from market_parties import Seller, wallet

from app.market import buying, earnings, my_licenses, offers
from app.market.asset_metadata import load_metadata
from app.market.context import MarketContext
from app.market.licenses import LicenseStatus
from app.market.offers import OfferError
from app.market.publishing import Contributors, PublishError, PublishRequest, publish
from app.market.terms import OfferTerms
from app.storage.local import LocalStore
from app.wallet.hd import EncryptionKey

E18 = 10**18
SELLER, BUYER, OTHER = 1, 2, 3


class KeylessWallet:
    """A wallet whose encryption key the market refuses (empty): the chain reverts the purchase."""

    def __init__(self, inner: object) -> None:
        self.inner = inner

    def signer(self, index: int | None = None):  # type: ignore[no-untyped-def]
        return self.inner.signer(index)  # type: ignore[attr-defined]

    def encryption_key(self, index: int | None = None) -> EncryptionKey:
        return EncryptionKey(b"\x01" * 32, b"")


def test_market_guards(env: Env, tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "blobs")
    wallets = {i: wallet(tmp_path / f"w{i}", i) for i in (SELLER, BUYER, OTHER)}
    (tmp_path / "data.csv").write_text("x,y\n1,2\n")

    async def body(c: Chain) -> None:
        def ctx(i: int) -> MarketContext:
            return MarketContext(c.client, c.outbox, c.deployment, store, wallets[i])

        async def balance(i: int) -> int:
            return await c.read("SaharaToken", "balanceOf", acct(i).address)

        for i in (BUYER, OTHER):
            await c.fund(acct(i), 50 * E18)
        request = PublishRequest(
            kind="dataset", name="Pairs", files=(tmp_path / "data.csv",),
            offers=(OfferTerms(E18, max_licenses=1), OfferTerms(2 * E18, derivatives=False),
                    OfferTerms(3 * E18, commercial=False), OfferTerms(E18)),
        )  # fmt: skip
        asset = await publish(ctx(SELLER), request)
        one_only, no_derivs, non_commercial, paused = asset.offer_ids
        seller = Seller(tmp_path, wallets[SELLER], SELLER, store, c)

        # a paused (delisted) offer: refused before signing, nothing paid
        with pytest.raises(OfferError, match="not by this account"):  # only its owner delists it
            await offers.set_offer_active(ctx(BUYER), paused, False)
        await offers.set_offer_active(ctx(SELLER), paused, False)
        assert [o.active for o in await offers.offers_of(ctx(BUYER), asset.asset_id)] == [
            True,
            True,
            True,
            False,
        ]
        before = await balance(BUYER)
        quote = await buying.quote(ctx(BUYER), paused)
        assert quote.problem == "the seller has paused this offer" and "Cannot buy" in quote.words()
        with pytest.raises(buying.BuyError, match=r"paused this offer\. Nothing was paid"):
            await buying.buy(ctx(BUYER), paused)
        # a purchase the chain reverts (the market refuses the buyer's key): nothing signed or paid
        keyless = MarketContext(c.client, c.outbox, c.deployment, store, KeylessWallet(wallets[BUYER]))
        with pytest.raises(buying.BuyError, match=r"encryption key was refused\. Nothing was paid"):
            await buying.buy(keyless, one_only)
        assert await balance(BUYER) == before

        # another transaction spends the buyer's permit nonce between signing and sending: signed again
        class Racing(MarketContext):
            raced = False

            async def send(
                self, contract: str, function: str, *args: object, intent: str, description: str
            ) -> object:
                if function == "buyWithPermit" and not Racing.raced:
                    Racing.raced = True  # e.g. the same account funds a campaign with a permit meanwhile
                    permit = await c.permit(acct(BUYER), "TaskBoard", 1)
                    board = c.addr("TaskBoard")
                    await c.send(
                        acct(BUYER), "SaharaToken", "permit", acct(BUYER).address, board, 1, *permit.args
                    )
                return await super().send(contract, function, *args, intent=intent, description=description)

        spare = await offers.create_offer(ctx(SELLER), asset.asset_id, OfferTerms(E18))
        racing = Racing(c.client, c.outbox, c.deployment, store, wallets[BUYER])
        stages: list[str] = []
        raced = await buying.buy(racing, spare, progress=lambda stage, _f: stages.append(stage))
        assert stages.count("Signing the payment permit") == 2  # the first permit's nonce was spent
        assert (
            Racing.raced and (await c.read("LicenseMarket", "getLicense", raced))[3] == LicenseStatus.PENDING
        )
        await offers.set_offer_active(ctx(SELLER), spare, False)
        before = await balance(BUYER)

        # sold out after one license
        first = await buying.buy(ctx(BUYER), one_only)
        with pytest.raises(buying.BuyError, match="every license of this offer is sold"):
            await buying.buy(ctx(OTHER), one_only)

        # a refund is refused before the delivery deadline, paid after it
        (row,) = [r for r in await my_licenses.my_licenses(ctx(BUYER)) if r.license_id == first]
        assert row.status == LicenseStatus.PENDING and "waiting for the seller's key" in row.state
        with pytest.raises(my_licenses.LicenseActionError, match="cannot be refunded"):
            await my_licenses.refund(ctx(BUYER), first)
        await c.advance(await c.read("LicenseMarket", "deliveryTimeout") + 1)
        assert await my_licenses.refund(ctx(BUYER), first) == E18
        assert await balance(BUYER) == before

        # a license without derivatives cannot parent a derivative; neither can one not yet accepted
        lic = await buying.buy(ctx(BUYER), no_derivs)
        await seller.deliver(lic)
        derived = dataclasses.replace(request, name="Pairs, cleaned", parents=(asset.asset_id,), offers=())
        count = await c.read("AssetRegistry", "assetCount")
        with pytest.raises(PublishError, match=f"license {lic} does not allow derivatives"):
            await publish(ctx(BUYER), derived)
        lic_nc = await buying.buy(ctx(BUYER), non_commercial)
        await seller.deliver(lic_nc)
        with pytest.raises(PublishError, match="once you accept its delivery"):
            await publish(ctx(BUYER), dataclasses.replace(derived, accept_deliveries=False))
        # a paid offer on a lineage whose license forbids commercial use: refused before signing
        with pytest.raises(PublishError, match="only be offered free"):
            await publish(ctx(BUYER), dataclasses.replace(derived, offers=(OfferTerms(E18),)))
        assert await c.read("AssetRegistry", "assetCount") == count

        # a dispute inside the window posts the bond; outside it is refused
        bond_bps = await c.read("LicenseMarket", "disputeBondBps")
        assert await my_licenses.dispute(ctx(BUYER), lic, "the file is empty") == 2 * E18 * bond_bps // 10_000
        assert (await my_licenses.read_held(ctx(BUYER), lic, 0)).status == LicenseStatus.DISPUTED
        await c.advance(await c.read("LicenseMarket", "disputeWindow") + 1)
        with pytest.raises(my_licenses.LicenseActionError, match="cannot be disputed"):
            await my_licenses.dispute(ctx(BUYER), lic_nc, "too late")

        # a seller whose metadata lies about the content's hash: the download is refused, nothing written
        meta = json.loads(b"".join(store.get(asset.metadata_cid)))
        meta["content"]["sha256"] = "00" * 32
        lying = str(store.put([json.dumps(meta).encode()]))
        with pytest.raises(OfferError, match="registered content"):  # the service will not publish it
            await offers.publish_version(
                ctx(SELLER), asset.asset_id, dataclasses.replace(load_metadata(store, lying), content=None)
            )
        await c.send(acct(SELLER), "AssetRegistry", "updateMetadata", asset.asset_id, lying)  # a raw seller
        dest = tmp_path / "bought" / "data.csv"
        with pytest.raises(buying.BuyError, match="does not match the published hash"):
            await buying.download(ctx(BUYER), lic_nc, dest)
        assert not dest.exists() and list(dest.parent.iterdir()) == []

    run(env, body)


def test_tree_contributors_claim_with_their_proofs(env: Env, tmp_path: Path) -> None:
    """Explicit contributor weights: the tree file is read from storage for each one's proof, and
    ``claimMany`` admits the weight; someone outside the tree earns nothing from the asset."""
    store = LocalStore(tmp_path / "blobs")
    wallets = {i: wallet(tmp_path / f"w{i}", i) for i in (4, 5, 6)}
    (tmp_path / "notes.txt").write_text("contributed by two\n")

    async def body(c: Chain) -> None:
        def ctx(i: int) -> MarketContext:
            return MarketContext(c.client, c.outbox, c.deployment, store, wallets[i])

        await c.fund(acct(6), 10 * E18)
        request = PublishRequest(
            kind="dataset", name="Notes", files=(tmp_path / "notes.txt",), offers=(OfferTerms(4 * E18 + 1),),
            contributors=Contributors(weights={acct(4).address: 3, acct(5).address: 1}),
        )  # fmt: skip
        asset = await publish(ctx(6), request)
        lic = await buying.buy(ctx(6), asset.offer_ids[0])
        await Seller(tmp_path, wallets[6], 6, store, c).deliver(lic)
        await my_licenses.accept(ctx(6), lic)
        revenue = 4 * E18 + 1 - (4 * E18 + 1) * await c.read("LicenseMarket", "feeBps") // 10_000
        (row,) = (await earnings.earnings(ctx(4))).rows
        assert (row.role, row.weight, row.total_weight, row.claimable) == (
            "contributor",
            3,
            4,
            revenue * 3 // 4,
        )
        assert row.proof
        assert (await earnings.earnings(ctx(6))).rows == ()  # the owner is not in the tree
        before = await c.read("SaharaToken", "balanceOf", acct(4).address)
        assert await earnings.claim_all(ctx(4)) == revenue * 3 // 4
        assert await c.read("SaharaToken", "balanceOf", acct(4).address) == before + revenue * 3 // 4
        assert await earnings.claim_all(ctx(5)) == revenue // 4

        # the seller adds an offer and a new version of the card; the content stays what was registered
        offer_id = await offers.create_offer(ctx(6), asset.asset_id, OfferTerms(E18, duration_s=86400))
        assert [o.offer_id for o in await offers.offers_of(ctx(4), asset.asset_id)] == [
            asset.offer_ids[0],
            offer_id,
        ]
        meta = load_metadata(store, asset.metadata_cid)
        v2 = await offers.publish_version(
            ctx(6), asset.asset_id, dataclasses.replace(meta, card="# Notes v2", version="2.0")
        )
        assert (await c.read("AssetRegistry", "getAsset", asset.asset_id))[13] == v2
        assert load_metadata(store, v2).version == "2.0"

    run(env, body)
