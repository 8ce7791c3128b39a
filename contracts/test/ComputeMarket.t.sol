// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Fixture} from "./utils/Fixture.sol";
import {ComputeMarket} from "../src/ComputeMarket.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

contract ComputeMarketTest is Fixture {
    address provider = makeAddr("provider");
    address provider2 = makeAddr("provider2");
    address requester;
    uint256 requesterKey;
    address stranger = makeAddr("stranger");
    string constant SPEC = "bafkreispec";
    uint96 constant PAY = 50e18;
    uint96 constant COLLATERAL = 20e18;
    uint40 constant WINDOW = 1 days;

    function setUp() public {
        deploySystem();
        (requester, requesterKey) = makeKey("requester");
        fundAndApprove(provider, address(compute), 1_000e18);
        fundAndApprove(provider2, address(compute), 1_000e18);
        fundAndApprove(requester, address(compute), 1_000e18);
    }

    function _register(address who, uint96 stake) internal {
        vm.prank(who);
        compute.registerProvider(SPEC, stake);
    }

    function _post() internal returns (uint256) {
        vm.prank(requester);
        return compute.postJob(SPEC, PAY, COLLATERAL, uint40(block.timestamp + 1 days), WINDOW);
    }

    function _accepted() internal returns (uint256 jobId) {
        _register(provider, 200e18);
        jobId = _post();
        vm.prank(provider);
        compute.acceptJob(jobId);
    }

    function _submitted() internal returns (uint256 jobId) {
        jobId = _accepted();
        vm.prank(provider);
        compute.submitResult(jobId, "bafkreiresult", keccak256("out"));
    }

    // ------------------------------------------------------------------ params
    function test_setParams() public {
        vm.expectEmit(address(compute));
        emit ComputeMarket.ParamsSet(1, 2);
        vm.prank(admin);
        compute.setParams(1, 2);
        assertEq(compute.minStake(), 1);
        assertEq(compute.unbondingDelay(), 2);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, bytes32(0))
        );
        vm.prank(stranger);
        compute.setParams(1, 2);
    }

    // ------------------------------------------------------------------ providers
    function test_registerProvider() public {
        vm.expectEmit(address(compute));
        emit ComputeMarket.ProviderRegistered(provider, SPEC, 200e18);
        _register(provider, 200e18);
        ComputeMarket.Provider memory p = compute.getProvider(provider);
        assertTrue(p.registered);
        assertEq(p.stake, 200e18);
        assertEq(token.balanceOf(address(compute)), 200e18);
    }

    function test_registerProvider_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.StakeTooLow.selector, 1, MIN_STAKE));
        _register(provider, 1);
        vm.expectRevert(ComputeMarket.InvalidCid.selector);
        vm.prank(provider);
        compute.registerProvider("", MIN_STAKE);
        _register(provider, MIN_STAKE);
        vm.expectRevert(ComputeMarket.AlreadyRegistered.selector);
        _register(provider, MIN_STAKE);
    }

    function test_updateSpec() public {
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.NotRegistered.selector, provider));
        vm.prank(provider);
        compute.updateSpec("bafkreinew");
        _register(provider, MIN_STAKE);
        vm.expectEmit(address(compute));
        emit ComputeMarket.ProviderSpecUpdated(provider, "bafkreinew");
        vm.prank(provider);
        compute.updateSpec("bafkreinew");
        vm.expectRevert(ComputeMarket.InvalidCid.selector);
        vm.prank(provider);
        compute.updateSpec("");
    }

    function test_addStake() public {
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.NotRegistered.selector, provider));
        vm.prank(provider);
        compute.addStake(1);
        _register(provider, MIN_STAKE);
        vm.expectRevert(ComputeMarket.InvalidParams.selector);
        vm.prank(provider);
        compute.addStake(0);
        vm.prank(provider);
        compute.addStake(5e18);
        assertEq(compute.getProvider(provider).stake, MIN_STAKE + 5e18);
    }

    function test_unbondAndWithdrawStake() public {
        _register(provider, 200e18);
        vm.expectEmit(address(compute));
        emit ComputeMarket.UnbondRequested(provider, 150e18, block.timestamp + UNBONDING);
        vm.prank(provider);
        compute.requestUnbond(150e18);
        ComputeMarket.Provider memory p = compute.getProvider(provider);
        assertEq(p.stake, 50e18);
        assertEq(p.unbonding, 150e18);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.UnbondingPending.selector, block.timestamp + UNBONDING));
        vm.prank(provider);
        compute.withdrawStake();
        vm.warp(block.timestamp + UNBONDING);
        uint256 before = token.balanceOf(provider);
        vm.prank(provider);
        compute.withdrawStake();
        assertEq(token.balanceOf(provider), before + 150e18);
        vm.expectRevert(ComputeMarket.NothingToWithdraw.selector);
        vm.prank(provider);
        compute.withdrawStake();
    }

    function test_requestUnbond_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.NotRegistered.selector, provider));
        vm.prank(provider);
        compute.requestUnbond(1);
        _register(provider, 200e18);
        vm.expectRevert(ComputeMarket.InvalidParams.selector);
        vm.prank(provider);
        compute.requestUnbond(0);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.InsufficientStake.selector, 200e18, 201e18));
        vm.prank(provider);
        compute.requestUnbond(201e18);
    }

    function test_lockedCollateralCannotUnbond() public {
        uint256 jobId = _accepted();
        ComputeMarket.Provider memory p = compute.getProvider(provider);
        assertEq(p.stake, 180e18);
        assertEq(p.locked, COLLATERAL);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.InsufficientStake.selector, 180e18, 200e18));
        vm.prank(provider);
        compute.requestUnbond(200e18);
        jobId;
    }

    // ------------------------------------------------------------------ jobs
    function test_postJob() public {
        uint40 deadline = uint40(block.timestamp + 1 days);
        vm.expectEmit(address(compute));
        emit ComputeMarket.JobPosted(1, requester, SPEC, PAY, COLLATERAL, deadline, WINDOW);
        uint256 jobId = _post();
        ComputeMarket.Job memory j = compute.getJob(jobId);
        assertEq(j.requester, requester);
        assertEq(j.payment, PAY);
        assertEq(uint256(j.status), uint256(ComputeMarket.JobStatus.Open));
        assertEq(token.balanceOf(address(compute)), PAY);
    }

    function test_postJobWithPermit() public {
        (address r2, uint256 k2) = makeKey("r2");
        fund(r2, PAY);
        (uint8 v, bytes32 r, bytes32 s) = signPermit(k2, address(compute), PAY, block.timestamp + 1);
        vm.prank(r2);
        compute.postJobWithPermit(SPEC, PAY, 0, uint40(block.timestamp + 1 days), WINDOW, block.timestamp + 1, v, r, s);
        assertEq(token.balanceOf(r2), 0);
    }

    function test_postJob_reverts() public {
        vm.startPrank(requester);
        vm.expectRevert(ComputeMarket.InvalidParams.selector);
        compute.postJob(SPEC, 0, 0, uint40(block.timestamp + 1), WINDOW);
        vm.expectRevert(ComputeMarket.InvalidParams.selector);
        compute.postJob(SPEC, PAY, 0, uint40(block.timestamp), WINDOW);
        vm.expectRevert(ComputeMarket.InvalidParams.selector);
        compute.postJob(SPEC, PAY, 0, uint40(block.timestamp + 1), 0);
        vm.expectRevert(ComputeMarket.InvalidCid.selector);
        compute.postJob("", PAY, 0, uint40(block.timestamp + 1), WINDOW);
        vm.stopPrank();
    }

    function test_cancelJob() public {
        uint256 jobId = _post();
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.NotRequester.selector, jobId));
        vm.prank(stranger);
        compute.cancelJob(jobId);
        uint256 before = token.balanceOf(requester);
        vm.prank(requester);
        compute.cancelJob(jobId);
        assertEq(token.balanceOf(requester), before + PAY);
        vm.expectRevert(
            abi.encodeWithSelector(ComputeMarket.WrongStatus.selector, jobId, ComputeMarket.JobStatus.Cancelled)
        );
        vm.prank(requester);
        compute.cancelJob(jobId);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.UnknownJob.selector, 99));
        compute.cancelJob(99);
    }

    function test_acceptJob() public {
        uint256 jobId = _accepted();
        ComputeMarket.Job memory j = compute.getJob(jobId);
        assertEq(j.provider, provider);
        assertEq(uint256(j.status), uint256(ComputeMarket.JobStatus.Accepted));
        vm.expectRevert(
            abi.encodeWithSelector(ComputeMarket.WrongStatus.selector, jobId, ComputeMarket.JobStatus.Accepted)
        );
        vm.prank(provider);
        compute.acceptJob(jobId);
        vm.expectRevert(
            abi.encodeWithSelector(ComputeMarket.WrongStatus.selector, jobId, ComputeMarket.JobStatus.Accepted)
        );
        vm.prank(requester);
        compute.cancelJob(jobId);
    }

    function test_acceptJob_reverts() public {
        uint256 jobId = _post();
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.NotRegistered.selector, stranger));
        vm.prank(stranger);
        compute.acceptJob(jobId);
        vm.prank(admin);
        compute.setParams(0, UNBONDING);
        _register(provider2, 1e18);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.InsufficientStake.selector, 1e18, COLLATERAL));
        vm.prank(provider2);
        compute.acceptJob(jobId);
        _register(provider, 200e18);
        vm.warp(block.timestamp + 1 days);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.DeadlinePassed.selector, block.timestamp));
        vm.prank(provider);
        compute.acceptJob(jobId);
    }

    function test_submitResult_reverts() public {
        uint256 jobId = _accepted();
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.NotProvider.selector, jobId));
        vm.prank(provider2);
        compute.submitResult(jobId, "bafkreir", bytes32(0));
        vm.expectRevert(ComputeMarket.InvalidCid.selector);
        vm.prank(provider);
        compute.submitResult(jobId, "", bytes32(0));
        uint256 deadline = compute.getJob(jobId).deadline;
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.DeadlinePassed.selector, deadline));
        vm.prank(provider);
        compute.submitResult(jobId, "bafkreir", bytes32(0));
        uint256 open = _post();
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.WrongStatus.selector, open, ComputeMarket.JobStatus.Open));
        vm.prank(provider);
        compute.submitResult(open, "bafkreir", bytes32(0));
    }

    function test_finalize_paysProvider() public {
        uint256 jobId = _submitted();
        ComputeMarket.Job memory j = compute.getJob(jobId);
        assertEq(j.resultHash, keccak256("out"));
        uint256 until = block.timestamp + WINDOW;
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.ChallengeWindowOpen.selector, until));
        compute.finalizeJob(jobId);
        vm.warp(until + 1);
        vm.expectEmit(address(compute));
        emit ComputeMarket.JobCompleted(jobId, provider, PAY);
        vm.prank(stranger);
        compute.finalizeJob(jobId);
        assertEq(compute.balances(provider), PAY);
        ComputeMarket.Provider memory p = compute.getProvider(provider);
        assertEq(p.stake, 200e18);
        assertEq(p.locked, 0);
        vm.expectRevert(
            abi.encodeWithSelector(ComputeMarket.WrongStatus.selector, jobId, ComputeMarket.JobStatus.Completed)
        );
        compute.finalizeJob(jobId);
        vm.prank(provider);
        compute.withdraw();
        assertEq(token.balanceOf(provider), 800e18 + PAY);
        vm.expectRevert(ComputeMarket.NothingToWithdraw.selector);
        vm.prank(provider);
        compute.withdraw();
    }

    function test_challenge_andArbiterSlashes() public {
        uint256 jobId = _submitted();
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.NotRequester.selector, jobId));
        vm.prank(stranger);
        compute.challenge(jobId, "bafkreiwhy");
        vm.expectEmit(address(compute));
        emit ComputeMarket.JobChallenged(jobId, "bafkreiwhy");
        vm.prank(requester);
        compute.challenge(jobId, "bafkreiwhy");
        vm.expectRevert(
            abi.encodeWithSelector(ComputeMarket.WrongStatus.selector, jobId, ComputeMarket.JobStatus.Challenged)
        );
        compute.finalizeJob(jobId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, compute.ARBITER_ROLE()
            )
        );
        vm.prank(stranger);
        compute.resolve(jobId, false, "");
        vm.expectEmit(address(compute));
        emit ComputeMarket.JobSlashed(jobId, provider, COLLATERAL, false);
        vm.prank(arbiter);
        compute.resolve(jobId, false, "bafkreinote");
        assertEq(compute.balances(requester), uint256(PAY) + COLLATERAL);
        ComputeMarket.Provider memory p = compute.getProvider(provider);
        assertEq(p.stake, 180e18);
        assertEq(p.locked, 0);
        vm.expectRevert(
            abi.encodeWithSelector(ComputeMarket.WrongStatus.selector, jobId, ComputeMarket.JobStatus.Slashed)
        );
        vm.prank(arbiter);
        compute.resolve(jobId, true, "");
    }

    function test_challenge_arbiterPaysProvider() public {
        uint256 jobId = _submitted();
        vm.prank(requester);
        compute.challenge(jobId, "bafkreiwhy");
        vm.prank(arbiter);
        compute.resolve(jobId, true, "bafkreinote");
        assertEq(compute.balances(provider), PAY);
        assertEq(compute.getProvider(provider).stake, 200e18);
    }

    function test_challenge_reverts() public {
        uint256 jobId = _accepted();
        vm.expectRevert(
            abi.encodeWithSelector(ComputeMarket.WrongStatus.selector, jobId, ComputeMarket.JobStatus.Accepted)
        );
        vm.prank(requester);
        compute.challenge(jobId, "x");
        vm.prank(provider);
        compute.submitResult(jobId, "bafkreiresult", bytes32(0));
        uint256 until = block.timestamp + WINDOW;
        vm.warp(until + 1);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.ChallengeWindowClosed.selector, until));
        vm.prank(requester);
        compute.challenge(jobId, "x");
    }

    function test_claimTimeout() public {
        uint256 jobId = _accepted();
        uint256 deadline = compute.getJob(jobId).deadline;
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.DeadlineNotPassed.selector, deadline));
        compute.claimTimeout(jobId);
        vm.warp(deadline + 1);
        vm.expectEmit(address(compute));
        emit ComputeMarket.JobSlashed(jobId, provider, COLLATERAL, true);
        compute.claimTimeout(jobId);
        assertEq(compute.balances(requester), uint256(PAY) + COLLATERAL);
        vm.prank(requester);
        compute.withdraw();
        vm.expectRevert(
            abi.encodeWithSelector(ComputeMarket.WrongStatus.selector, jobId, ComputeMarket.JobStatus.Slashed)
        );
        compute.claimTimeout(jobId);
    }

    // ------------------------------------------------------------------ fuzz
    /// @dev Whatever path a job takes, the market's balance equals stakes + live escrow + credits,
    ///      and provider stake + locked never changes except by slashing the job's collateral.
    function testFuzz_jobPaths(uint8 path, uint32 wait) public {
        uint256 jobId = _submitted();
        vm.warp(block.timestamp + bound(wait, 0, 3 days));
        uint256 p = bound(path, 0, 2);
        bool slashed;
        if (p == 0) {
            if (block.timestamp <= compute.getJob(jobId).resultAt + WINDOW) vm.warp(block.timestamp + WINDOW + 1);
            compute.finalizeJob(jobId);
        } else {
            if (block.timestamp > compute.getJob(jobId).resultAt + WINDOW) {
                vm.expectRevert();
                vm.prank(requester);
                compute.challenge(jobId, "x");
                return;
            }
            vm.prank(requester);
            compute.challenge(jobId, "x");
            vm.prank(arbiter);
            compute.resolve(jobId, p == 1, "");
            slashed = p == 2;
        }
        ComputeMarket.Provider memory pr = compute.getProvider(provider);
        assertEq(uint256(pr.stake) + pr.locked, slashed ? 200e18 - COLLATERAL : 200e18);
        assertEq(
            token.balanceOf(address(compute)),
            uint256(pr.stake) + pr.locked + compute.balances(provider) + compute.balances(requester)
        );
    }
}
