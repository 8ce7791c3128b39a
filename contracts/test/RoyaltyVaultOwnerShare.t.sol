// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Fixture} from "./utils/Fixture.sol";
import {RoyaltyVault} from "../src/RoyaltyVault.sol";
import {AssetRegistry} from "../src/AssetRegistry.sol";
import {MockLabelingRecord} from "./utils/MockLabelingRecord.sol";

/// @dev The owner share of an asset with contributors: the publisher of a campaign-backed (or
///      tree-backed) dataset keeps `ownerShareBps` of its royalties, its contributors split the
///      rest by weight. The attacks: a share above 100 %, a share on an owner-mode asset, a
///      non-owner taking it, claiming twice, a transfer mid-way, a zero-address leaf aimed at the
///      owner share's slot, and rounding that could pay out more than the pool.
contract RoyaltyVaultOwnerShareTest is Fixture {
    address alice = makeAddr("alice"); // labeler, 3 accepted items
    address bob = makeAddr("bob"); // labeler, 1 accepted item
    address carol = makeAddr("carol"); // requester: publishes the dataset
    address dave = makeAddr("dave"); // buys the dataset's token later
    address payer = makeAddr("payer");
    MockLabelingRecord record;
    uint256 constant OWNER = type(uint256).max; // RoyaltyVault.OWNER_SHARE

    function setUp() public {
        deploySystem();
        record = new MockLabelingRecord();
        record.setCampaign(5, carol, true);
        record.setAccepted(5, alice, 3);
        record.setAccepted(5, bob, 1);
        fundAndApprove(payer, address(vault), 1e30);
    }

    function _campaignReg(uint16 ownerBps) internal view returns (AssetRegistry.Registration memory r) {
        r = registration(AssetRegistry.Kind.Dataset, new uint256[](0), 0, 0, 0);
        (r.labelingRecord, r.campaignId, r.ownerShareBps) = (address(record), 5, ownerBps);
    }

    function _campaignDataset(uint16 ownerBps) internal returns (uint256) {
        AssetRegistry.Registration memory r = _campaignReg(ownerBps);
        vm.prank(carol);
        return registry.register(r);
    }

    function _pay(uint256 assetId, uint256 amount) internal {
        vm.prank(payer);
        vault.deposit(assetId, amount);
        vault.distribute(assetId);
    }

    function _claim(uint256 assetId, address who) internal returns (uint256) {
        return vault.claim(assetId, who, 0, new bytes32[](0));
    }

    /// @dev The owner share: claimed with `weight = OWNER_SHARE`.
    function _ownerClaim(uint256 assetId, address who) internal returns (uint256) {
        return vault.claim(assetId, who, OWNER, new bytes32[](0));
    }

    // ---------------------------------------------------------------- registration
    function test_register_recordsTheOwnerShare() public {
        AssetRegistry.Registration memory r = _campaignReg(1_000);
        vm.expectEmit(address(registry));
        emit AssetRegistry.AssetRegistered(
            1, carol, AssetRegistry.Kind.Dataset, r.contentCid, r.metadataCid, new uint256[](0), 0, 0, bytes32(0), 4,
            "", address(record), 5, 1_000
        );
        vm.prank(carol);
        uint256 dataset = registry.register(r);
        (,,,, uint16 bps) = registry.contributorSplit(dataset);
        assertEq(bps, 1_000);
        assertEq(registry.getAsset(dataset).ownerShareBps, 1_000);
        assertEq(_campaignDataset(0), 2); // 0 is allowed: the labelers share everything
        assertEq(_campaignDataset(10_000), 3); // and 100 %
    }

    /// @dev Attack: an owner share above 100 % would let the owner's part exceed the pool.
    function test_attack_ownerShareAbove100Percent_reverts() public {
        AssetRegistry.Registration memory r = _campaignReg(10_001);
        vm.expectRevert(abi.encodeWithSelector(AssetRegistry.InvalidOwnerShare.selector, uint16(10_001)));
        vm.prank(carol);
        registry.register(r);
        r.ownerShareBps = type(uint16).max;
        vm.expectRevert(abi.encodeWithSelector(AssetRegistry.InvalidOwnerShare.selector, type(uint16).max));
        vm.prank(carol);
        registry.register(r);
    }

    /// @dev An owner share on an asset without contributors means nothing (the owner takes all):
    ///      refused rather than stored.
    function test_register_refusesOwnerShareWithoutContributors() public {
        AssetRegistry.Registration memory r = registration(AssetRegistry.Kind.Dataset, new uint256[](0), 0, 0, 0);
        r.ownerShareBps = 1;
        vm.expectRevert(abi.encodeWithSelector(AssetRegistry.InvalidOwnerShare.selector, uint16(1)));
        vm.prank(carol);
        registry.register(r);
    }

    // ---------------------------------------------------------------- claims
    /// @dev 10 % to the owner, 90 % by accepted items: 100 + 675 + 225 = the pool to the wei.
    function test_ownerShare_andLabelersAddUpToThePool() public {
        uint256 dataset = _campaignDataset(1_000);
        _pay(dataset, 1_000);
        assertEq(vault.OWNER_SHARE(), OWNER);
        assertEq(vault.claimable(dataset, carol, OWNER), 100);
        assertEq(vault.claimable(dataset, alice, 0), 675);
        vm.expectEmit(address(vault));
        emit RoyaltyVault.Claimed(dataset, carol, 100, 0);
        assertEq(_ownerClaim(dataset, carol), 100);
        assertEq(_claim(dataset, alice), 675);
        assertEq(_claim(dataset, bob), 225);
        assertEq(token.balanceOf(address(vault)), 0, "the pool is paid out exactly");
        assertEq(vault.claimed(dataset, address(0)), 100);
    }

    /// @dev Attack: a labeler, a stranger and anyone calling for them try to take the owner share.
    function test_attack_nonOwnerCannotTakeTheOwnerShare() public {
        uint256 dataset = _campaignDataset(1_000);
        _pay(dataset, 1_000);
        assertEq(vault.claimable(dataset, dave, OWNER), 0);
        vm.expectRevert(abi.encodeWithSelector(RoyaltyVault.NotAssetOwner.selector, dataset, dave));
        _ownerClaim(dataset, dave);
        vm.expectRevert(abi.encodeWithSelector(RoyaltyVault.NotAssetOwner.selector, dataset, bob));
        _ownerClaim(dataset, bob);
        vm.expectRevert(RoyaltyVault.NothingToClaim.selector);
        _claim(dataset, carol); // the owner is no labeler: weight 0 claims no owner share
        assertEq(_claim(dataset, bob), 225, "a labeler gets its labeler share only");
        vm.prank(dave); // anyone may call for the owner: the tokens go to the owner
        assertEq(_ownerClaim(dataset, carol), 100);
        assertEq(token.balanceOf(dave), 0);
        assertEq(token.balanceOf(carol), 100);
    }

    /// @dev Attack: the owner claims twice, in two calls and with the asset listed twice.
    function test_attack_ownerClaimsTwice_paysOnce() public {
        uint256 dataset = _campaignDataset(2_500);
        _pay(dataset, 1_000);
        uint256[] memory ids = new uint256[](2);
        (ids[0], ids[1]) = (dataset, dataset);
        uint256[] memory owners = new uint256[](2);
        (owners[0], owners[1]) = (OWNER, OWNER);
        assertEq(vault.claimMany(carol, ids, owners, new bytes32[][](2)), 250);
        vm.expectRevert(RoyaltyVault.NothingToClaim.selector);
        _ownerClaim(dataset, carol);
        vm.expectRevert(RoyaltyVault.NothingToClaim.selector);
        vault.claimMany(carol, ids, owners, new bytes32[][](2));
        _pay(dataset, 400); // cumulative: only what is new
        assertEq(_ownerClaim(dataset, carol), 100);
        assertEq(token.balanceOf(carol), 350);
    }

    /// @dev The owner's share of a campaign dataset in one claimMany with a tree dataset it
    ///      labeled and a model it owns outright: one transfer, every part once.
    function test_claimMany_ownerShareBesideOtherAssets() public {
        uint256 dataset = _campaignDataset(1_000);
        bytes32[] memory leaves = new bytes32[](2);
        (leaves[0], leaves[1]) = (leaf(carol, 1), leaf(bob, 1));
        vm.prank(alice);
        uint256 tree = registry.register(registration(AssetRegistry.Kind.Dataset, new uint256[](0), 0, merkleRoot(leaves), 2));
        uint256 owned = registerAsset(carol);
        _pay(dataset, 1_000);
        _pay(tree, 60);
        _pay(owned, 7);
        uint256[] memory ids = new uint256[](3);
        (ids[0], ids[1], ids[2]) = (dataset, tree, owned);
        uint256[] memory weights = new uint256[](3);
        (weights[0], weights[1]) = (OWNER, 1);
        bytes32[][] memory proofs = new bytes32[][](3);
        proofs[1] = merkleProof(leaves, 0);
        assertEq(vault.claimMany(carol, ids, weights, proofs), 100 + 30 + 7);
        assertEq(token.balanceOf(carol), 137);
        assertEq(_claim(dataset, alice) + _claim(dataset, bob), 900);
    }

    /// @dev The owner share moves with the token: whoever owns the asset when claiming takes what
    ///      is accrued and unclaimed, the previous owner nothing more.
    function test_transferMidway_newOwnerTakesTheShareFromThenOn() public {
        uint256 dataset = _campaignDataset(1_000);
        _pay(dataset, 1_000);
        assertEq(_ownerClaim(dataset, carol), 100);
        _pay(dataset, 2_000); // 200 owner share accrues while carol still owns it
        vm.prank(carol);
        registry.transferFrom(carol, dave, dataset);
        _pay(dataset, 1_000);
        assertEq(vault.claimable(dataset, carol, OWNER), 0);
        vm.expectRevert(abi.encodeWithSelector(RoyaltyVault.NotAssetOwner.selector, dataset, carol));
        _ownerClaim(dataset, carol);
        assertEq(_ownerClaim(dataset, dave), 300, "the accrued, unclaimed share goes to the owner at claim time");
        assertEq(_claim(dataset, alice) + _claim(dataset, bob), 3_600);
        assertEq(token.balanceOf(address(vault)), 0);
    }

    /// @dev An owner who is also a contributor (a tree leaf) claims both parts in one claimMany,
    ///      one entry each.
    function test_treeOwnerShare_ownerAlsoAContributor() public {
        bytes32[] memory leaves = new bytes32[](2);
        (leaves[0], leaves[1]) = (leaf(carol, 1), leaf(bob, 3));
        AssetRegistry.Registration memory r =
            registration(AssetRegistry.Kind.Dataset, new uint256[](0), 0, merkleRoot(leaves), 4);
        r.ownerShareBps = 2_000;
        vm.prank(carol);
        uint256 tree = registry.register(r);
        _pay(tree, 1_000);
        assertEq(vault.claimable(tree, carol, OWNER) + vault.claimable(tree, carol, 1), 200 + 200);
        uint256[] memory ids = new uint256[](2);
        (ids[0], ids[1]) = (tree, tree);
        uint256[] memory weights = new uint256[](2);
        (weights[0], weights[1]) = (OWNER, 1);
        bytes32[][] memory proofs = new bytes32[][](2);
        proofs[1] = merkleProof(leaves, 0);
        vm.expectEmit(address(vault));
        emit RoyaltyVault.Claimed(tree, carol, 200, 0);
        vm.expectEmit(address(vault));
        emit RoyaltyVault.Claimed(tree, carol, 200, 1);
        assertEq(vault.claimMany(carol, ids, weights, proofs), 400);
        assertEq(vault.claim(tree, bob, 3, merkleProof(leaves, 1)), 600);
        assertEq(token.balanceOf(address(vault)), 0);
    }

    /// @dev Attack: a tree with a leaf for address(0), the owner share's slot. Claiming it can
    ///      never pay (a transfer to address(0) reverts), so the owner share stays intact.
    function test_attack_zeroAddressLeaf_cannotTouchTheOwnerShare() public {
        bytes32[] memory leaves = new bytes32[](2);
        (leaves[0], leaves[1]) = (leaf(address(0), 3), leaf(bob, 1));
        AssetRegistry.Registration memory r =
            registration(AssetRegistry.Kind.Dataset, new uint256[](0), 0, merkleRoot(leaves), 4);
        r.ownerShareBps = 5_000;
        vm.prank(carol);
        uint256 tree = registry.register(r);
        _pay(tree, 1_000);
        bytes32[] memory proof = merkleProof(leaves, 0);
        vm.expectRevert();
        vault.claim(tree, address(0), 3, proof);
        assertEq(vault.claimed(tree, address(0)), 0);
        assertEq(_ownerClaim(tree, carol), 500);
    }

    /// @dev An overstated tree whose weight is all admitted does not block the owner's share:
    ///      the owner's leaf hits NoWeightLeft, its owner share is its own claim.
    function test_overstatedTree_ownerShareNotBlockedByNoWeightLeft() public {
        bytes32[] memory leaves = new bytes32[](2);
        (leaves[0], leaves[1]) = (leaf(bob, 4), leaf(carol, 2));
        AssetRegistry.Registration memory r =
            registration(AssetRegistry.Kind.Dataset, new uint256[](0), 0, merkleRoot(leaves), 4);
        r.ownerShareBps = 1_000;
        vm.prank(carol);
        uint256 tree = registry.register(r);
        _pay(tree, 1_000);
        assertEq(vault.claim(tree, bob, 4, merkleProof(leaves, 0)), 900); // takes the whole weight
        bytes32[] memory proof = merkleProof(leaves, 1);
        vm.expectRevert(abi.encodeWithSelector(RoyaltyVault.NoWeightLeft.selector, tree));
        vault.claim(tree, carol, 2, proof);
        assertEq(_ownerClaim(tree, carol), 100);
    }

    /// @dev 100 % owner share: the labelers' part is empty, nothing is admitted that could pay.
    function test_fullOwnerShare_labelersGetNothing() public {
        uint256 dataset = _campaignDataset(10_000);
        _pay(dataset, 999);
        vm.expectRevert(RoyaltyVault.NothingToClaim.selector);
        _claim(dataset, alice);
        assertEq(_ownerClaim(dataset, carol), 999);
    }

    /// @dev Rounding: whatever the amounts, share and weights, every claim together never pays
    ///      more than was credited, and the dust left is less than one wei per party (plus one).
    function testFuzz_roundingNeverOverpays(uint96[3] memory amounts, uint16 bps, uint64 a, uint64 b) public {
        bps = uint16(bound(bps, 0, 10_000));
        a = uint64(bound(a, 1, 1e12));
        b = uint64(bound(b, 1, 1e12));
        record.setAccepted(5, alice, a);
        record.setAccepted(5, bob, b);
        uint256 dataset = _campaignDataset(bps);
        uint256 credited;
        for (uint256 i; i < 3; ++i) {
            uint256 amount = bound(amounts[i], 1, 1e27);
            credited += amount;
            _pay(dataset, amount);
            if (vault.claimable(dataset, carol, OWNER) > 0) _ownerClaim(dataset, carol);
            if (vault.claimable(dataset, alice, 0) > 0) _claim(dataset, alice);
            if (vault.claimable(dataset, bob, 0) > 0) _claim(dataset, bob);
        }
        uint256 paid = token.balanceOf(carol) + token.balanceOf(alice) + token.balanceOf(bob);
        assertLe(paid, credited, "claims exceed the pool");
        assertLe(credited - paid, 3, "dust");
        assertEq(token.balanceOf(carol), credited * bps / 10_000);
    }

    /// @dev OWNER_SHARE on an owner-mode asset is its ordinary owner claim; on an asset without
    ///      an owner share it pays nothing.
    function test_ownerShareWeight_elsewhere() public {
        uint256 owned = registerAsset(carol);
        _pay(owned, 50);
        assertEq(_ownerClaim(owned, carol), 50);
        uint256 dataset = _campaignDataset(0);
        _pay(dataset, 40);
        vm.expectRevert(RoyaltyVault.NothingToClaim.selector);
        _ownerClaim(dataset, carol);
        assertEq(_claim(dataset, alice), 30);
    }
}
