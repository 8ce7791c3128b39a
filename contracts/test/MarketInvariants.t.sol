// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {InvariantSuite} from "./utils/InvariantSuite.sol";
import {InvariantHandlerBase} from "./utils/InvariantHandlerBase.sol";
import {LicenseHandlerBase, Lineage} from "./utils/LicenseHandlerBase.sol";
import {MockLabelingRecord} from "./utils/MockLabelingRecord.sol";
import {SaharaToken} from "../src/SaharaToken.sol";
import {AssetRegistry} from "../src/AssetRegistry.sol";
import {RoyaltyVault} from "../src/RoyaltyVault.sol";
import {LicenseMarket} from "../src/LicenseMarket.sol";

/// @dev Random buys, deliveries (on time or late), refunds, disputes, rulings, releases, revenue,
///      distributions and claims over a lineage whose dataset is backed by an overstated tree and
///      a sibling backed by a labeling campaign, both keeping an owner share for whoever owns
///      them (the datasets change hands mid-way).
contract MarketHandler is LicenseHandlerBase {
    address public judge;

    constructor(
        SaharaToken token_,
        AssetRegistry registry_,
        RoyaltyVault vault_,
        LicenseMarket market_,
        address judge_,
        address[4] memory actors_,
        Lineage memory lineage // assets [tree dataset, campaign dataset, model, agent]; weights overstate the tree's total
    ) LicenseHandlerBase(token_, registry_, vault_, market_, actors_, 5 days, lineage) {
        judge = judge_;
    }

    function licenseCount() external view returns (uint256) {
        return licenses.length;
    }

    function buy(uint256 seed, uint256 oSeed) external {
        vm.prank(_actor(seed));
        licenses.push(market.buy(offers[oSeed % offers.length], hex"04abcdef"));
    }

    function deliver(uint256 seed) external {
        uint256 id = _licenseIn(seed, LicenseMarket.Status.Pending);
        if (id == 0) return;
        address seller = registry.ownerOf(market.assetOfLicense(id));
        bool late = block.timestamp > market.getLicense(id).deadline;
        vm.prank(seller);
        try market.recordDelivery(id, "bafkreiwrapped") {
            require(!late, "late delivery accepted");
        } catch {
            require(late, "on-time delivery refused");
        }
    }

    function refund(uint256 seed) external {
        uint256 id = _licenseIn(seed, LicenseMarket.Status.Pending);
        if (id == 0) return;
        _refund(id);
    }

    function dispute(uint256 seed) external {
        uint256 id = _licenseIn(seed, LicenseMarket.Status.Delivered);
        if (id == 0) return;
        LicenseMarket.License memory l = market.getLicense(id);
        if (block.timestamp > l.deadline || l.paid == 0) return;
        vm.prank(market.ownerOf(id));
        market.dispute(id, "bafkreireason");
    }

    function rule(uint256 seed, bool buyerWins) external {
        uint256 id = _licenseIn(seed, LicenseMarket.Status.Disputed);
        if (id == 0 || block.timestamp > market.disputeOf(id).ruleBy) return;
        uint256 revenue = _revenue(id);
        vm.prank(judge);
        market.resolveDispute(id, buyerWins);
        if (buyerWins) {
            _end(id, 2);
        } else {
            ghostIntoVault += revenue;
            _end(id, 1);
        }
    }

    function release(uint256 seed, bool byHolder) external {
        uint256 id = _licenseIn(seed, LicenseMarket.Status.Delivered);
        if (id == 0) id = _licenseIn(seed, LicenseMarket.Status.Disputed);
        if (id == 0) return;
        _release(id, byHolder);
    }

    /// @dev Pay out a delivered or disputed license's escrow: by its holder (delivered only), or
    ///      by anyone once its dispute window or its ruling deadline has passed.
    function _release(uint256 id, bool byHolder) internal {
        LicenseMarket.License memory l = market.getLicense(id);
        uint256 until = l.status == LicenseMarket.Status.Delivered ? l.deadline : market.disputeOf(id).ruleBy;
        uint256 revenue = _revenue(id);
        if (byHolder && l.status == LicenseMarket.Status.Delivered) vm.prank(market.ownerOf(id));
        else _warpPast(until);
        market.release(id);
        ghostIntoVault += revenue;
        _end(id, 1);
    }

    function deposit(uint256 seed, uint256 aSeed, uint96 amount) external {
        _deposit(seed, aSeed, uint96(amount % 1e22) + 1);
    }

    /// @dev Asset 0 is tree-backed (actor `seed` claims with its proof), asset 1 campaign-backed
    ///      (the vault reads the labeler's accepted items), the rest pay their owner. An odd
    ///      `seed >> 2` asks for asset 0's or 1's owner share instead (refused unless the actor
    ///      owns it now).
    function claim(uint256 seed, uint256 aSeed) external {
        uint256 k = aSeed % assets.length;
        uint256 i = seed % 4;
        if (k < 2 && (seed >> 2) % 2 == 1) _claim(assets[k], actors[i], vault.OWNER_SHARE(), new bytes32[](0));
        else if (k == 0) _claim(assets[k], actors[i], weights[i], _proof(i));
        else if (k == 1) _claim(assets[k], actors[i], 0, new bytes32[](0));
        else _claim(assets[k], registry.ownerOf(assets[k]), 0, new bytes32[](0));
    }

    /// @dev The owner of dataset 0 or 1 hands it to the actor at `seed` (the owner share follows).
    function transferDataset(uint256 seed, uint256 aSeed) external {
        uint256 id = assets[aSeed % 2];
        address owner = registry.ownerOf(id);
        vm.prank(owner);
        registry.transferFrom(owner, _actor(seed), id);
    }

    /// @dev End every escrow and push every revenue down to claims.
    function settleAll() external {
        for (uint256 i; i < licenses.length; ++i) {
            uint256 id = licenses[i];
            LicenseMarket.Status s = market.getLicense(id).status;
            if (s == LicenseMarket.Status.Pending) _refund(id);
            else if (s == LicenseMarket.Status.Delivered || s == LicenseMarket.Status.Disputed) _release(id, false);
        }
        _distributeAll();
        for (uint256 a; a < assets.length; ++a) {
            for (uint256 s; s < 8; ++s) this.claim(s, a); // 4..7: the owner shares
        }
    }
}

contract MarketInvariantsTest is InvariantSuite {
    MarketHandler handler;
    MockLabelingRecord record;
    address judge = makeAddr("judge");

    function setUp() public {
        deploySystem();
        setUpActors("m", 1e30, spenders(address(market), address(vault)));
        uint256[4] memory w = [uint256(8), 4, 2, 2]; // sum 16, declared total 10: overstated
        bytes32[] memory leaves = new bytes32[](4);
        for (uint256 i; i < 4; ++i) leaves[i] = leaf(actors[i], w[i]);
        record = new MockLabelingRecord();
        record.setCampaign(1, actors[0], true);
        record.setAccepted(1, actors[1], 7);
        record.setAccepted(1, actors[2], 3);

        uint256[] memory assets = new uint256[](4);
        AssetRegistry.Registration memory r =
            registration(AssetRegistry.Kind.Dataset, new uint256[](0), 0, merkleRoot(leaves), 10);
        (r.derivativeRoyaltyBps, r.ownerShareBps) = (1_000, 1_500);
        vm.prank(actors[0]);
        assets[0] = registry.register(r);
        r = registration(AssetRegistry.Kind.Dataset, new uint256[](0), 0, 0, 0);
        (r.labelingRecord, r.campaignId, r.derivativeRoyaltyBps, r.ownerShareBps) = (address(record), 1, 500, 1_000);
        vm.prank(actors[0]);
        assets[1] = registry.register(r);
        uint256[] memory both = new uint256[](2);
        (both[0], both[1]) = (assets[0], assets[1]);
        vm.prank(actors[0]);
        assets[2] = registry.register(registration(AssetRegistry.Kind.Model, both, 2_000, 0, 0));
        vm.prank(actors[0]);
        assets[3] = registry.register(registration(AssetRegistry.Kind.Agent, one(assets[2]), 2_000, 0, 0));
        vm.prank(actors[0]);
        registry.transferFrom(actors[0], actors[3], assets[3]);

        uint256[] memory offers = new uint256[](4);
        for (uint256 i; i < 4; ++i) {
            vm.prank(registry.ownerOf(assets[i]));
            offers[i] = market.createOffer(
                LicenseMarket.OfferTerms({
                    assetId: assets[i],
                    price: uint96(10e18 * i),
                    duration: uint64(i * 7 days),
                    maxLicenses: 0,
                    commercialUse: true,
                    derivativesAllowed: true,
                    transferable: false
                })
            );
        }
        bytes32 role = market.ARBITER_ROLE();
        vm.prank(admin);
        market.grantRole(role, judge);
        handler = new MarketHandler(token, registry, vault, market, judge, actors, Lineage(w, leaves, assets, offers));
        bytes4[] memory selectors = new bytes4[](11);
        selectors[0] = InvariantHandlerBase.warp.selector;
        selectors[1] = MarketHandler.buy.selector;
        selectors[2] = MarketHandler.deliver.selector;
        selectors[3] = MarketHandler.refund.selector;
        selectors[4] = MarketHandler.dispute.selector;
        selectors[5] = MarketHandler.rule.selector;
        selectors[6] = MarketHandler.release.selector;
        selectors[7] = MarketHandler.deposit.selector;
        selectors[8] = LicenseHandlerBase.distribute.selector;
        selectors[9] = MarketHandler.claim.selector;
        selectors[10] = MarketHandler.transferDataset.selector;
        target(address(handler), selectors);
    }

    function _marketOwes() internal view returns (uint256 sum) {
        uint256 n = handler.licenseCount();
        for (uint256 i; i < n; ++i) {
            uint256 id = handler.licenses(i);
            LicenseMarket.License memory l = market.getLicense(id);
            if (l.status == LicenseMarket.Status.Pending || l.status == LicenseMarket.Status.Delivered) sum += l.paid;
            if (l.status == LicenseMarket.Status.Disputed) sum += l.paid + market.disputeOf(id).bond;
        }
    }

    function _vaultOwes() internal view returns (uint256 sum) {
        for (uint256 i; i < 4; ++i) {
            uint256 id = handler.assets(i);
            (uint256 accrued, uint256 total, uint256 admitted) = vault.pool(id);
            uint256 owners = vault.claimed(id, address(0));
            uint256 claimed;
            for (uint256 a; a < 4; ++a) claimed += vault.claimed(id, actors[a]);
            (,,,, uint16 ownerBps) = registry.contributorSplit(id);
            if (ownerBps != 0) {
                uint256 ownerPart = accrued * ownerBps / 10_000;
                assertLe(owners, ownerPart, "owner share claims exceed the owner's part");
                assertLe(claimed, accrued - ownerPart, "contributor claims exceed their part");
            }
            claimed += owners;
            assertLe(claimed, accrued, "claims exceed the pool");
            assertLe(admitted, total, "admitted weight exceeds the total");
            sum += vault.pending(id) + accrued - claimed;
        }
    }

    function invariant_marketAndVaultConserveTokens() public view {
        assertEq(token.totalSupply(), supply);
        assertEq(token.balanceOf(address(market)), _marketOwes(), "market holds exactly its escrows");
        assertEq(token.balanceOf(address(vault)), _vaultOwes(), "vault holds exactly what it owes");
        assertEq(token.balanceOf(address(vault)), handler.ghostIntoVault() - handler.ghostClaimed());
        assertFalse(handler.endedTwice());
    }

    /// @dev Every escrow ends paid or refunded; the vault keeps only rounding dust.
    function afterInvariant() external {
        handler.settleAll();
        assertEq(token.balanceOf(address(market)), 0, "an escrow did not end");
        assertLe(token.balanceOf(address(vault)), 100, "vault dust");
        assertEq(token.totalSupply(), supply);
    }

    function test_handlerExercisesEveryFlow() public {
        handler.buy(0, 1);
        handler.buy(1, 2);
        handler.buy(2, 3);
        handler.buy(3, 3);
        handler.deliver(0);
        handler.deliver(1);
        handler.deliver(2);
        handler.dispute(0);
        handler.dispute(1);
        handler.rule(0, true);
        handler.release(0, true);
        handler.warp(type(uint32).max);
        handler.refund(0);
        handler.deposit(0, 0, 1e18);
        handler.distribute(3);
        handler.distribute(2);
        handler.distribute(1);
        handler.distribute(0);
        handler.claim(1, 1);
        handler.claim(0, 0);
        handler.transferDataset(2, 1);
        handler.deposit(0, 1, 1e18);
        handler.distribute(1);
        handler.claim(2, 1); // the new owner: its labeler share
        handler.claim(6, 1); // and its owner share
        assertGt(handler.ghostClaimed(), 0);
        invariant_marketAndVaultConserveTokens();
        this.afterInvariant();
    }
}
