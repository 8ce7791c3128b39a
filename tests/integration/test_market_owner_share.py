"""The owner share through the app on a real devnet: a publisher that is also one of its tree's
contributors sees two Earnings rows (its owner share and its contributor share), one Claim all pays
both to the wei; a new owner takes the owner share from then on; a share over 100 % or one without
contributors is refused in words before anything is stored or signed."""

from __future__ import annotations

from pathlib import Path

import pytest
from devchain import Chain, Env, acct, run
from market_parties import Seller, wallet

from app.market import buying, earnings, my_licenses
from app.market.context import MarketContext
from app.market.publishing import Contributors, PublishError, PublishRequest, check_request, publish
from app.market.terms import OfferTerms
from app.storage.local import LocalStore

E18 = 10**18
OWNER, HELPER, BUYER, HEIR = 6, 5, 4, 3
PRICE = 4 * E18 + 3  # odd: the rounding shows


def test_an_owner_and_contributor_claims_both_shares_and_an_heir_takes_the_owner_share(
    env: Env, tmp_path: Path
) -> None:
    store = LocalStore(tmp_path / "blobs")
    wallets = {i: wallet(tmp_path / f"w{i}", i) for i in (OWNER, HELPER, BUYER, HEIR)}
    (tmp_path / "notes.txt").write_text("written by two\n")

    async def body(c: Chain) -> None:
        def ctx(i: int) -> MarketContext:
            return MarketContext(c.client, c.outbox, c.deployment, store, wallets[i])

        async def sale() -> int:
            lic = await buying.buy(ctx(BUYER), asset.offer_ids[0])
            await Seller(tmp_path, wallets[OWNER], OWNER, store, c).deliver(lic)
            await my_licenses.accept(ctx(BUYER), lic)
            return PRICE - PRICE * await c.read("LicenseMarket", "feeBps") // 10_000

        await c.fund(acct(BUYER), 3 * PRICE)
        request = PublishRequest(
            kind="dataset", name="Notes", files=(tmp_path / "notes.txt",), offers=(OfferTerms(PRICE),),
            contributors=Contributors(
                weights={acct(OWNER).address: 1, acct(HELPER).address: 3}, owner_share_bps=2_000
            ),
        )  # fmt: skip
        asset = await publish(ctx(OWNER), request)
        assert (await c.read("AssetRegistry", "getAsset", asset.asset_id))[16] == 2_000
        revenue = await sale()
        kept = revenue * 2_000 // 10_000
        share, helper = (revenue - kept) // 4, (revenue - kept) * 3 // 4
        rows = (await earnings.earnings(ctx(OWNER))).rows
        assert [(r.role, r.claimable) for r in rows] == [("owner share", kept), ("contributor", share)]
        assert await earnings.claim_all(ctx(OWNER)) == kept + share  # one transaction, both entries
        assert await earnings.claim_all(ctx(HELPER)) == helper

        # the token changes hands: what accrues from then on is the heir's, not the publisher's
        await c.send(acct(OWNER), "AssetRegistry", "transferFrom", acct(OWNER).address, acct(HEIR).address,
                     asset.asset_id)  # fmt: skip
        revenue2 = PRICE  # paid into the vault directly: the heir cannot deliver the publisher's key
        vault = c.deployment.address("RoyaltyVault")
        await c.send(acct(BUYER), "SaharaToken", "approve", vault, revenue2)
        await c.send(acct(BUYER), "RoyaltyVault", "deposit", asset.asset_id, revenue2)
        total = revenue + revenue2
        owner_rows = (await earnings.earnings(ctx(OWNER))).rows
        assert [r.role for r in owner_rows] == ["contributor"]  # its owner share went with the token
        (heir,) = (await earnings.earnings(ctx(HEIR))).rows
        assert (heir.role, heir.claimable) == ("owner share", total * 2_000 // 10_000 - kept)
        assert await earnings.claim_all(ctx(HEIR)) == total * 2_000 // 10_000 - kept

    run(env, body)


def test_an_owner_share_out_of_range_or_without_contributors_is_refused_in_words(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    base = PublishRequest(kind="dataset", name="A", files=(tmp_path / "a.txt",))
    weights = {acct(HELPER).address: 1}
    for bps in (-1, 10_001):
        with pytest.raises(PublishError, match="between 0 % and 100 %"):
            check_request(
                PublishRequest(
                    **{**vars(base), "contributors": Contributors(weights=weights, owner_share_bps=bps)}
                )
            )
    with pytest.raises(PublishError, match="needs contributors"):
        check_request(PublishRequest(**{**vars(base), "contributors": Contributors(owner_share_bps=500)}))
    assert Contributors(campaign=("0x" + "11" * 20, 1)).owner_share() == 1_000  # a campaign: 10 %
    assert Contributors(weights=weights).owner_share() == 0  # explicit weights are the whole split
    assert Contributors(owner_share_bps=0).owner_share() == 0
