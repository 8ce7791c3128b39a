// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ComputeFixture} from "./utils/ComputeFixture.sol";
import {ComputeMarket} from "../src/ComputeMarket.sol";

/// @dev Sealed inputs: the requester hands each accepted provider the inputs' key, in time, or the
///      provider is released (never slashed) at the timeout. Each guard is attacked.
contract ComputeSealedTest is ComputeFixture {
    bytes internal constant WRAPPED = hex"5341484b01aabbcc";

    function setUp() public {
        setUpCompute();
    }

    function postSealed(uint8 replicas) internal returns (uint256) {
        vm.prank(requester);
        return compute.postSealedJobWithPermit(jobParams(replicas), 0, 0, bytes32(0), bytes32(0));
    }

    function sealedRunning() internal returns (uint256 jobId) {
        register(provider, STAKE);
        jobId = postSealed(1);
        accept(provider, jobId);
    }

    function deliverKey(uint256 jobId, address to) internal {
        vm.prank(requester);
        compute.deliverInputKey(jobId, to, WRAPPED);
    }

    function test_postSealed_marksTheJob() public {
        uint256 plain = post(1);
        vm.expectEmit(true, false, false, false);
        emit ComputeMarket.InputsSealed(plain + 1);
        uint256 jobId = postSealed(1);
        assertTrue(compute.sealedInputs(jobId));
        assertFalse(compute.sealedInputs(plain));
    }

    function test_deliver_recordsAndEmits() public {
        uint256 jobId = sealedRunning();
        vm.expectEmit(true, true, false, true);
        emit ComputeMarket.InputKeyDelivered(jobId, provider, WRAPPED);
        deliverKey(jobId, provider);
        assertEq(compute.inputKeyDeliveredAt(jobId)[0], block.timestamp);
        vm.prank(provider);
        compute.submitResult(jobId, ENVELOPE, OUT);
        vm.warp(block.timestamp + WINDOW + 1);
        compute.finalizeJob(jobId);
        assertEq(compute.balances(provider), PAY);
    }

    /// @dev Attack: the requester never delivers and claims the timeout, hoping to take the
    ///      provider's collateral. The run is released: collateral back, payment refunded.
    function test_attack_keyNeverDelivered_releasesNotSlashes() public {
        uint256 jobId = sealedRunning();
        vm.warp(compute.getJob(jobId).deadline + 1);
        vm.prank(requester);
        compute.claimTimeout(jobId);
        assertEq(uint8(status(jobId)), uint8(ComputeMarket.JobStatus.Expired));
        assertEq(compute.balances(requester), PAY); // payment only, no collateral
        ComputeMarket.Provider memory p = compute.getProvider(provider);
        assertEq(p.stake, STAKE);
        assertEq(p.locked, 0);
        assertEq(compute.reputation(provider).slashed, 0);
    }

    /// @dev A provider that got its key in time and did nothing is slashed as before.
    function test_keyDelivered_noResult_slashes() public {
        uint256 jobId = sealedRunning();
        deliverKey(jobId, provider);
        vm.warp(compute.getJob(jobId).deadline + 1);
        compute.claimTimeout(jobId);
        assertEq(uint8(status(jobId)), uint8(ComputeMarket.JobStatus.Slashed));
        assertEq(compute.balances(requester), uint256(PAY) + COLLATERAL);
    }

    /// @dev Attack: deliver the key at the last moment so the provider cannot finish in time.
    function test_attack_lateKey_refused() public {
        uint256 jobId = sealedRunning();
        ComputeMarket.Job memory j = compute.getJob(jobId);
        uint256 until = uint256(j.deadline) - j.window;
        vm.warp(until + 1);
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.TooLate.selector, until));
        compute.deliverInputKey(jobId, provider, WRAPPED);
    }

    /// @dev Attack: a stranger posts a "key" (to make the chain say it was delivered, so the
    ///      provider would be slashed). Only the requester may.
    function test_attack_strangerDelivers_refused() public {
        uint256 jobId = sealedRunning();
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.NotRequester.selector, jobId));
        compute.deliverInputKey(jobId, provider, WRAPPED);
    }

    function test_deliver_refusesWrongTargets() public {
        uint256 jobId = sealedRunning();
        vm.startPrank(requester);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.NotProvider.selector, jobId));
        compute.deliverInputKey(jobId, provider2, WRAPPED); // took no run
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.NotProvider.selector, jobId));
        compute.deliverInputKey(jobId, address(0), WRAPPED); // the empty second slot
        vm.expectRevert(ComputeMarket.InvalidParams.selector);
        compute.deliverInputKey(jobId, provider, "");
        vm.expectRevert(ComputeMarket.InvalidParams.selector);
        compute.deliverInputKey(jobId, provider, new bytes(257));
        compute.deliverInputKey(jobId, provider, WRAPPED);
        vm.expectRevert(ComputeMarket.InvalidParams.selector);
        compute.deliverInputKey(jobId, provider, WRAPPED); // once per run
        vm.stopPrank();
        uint256 plain = post(1);
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.WrongMode.selector, plain));
        compute.deliverInputKey(plain, provider, WRAPPED);
    }

    /// @dev Two replicas: the one given its key and silent is slashed, the one never given it is released.
    function test_replicated_eachRunJudgedByItsOwnKey() public {
        register(provider, STAKE);
        register(provider2, STAKE);
        uint256 jobId = postSealed(2);
        accept(provider, jobId);
        deliverKey(jobId, provider); // while the job is still open for the second replica
        accept(provider2, jobId);
        vm.warp(compute.getJob(jobId).deadline + 1);
        compute.claimTimeout(jobId);
        assertEq(uint8(status(jobId)), uint8(ComputeMarket.JobStatus.Slashed));
        assertEq(compute.reputation(provider).slashed, 1);
        assertEq(compute.reputation(provider2).slashed, 0);
        assertEq(compute.getProvider(provider2).stake, STAKE);
        assertEq(compute.balances(requester), 2 * uint256(PAY) + COLLATERAL);
    }

    /// @dev An unsealed job's timeout still slashes (the new release rule is for sealed jobs only).
    function test_unsealed_timeoutStillSlashes() public {
        uint256 jobId = running();
        vm.warp(compute.getJob(jobId).deadline + 1);
        compute.claimTimeout(jobId);
        assertEq(uint8(status(jobId)), uint8(ComputeMarket.JobStatus.Slashed));
    }
}
