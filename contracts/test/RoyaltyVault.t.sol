// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Fixture} from "./utils/Fixture.sol";
import {RoyaltyVault} from "../src/RoyaltyVault.sol";
import {AssetRegistry} from "../src/AssetRegistry.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

contract RoyaltyVaultTest is Fixture {
    address alice = makeAddr("alice");
    address bob = makeAddr("bob");
    address carol = makeAddr("carol");
    address payer = makeAddr("payer");

    bytes32[] leaves;

    function setUp() public {
        deploySystem();
        fundAndApprove(payer, address(vault), 1_000_000e18);
    }

    function _pay(uint256 assetId, uint256 amount) internal {
        vm.prank(payer);
        vault.deposit(assetId, amount);
    }

    /// @dev dataset (labelers alice 3, bob 1) <- model (owner bob, 20%) <- agent (owner carol, 10%)
    function _lineage() internal returns (uint256 dataset, uint256 model, uint256 agent) {
        leaves.push(leaf(alice, 3));
        leaves.push(leaf(bob, 1));
        vm.prank(alice);
        dataset = registry.register(
            registration(AssetRegistry.Kind.Dataset, new uint256[](0), 0, merkleRoot(leaves), 4)
        );
        vm.prank(alice);
        registry.transferFrom(alice, bob, dataset); // bob now owns all three for simplicity
        vm.prank(bob);
        model = registry.register(registration(AssetRegistry.Kind.Model, one(dataset), 2_000, 0, 0));
        vm.prank(bob);
        registry.setApprovalForAll(carol, true);
        vm.prank(bob);
        agent = registry.register(registration(AssetRegistry.Kind.Agent, one(model), 1_000, 0, 0));
        vm.prank(bob);
        registry.transferFrom(bob, carol, agent);
    }

    function test_deposit() public {
        uint256 a = registerAsset(alice);
        vm.expectEmit(address(vault));
        emit RoyaltyVault.RevenueDeposited(a, payer, 5e18);
        _pay(a, 5e18);
        assertEq(vault.pending(a), 5e18);
        assertEq(token.balanceOf(address(vault)), 5e18);
    }

    function test_deposit_reverts() public {
        uint256 a = registerAsset(alice);
        vm.expectRevert(RoyaltyVault.ZeroAmount.selector);
        _pay(a, 0);
        vm.expectRevert(abi.encodeWithSelector(RoyaltyVault.UnknownAsset.selector, 42));
        _pay(42, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(vault), 0, 1)
        );
        vm.prank(carol);
        vault.deposit(a, 1);
    }

    function test_distribute_noParents() public {
        uint256 a = registerAsset(alice);
        _pay(a, 100);
        vm.expectEmit(address(vault));
        emit RoyaltyVault.Distributed(a, 0, 100);
        vault.distribute(a);
        (uint256 accrued,,) = vault.pool(a);
        assertEq(accrued, 100);
        assertEq(vault.pending(a), 0);
        vault.distribute(a); // no-op when nothing pending
        (accrued,,) = vault.pool(a);
        assertEq(accrued, 100);
    }

    function test_distribute_chainIsLazy() public {
        (uint256 dataset, uint256 model, uint256 agent) = _lineage();
        _pay(agent, 1_000);
        vault.distribute(agent);
        assertEq(vault.pending(model), 100);
        (uint256 accAgent,,) = vault.pool(agent);
        assertEq(accAgent, 900);
        assertEq(vault.pending(dataset), 0); // not touched yet
        vault.distribute(model);
        assertEq(vault.pending(dataset), 20);
        (uint256 accModel,,) = vault.pool(model);
        assertEq(accModel, 80);
    }

    function test_distributeMany_and_equalSplitAmongParents() public {
        uint256 p1 = registerAsset(alice);
        uint256 p2 = registerAsset(alice);
        uint256 p3 = registerAsset(alice);
        uint256[] memory parents = new uint256[](3);
        parents[0] = p1;
        parents[1] = p2;
        parents[2] = p3;
        vm.prank(alice);
        uint256 child = registry.register(registration(AssetRegistry.Kind.Model, parents, 5_000, 0, 0));
        _pay(child, 1_001);
        uint256[] memory ids = new uint256[](4);
        ids[0] = child;
        ids[1] = p1;
        ids[2] = p2;
        ids[3] = p3;
        vault.distributeMany(ids);
        // 1001 * 50% = 500 -> 166 each (498); the 2 wei of rounding stay with the child.
        for (uint256 i = 1; i < 4; ++i) {
            (uint256 acc,,) = vault.pool(ids[i]);
            assertEq(acc, 166);
        }
        (uint256 accChild,,) = vault.pool(child);
        assertEq(accChild, 1_001 - 498);
    }

    function test_claim_merkleContributorsCumulative() public {
        (uint256 dataset, uint256 model, uint256 agent) = _lineage();
        _pay(dataset, 400);
        bytes32[] memory proofAlice = merkleProof(leaves, 0);
        assertEq(vault.claimable(dataset, alice, 3), 0); // not distributed yet
        vm.expectRevert(RoyaltyVault.NothingToClaim.selector);
        vault.claim(dataset, alice, 3, proofAlice);
        vault.distribute(dataset);
        assertEq(vault.claimable(dataset, alice, 3), 300);
        vm.expectEmit(address(vault));
        emit RoyaltyVault.Claimed(dataset, alice, 300, 3);
        uint256 got = vault.claim(dataset, alice, 3, proofAlice);
        assertEq(got, 300);
        assertEq(token.balanceOf(alice), 300);
        assertEq(vault.claimable(dataset, alice, 3), 0);
        vm.expectRevert(RoyaltyVault.NothingToClaim.selector);
        vault.claim(dataset, alice, 3, proofAlice);
        // more revenue arrives through the lineage
        _pay(agent, 10_000);
        uint256[] memory chain = new uint256[](2);
        chain[0] = agent;
        chain[1] = model;
        vault.distributeMany(chain);
        assertEq(vault.pending(dataset), 200); // 10000 * 10% * 20%
        vault.distribute(dataset);
        got = vault.claim(dataset, alice, 3, proofAlice);
        assertEq(got, 150); // (400 + 200) * 3/4 - 300
        assertEq(vault.claim(dataset, bob, 1, merkleProof(leaves, 1)), 150);
        (uint256 acc, uint256 total, uint256 admitted) = vault.pool(dataset);
        assertEq(acc, 600);
        assertEq(total, 4);
        assertEq(admitted, 4);
        assertEq(vault.claimed(dataset, alice) + vault.claimed(dataset, bob), 600);
        assertEq(vault.claimed(dataset, alice), 450);
    }

    function test_claim_ownerMode_followsTheNft() public {
        (, uint256 model, uint256 agent) = _lineage();
        _pay(agent, 1_000);
        vault.distribute(agent);
        assertEq(vault.claimable(agent, carol, 0), 900);
        assertEq(vault.claimable(agent, bob, 0), 0);
        vm.prank(bob); // anyone may trigger; tokens go to the owner
        vault.claim(agent, carol, 0, new bytes32[](0));
        assertEq(token.balanceOf(carol), 900);
        _pay(agent, 1_000);
        vault.distribute(agent);
        vm.prank(carol);
        registry.transferFrom(carol, alice, agent);
        vm.expectRevert(abi.encodeWithSelector(RoyaltyVault.NotAssetOwner.selector, agent, carol));
        vault.claim(agent, carol, 0, new bytes32[](0));
        vault.claim(agent, alice, 0, new bytes32[](0));
        assertEq(token.balanceOf(alice), 900);
        // model owner (bob) collects its 80% of the forwarded 200
        vault.distribute(model);
        vault.claim(model, bob, 0, new bytes32[](0));
        assertEq(token.balanceOf(bob), 160);
    }

    function test_claim_revertsInvalidProof() public {
        (uint256 dataset,,) = _lineage();
        _pay(dataset, 400);
        vault.distribute(dataset);
        bytes32[] memory proof = merkleProof(leaves, 0);
        vm.expectRevert(RoyaltyVault.InvalidProof.selector);
        vault.claim(dataset, alice, 4, proof);
        vm.expectRevert(RoyaltyVault.InvalidProof.selector);
        vault.claim(dataset, carol, 3, proof);
    }

    function test_claim_revertsNothingBeforeRevenue() public {
        (uint256 dataset,,) = _lineage();
        vm.expectRevert(RoyaltyVault.NothingToClaim.selector);
        vault.claim(dataset, alice, 3, merkleProof(leaves, 0));
    }

    /// @dev Attack: the creator publishes a tree whose leaves add up to more than totalWeight
    ///      (itself with the full weight) and claims first. Its weight is admitted up to the
    ///      total and no further: the sum of all claims never exceeds the pool, whatever the
    ///      order, and no other asset's money is touched.
    function test_attack_overstatedTreeCannotOverdrawPool() public {
        bytes32[] memory bad = new bytes32[](3);
        bad[0] = leaf(alice, 10); // the creator: "full weight"
        bad[1] = leaf(bob, 6);
        bad[2] = leaf(carol, 4);
        vm.prank(alice);
        uint256 a = registry.register(
            registration(AssetRegistry.Kind.Dataset, new uint256[](0), 0, merkleRoot(bad), 10)
        );
        uint256 other = registerAsset(carol);
        _pay(other, 1_000); // other assets' money must stay safe
        _pay(a, 100);
        vault.distribute(a);
        vm.prank(bob);
        assertEq(vault.claim(a, bob, 6, merkleProof(bad, 1)), 60); // an honest labeler first
        assertEq(vault.claim(a, alice, 10, merkleProof(bad, 0)), 40); // capped at what is left
        assertEq(vault.admittedWeight(a, alice), 4);
        vm.expectRevert(abi.encodeWithSelector(RoyaltyVault.NoWeightLeft.selector, a));
        vault.claim(a, carol, 4, merkleProof(bad, 2));
        assertEq(vault.claimable(a, carol, 4), 0);
        // later revenue follows the admitted weights: still never more than the pool
        _pay(a, 100);
        vault.distribute(a);
        assertEq(vault.claim(a, alice, 0, new bytes32[](0)), 40); // weight known: no proof needed
        assertEq(vault.claim(a, bob, 0, new bytes32[](0)), 60);
        (uint256 accrued,,) = vault.pool(a);
        assertEq(vault.claimed(a, alice) + vault.claimed(a, bob) + vault.claimed(a, carol), accrued);
        assertEq(token.balanceOf(address(vault)), 1_000);
    }

    /// @dev Fuzz: any tree (weights up to 4x the declared total), any claim order and revenue
    ///      schedule: the sum of claims never exceeds the pool's accrued revenue.
    function testFuzz_claimsNeverExceedPool(uint8[4] memory ws, uint8 total, uint96[3] memory revenue, uint8 order)
        public
    {
        uint256 declared = bound(total, 1, 40);
        address[4] memory who = [alice, bob, carol, payer];
        bytes32[] memory tree = new bytes32[](4);
        uint256[4] memory w;
        for (uint256 i; i < 4; ++i) {
            w[i] = bound(ws[i], 1, 40);
            tree[i] = leaf(who[i], w[i]);
        }
        vm.prank(alice);
        uint256 a = registry.register(
            registration(AssetRegistry.Kind.Dataset, new uint256[](0), 0, merkleRoot(tree), declared)
        );
        fund(payer, 3e24);
        uint256 paid;
        for (uint256 r; r < 3; ++r) {
            _pay(a, bound(revenue[r], 1, 1e24));
            vault.distribute(a);
            for (uint256 k; k < 4; ++k) {
                uint256 i = (k + order) % 4;
                uint256 before = token.balanceOf(who[i]);
                try vault.claim(a, who[i], w[i], merkleProof(tree, i)) {} catch {}
                paid += token.balanceOf(who[i]) - before;
            }
        }
        (uint256 accrued,, uint256 admitted) = vault.pool(a);
        assertLe(paid, accrued);
        assertLe(admitted, declared);
    }

    function test_claimable_countsDistributedRevenueOnly() public {
        (uint256 dataset,, uint256 agent) = _lineage();
        _pay(agent, 1_000);
        assertEq(vault.claimable(agent, carol, 0), 0);
        vault.distribute(agent);
        assertEq(vault.claimable(agent, carol, 0), 900);
        _pay(dataset, 8);
        vault.distribute(dataset);
        assertEq(vault.claimable(dataset, bob, 1), 2);
        assertEq(vault.claimable(dataset, carol, 1), 2); // proof is not checked by the view
    }

    function test_distribute_dustStaysWithChild() public {
        (, uint256 model, uint256 agent) = _lineage();
        _pay(agent, 9); // 10% of 9 rounds to 0 for the parent
        vault.distribute(agent);
        assertEq(vault.pending(model), 0);
        (uint256 acc,,) = vault.pool(agent);
        assertEq(acc, 9);
    }

    function test_claimable_capsWeightAtWhatIsLeft() public {
        (uint256 dataset,,) = _lineage();
        _pay(dataset, 100);
        vault.distribute(dataset);
        assertEq(vault.claimable(dataset, alice, 2 ** 200), 100); // never more than the pool
        assertEq(vault.claimable(dataset, alice, 3), 75);
    }

    function test_multicall_distributeAndClaim() public {
        (uint256 dataset, uint256 model, uint256 agent) = _lineage();
        _pay(agent, 10_000);
        uint256[] memory lineage = new uint256[](3);
        (lineage[0], lineage[1], lineage[2]) = (agent, model, dataset);
        bytes[] memory calls = new bytes[](3);
        calls[0] = abi.encodeCall(vault.distributeMany, (lineage));
        calls[1] = abi.encodeCall(vault.claim, (dataset, alice, 3, merkleProof(leaves, 0)));
        calls[2] = abi.encodeCall(vault.claim, (agent, carol, 0, new bytes32[](0)));
        vm.prank(alice);
        bytes[] memory results = vault.multicall(calls);
        assertEq(abi.decode(results[1], (uint256)), 150); // 10000 * 10% * 20% * 3/4
        assertEq(token.balanceOf(alice), 150);
        assertEq(token.balanceOf(carol), 9_000);
    }

    // ------------------------------------------------------------------ fuzz
    /// @dev Revenue into a 3-level lineage, claims by everyone: nobody is paid more than their
    ///      share, the vault never pays out more than it received, dust is a few wei.
    function testFuzz_conservation(uint96 r1, uint96 r2, uint96 r3, uint8 wA, uint8 wB) public {
        fund(payer, 3e24);
        uint256 weightA = bound(wA, 1, 100);
        uint256 weightB = bound(wB, 1, 100);
        leaves.push(leaf(alice, weightA));
        leaves.push(leaf(bob, weightB));
        vm.prank(alice);
        uint256 dataset = registry.register(
            registration(AssetRegistry.Kind.Dataset, new uint256[](0), 0, merkleRoot(leaves), weightA + weightB)
        );
        vm.prank(alice);
        uint256 model = registry.register(registration(AssetRegistry.Kind.Model, one(dataset), 3_000, 0, 0));
        vm.prank(alice);
        uint256 agent = registry.register(registration(AssetRegistry.Kind.Agent, one(model), 1_500, 0, 0));
        vm.prank(alice);
        registry.transferFrom(alice, carol, agent);
        uint256 total;
        uint256[3] memory amounts = [bound(r1, 1, 1e24), bound(r2, 1, 1e24), bound(r3, 1, 1e24)];
        uint256[3] memory ids = [agent, model, dataset];
        for (uint256 i; i < 3; ++i) {
            _pay(ids[i], amounts[i]);
            total += amounts[i];
            vault.distribute(agent);
            vault.distribute(model);
            vault.distribute(dataset);
            _tryClaim(dataset, alice, weightA, 0);
            _tryClaim(dataset, bob, weightB, 1);
            _tryClaim(model, alice, 0, 99);
            _tryClaim(agent, carol, 0, 99);
        }
        uint256 paid = token.balanceOf(alice) + token.balanceOf(bob) + token.balanceOf(carol);
        assertEq(paid + token.balanceOf(address(vault)), total);
        assertLe(token.balanceOf(address(vault)), 10, "dust");
        // a second claim round pays nothing new
        assertEq(vault.claimable(dataset, alice, weightA), 0);
        assertEq(vault.claimable(dataset, bob, weightB), 0);
    }

    function _tryClaim(uint256 assetId, address who, uint256 w, uint256 idx) internal {
        bytes32[] memory proof = idx == 99 ? new bytes32[](0) : merkleProof(leaves, idx);
        if (vault.claimable(assetId, who, w) == 0) return;
        vault.claim(assetId, who, w, proof);
    }
}
