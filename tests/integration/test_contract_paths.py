"""One happy path per contract on a real devnet, through the app's own bindings and outbox.

The contracts are deployed once for the module with ``deploy_all`` (devnet treasury as admin). Every
transaction is a ``TxRequest`` through the ``Outbox`` (via ``app.wallet.calls.transact``), every read a
``bind(...).functions.x().call()``, every event decoded from a receipt with the bound contract's ABI.
Accounts come from the devnet mnemonic (anvil funds them with ETH; the treasury hands out SAHARA).
Tests share accounts and the chain, so each compares balance *changes* over its flow and checks that
tokens are conserved: what one party lost, others (contracts included) gained; only the faucet mints.
Tests that need chain time to pass use anvil's ``evm_increaseTime``; all deadlines are taken from
chain time, so the tests pass alone and in any order.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from devchain import Chain, Env, acct, deltas, run
from eth_abi import encode as abi_encode
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from app.chain.bindings import encode_call
from app.chain.devnet import DEVNET_CHAIN_ID
from app.chain.merkle import ContributorTree, build_tree, leaf_hash
from app.chain.permit import TokenDomain, signed_permit, token_domain
from app.wallet.deploy import DeployConfig
from app.wallet.faucet import DEV_MNEMONIC, treasury
from app.wallet.hd import encryption_key_from_mnemonic
from app.wallet.outbox import TxRequest, TxReverted

E18 = 10**18
CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
META = "bafkreidgvpkjawlxz6sffxzwgooowe5yt7i6wsyg236mfoks77nywkptdq"
NEW_META = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
ZERO32 = b"\0" * 32
DATASET, MODEL, AGENT = 0, 1, 2
CONFIG = DeployConfig()
T = TypeVar("T")
NO_RECORD = "0x" + "00" * 20


def registration(
    kind: int,
    parents: tuple[int, ...] = (),
    bps: int = 0,
    tree: ContributorTree | None = None,
    tree_cid: str = "",
) -> tuple[Any, ...]:
    """``AssetRegistry.Registration``: no derivative royalty of its own; a tree or the owner."""
    root, total = (tree.root, tree.total_weight) if tree else (ZERO32, 0)
    return (kind, CID, META, list(parents), bps, 0, root, total, tree_cid, NO_RECORD, 0, 0)


def pubkey(account: LocalAccount) -> bytes:
    index = next(i for i in range(10) if acct(i).address == account.address)
    return encryption_key_from_mnemonic(DEV_MNEMONIC, index).public_key


def fields(event: Any, *names: str) -> tuple[Any, ...]:
    return tuple(event[name] for name in names)


async def license_asset(
    c: Chain, seller: LocalAccount, buyer: LocalAccount, asset: int, price: int, *, derivatives: bool
) -> int:
    """Offer ``asset``, fund ``buyer`` and let it buy with a permit; the seller delivers. The license id."""
    await c.fund(buyer, price)
    terms = (asset, price, 0, 0, True, derivatives, False)  # perpetual, unlimited, commercial
    offer = await c.emit(seller, "LicenseMarket", "createOffer", terms, event="OfferCreated")
    permit = await c.permit(buyer, "LicenseMarket", price)
    args = (offer["offerId"], pubkey(buyer), *permit.args)
    bought = await c.emit(buyer, "LicenseMarket", "buyWithPermit", *args, event="LicensePurchased")
    await c.send(seller, "LicenseMarket", "recordDelivery", bought["licenseId"], CID)
    await c.send(buyer, "LicenseMarket", "release", bought["licenseId"])  # accepts: escrow paid out
    return int(bought["licenseId"])


@dataclass(frozen=True)
class Lineage:
    """A dataset labeled by three accounts, and a model derived from it under a license."""

    creator: LocalAccount
    maker: LocalAccount
    labelers: tuple[LocalAccount, ...]
    tree: ContributorTree
    dataset: int
    model: int
    dataset_event: Any
    model_event: Any


@pytest.fixture(scope="module")
def lineage(env: Env) -> Lineage:
    creator, maker, labelers = acct(4), acct(8), (acct(5), acct(6), acct(7))
    tree = build_tree({labeler.address: weight for labeler, weight in zip(labelers, (5, 3, 2), strict=True)})

    async def build(c: Chain) -> Lineage:
        reg = registration(DATASET, tree=tree, tree_cid=NEW_META)
        dataset = await c.emit(creator, "AssetRegistry", "register", reg, event="AssetRegistered")
        await license_asset(c, creator, maker, dataset["assetId"], 50 * E18, derivatives=True)
        reg = registration(MODEL, (dataset["assetId"],), 2_000)
        model = await c.emit(maker, "AssetRegistry", "register", reg, event="AssetRegistered")
        return Lineage(creator, maker, labelers, tree, dataset["assetId"], model["assetId"], dataset, model)

    return run(env, build)


# ---------------------------------------------------------------------------------------- token
def test_token_permit_then_transfer_from(env: Env) -> None:
    owner, spender, recipient = acct(0), acct(1), acct(2)
    value = 40 * E18

    async def body(c: Chain) -> None:
        token = c.addr("SaharaToken")
        assert await token_domain(c.client, token) == TokenDomain("Sahara", "1", DEVNET_CHAIN_ID, token)
        fallback = await token_domain(c.client, c.addr("Faucet"))  # no eip712Domain() there: defaults
        assert (fallback.name, fallback.version) == ("Sahara", "1")

        await c.fund(owner, 100 * E18)
        supply = await c.read("SaharaToken", "totalSupply")
        before = await c.balances(owner, spender, recipient)
        nonce = await c.read("SaharaToken", "nonces", owner.address)
        permit = await signed_permit(c.client, token, owner, spender.address, value)
        assert (permit.owner, permit.nonce) == (owner.address, nonce)
        args = (owner.address, spender.address, value, *permit.args)
        approval = await c.emit(spender, "SaharaToken", "permit", *args, event="Approval")
        assert fields(approval, "owner", "spender", "value") == (owner.address, spender.address, value)
        assert await c.read("SaharaToken", "nonces", owner.address) == nonce + 1
        with pytest.raises(TxReverted, match="ERC2612InvalidSigner"):  # the nonce is spent: no replay
            await c.send(spender, "SaharaToken", "permit", *args)

        args = (owner.address, recipient.address, 30 * E18)
        moved = await c.emit(spender, "SaharaToken", "transferFrom", *args, event="Transfer")
        assert fields(moved, "from", "to", "value") == args
        assert await c.read("SaharaToken", "allowance", owner.address, spender.address) == 10 * E18
        assert deltas(await c.balances(owner, spender, recipient), before) == [-30 * E18, 0, 30 * E18]
        assert await c.read("SaharaToken", "totalSupply") == supply

    run(env, body)


# ------------------------------------------------------------------------------ faucet and outbox
def test_faucet_drips_then_refuses_during_cooldown_before_signing(env: Env) -> None:
    account = acct(3)

    async def body(c: Chain) -> None:
        supply = await c.read("SaharaToken", "totalSupply")
        before = await c.balances(account)
        receipt = await c.send(account, "Faucet", "drip")
        dripped = c.one("Faucet", "Dripped", receipt)
        assert fields(dripped, "to", "amount") == (account.address, CONFIG.faucet_drip)
        assert deltas(await c.balances(account), before) == [CONFIG.faucet_drip]
        assert await c.read("SaharaToken", "totalSupply") == supply + CONFIG.faucet_drip  # minted
        block = await c.client.w3.eth.get_block(receipt["blockNumber"])
        available_at = block["timestamp"] + CONFIG.faucet_cooldown_s
        assert await c.read("Faucet", "nextDripAt", account.address) == available_at

        signed = len(c.outbox.history())
        cooling = rf"CoolingDown\(account={account.address}, availableAt={available_at}\)"
        with pytest.raises(TxReverted, match=cooling):  # decoded from the custom error's data
            await c.send(account, "Faucet", "drip", intent="test:faucet-again")
        assert c.outbox.find_intent(account.address, "test:faucet-again") is None
        assert len(c.outbox.history()) == signed  # refused before signing: nothing persisted

    run(env, body)


def test_transact_follows_a_transaction_the_user_sped_up(env: Env) -> None:
    sender, recipient = acct(0), acct(1)

    async def body(c: Chain) -> None:
        rpc = c.client.w3.provider
        await rpc.make_request("evm_setAutomine", [False])  # keep the transaction pending
        try:
            sending = asyncio.create_task(
                c.send(sender, "SaharaToken", "transfer", recipient.address, 0, intent="test:slow")
            )
            async with asyncio.timeout(10):
                while (row := c.outbox.find_intent(sender.address, "test:slow")) is None or (
                    row.status != "broadcast"
                ):
                    assert not sending.done(), sending.exception()
                    await asyncio.sleep(0.05)
            faster = await c.outbox.speed_up(row.id, sender)
            await rpc.make_request("evm_mine", [])
        finally:
            await rpc.make_request("evm_setAutomine", [True])
        receipt = await sending
        assert "0x" + bytes(receipt["transactionHash"]).hex() == faster.tx_hash != row.tx_hash
        assert c.outbox.get(row.id).status == "replaced"

    run(env, body)


# --------------------------------------------------------------------------------- asset registry
def test_registry_dataset_with_labelers_and_a_licensed_model(env: Env, lineage: Lineage) -> None:
    dataset, model, maker, tree = lineage.dataset, lineage.model, lineage.maker, lineage.tree

    async def body(c: Chain) -> None:
        registered = fields(lineage.dataset_event, "creator", "kind", "parents", "parentRoyaltyBps")
        assert registered == (lineage.creator.address, DATASET, [], 0)
        assert fields(lineage.dataset_event, "contributorsRoot", "totalWeight") == (tree.root, 10)
        assert lineage.dataset_event["contributorsCid"] == NEW_META  # the tree's file, for anyone to check
        split = await c.read("AssetRegistry", "contributorSplit", dataset)
        assert split == [tree.root, 10, NO_RECORD, 0, 0]  # no owner share: the tree is the whole split
        for labeler in lineage.labelers:
            weight, proof = tree.weight(labeler.address), tree.proof(labeler.address)
            on_chain = await c.read("AssetRegistry", "leafHash", labeler.address, weight)
            assert on_chain == leaf_hash(labeler.address, weight)
            check = ("verifyContributor", dataset, labeler.address)
            assert await c.read("AssetRegistry", *check, weight, proof)
            assert not await c.read("AssetRegistry", *check, weight + 1, proof)

        registered = fields(lineage.model_event, "creator", "kind", "parents", "parentRoyaltyBps")
        assert registered == (maker.address, MODEL, [dataset], 2_000)
        assert await c.read("AssetRegistry", "ownerOf", model) == maker.address
        assert await c.read("LicenseMarket", "canDerive", dataset, maker.address)
        stranger = acct(3)  # holds no license for the dataset
        with pytest.raises(TxReverted, match=rf"NotLicensedForDerivative\(parentId={dataset}\)"):
            await c.send(stranger, "AssetRegistry", "register", registration(AGENT, (dataset,), 2_000))

        receipt = await c.send(maker, "AssetRegistry", "updateMetadata", model, NEW_META)
        updated = c.one("AssetRegistry", "MetadataUpdated", receipt)
        assert fields(updated, "assetId", "version", "metadataCid") == (model, 2, NEW_META)
        assert fields(updated, "previousMetadataCid", "by") == (META, maker.address)
        assert c.one("AssetRegistry", "MetadataUpdate", receipt)["_tokenId"] == model  # ERC-4906
        assert await c.read("AssetRegistry", "tokenURI", model) == f"ipfs://{NEW_META}"

    run(env, body)


# --------------------------------------------------------------------------------- license market
def test_license_market_escrow_delivery_and_refund(env: Env) -> None:
    seller, buyer, late_buyer = acct(0), acct(1), acct(2)
    price, duration = 100 * E18, 30 * 86_400
    fee = price * CONFIG.fee_bps // 10_000

    async def body(c: Chain) -> None:
        reg = registration(AGENT)
        registered = await c.emit(seller, "AssetRegistry", "register", reg, event="AssetRegistered")
        asset = registered["assetId"]
        terms = (asset, price, duration, 2, True, False, False)  # at most 2 licenses
        created = await c.emit(seller, "LicenseMarket", "createOffer", terms, event="OfferCreated")
        offer = created["offerId"]
        await c.fund(buyer, price)
        await c.fund(late_buyer, price)
        parties = (buyer, late_buyer, seller, treasury(), "LicenseMarket", "RoyaltyVault")
        before = await c.balances(*parties)
        pending = await c.read("RoyaltyVault", "pending", asset)

        # Buy: a permit instead of an approve; the price waits in escrow; the key is in the event.
        assert await c.read("SaharaToken", "allowance", buyer.address, c.addr("LicenseMarket")) == 0
        permit = await c.permit(buyer, "LicenseMarket", price)
        args = (offer, pubkey(buyer), *permit.args)
        bought = await c.emit(buyer, "LicenseMarket", "buyWithPermit", *args, event="LicensePurchased")
        assert fields(bought, "buyer", "price", "encryptionPubKey") == (buyer.address, price, pubkey(buyer))
        license_id = bought["licenseId"]
        assert await c.read("LicenseMarket", "ownerOf", license_id) == buyer.address
        assert not await c.read("LicenseMarket", "isLicensed", asset, buyer.address)  # not delivered
        assert deltas(await c.balances("LicenseMarket"), before[4:5]) == [price]

        # Deliver: the license starts and the dispute window opens; the escrow waits it out.
        receipt = await c.send(seller, "LicenseMarket", "recordDelivery", license_id, CID)
        delivered = c.one("LicenseMarket", "KeyDelivered", receipt)
        block = await c.client.w3.eth.get_block(receipt["blockNumber"])
        expires = block["timestamp"] + duration
        assert delivered["expiresAt"] == expires
        assert await c.read("LicenseMarket", "isLicensed", asset, buyer.address)
        assert await c.read("RoyaltyVault", "pending", asset) == pending
        # The buyer accepts: the fee goes to the treasury, the rest to the royalty vault.
        settled = await c.emit(buyer, "LicenseMarket", "release", license_id, event="LicenseSettled")
        assert fields(settled, "fee", "revenue") == (fee, price - fee)
        assert await c.read("RoyaltyVault", "pending", asset) == pending + price - fee

        # Refund: a purchase the seller never delivers is refunded in full after the timeout.
        permit = await c.permit(late_buyer, "LicenseMarket", price)
        args = (offer, pubkey(late_buyer), *permit.args)
        late = await c.emit(late_buyer, "LicenseMarket", "buyWithPermit", *args, event="LicensePurchased")
        with pytest.raises(TxReverted, match="DeliveryNotLate"):
            await c.send(late_buyer, "LicenseMarket", "refund", late["licenseId"])
        await c.advance(CONFIG.delivery_timeout_s + 1)
        with pytest.raises(TxReverted, match="DeliveryLate"):  # no sniping the refund with a late key
            await c.send(seller, "LicenseMarket", "recordDelivery", late["licenseId"], CID)
        refund = (late_buyer, "LicenseMarket", "refund", late["licenseId"])
        refunded = await c.emit(*refund, event="LicenseRefunded")
        assert fields(refunded, "buyer", "amount") == (late_buyer.address, price)
        assert await c.read("LicenseMarket", "balanceOf", late_buyer.address) == 0  # license burnt
        assert (await c.read("LicenseMarket", "getOffer", offer))[4] == 1  # `sold`: the slot is back

        after = await c.balances(*parties)
        assert deltas(after, before) == [-price, 0, 0, fee, 0, price - fee]
        assert sum(after) == sum(before)

    run(env, body)


# ---------------------------------------------------------------------------------- royalty vault
def test_royalties_flow_up_the_lineage_to_labelers(env: Env, lineage: Lineage) -> None:
    dataset, model, maker, tree = lineage.dataset, lineage.model, lineage.maker, lineage.tree
    buyer, price = acct(3), 100 * E18

    async def body(c: Chain) -> None:
        await license_asset(c, maker, buyer, model, price, derivatives=False)
        parties = (maker, *lineage.labelers, "RoyaltyVault")
        before = await c.balances(*parties)
        model_revenue = await c.read("RoyaltyVault", "pending", model)
        assert model_revenue == price * (10_000 - CONFIG.fee_bps) // 10_000
        dataset_pool = await c.read("RoyaltyVault", "pending", dataset)  # from the model maker's license

        # One transaction pushes revenue up the lineage: 20 % of the model's goes on to the dataset.
        receipt = await c.send(buyer, "RoyaltyVault", "distributeMany", [model, dataset])
        to_parent = model_revenue * 2_000 // 10_000
        model_pool, dataset_pool = model_revenue - to_parent, dataset_pool + to_parent
        forwarded = c.one("RoyaltyVault", "RevenueForwarded", receipt)
        assert fields(forwarded, "assetId", "parentId", "amount") == (model, dataset, to_parent)
        split = {
            e["assetId"]: fields(e, "toParents", "toContributors")
            for e in c.events("RoyaltyVault", "Distributed", receipt)
        }
        assert split == {model: (to_parent, model_pool), dataset: (0, dataset_pool)}

        # Labelers claim their weight's share with their proofs (OZ's MerkleProof on chain).
        paid = []
        for labeler in lineage.labelers:
            weight, proof = tree.weight(labeler.address), tree.proof(labeler.address)
            share = dataset_pool * weight // tree.total_weight
            assert await c.read("RoyaltyVault", "claimable", dataset, labeler.address, weight) == share
            with pytest.raises(TxReverted, match="InvalidProof"):  # a weight the tree does not hold
                await c.send(labeler, "RoyaltyVault", "claim", dataset, labeler.address, weight + 1, proof)
            args = (dataset, labeler.address, weight, proof)
            claimed = await c.emit(labeler, "RoyaltyVault", "claim", *args, event="Claimed")
            assert fields(claimed, "account", "amount") == (labeler.address, share)
            assert await c.read("RoyaltyVault", "claimable", dataset, labeler.address, weight) == 0
            with pytest.raises(TxReverted, match="NothingToClaim"):  # no one is paid twice
                await c.send(labeler, "RoyaltyVault", "claim", *args)
            paid.append(share)

        # The model has no contributor root: its owner takes the model's pool.
        claimed = await c.emit(maker, "RoyaltyVault", "claim", model, maker.address, 0, [], event="Claimed")
        assert claimed["amount"] == model_pool

        assert deltas(await c.balances(*parties), before) == [model_pool, *paid, -(model_pool + sum(paid))]
        accrued, total, admitted = await c.read("RoyaltyVault", "pool", dataset)
        assert (accrued, total, admitted) == (dataset_pool, tree.total_weight, tree.total_weight)
        claimed = [await c.read("RoyaltyVault", "claimed", dataset, lab.address) for lab in lineage.labelers]
        assert claimed == paid  # dust may stay

    run(env, body)


def test_padding_parents_does_not_dilute_the_real_parent(env: Env) -> None:
    """A licensee lists the licensed parent among 15 empty assets of its own: the parent still gets
    the 10 % its derivative royalty asks for, not a sixteenth of it."""
    owner, deriver, payer = acct(4), acct(8), acct(3)

    async def body(c: Chain) -> None:
        reg = (DATASET, CID, META, [], 0, 1_000, ZERO32, 0, "", NO_RECORD, 0, 0)  # derivatives owe it 10 %
        parent = (await c.emit(owner, "AssetRegistry", "register", reg, event="AssetRegistered"))["assetId"]
        await license_asset(c, owner, deriver, parent, E18, derivatives=True)
        pads = []
        for _ in range(15):
            pad = await c.emit(
                deriver, "AssetRegistry", "register", registration(DATASET), event="AssetRegistered"
            )
            pads.append(pad["assetId"])
        reg = registration(MODEL, (*pads, parent), 1_000)
        child = (await c.emit(deriver, "AssetRegistry", "register", reg, event="AssetRegistered"))["assetId"]
        revenue = 1_000 * E18
        await c.fund(payer, revenue)
        await c.send(payer, "SaharaToken", "approve", c.addr("RoyaltyVault"), revenue)
        await c.send(payer, "RoyaltyVault", "deposit", child, revenue)
        before = await c.read("RoyaltyVault", "pending", parent)
        receipt = await c.send(payer, "RoyaltyVault", "distribute", child)
        forwarded = {
            e["parentId"]: e["amount"] for e in c.events("RoyaltyVault", "RevenueForwarded", receipt)
        }
        assert forwarded == {parent: revenue // 10}
        assert await c.read("RoyaltyVault", "pending", parent) == before + revenue // 10

    run(env, body)


def test_a_contributor_cannot_overdraw_the_pool(env: Env) -> None:
    """A tree whose leaves add up to twice its declared total: the creator's full-weight leaf is
    admitted only up to what is left, and the claims never exceed the pool."""
    creator, labeler, payer = acct(5), acct(6), acct(3)
    tree = build_tree({creator.address: 10, labeler.address: 10})

    async def body(c: Chain) -> None:
        reg = (DATASET, CID, META, [], 0, 0, tree.root, 10, NEW_META, NO_RECORD, 0, 0)  # lies: total 10
        dataset = (await c.emit(creator, "AssetRegistry", "register", reg, event="AssetRegistered"))[
            "assetId"
        ]
        await c.fund(payer, 100 * E18)
        await c.send(payer, "SaharaToken", "approve", c.addr("RoyaltyVault"), 100 * E18)
        await c.send(payer, "RoyaltyVault", "deposit", dataset, 100 * E18)
        await c.send(payer, "RoyaltyVault", "distribute", dataset)
        vault_before = await c.balances("RoyaltyVault")
        args = (dataset, labeler.address, 10, tree.proof(labeler.address))
        assert (await c.emit(labeler, "RoyaltyVault", "claim", *args, event="Claimed"))["amount"] == 100 * E18
        with pytest.raises(TxReverted, match="NoWeightLeft"):  # the creator comes second: nothing left
            await c.send(
                creator, "RoyaltyVault", "claim", dataset, creator.address, 10, tree.proof(creator.address)
            )
        assert deltas(await c.balances("RoyaltyVault"), vault_before) == [-100 * E18]

    run(env, body)


# ------------------------------------------------------------------------------------ task board
def test_task_board_campaign_review_auto_approval_and_withdraw(env: Env) -> None:
    requester, labeler, anyone = acct(0), acct(1), acct(2)
    reward, review_window = E18, 86_400
    params = (CID, 20, reward, 1, 10, 3_600, review_window, 0, ZERO32)  # 2 batches of 10, redundancy 1

    async def body(c: Chain) -> None:
        escrow = await c.read("TaskBoard", "escrowFor", 20, 1, reward)
        assert escrow == 20 * reward
        await c.fund(requester, escrow)
        before = await c.balances(requester, labeler, "TaskBoard")

        permit = await c.permit(requester, "TaskBoard", escrow)
        create = (requester, "TaskBoard", "createCampaignWithPermit", params, *permit.args)
        campaign = (await c.emit(*create, event="CampaignCreated"))["campaignId"]
        assert (await c.read("TaskBoard", "getCampaign", campaign))[0] == escrow

        # Batch 0: claim, submit, the requester accepts 8 of its 10 items (naming the submission).
        claimed = await c.emit(labeler, "TaskBoard", "claimBatch", campaign, event="BatchClaimed")
        assert await c.read("TaskBoard", "batchRange", campaign, claimed["batch"]) == [0, 10]
        submit = (labeler, "TaskBoard", "submitBatch", claimed["slot"], CID, b"\x01" * 32)
        submitted = await c.emit(*submit, event="BatchSubmitted")
        assert submitted["resultCid"] == CID
        first = (labeler.address, submitted["submission"], campaign, claimed["batch"])
        receipt = await c.send(requester, "TaskBoard", "reviewBatch", (*first, 8), META)
        reviewed = c.one("TaskBoard", "BatchReviewed", receipt)
        assert fields(reviewed, "accepted", "paid", "auto_") == (8, 8 * reward, False)
        assert c.one("TaskBoard", "ReviewNote", receipt)["reasonCid"] == META

        # Batch 1: the requester stays silent; after the review window anyone finalizes it in full.
        claimed = await c.emit(labeler, "TaskBoard", "claimBatch", campaign, event="BatchClaimed")
        assert claimed["batch"] == 1
        submitted = await c.emit(
            labeler, "TaskBoard", "submitBatch", claimed["slot"], CID, b"\x02" * 32, event="BatchSubmitted"
        )
        args = (labeler.address, submitted["submission"], campaign, 1)
        with pytest.raises(TxReverted, match="ReviewWindowOpen"):
            await c.send(anyone, "TaskBoard", "finalize", *args)
        await c.advance(review_window + 1)
        auto = await c.emit(anyone, "TaskBoard", "finalize", *args, event="BatchReviewed")
        assert fields(auto, "accepted", "paid", "auto_") == (10, 10 * reward, True)
        # Nobody disputed batch 0's 2 rejected items within the window (2 days): anyone settles them.
        await c.advance(2 * 86_400)
        await c.emit(anyone, "TaskBoard", "settleReview", *first, event="RejectionSettled")
        record = await c.read("TaskBoard", "getLabeler", labeler.address)
        assert record[:3] == (18 * reward, 18, 2)  # earnings, accepted, rejected
        assert await c.read("TaskBoard", "acceptedItems", campaign, labeler.address) == 18
        assert await c.read("TaskBoard", "requesterRecord", requester.address) == (8, 2, 10, 0, 0)

        assert (await c.emit(labeler, "TaskBoard", "withdraw", event="Withdrawn"))["amount"] == 18 * reward
        refund = await c.emit(requester, "TaskBoard", "close", campaign, event="EscrowRefunded")
        assert refund["amount"] == 2 * reward  # the 2 rejected items' escrow goes back
        assert await c.read("TaskBoard", "isSettled", campaign)
        after = await c.balances(requester, labeler, "TaskBoard")
        assert deltas(after, before) == [-18 * reward, 18 * reward, 0]

    run(env, body)


# --------------------------------------------------------------------------------- compute market
CPU, CUDA = 1, 2
AGREED, COMPLETED = 5, 6  # ComputeMarket.JobStatus


def job_params(
    requester: LocalAccount, model: str, payment: int, collateral: int, now: int, replicas: int
) -> tuple[Any, ...]:
    """ComputeMarket.JobParams: CUDA inference on ``model``, sealed to the requester's key; open for
    30 minutes, due in an hour, 10-minute windows."""
    times = (now + 1_800, now + 3_600, 600)  # expires, deadline, window
    return (0, model, CID, pubkey(requester), CUDA, 4096, replicas, payment, collateral, *times)


async def register_provider(c: Chain, provider: LocalAccount, stake: int) -> None:
    await c.send(provider, "SaharaToken", "approve", c.addr("ComputeMarket"), stake)
    spec = (CID, CPU | CUDA, 8192, stake)  # spec CID, provider kinds, VRAM (MiB), stake
    registered = await c.emit(
        provider, "ComputeMarket", "registerProvider", *spec, event="ProviderRegistered"
    )
    assert fields(registered, "stake", "kinds", "vramMiB") == (stake, CPU | CUDA, 8192)


def test_compute_market_finalize_and_arbitrated_challenge(env: Env) -> None:
    provider, requester, arbiter = acct(2), acct(3), treasury()

    async def body(c: Chain) -> None:
        await c.fund(provider, 200 * E18)
        await c.fund(requester, 60 * E18)
        before = await c.balances(provider, requester, "ComputeMarket")
        await register_provider(c, provider, 200 * E18)

        # Job 1: accepted (collateral locked), result in, finalized after the challenge window, paid.
        await c.send(requester, "SaharaToken", "approve", c.addr("ComputeMarket"), 30 * E18)
        args = job_params(requester, META, 30 * E18, 50 * E18, await c.now(), 1)
        job = (await c.emit(requester, "ComputeMarket", "postJob", args, event="JobPosted"))["jobId"]
        await c.send(provider, "ComputeMarket", "acceptJob", job)
        assert (await c.read("ComputeMarket", "getProvider", provider.address))[:3] == (
            150 * E18,
            50 * E18,
            1,
        )
        await c.send(provider, "ComputeMarket", "submitResult", job, CID, b"\x03" * 32)
        with pytest.raises(TxReverted, match="TooEarly"):
            await c.send(requester, "ComputeMarket", "finalizeJob", job)
        await c.advance(601)
        paid = await c.emit(requester, "ComputeMarket", "finalizeJob", job, event="RunPaid")
        assert paid["payment"] == 30 * E18
        assert (await c.emit(provider, "ComputeMarket", "withdraw", event="Withdrawn"))["amount"] == 30 * E18

        # Job 2, posted with a permit: challenged with a bond; the arbiter slashes the collateral.
        permit = await c.permit(requester, "ComputeMarket", 20 * E18)
        args = job_params(requester, NEW_META, 20 * E18, 40 * E18, await c.now(), 1)
        posted = await c.emit(
            requester, "ComputeMarket", "postJobWithPermit", args, *permit.args, event="JobPosted"
        )
        job = posted["jobId"]
        await c.send(provider, "ComputeMarket", "acceptJob", job)
        await c.send(provider, "ComputeMarket", "submitResult", job, CID, b"\x04" * 32)
        bond = await c.read("ComputeMarket", "challengeBond", job)
        assert bond == 10 * E18  # half the payment
        await c.send(requester, "SaharaToken", "approve", c.addr("ComputeMarket"), bond)
        await c.emit(requester, "ComputeMarket", "challenge", job, META, event="JobChallenged")
        slashed = await c.emit(arbiter, "ComputeMarket", "resolve", job, False, NEW_META, event="RunSlashed")
        assert fields(slashed, "provider", "requester", "collateral") == (
            provider.address,
            requester.address,
            40 * E18,
        )
        owed = await c.read("ComputeMarket", "balances", requester.address)
        assert owed == 70 * E18  # the payment and the bond back, and the slashed collateral
        await c.send(requester, "ComputeMarket", "withdraw")
        assert (await c.read("ComputeMarket", "getProvider", provider.address))[:3] == (160 * E18, 0, 0)
        assert (await c.read("ComputeMarket", "reputation", provider.address)) == (1, 1, 1, 0)

        # provider: -200 staked, +30 paid; requester: -30 -20 paid, -10 bond, +70 back; the contract
        # keeps the stake.
        after = await c.balances(provider, requester, "ComputeMarket")
        assert deltas(after, before) == [-170 * E18, 10 * E18, 160 * E18]

    run(env, body)


def test_compute_market_redundant_execution_pays_both_when_they_agree(env: Env) -> None:
    first, second, requester = acct(4), acct(5), acct(3)
    result, salt = keccak(b"outputs"), keccak(b"salt")

    async def body(c: Chain) -> None:
        await c.fund(requester, 20 * E18)
        for provider in (first, second):
            await c.fund(provider, 100 * E18)
        before = await c.balances(first, second, requester, "ComputeMarket")
        for provider in (first, second):
            await register_provider(c, provider, 100 * E18)
        await c.send(requester, "SaharaToken", "approve", c.addr("ComputeMarket"), 20 * E18)
        args = job_params(requester, META, 10 * E18, 10 * E18, await c.now(), 2)
        job = (await c.emit(requester, "ComputeMarket", "postJob", args, event="JobPosted"))["jobId"]
        assert job in await c.read("ComputeMarket", "openJobs", 0, 100)
        for provider in (first, second):
            await c.send(provider, "ComputeMarket", "acceptJob", job)
        assert job not in await c.read("ComputeMarket", "openJobs", 0, 100)
        for provider in (first, second):  # blind: each commits before anyone reveals
            commitment = keccak(
                abi_encode(
                    ["uint256", "address", "bytes32", "bytes32"], [job, provider.address, result, salt]
                )
            )
            await c.send(provider, "ComputeMarket", "commitResult", job, commitment)
        await c.send(first, "ComputeMarket", "revealResult", job, result, salt)
        agreed = await c.emit(
            second, "ComputeMarket", "revealResult", job, result, salt, event="JobStatusChanged"
        )
        assert agreed["status"] == AGREED
        for provider in (first, second):
            paid = await c.emit(provider, "ComputeMarket", "submitResult", job, CID, result, event="RunPaid")
            assert paid["payment"] == 10 * E18
            await c.send(provider, "ComputeMarket", "withdraw")
        assert (await c.read("ComputeMarket", "getJob", job))[11] == COMPLETED
        assert (await c.read("ComputeMarket", "reputation", second.address))[0] == 1

        after = await c.balances(first, second, requester, "ComputeMarket")
        assert deltas(after, before) == [-90 * E18, -90 * E18, -20 * E18, 200 * E18]  # stakes stay in

    run(env, body)


def test_asking_again_after_a_transaction_failed_on_chain_is_a_new_try(env: Env) -> None:
    sender, recipient = acct(0), acct(1)

    async def body(c: Chain) -> None:
        data = encode_call("SaharaToken", "transfer", recipient.address, 0)
        starved = TxRequest("test:retry", c.addr("SaharaToken"), data=data, gas=25_000, description="starved")
        row = await c.outbox.wait((await c.outbox.submit(starved, sender)).id, timeout=30)
        assert row.status == "failed"  # out of gas, on chain
        receipt = await c.send(sender, "SaharaToken", "transfer", recipient.address, 0, intent="test:retry")
        assert int(receipt["status"]) == 1
        retry = c.outbox.find_intent(sender.address, "test:retry#2")
        assert retry is not None and retry.status == "mined" and retry.tx_hash != row.tx_hash
        again = await c.send(sender, "SaharaToken", "transfer", recipient.address, 0, intent="test:retry")
        assert again["transactionHash"] == receipt["transactionHash"]  # mined: found, not sent again
        assert c.outbox.find_intent(sender.address, "test:retry#3") is None

    run(env, body)
