// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Fixture} from "./utils/Fixture.sol";
import {RoyaltyVault} from "../src/RoyaltyVault.sol";
import {AssetRegistry} from "../src/AssetRegistry.sol";
import {MockLabelingRecord} from "./utils/MockLabelingRecord.sol";

/// @dev `claimMany`: an account's royalties from many assets in one call and one transfer, and
///      the attacks on it (an asset listed twice, a forged proof, someone else's asset, a weight
///      admitted twice through a claim that paid nothing).
contract RoyaltyVaultClaimManyTest is Fixture {
    address alice = makeAddr("alice");
    address bob = makeAddr("bob");
    address carol = makeAddr("carol");
    address payer = makeAddr("payer");
    MockLabelingRecord record;

    bytes32[] leaves;

    function setUp() public {
        deploySystem();
        record = new MockLabelingRecord();
        fundAndApprove(payer, address(vault), 1e30);
    }

    function _pay(uint256 assetId, uint256 amount) internal {
        vm.prank(payer);
        vault.deposit(assetId, amount);
        vault.distribute(assetId);
    }

    /// @dev tree dataset (alice 3, bob 1), campaign dataset (alice 2, carol 2), alice's own model.
    function _assets() internal returns (uint256 tree, uint256 campaign, uint256 owned) {
        leaves.push(leaf(alice, 3));
        leaves.push(leaf(bob, 1));
        vm.prank(carol);
        tree = registry.register(registration(AssetRegistry.Kind.Dataset, new uint256[](0), 0, merkleRoot(leaves), 4));
        record.setCampaign(5, carol, true);
        record.setAccepted(5, alice, 2);
        record.setAccepted(5, carol, 2);
        AssetRegistry.Registration memory r = registration(AssetRegistry.Kind.Dataset, new uint256[](0), 0, 0, 0);
        (r.labelingRecord, r.campaignId) = (address(record), 5);
        vm.prank(carol);
        campaign = registry.register(r);
        owned = registerAsset(alice);
    }

    function _lists(uint256 a, uint256 b, uint256 c)
        internal
        view
        returns (uint256[] memory ids, uint256[] memory weights, bytes32[][] memory proofs)
    {
        ids = new uint256[](3);
        (ids[0], ids[1], ids[2]) = (a, b, c);
        weights = new uint256[](3);
        weights[0] = 3;
        proofs = new bytes32[][](3);
        proofs[0] = merkleProof(leaves, 0);
    }

    function test_claimMany_paysEveryKindInOneTransfer() public {
        (uint256 tree, uint256 campaign, uint256 owned) = _assets();
        _pay(tree, 400);
        _pay(campaign, 1_000);
        _pay(owned, 77);
        (uint256[] memory ids, uint256[] memory weights, bytes32[][] memory proofs) = _lists(tree, campaign, owned);
        vm.expectEmit(address(vault));
        emit RoyaltyVault.Claimed(tree, alice, 300, 3);
        vm.expectEmit(address(vault));
        emit RoyaltyVault.Claimed(campaign, alice, 500, 2);
        vm.expectEmit(address(vault));
        emit RoyaltyVault.Claimed(owned, alice, 77, 0);
        vm.prank(bob); // anyone may call; the tokens go to the account
        assertEq(vault.claimMany(alice, ids, weights, proofs), 877);
        assertEq(token.balanceOf(alice), 877);
        assertEq(token.balanceOf(bob), 0);
        assertEq(vault.claimable(tree, alice, 3) + vault.claimable(campaign, alice, 0) + vault.claimable(owned, alice, 0), 0);

        // later revenue on one asset: the others are skipped, not reverted
        _pay(campaign, 100);
        assertEq(vault.claimMany(alice, ids, weights, proofs), 50);
        assertEq(token.balanceOf(alice), 927);
    }

    /// @dev Attack: claiming twice, in one call (the asset listed twice) or in two calls.
    function test_attack_claimTwice_paysOnce() public {
        (uint256 tree,,) = _assets();
        _pay(tree, 400);
        uint256[] memory ids = new uint256[](2);
        (ids[0], ids[1]) = (tree, tree);
        uint256[] memory weights = new uint256[](2);
        (weights[0], weights[1]) = (3, 3);
        bytes32[][] memory proofs = new bytes32[][](2);
        (proofs[0], proofs[1]) = (merkleProof(leaves, 0), merkleProof(leaves, 0));
        assertEq(vault.claimMany(alice, ids, weights, proofs), 300);
        vm.expectRevert(RoyaltyVault.NothingToClaim.selector);
        vault.claimMany(alice, ids, weights, proofs);
        vm.expectRevert(RoyaltyVault.NothingToClaim.selector);
        vault.claim(tree, alice, 3, proofs[0]);
        assertEq(token.balanceOf(alice), 300);
        (, , uint256 admitted) = vault.pool(tree);
        assertEq(admitted, 3); // admitted once, not twice
    }

    /// @dev Attack: bob lists a forged leaf (a bigger weight) among honest entries: all reverts.
    function test_attack_forgedProof_revertsAll() public {
        (uint256 tree, uint256 campaign, uint256 owned) = _assets();
        _pay(tree, 400);
        _pay(campaign, 1_000);
        (uint256[] memory ids, uint256[] memory weights, bytes32[][] memory proofs) = _lists(tree, campaign, owned);
        weights[0] = 4; // alice's leaf says 3
        vm.expectRevert(RoyaltyVault.InvalidProof.selector);
        vault.claimMany(alice, ids, weights, proofs);
        assertEq(token.balanceOf(alice), 0);
    }

    /// @dev Attack: claiming an owner-mode asset for an account that does not own it.
    function test_attack_othersOwnedAsset_reverts() public {
        (,, uint256 owned) = _assets();
        _pay(owned, 77);
        uint256[] memory ids = new uint256[](1);
        ids[0] = owned;
        vm.expectRevert(abi.encodeWithSelector(RoyaltyVault.NotAssetOwner.selector, owned, bob));
        vault.claimMany(bob, ids, new uint256[](1), new bytes32[][](1));
        assertEq(vault.claimable(owned, alice, 0), 77);
    }

    /// @dev Attack: a first claim whose entitlement rounds to 0 inside a call that pays something
    ///      else must record the admitted weight; otherwise every repeat would admit it again and
    ///      crowd the other contributors out of the pool's weight.
    function test_attack_zeroPayingClaimAdmitsOnce() public {
        (uint256 tree,,) = _assets();
        uint256 bobs = registerAsset(bob);
        _pay(tree, 1); // bob's 1/4 of 1 wei rounds to 0
        _pay(bobs, 10);
        uint256[] memory ids = new uint256[](3);
        (ids[0], ids[1], ids[2]) = (tree, tree, bobs);
        uint256[] memory weights = new uint256[](3);
        (weights[0], weights[1]) = (1, 1);
        bytes32[][] memory proofs = new bytes32[][](3);
        (proofs[0], proofs[1]) = (merkleProof(leaves, 1), merkleProof(leaves, 1));
        assertEq(vault.claimMany(bob, ids, weights, proofs), 10);
        vm.expectRevert(RoyaltyVault.NothingToClaim.selector);
        vault.claimMany(bob, ids, weights, proofs);
        (,, uint256 admitted) = vault.pool(tree);
        assertEq(admitted, 1);
        assertEq(vault.admittedWeight(tree, bob), 1);
        _pay(tree, 399);
        assertEq(vault.claim(tree, alice, 3, merkleProof(leaves, 0)), 300); // all of her weight fits
        assertEq(vault.claim(tree, bob, 0, new bytes32[](0)), 100);
    }

    function test_claimMany_refusesMismatchedLists() public {
        vm.expectRevert(RoyaltyVault.LengthMismatch.selector);
        vault.claimMany(alice, new uint256[](2), new uint256[](1), new bytes32[][](2));
        vm.expectRevert(RoyaltyVault.LengthMismatch.selector);
        vault.claimMany(alice, new uint256[](1), new uint256[](1), new bytes32[][](0));
        vm.expectRevert(RoyaltyVault.NothingToClaim.selector);
        vault.claimMany(alice, new uint256[](0), new uint256[](0), new bytes32[][](0));
    }

    /// @dev Fuzz: whatever the lists (repeats, strangers, revenue), no account is paid more than
    ///      its share and the vault never pays out more than it holds.
    function testFuzz_claimManyNeverOverpays(uint96 r1, uint96 r2, uint8 repeats) public {
        (uint256 tree, uint256 campaign,) = _assets();
        if (r1 > 0) _pay(tree, r1);
        if (r2 > 0) _pay(campaign, r2);
        uint256 n = uint256(repeats % 5) + 1;
        uint256[] memory ids = new uint256[](2 * n);
        uint256[] memory weights = new uint256[](2 * n);
        bytes32[][] memory proofs = new bytes32[][](2 * n);
        for (uint256 i; i < n; ++i) {
            (ids[2 * i], ids[2 * i + 1]) = (tree, campaign);
            weights[2 * i] = 3;
            proofs[2 * i] = merkleProof(leaves, 0);
        }
        try vault.claimMany(alice, ids, weights, proofs) {} catch {}
        uint256 owed = uint256(r1) * 3 / 4 + uint256(r2) * 2 / 4;
        assertEq(token.balanceOf(alice), owed);
        assertEq(token.balanceOf(address(vault)), uint256(r1) + r2 - owed);
    }
}
