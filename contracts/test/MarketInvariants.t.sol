// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Fixture} from "./utils/Fixture.sol";
import {Vm} from "./utils/Test.sol";
import {MockLabelingRecord} from "./utils/MockLabelingRecord.sol";
import {SaharaToken} from "../src/SaharaToken.sol";
import {AssetRegistry} from "../src/AssetRegistry.sol";
import {RoyaltyVault} from "../src/RoyaltyVault.sol";
import {LicenseMarket} from "../src/LicenseMarket.sol";

/// @dev Random buys, deliveries (on time or late), refunds, disputes, rulings, releases, revenue,
///      distributions and claims over a lineage whose dataset is backed by an overstated tree and
///      a sibling backed by a labeling campaign.
contract MarketHandler {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    SaharaToken public token;
    AssetRegistry public registry;
    RoyaltyVault public vault;
    LicenseMarket public market;
    address public judge;
    address[4] public actors;
    uint256[4] public weights; // leaf weights of the tree-backed dataset (they overstate its total)
    bytes32[] public leaves;
    uint256[] public assets; // [tree dataset, campaign dataset, model, agent]
    uint256[] public offers;
    uint256[] public licenses;

    uint256 public ghostIntoVault;
    uint256 public ghostClaimed;
    mapping(uint256 licenseId => uint8) public ends; // 1 settled, 2 refunded
    bool public endedTwice;

    constructor(
        SaharaToken token_,
        AssetRegistry registry_,
        RoyaltyVault vault_,
        LicenseMarket market_,
        address judge_,
        address[4] memory actors_,
        uint256[4] memory weights_,
        bytes32[] memory leaves_,
        uint256[] memory assets_,
        uint256[] memory offers_
    ) {
        (token, registry, vault, market, judge) = (token_, registry_, vault_, market_, judge_);
        actors = actors_;
        weights = weights_;
        leaves = leaves_;
        assets = assets_;
        offers = offers_;
    }

    function licenseCount() external view returns (uint256) {
        return licenses.length;
    }

    function warp(uint32 dt) external {
        vm.warp(block.timestamp + (dt % 5 days));
    }

    function buy(uint256 seed, uint256 oSeed) external {
        vm.prank(actors[seed % 4]);
        licenses.push(market.buy(offers[oSeed % offers.length], hex"04abcdef"));
    }

    function _pick(uint256 seed, LicenseMarket.Status status) internal view returns (uint256) {
        uint256 n = licenses.length;
        for (uint256 k; k < n; ++k) {
            uint256 id = licenses[(seed % n + k) % n];
            if (market.getLicense(id).status == status) return id;
        }
        return 0;
    }

    function deliver(uint256 seed) external {
        uint256 id = _pick(seed, LicenseMarket.Status.Pending);
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
        uint256 id = _pick(seed, LicenseMarket.Status.Pending);
        if (id == 0) return;
        LicenseMarket.License memory l = market.getLicense(id);
        if (block.timestamp <= l.deadline) vm.warp(uint256(l.deadline) + 1);
        vm.prank(market.ownerOf(id));
        market.refund(id);
        _end(id, 2);
    }

    function dispute(uint256 seed) external {
        uint256 id = _pick(seed, LicenseMarket.Status.Delivered);
        if (id == 0) return;
        LicenseMarket.License memory l = market.getLicense(id);
        if (block.timestamp > l.deadline || l.paid == 0) return;
        vm.prank(market.ownerOf(id));
        market.dispute(id, "bafkreireason");
    }

    function rule(uint256 seed, bool buyerWins) external {
        uint256 id = _pick(seed, LicenseMarket.Status.Disputed);
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
        uint256 id = _pick(seed, LicenseMarket.Status.Delivered);
        if (id == 0) id = _pick(seed, LicenseMarket.Status.Disputed);
        if (id == 0) return;
        LicenseMarket.License memory l = market.getLicense(id);
        uint256 until = l.status == LicenseMarket.Status.Delivered ? l.deadline : market.disputeOf(id).ruleBy;
        uint256 revenue = _revenue(id);
        if (byHolder && l.status == LicenseMarket.Status.Delivered) vm.prank(market.ownerOf(id));
        else if (block.timestamp <= until) vm.warp(until + 1);
        market.release(id);
        ghostIntoVault += revenue;
        _end(id, 1);
    }

    function deposit(uint256 seed, uint256 aSeed, uint96 amount) external {
        amount = uint96(amount % 1e22) + 1;
        vm.prank(actors[seed % 4]);
        vault.deposit(assets[aSeed % assets.length], amount);
        ghostIntoVault += amount;
    }

    function distribute(uint256 aSeed) external {
        vault.distribute(assets[aSeed % assets.length]);
    }

    function claim(uint256 seed, uint256 aSeed) external {
        uint256 assetId = assets[aSeed % assets.length];
        uint256 i = seed % 4;
        address who = actors[i];
        bytes32[] memory proof;
        uint256 w;
        if (aSeed % assets.length == 0) {
            w = weights[i];
            proof = _proof(i);
        } else if (aSeed % assets.length > 1) {
            who = registry.ownerOf(assetId);
        }
        uint256 before = token.balanceOf(who);
        try vault.claim(assetId, who, w, proof) {
            ghostClaimed += token.balanceOf(who) - before;
        } catch {}
    }

    /// @dev End every escrow and push every revenue down to claims.
    function settleAll() external {
        for (uint256 i; i < licenses.length; ++i) {
            uint256 id = licenses[i];
            LicenseMarket.License memory l = market.getLicense(id);
            if (l.status == LicenseMarket.Status.Pending) {
                if (block.timestamp <= l.deadline) vm.warp(uint256(l.deadline) + 1);
                vm.prank(market.ownerOf(id));
                market.refund(id);
                _end(id, 2);
            } else if (l.status == LicenseMarket.Status.Delivered || l.status == LicenseMarket.Status.Disputed) {
                uint256 until = l.status == LicenseMarket.Status.Delivered ? l.deadline : market.disputeOf(id).ruleBy;
                if (block.timestamp <= until) vm.warp(until + 1);
                ghostIntoVault += _revenue(id);
                market.release(id);
                _end(id, 1);
            }
        }
        for (uint256 i = assets.length; i > 0; --i) vault.distribute(assets[i - 1]);
        for (uint256 a; a < assets.length; ++a) {
            for (uint256 s; s < 4; ++s) this.claim(s, a);
        }
    }

    function _revenue(uint256 id) internal view returns (uint256) {
        LicenseMarket.License memory l = market.getLicense(id);
        return uint256(l.paid) - uint256(l.paid) * l.feeBps / 10_000;
    }

    function _end(uint256 id, uint8 how) internal {
        if (ends[id] != 0) endedTwice = true;
        ends[id] = how;
    }

    function _proof(uint256 i) internal view returns (bytes32[] memory proof) {
        proof = new bytes32[](2);
        proof[0] = leaves[i ^ 1];
        uint256 pair = (i / 2) ^ 1;
        bytes32 a = leaves[pair * 2];
        bytes32 b = leaves[pair * 2 + 1];
        proof[1] = a < b ? keccak256(abi.encode(a, b)) : keccak256(abi.encode(b, a));
    }
}

contract MarketInvariantsTest is Fixture {
    MarketHandler handler;
    MockLabelingRecord record;
    address[4] actors;
    address judge = makeAddr("judge");
    uint256 supply;

    function setUp() public {
        deploySystem();
        actors = [makeAddr("m0"), makeAddr("m1"), makeAddr("m2"), makeAddr("m3")];
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
        r.derivativeRoyaltyBps = 1_000;
        vm.prank(actors[0]);
        assets[0] = registry.register(r);
        r = registration(AssetRegistry.Kind.Dataset, new uint256[](0), 0, 0, 0);
        (r.labelingRecord, r.campaignId, r.derivativeRoyaltyBps) = (address(record), 1, 500);
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
        handler = new MarketHandler(token, registry, vault, market, judge, actors, w, leaves, assets, offers);
        for (uint256 i; i < 4; ++i) {
            fund(actors[i], 1e30);
            vm.startPrank(actors[i]);
            token.approve(address(market), type(uint256).max);
            token.approve(address(vault), type(uint256).max);
            vm.stopPrank();
        }
        supply = token.totalSupply();
        bytes4[] memory selectors = new bytes4[](10);
        selectors[0] = MarketHandler.warp.selector;
        selectors[1] = MarketHandler.buy.selector;
        selectors[2] = MarketHandler.deliver.selector;
        selectors[3] = MarketHandler.refund.selector;
        selectors[4] = MarketHandler.dispute.selector;
        selectors[5] = MarketHandler.rule.selector;
        selectors[6] = MarketHandler.release.selector;
        selectors[7] = MarketHandler.deposit.selector;
        selectors[8] = MarketHandler.distribute.selector;
        selectors[9] = MarketHandler.claim.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
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
            uint256 claimed = vault.claimed(id, address(0));
            for (uint256 a; a < 4; ++a) claimed += vault.claimed(id, actors[a]);
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
        assertGt(handler.ghostClaimed(), 0);
        invariant_marketAndVaultConserveTokens();
        this.afterInvariant();
    }
}
