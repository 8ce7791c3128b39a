// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Fixture} from "./utils/Fixture.sol";
import {MockLabelingRecord} from "./utils/MockLabelingRecord.sol";
import {AssetRegistry} from "../src/AssetRegistry.sol";
import {LicenseMarket} from "../src/LicenseMarket.sol";
import {RoyaltyVault} from "../src/RoyaltyVault.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

/// @dev Each test performs an attack the Economy v2 audit found on the market, the registry or
///      the vault, and shows it no longer profits.
contract MarketAttacksTest is Fixture {
    address alice = makeAddr("alice"); // an honest creator
    address bob = makeAddr("bob"); // the licensee / attacker
    address carol = makeAddr("carol");
    address payer = makeAddr("payer");
    address judge = makeAddr("judge");
    MockLabelingRecord record;

    string constant CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";

    function setUp() public {
        deploySystem();
        record = new MockLabelingRecord();
        bytes32 role = market.ARBITER_ROLE();
        vm.prank(admin);
        market.grantRole(role, judge);
        fundAndApprove(payer, address(vault), 1e30);
        fundAndApprove(bob, address(market), 1e24);
    }

    // ---------------------------------------------------------------- helpers
    function _asset(address who, uint256[] memory parents, uint16 bps, uint16 derivativeBps)
        internal
        returns (uint256)
    {
        AssetRegistry.Registration memory r = registration(AssetRegistry.Kind.Model, parents, bps, 0, 0);
        r.derivativeRoyaltyBps = derivativeBps;
        vm.prank(who);
        return registry.register(r);
    }

    function _offer(address seller, uint256 assetId, uint96 price, uint64 duration, bool commercial, bool transferable)
        internal
        returns (uint256)
    {
        vm.prank(seller);
        return market.createOffer(
            LicenseMarket.OfferTerms({
                assetId: assetId,
                price: price,
                duration: duration,
                maxLicenses: 0,
                commercialUse: commercial,
                derivativesAllowed: true,
                transferable: transferable
            })
        );
    }

    /// @dev bob buys `offerId`, the seller delivers.
    function _bought(uint256 offerId) internal returns (uint256 id) {
        vm.prank(bob);
        id = market.buy(offerId, hex"04aa");
        vm.prank(registry.ownerOf(market.assetOfLicense(id)));
        market.recordDelivery(id, "bafkreiwrapped");
    }

    function _settled(uint256 offerId) internal returns (uint256 id) {
        id = _bought(offerId);
        vm.prank(bob);
        market.release(id);
    }

    function _sell(uint256 assetId, uint256 amount) internal {
        vm.prank(payer);
        vault.deposit(assetId, amount);
    }

    function _accrued(uint256 assetId) internal view returns (uint256 accrued) {
        (accrued,,) = vault.pool(assetId);
    }

    // ---------------------------------------------------------------- royalty dilution
    /// @dev Attack: bob licenses alice's model (10 % derivative royalty) and lists it among 15
    ///      empty assets of his own, so an equal split would leave alice 1/16 of the parent share.
    function test_attack_paddingParentsDoesNotDilute() public {
        uint256 p = _asset(alice, new uint256[](0), 0, 1_000);
        _settled(_offer(alice, p, 1e18, 0, true, false));
        uint256[] memory parents = new uint256[](16);
        parents[0] = p;
        for (uint256 i = 1; i < 16; ++i) parents[i] = _asset(bob, new uint256[](0), 0, 0);
        uint256 child = _asset(bob, parents, MIN_PARENT_BPS, 0);
        _sell(child, 10_000e18);
        vault.distribute(child);
        vault.distribute(p);
        assertEq(_accrued(p), 1_000e18 + 0.95e18, "alice keeps her 10 % (plus her own sale)");
        for (uint256 i = 1; i < 16; ++i) assertEq(vault.pending(parents[i]), 0);
        // padding with assets that demand royalties of their own cannot squeeze her either
        uint256 greedy = _asset(bob, new uint256[](0), 0, 9_500);
        parents[1] = greedy;
        vm.expectRevert(abi.encodeWithSelector(AssetRegistry.ParentShareBelowFloors.selector, 10_000, 10_500));
        _asset(bob, parents, 10_000, 0);
    }

    /// @dev Attack: bob stacks self-owned layers between alice's asset and what he sells, each
    ///      forwarding only the minimum share, so alice's cut would shrink to 10 % of 10 % of ...
    function test_attack_stackedSelfOwnedLayersDoNotDilute() public {
        uint256 p = _asset(alice, new uint256[](0), 0, 1_000);
        _settled(_offer(alice, p, 0, 0, true, false));
        uint256 layer = _asset(bob, one(p), MIN_PARENT_BPS, 0);
        uint256[] memory lineage = new uint256[](5);
        lineage[3] = layer;
        lineage[4] = p;
        for (uint256 i = 3; i > 0; --i) {
            layer = _asset(bob, one(layer), MIN_PARENT_BPS, 0);
            lineage[i - 1] = layer;
        }
        assertEq(registry.getAsset(layer).royaltyFloorBps, 1_000); // alice's floor travels down
        _sell(layer, 10_000e18);
        vault.distributeMany(lineage);
        assertEq(_accrued(p), 1_000e18, "alice gets 10 % of the top layer's revenue");
    }

    /// @dev Each parent receives at least its floor of any revenue, whatever the parent list.
    function testFuzz_parentGetsAtLeastItsFloor(uint16 floorBps, uint8 pads, uint16 bps, uint96 revenue) public {
        uint16 floor = uint16(bound(floorBps, 0, 10_000));
        uint256 n = bound(pads, 0, 15);
        uint16 share = uint16(bound(bps, floor > MIN_PARENT_BPS ? floor : MIN_PARENT_BPS, 10_000));
        uint256 amount = bound(revenue, 1, 1e27);
        uint256 p = _asset(alice, new uint256[](0), 0, floor);
        _settled(_offer(alice, p, 0, 0, true, false));
        uint256[] memory parents = new uint256[](n + 1);
        parents[n] = p;
        for (uint256 i; i < n; ++i) parents[i] = _asset(bob, new uint256[](0), 0, 0);
        uint256 child = _asset(bob, parents, share, 0);
        _sell(child, amount);
        vault.distribute(child);
        vault.distribute(p);
        assertGe(_accrued(p), amount * floor / 10_000);
    }

    // ---------------------------------------------------------------- license duration
    /// @dev Attack (on the buyer): a "forever" offer whose duration wrapped in 40 bits made the
    ///      license expired at delivery; the buyer paid and could not refund.
    function testFuzz_hugeDurationNeverExpiredAtDelivery(uint64 duration) public {
        duration = uint64(bound(duration, 1, type(uint64).max));
        uint256 a = _asset(alice, new uint256[](0), 0, 0);
        uint256 id = _bought(_offer(alice, a, 1e18, duration, true, false));
        LicenseMarket.License memory l = market.getLicense(id);
        assertGt(l.expiresAt, block.timestamp);
        assertTrue(market.isLicensed(a, bob));
        if (block.timestamp + duration >= type(uint40).max) assertEq(l.expiresAt, type(uint40).max);
        else assertEq(l.expiresAt, block.timestamp + duration);
    }

    // ---------------------------------------------------------------- campaign-backed contributors
    function _campaignDataset(uint256 campaignId) internal returns (uint256) {
        AssetRegistry.Registration memory r =
            registration(AssetRegistry.Kind.Dataset, new uint256[](0), 0, bytes32(0), 0);
        r.labelingRecord = address(record);
        r.campaignId = campaignId;
        r.derivativeRoyaltyBps = 1_000;
        vm.prank(alice);
        return registry.register(r);
    }

    /// @dev Labelers of a settled campaign earn by accepted items with no tree: a dataset and a
    ///      model derived from it pay them; only the requester may register a settled campaign.
    function test_campaignBacked_labelersClaimWithoutTree() public {
        record.setCampaign(7, alice, false);
        record.setAccepted(7, carol, 30);
        record.setAccepted(7, payer, 10);
        vm.expectRevert(abi.encodeWithSelector(AssetRegistry.CampaignNotUsable.selector, address(record), 7));
        _campaignDataset(7); // counts not final yet
        record.setCampaign(7, bob, true);
        vm.expectRevert(abi.encodeWithSelector(AssetRegistry.CampaignNotUsable.selector, address(record), 7));
        _campaignDataset(7); // alice is not its requester
        record.setCampaign(7, alice, true);
        vm.expectEmit(address(registry));
        emit AssetRegistry.AssetRegistered(
            1, alice, AssetRegistry.Kind.Dataset, CID, registration(AssetRegistry.Kind.Dataset, new uint256[](0), 0, 0, 0).metadataCid,
            new uint256[](0), 0, 1_000, bytes32(0), 40, "", address(record), 7, 0
        );
        uint256 dataset = _campaignDataset(7);
        (, uint256 total, address rec, uint256 campaign,) = registry.contributorSplit(dataset);
        assertEq(total, 40);
        assertEq(rec, address(record));
        assertEq(campaign, 7);

        _settled(_offer(alice, dataset, 0, 0, true, false));
        uint256 model = _asset(bob, one(dataset), MIN_PARENT_BPS, 0);
        _sell(dataset, 400);
        _sell(model, 10_000);
        uint256[] memory lineage = new uint256[](2);
        (lineage[0], lineage[1]) = (model, dataset);
        vault.distributeMany(lineage);
        assertEq(vault.claimable(dataset, carol, 0), 1_050); // (400 + 1000) * 30/40
        assertEq(vault.claim(dataset, carol, 0, new bytes32[](0)), 1_050);
        assertEq(vault.claim(dataset, payer, 999, new bytes32[](0)), 350); // the weight is read on chain
        vm.expectRevert(RoyaltyVault.NothingToClaim.selector);
        vault.claim(dataset, bob, 40, new bytes32[](0)); // not a labeler
        vm.expectRevert(RoyaltyVault.NothingToClaim.selector);
        vault.claim(dataset, carol, 0, new bytes32[](0));
    }

    function test_register_refusesMixedContributorSources() public {
        record.setCampaign(3, alice, true);
        record.setAccepted(3, carol, 5);
        AssetRegistry.Registration memory r =
            registration(AssetRegistry.Kind.Dataset, new uint256[](0), 0, keccak256("root"), 5);
        r.labelingRecord = address(record);
        r.campaignId = 3;
        vm.expectRevert(AssetRegistry.InvalidContributors.selector);
        vm.prank(alice);
        registry.register(r);
        r = registration(AssetRegistry.Kind.Dataset, new uint256[](0), 0, keccak256("root"), 5);
        r.contributorsCid = ""; // a tree without its file
        vm.expectRevert(AssetRegistry.InvalidCid.selector);
        vm.prank(alice);
        registry.register(r);
        uint256 huge = uint256(type(uint88).max) + 1; // the vault packs campaign ids in 88 bits
        record.setCampaign(huge, alice, true);
        record.setAccepted(huge, carol, 5);
        r = registration(AssetRegistry.Kind.Dataset, new uint256[](0), 0, 0, 0);
        (r.labelingRecord, r.campaignId) = (address(record), huge);
        vm.expectRevert(abi.encodeWithSelector(AssetRegistry.CampaignNotUsable.selector, address(record), huge));
        vm.prank(alice);
        registry.register(r);
        record.setCampaign(4, alice, true); // settled, but nobody's work was accepted
        r = registration(AssetRegistry.Kind.Dataset, new uint256[](0), 0, 0, 0);
        r.labelingRecord = address(record);
        r.campaignId = 4;
        vm.expectRevert(AssetRegistry.InvalidContributors.selector);
        vm.prank(alice);
        registry.register(r);
    }

    // ---------------------------------------------------------------- disputes
    function _disputed() internal returns (uint256 asset, uint256 id) {
        asset = _asset(alice, new uint256[](0), 0, 0);
        id = _bought(_offer(alice, asset, 100e18, 0, true, false));
        vm.prank(bob);
        market.dispute(id, "bafkreireason");
    }

    /// @dev Attack (by the seller): deliver any CID as "the key" and keep the money. The buyer
    ///      disputes; the arbiter refunds price and bond.
    function test_attack_junkDelivery_buyerWinsDispute() public {
        uint256 before = token.balanceOf(bob);
        (uint256 asset, uint256 id) = _disputed();
        assertEq(token.balanceOf(bob), before - 110e18); // price + 10 % bond
        assertFalse(market.isLicensed(asset, bob)); // not usable while disputed
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.NotReleasable.selector, id));
        market.release(id);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, market.ARBITER_ROLE())
        );
        vm.prank(alice);
        market.resolveDispute(id, false);
        vm.prank(judge);
        market.resolveDispute(id, true);
        assertEq(token.balanceOf(bob), before);
        assertEq(token.balanceOf(address(market)), 0);
        assertEq(uint256(market.getLicense(id).status), uint256(LicenseMarket.Status.Refunded));
        assertEq(vault.pending(asset), 0);
    }

    /// @dev Attack (by the buyer): dispute a good delivery to get the content for free. The
    ///      arbiter rules for the seller, who is paid and keeps the bond.
    function test_attack_frivolousDispute_sellerWins() public {
        (uint256 asset, uint256 id) = _disputed();
        vm.prank(judge);
        market.resolveDispute(id, false);
        assertEq(token.balanceOf(alice), 10e18); // the bond
        assertEq(vault.pending(asset), 95e18);
        assertEq(token.balanceOf(address(market)), 0);
        assertTrue(market.isLicensed(asset, bob));
    }

    /// @dev An arbiter who never rules freezes nothing: after the deadline the dispute settles
    ///      for the seller (the delivery stands) and the buyer gets the bond back.
    function test_dispute_unruledSettlesForSellerAfterDeadline() public {
        uint256 before = token.balanceOf(bob);
        (uint256 asset, uint256 id) = _disputed();
        uint256 ruleBy = market.disputeOf(id).ruleBy;
        vm.warp(ruleBy);
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.NotReleasable.selector, id));
        market.release(id);
        vm.warp(ruleBy + 1);
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.RulingClosed.selector, id, ruleBy));
        vm.prank(judge);
        market.resolveDispute(id, true);
        vm.prank(carol);
        market.release(id);
        assertEq(token.balanceOf(bob), before - 100e18);
        assertEq(vault.pending(asset), 95e18);
        assertEq(token.balanceOf(address(market)), 0);
    }

    function test_dispute_guards() public {
        uint256 asset = _asset(alice, new uint256[](0), 0, 0);
        uint256 offerId = _offer(alice, asset, 100e18, 0, true, false);
        vm.prank(bob);
        uint256 pending = market.buy(offerId, hex"04aa");
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.NotDisputable.selector, pending));
        vm.prank(bob);
        market.dispute(pending, ""); // nothing delivered yet: refund is the path
        uint256 id = _bought(offerId);
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.NotLicenseHolder.selector, id, carol));
        vm.prank(carol);
        market.dispute(id, "");
        vm.warp(block.timestamp + market.disputeWindow() + 1);
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.NotDisputable.selector, id));
        vm.prank(bob);
        market.dispute(id, "");
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.NotDisputed.selector, id));
        vm.prank(judge);
        market.resolveDispute(id, true);
    }

    function test_setDisputeTerms_bounded() public {
        vm.startPrank(admin);
        vm.expectRevert(LicenseMarket.InvalidDisputeTerms.selector);
        market.setDisputeTerms(31 days, 1_000, 1 days);
        vm.expectRevert(LicenseMarket.InvalidDisputeTerms.selector);
        market.setDisputeTerms(1 days, 5_001, 1 days);
        vm.expectRevert(LicenseMarket.InvalidDisputeTerms.selector);
        market.setDisputeTerms(1 days, 1_000, 0);
        vm.expectRevert(LicenseMarket.InvalidDisputeTerms.selector);
        market.setDisputeTerms(1 days, 1_000, 61 days);
        market.setDisputeTerms(0, 0, 1 days); // no window: delivery settles at once
        vm.stopPrank();
        uint256 asset = _asset(alice, new uint256[](0), 0, 0);
        _bought(_offer(alice, asset, 100e18, 0, true, false));
        assertEq(vault.pending(asset), 95e18);
    }

    // ---------------------------------------------------------------- derivative & commercial rights
    /// @dev Attack: one transferable license passed from account to account, each registering
    ///      a derivative. The license used for a derivative is bound to its holder for good.
    function test_attack_transferableLicenseServesOneAccount() public {
        uint256 p = _asset(alice, new uint256[](0), 0, 1_000);
        uint256 id = _bought(_offer(alice, p, 1e18, 0, true, true));
        assertFalse(market.canDerive(p, bob)); // not while the delivery is disputable
        vm.expectRevert(abi.encodeWithSelector(AssetRegistry.NotLicensedForDerivative.selector, p));
        _asset(bob, one(p), MIN_PARENT_BPS, 0);
        vm.prank(bob);
        market.release(id);
        vm.expectEmit(address(market));
        emit LicenseMarket.LicenseUsed(id, p, bob, true);
        _asset(bob, one(p), MIN_PARENT_BPS, 0);
        assertTrue(market.getLicense(id).bound);
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.NotTransferable.selector, id));
        vm.prank(bob);
        market.transferFrom(bob, carol, id);
        vm.expectRevert(abi.encodeWithSelector(AssetRegistry.NotLicensedForDerivative.selector, p));
        _asset(carol, one(p), MIN_PARENT_BPS, 0);
        vm.expectRevert(LicenseMarket.NotRegistry.selector);
        market.useForDerivative(p, bob);
    }

    /// @dev A transferred (unused) license leaves its old holder with nothing.
    function test_transferredLicense_oldHolderCannotDerive() public {
        uint256 p = _asset(alice, new uint256[](0), 0, 0);
        uint256 id = _settled(_offer(alice, p, 1e18, 0, true, true));
        vm.prank(bob);
        market.transferFrom(bob, carol, id);
        assertFalse(market.canDerive(p, bob));
        vm.expectRevert(abi.encodeWithSelector(AssetRegistry.NotLicensedForDerivative.selector, p));
        _asset(bob, one(p), MIN_PARENT_BPS, 0);
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.LicenseNotValid.selector, id));
        vm.prank(bob);
        market.useLicense(id);
        vm.expectEmit(address(market));
        emit LicenseMarket.LicenseUsed(id, p, carol, false);
        vm.prank(carol);
        market.useLicense(id);
    }

    /// @dev Attack: license for non-commercial use, derive, and sell the derivative. Paid offers
    ///      on it (and on anything built on it) are refused; sharing it for free is fine.
    function test_attack_nonCommercialLicenseCannotBeResold() public {
        uint256 p = _asset(alice, new uint256[](0), 0, 0);
        _settled(_offer(alice, p, 1e18, 0, false, false));
        uint256 child = _asset(bob, one(p), MIN_PARENT_BPS, 0);
        uint256 grandchild = _asset(bob, one(child), MIN_PARENT_BPS, 0);
        assertFalse(registry.isCommercial(child));
        assertFalse(registry.isCommercial(grandchild));
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.NotCommercial.selector, child));
        _offer(bob, child, 1, 0, true, false);
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.NotCommercial.selector, grandchild));
        _offer(bob, grandchild, 1, 0, true, false);
        _offer(bob, child, 0, 0, false, false);
        assertTrue(registry.isCommercial(p));
    }

    // ---------------------------------------------------------------- accumulators
    /// @dev Attack (griefing): push an asset's accrued revenue to the top of its range so every
    ///      later distribution reverts and the asset's and its children's revenue is stuck.
    ///      Distribution never reverts: what does not fit waits in `pending`.
    function test_attack_accruedAtMaxNeverRevertsDistribute() public {
        uint256 a = _asset(alice, new uint256[](0), 0, 0);
        uint256 child = _asset(alice, one(a), MIN_PARENT_BPS, 0);
        fundAndApprove(payer, address(vault), type(uint112).max);
        _sell(a, type(uint112).max - 5);
        vault.distribute(a);
        _sell(child, 1_000);
        vault.distribute(child); // 100 forwarded to the full parent
        vault.distribute(a);
        assertEq(_accrued(a), type(uint112).max);
        assertEq(vault.pending(a), 95);
        assertEq(vault.claim(a, alice, 0, new bytes32[](0)), type(uint112).max);
    }

    // ---------------------------------------------------------------- events for the indexer
    function test_parentLinkedEvents() public {
        uint256 p1 = _asset(alice, new uint256[](0), 0, 0);
        uint256 p2 = _asset(alice, new uint256[](0), 0, 0);
        uint256[] memory parents = new uint256[](2);
        (parents[0], parents[1]) = (p1, p2);
        vm.expectEmit(address(registry));
        emit AssetRegistry.ParentLinked(3, p1);
        vm.expectEmit(address(registry));
        emit AssetRegistry.ParentLinked(3, p2);
        _asset(alice, parents, MIN_PARENT_BPS, 0);
    }
}
