"""Gas benchmark of the contracts on a real anvil, from the artifacts in resources/contracts.

    .venv/bin/python bench/gas.py            # print the numbers
    .venv/bin/python bench/gas.py --check    # exit 1 when a goal is missed

Deploys the system the way the app does (token, faucet, registry, vault, license market, task
board, compute market) on a throwaway anvil, then measures ``gasUsed`` of real transactions
(receipts, so the 21,000 base cost and calldata are included):

    labeling_gas_per_item          gas per item of a 1,000-item campaign (batch 50, redundancy 1) with the
                                   app's flow: submitAndClaim (submit + claim the next batch in one tx),
                                   the requester's worker reviewing with reviewBatches in rounds of 10
    labeling_gas_per_item_review_rounds   claimBatch + submitBatch per batch, reviewBatches of 10
    labeling_gas_per_item_separate_txs    claimBatch + submitBatch + reviewBatch, one tx each per batch
                                   (each also printed for the labeler's *first* campaign, which pays the
                                   one-time set-up of the labeler's record and work slots; the others are
                                   a labeler's later campaigns)
    license_purchase_gas           buyWithPermit by a fresh buyer (permit + escrow + license NFT)
    license_purchase_approved_gas  buy after a separate approve
    royalty_claim_gas              first claim of a contributor of a 1,024-leaf Merkle split (proof of
                                   10 hashes) after `distribute`
    royalty_claim_repeat_gas       a later claim of the same contributor after new revenue
    royalty_claim_campaign_labeler_gas   first claim of a labeler of a dataset backed by a real, settled
                                   TaskBoard campaign, after a license sale (no proof: the vault reads
                                   the labeler's accepted items from the board, its ILabelingRecord;
                                   no owner share)
    royalty_claim_campaign_labeler_owner_share_gas   the same where the requester keeps the app's
                                   default 10 % owner share (the labelers' part is computed net of it)

Goals: labeling (app flow) <= 2,000 gas per item, purchase <= 200,000, either first claim <= 80,000.
Artifacts older than contracts/src (manifest sourcesHash) make the bench exit 2: run
`contracts/build.sh` first.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

from eth_account import Account
from gas_chain import E18, Chain, advance, permit

from app.chain.merkle import build_tree

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "resources" / "contracts"
SOURCES = ROOT / "contracts" / "src"
GOALS = {
    "labeling_gas_per_item": 2_000,
    "license_purchase_gas": 200_000,
    "royalty_claim_gas": 80_000,
    "royalty_claim_campaign_labeler_gas": 80_000,
}
CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
ZERO_ADDRESS = "0x" + "00" * 20
ROOT_HASH = b"\x01" * 32  # a submission's result root (the board stores none of it)
OWNER_SHARE_BPS = 1_000  # what the app's publish keeps for a campaign's dataset (DEFAULT_OWNER_SHARE_BPS)


class Stale(RuntimeError):
    """resources/contracts does not match contracts/src."""


def sources_hash() -> str:
    files = sorted(p.relative_to(SOURCES).as_posix() for p in SOURCES.rglob("*") if p.is_file())
    lines = "".join(f"{f}\t{hashlib.sha256((SOURCES / f).read_bytes()).hexdigest()}\n" for f in files)
    return hashlib.sha256(lines.encode()).hexdigest()


def load_artifacts() -> dict[str, dict]:
    manifest_path = ARTIFACTS / "manifest.json"
    if not manifest_path.exists():
        raise Stale("no resources/contracts/manifest.json: run contracts/build.sh")
    manifest = json.loads(manifest_path.read_text())
    if manifest["sourcesHash"] != sources_hash():
        raise Stale("resources/contracts is older than contracts/src: run contracts/build.sh")
    return {name: json.loads((ARTIFACTS / f"{name}.json").read_text()) for name in manifest["contracts"]}


# ------------------------------------------------------------------ scenarios
def deploy_system(chain: Chain, arts: dict[str, dict]) -> dict:
    admin = chain.account()
    c: dict = {"admin": admin}
    c["token"] = chain.deploy(admin, arts["SaharaToken"], admin.address, 0)
    c["faucet"] = chain.deploy(admin, arts["Faucet"], c["token"].address, admin.address, 1_000 * E18, 0)
    c["registry"] = chain.deploy(admin, arts["AssetRegistry"], admin.address, 1_000)
    c["vault"] = chain.deploy(admin, arts["RoyaltyVault"], c["token"].address, c["registry"].address)
    c["market"] = chain.deploy(
        admin,
        arts["LicenseMarket"],
        c["token"].address,
        c["registry"].address,
        c["vault"].address,
        admin.address,
        admin.address,
        500,
        3 * 86400,
    )
    # TaskBoard(token, admin, arbiter, dispute window, arbiter window, bond bps, reputation's min reward)
    board_terms = (admin.address, admin.address, 2 * 86400, 7 * 86400, 1_000, 10**15)
    c["board"] = chain.deploy(admin, arts["TaskBoard"], c["token"].address, *board_terms)
    minter = c["token"].functions.MINTER_ROLE().call()
    chain.send(admin, c["token"].functions.grantRole(minter, admin.address))
    chain.send(admin, c["registry"].functions.setLicenseChecker(c["market"].address))
    return c


def mint(chain: Chain, c: dict, to: str, amount: int) -> None:
    chain.send(c["admin"], c["token"].functions.mint(to, amount))


def new_campaign(chain: Chain, c: dict, requester, items: int, batch: int) -> int:  # type: ignore[no-untyped-def]
    """Create a campaign (reward 1 token per item, redundancy 1, no gold set); its id."""
    params = (CID, items, E18, 1, batch, 3600, 86400, 0, ROOT_HASH)
    chain.send(requester, c["board"].functions.createCampaign(params))
    return c["board"].functions.campaignCount().call()


def label(chain: Chain, c: dict, requester, labeler, cid: int, batches: int, **how) -> tuple[int, list]:  # type: ignore[no-untyped-def]
    """`labeler` labels `batches` batches of campaign `cid`, `requester` reviews them.

    how: flow ("app", "rounds" or "separate", see bench_labeling), batch (items per batch, 50)
    and accepted (items each review accepts, all by default).
    Returns the gas of the labeler's and the requester's transactions, and the reviewed
    submissions as (submission, campaign, batch), the way reviews and settleReview name them.
    """
    board = c["board"]
    flow, batch = how.get("flow", "app"), how.get("batch", 50)
    accepted = how.get("accepted", batch)
    round_size = 1 if flow == "separate" else 10

    def review(waiting: list[tuple[int, int, int]]) -> int:
        """Review (submission, campaign, batch) entries; each names its submission."""
        reviews = [(labeler.address, sub, cid, b, accepted) for sub, cid, b in waiting]
        if flow == "separate":
            return chain.gas(requester, board.functions.reviewBatch(reviews[0], ""))
        return chain.gas(requester, board.functions.reviewBatches(reviews, CID))

    gas, waiting, reviewed, claim = 0, [], [], None
    for i in range(batches):
        last = i == batches - 1
        if claim is None:
            claim = board.functions.claimBatch(cid).call({"from": labeler.address})
            gas += chain.gas(labeler, board.functions.claimBatch(cid))
        slot, number = claim
        # the submission's pool index, as the BatchSubmitted event gives it
        sub = board.functions.submitBatch(slot, CID, ROOT_HASH).call({"from": labeler.address})
        if flow == "app" and not last:
            call = board.functions.submitAndClaim(slot, CID, ROOT_HASH)
            next_claim = call.call({"from": labeler.address})
        else:
            call, next_claim = board.functions.submitBatch(slot, CID, ROOT_HASH), None
        gas += chain.gas(labeler, call)
        waiting.append((sub, cid, number))
        claim = next_claim
        if len(waiting) == round_size or last:
            gas += review(waiting)
            reviewed += waiting
            waiting = []
    return gas, reviewed


def bench_labeling(chain: Chain, c: dict, flow: str, campaigns: int = 2) -> tuple[float, float]:
    """Gas per item of 1,000-item campaigns (batch 50, redundancy 1), labeled by one labeler.

    flow "separate": claimBatch, submitBatch, reviewBatch - one transaction each per batch.
    flow "rounds":   claimBatch, submitBatch; reviewBatches over 10 batches at a time.
    flow "app":      submitAndClaim (submit + claim the next batch); reviewBatches of 10.
    Returns (first campaign, a later campaign): the first pays one-time storage set-up of a new
    labeler (its record and work slots), later ones are the steady state.
    """
    requester, labeler = chain.account(), chain.account()
    items, batch = 1_000, 50
    mint(chain, c, requester.address, campaigns * items * E18)
    chain.send(requester, c["token"].functions.approve(c["board"].address, 2**256 - 1))
    per_item = []
    for _ in range(campaigns):
        cid = new_campaign(chain, c, requester, items, batch)
        gas, _ = label(chain, c, requester, labeler, cid, items // batch, flow=flow, batch=batch)
        per_item.append(gas / items)
    return per_item[0], per_item[-1]


def register(chain: Chain, c: dict, owner, root: bytes = b"\x00" * 32, total: int = 0, parents=()) -> int:  # type: ignore[no-untyped-def]
    bps = 1_000 if parents else 0
    tree_cid = CID if total else ""
    reg = (0, CID, CID, list(parents), bps, 1_000, root, total, tree_cid, ZERO_ADDRESS, 0, 0)
    chain.send(owner, c["registry"].functions.register(reg))
    return c["registry"].functions.assetCount().call()


def sell(chain: Chain, c: dict, seller, asset: int, price: int) -> int:  # type: ignore[no-untyped-def]
    """`seller` offers 30-day licenses of `asset` at `price`; the offer's id."""
    chain.send(seller, c["market"].functions.createOffer((asset, price, 30 * 86400, 0, True, True, False)))
    return c["market"].functions.offerCount().call()


def buy_with_permit(chain: Chain, c: dict, offer: int, price: int):  # type: ignore[no-untyped-def]
    """A fresh buyer, funded with `price`, buys a license of `offer` with a permit; its receipt."""
    buyer = chain.account()
    mint(chain, c, buyer.address, price)
    deadline = chain.w3.eth.get_block("latest")["timestamp"] + 3600
    v, r, s = permit(chain, c["token"], buyer, c["market"].address, price, deadline)
    pubkey = b"\x04" + os.urandom(64)
    return buyer, chain.send(buyer, c["market"].functions.buyWithPermit(offer, pubkey, deadline, v, r, s))


def bench_license(chain: Chain, c: dict) -> tuple[int, int]:
    token, market = c["token"], c["market"]
    seller = chain.account()
    price = 100 * E18
    offer = sell(chain, c, seller, register(chain, c, seller), price)
    _, receipt = buy_with_permit(chain, c, offer, price)
    buyer2 = chain.account()
    mint(chain, c, buyer2.address, price)
    chain.send(buyer2, token.functions.approve(market.address, price))
    approved = chain.gas(buyer2, market.functions.buy(offer, b"\x04" + os.urandom(64)))
    return int(receipt["gasUsed"]), approved


def bench_claim(chain: Chain, c: dict) -> tuple[int, int]:
    token, vault = c["token"], c["vault"]
    owner, payer = chain.account(), chain.account()
    contributors = [Account.create().address for _ in range(1_023)]
    me = chain.account()
    contributors.append(me.address)
    weights = [1 + i % 7 for i in range(len(contributors))]
    index = len(contributors) - 1
    tree = build_tree(zip(contributors, weights, strict=True))
    root, proof = tree.root, tree.proof(me.address)
    dataset = register(chain, c, owner, root, sum(weights))
    mint(chain, c, payer.address, 10_000 * E18)
    mint(chain, c, me.address, E18)  # a labeler already holds tokens (paid for labeling)
    chain.send(payer, token.functions.approve(vault.address, 2**256 - 1))
    chain.send(payer, vault.functions.deposit(dataset, 1_000 * E18))
    chain.send(payer, vault.functions.distribute(dataset))
    first = chain.gas(me, vault.functions.claim(dataset, me.address, weights[index], proof))
    chain.send(payer, vault.functions.deposit(dataset, 1_000 * E18))
    chain.send(payer, vault.functions.distribute(dataset))
    repeat = chain.gas(me, vault.functions.claim(dataset, me.address, weights[index], proof))
    return first, repeat


def bench_campaign_claim(chain: Chain, c: dict) -> tuple[int, int]:
    """A labeler's first royalty claim from a dataset backed by a settled TaskBoard campaign.

    A 200-item campaign (batch 50): the measured labeler's 2 batches are accepted in full,
    another labeler's 2 are reviewed 40 of 50 and their rejections made final with
    settleReview once the dispute window is over; the requester closes the campaign (settled),
    registers the dataset backed by it, sells a license, delivers; the buyer releases the
    escrow to the vault; anyone distributes; the labeler, who withdrew its labeling pay (so
    already holds tokens), claims for the first time; then the same for a second dataset the
    same campaign backs, whose requester keeps the app's 10 % owner share.
    """
    board, market, vault = c["board"], c["market"], c["vault"]
    requester, me, other = chain.account(), chain.account(), chain.account()
    mint(chain, c, requester.address, 200 * E18)
    chain.send(requester, c["token"].functions.approve(board.address, 2**256 - 1))
    cid = new_campaign(chain, c, requester, 200, 50)
    label(chain, c, requester, me, cid, 2)
    _, partial = label(chain, c, requester, other, cid, 2, accepted=40)
    advance(chain, board.functions.disputeWindow().call() + 1)
    for sub, _, number in partial:
        chain.send(requester, board.functions.settleReview(other.address, sub, cid, number))
    chain.send(requester, board.functions.close(cid))
    if not board.functions.isSettled(cid).call():
        raise RuntimeError("the campaign is not settled after close")
    chain.send(me, board.functions.withdraw())
    gas = []
    for owner_share in (0, OWNER_SHARE_BPS):  # the same campaign backs both datasets
        reg = (0, CID, CID, [], 0, 1_000, b"\x00" * 32, 0, "", board.address, cid, owner_share)
        chain.send(requester, c["registry"].functions.register(reg))
        dataset = c["registry"].functions.assetCount().call()
        price = 100 * E18
        buyer, _ = buy_with_permit(chain, c, sell(chain, c, requester, dataset, price), price)
        license_id = market.functions.licenseCount().call()
        chain.send(requester, market.functions.recordDelivery(license_id, CID))
        chain.send(buyer, market.functions.release(license_id))
        chain.send(buyer, vault.functions.distribute(dataset))
        gas.append(chain.gas(me, vault.functions.claim(dataset, me.address, 0, [])))
    return gas[0], gas[1]


def main(argv: list[str] | None = None) -> int:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args(argv)
    try:
        arts = load_artifacts()
    except Stale as e:
        print(f"gas bench: {e}", file=sys.stderr)
        return 2
    chain = Chain()
    try:
        c = deploy_system(chain, arts)
        results = {}
        for flow, name in (("separate", "_separate_txs"), ("rounds", "_review_rounds"), ("app", "")):
            first, steady = bench_labeling(chain, c, flow)
            results[f"labeling_gas_per_item{name}"] = steady
            results[f"labeling_gas_per_item{name}_first_campaign"] = first
        results["license_purchase_gas"], results["license_purchase_approved_gas"] = bench_license(chain, c)
        results["royalty_claim_gas"], results["royalty_claim_repeat_gas"] = bench_claim(chain, c)
        (
            results["royalty_claim_campaign_labeler_gas"],
            results["royalty_claim_campaign_labeler_owner_share_gas"],
        ) = bench_campaign_claim(chain, c)
    finally:
        chain.close()
    missed = []
    for name, value in results.items():
        goal = GOALS.get(name)
        note = f"   (goal <= {goal:,})" if goal else ""
        print(f"{name}: {value:,.0f}{note}")
        if goal and value > goal:
            missed.append(name)
    if missed:
        print("missed: " + ", ".join(missed))
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
