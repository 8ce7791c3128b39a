// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Fixture} from "./Fixture.sol";
import {ComputeMarket} from "../../src/ComputeMarket.sol";

/// @dev ComputeMarket actors, a standard job and the steps of its two flows.
abstract contract ComputeFixture is Fixture {
    address internal provider = makeAddr("provider");
    address internal provider2 = makeAddr("provider2");
    address internal requester;
    uint256 internal requesterKey;
    address internal stranger = makeAddr("stranger");

    string internal constant SPEC = "bafkreispec";
    uint96 internal constant STAKE = 200e18;
    uint96 internal constant PAY = 50e18;
    uint96 internal constant COLLATERAL = 60e18;
    uint40 internal constant WINDOW = 1 days;
    uint32 internal constant VRAM = 8192;
    bytes internal sealKey = abi.encodePacked(keccak256("key x"), keccak256("key y")); // 64 bytes, as eciespy
    bytes32 internal constant OUT = keccak256("outputs");
    bytes32 internal constant SALT = keccak256("salt");
    string internal constant ENVELOPE = "bafkreienvelope";
    // provider kinds (the contract's KIND_* bits), as constants so no call eats a vm.prank
    uint8 internal constant CPU = 1;
    uint8 internal constant CUDA = 2;
    uint8 internal constant COREML = 8;

    function setUpCompute() internal {
        deploySystem();
        (requester, requesterKey) = makeKey("requester");
        fundAndApprove(provider, address(compute), 1_000e18);
        fundAndApprove(provider2, address(compute), 1_000e18);
        fundAndApprove(requester, address(compute), 1_000e18);
    }

    function register(address who, uint96 stake) internal {
        vm.prank(who);
        compute.registerProvider(SPEC, CPU | CUDA, VRAM, stake);
    }

    function jobParams(uint8 replicas) internal view returns (ComputeMarket.JobParams memory q) {
        q.task = ComputeMarket.Task.Inference;
        q.modelCid = "bafkreimodel";
        q.inputCid = "bafkreiinput";
        q.encryptionKey = sealKey;
        q.kinds = CUDA;
        q.minVramMiB = 4096;
        q.replicas = replicas;
        q.payment = PAY;
        q.collateral = COLLATERAL;
        q.expiresAt = uint40(block.timestamp + 1 hours);
        q.deadline = uint40(block.timestamp + 1 days);
        q.window = WINDOW;
    }

    function post(uint8 replicas) internal returns (uint256) {
        vm.prank(requester);
        return compute.postJob(jobParams(replicas));
    }

    function accept(address who, uint256 jobId) internal {
        vm.prank(who);
        compute.acceptJob(jobId);
    }

    /// @dev replicas = 1, taken by `provider`.
    function running() internal returns (uint256 jobId) {
        register(provider, STAKE);
        jobId = post(1);
        accept(provider, jobId);
    }

    function submitted() internal returns (uint256 jobId) {
        jobId = running();
        vm.prank(provider);
        compute.submitResult(jobId, ENVELOPE, OUT);
    }

    function challenged() internal returns (uint256 jobId) {
        jobId = submitted();
        vm.prank(requester);
        compute.challenge(jobId, "bafkreiwhy");
    }

    /// @dev replicas = 2, taken by `provider` and `provider2`.
    function replicated() internal returns (uint256 jobId) {
        register(provider, STAKE);
        register(provider2, STAKE);
        jobId = post(2);
        accept(provider, jobId);
        accept(provider2, jobId);
    }

    function commitment(uint256 jobId, address who, bytes32 result) internal pure returns (bytes32) {
        return keccak256(abi.encode(jobId, who, result, SALT));
    }

    function commit(address who, uint256 jobId, bytes32 result) internal {
        vm.prank(who);
        compute.commitResult(jobId, commitment(jobId, who, result));
    }

    function reveal(address who, uint256 jobId, bytes32 result) internal {
        vm.prank(who);
        compute.revealResult(jobId, result, SALT);
    }

    /// @dev Both replicas commit and reveal these results.
    function runBoth(uint256 jobId, bytes32 first, bytes32 second) internal {
        commit(provider, jobId, first);
        commit(provider2, jobId, second);
        reveal(provider, jobId, first);
        reveal(provider2, jobId, second);
    }

    function deliver(address who, uint256 jobId) internal {
        vm.prank(who);
        compute.submitResult(jobId, ENVELOPE, OUT);
    }

    function status(uint256 jobId) internal view returns (ComputeMarket.JobStatus) {
        return compute.getJob(jobId).status;
    }

    function wrongStatus(uint256 jobId, ComputeMarket.JobStatus s) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(ComputeMarket.WrongStatus.selector, jobId, s);
    }
}
