// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ComputeFixture} from "./utils/ComputeFixture.sol";
import {ComputeMarket} from "../src/ComputeMarket.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

/// @dev Providers, posting, paging and the plain single-provider flow. Attacks: ComputeAttacks.t.sol.
contract ComputeMarketTest is ComputeFixture {
    function setUp() public {
        setUpCompute();
    }

    // ------------------------------------------------------------------ params
    function test_setParams_bounded() public {
        vm.expectEmit(address(compute));
        emit ComputeMarket.ParamsSet(1e18, 2 days);
        vm.startPrank(admin);
        compute.setParams(1e18, 2 days);
        assertEq(compute.minStake(), 1e18);
        assertEq(compute.unbondingDelay(), 2 days);
        uint96 maxStake = compute.MAX_MIN_STAKE();
        vm.expectRevert(ComputeMarket.InvalidParams.selector);
        compute.setParams(maxStake + 1, 2 days);
        vm.expectRevert(ComputeMarket.InvalidParams.selector);
        compute.setParams(1e18, 1 days - 1);
        vm.expectRevert(ComputeMarket.InvalidParams.selector);
        compute.setParams(1e18, 30 days + 1);
        compute.setDisputeParams(1_000, 14 days);
        assertEq(compute.challengeBondBps(), 1_000);
        assertEq(compute.arbiterWindow(), 14 days);
        vm.expectRevert(ComputeMarket.InvalidParams.selector);
        compute.setDisputeParams(999, 1 days);
        vm.expectRevert(ComputeMarket.InvalidParams.selector);
        compute.setDisputeParams(10_001, 1 days);
        vm.expectRevert(ComputeMarket.InvalidParams.selector);
        compute.setDisputeParams(5_000, 1 days - 1);
        vm.expectRevert(ComputeMarket.InvalidParams.selector);
        compute.setDisputeParams(5_000, 14 days + 1);
        vm.stopPrank();
        vm.expectRevert(ComputeMarket.InvalidParams.selector);
        new ComputeMarket(token, admin, MIN_STAKE, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, bytes32(0))
        );
        vm.prank(stranger);
        compute.setParams(1, 2 days);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, bytes32(0))
        );
        vm.prank(stranger);
        compute.setDisputeParams(5_000, 2 days);
    }

    // ------------------------------------------------------------------ providers
    function test_kindConstants() public view {
        assertEq(compute.KIND_CPU(), CPU);
        assertEq(compute.KIND_CUDA(), CUDA);
        assertEq(compute.KIND_DIRECTML(), 4);
        assertEq(compute.KIND_COREML(), COREML);
        assertEq(compute.ALL_KINDS(), 15);
    }

    function test_registerProvider() public {
        vm.expectEmit(address(compute));
        emit ComputeMarket.ProviderRegistered(provider, SPEC, 3, VRAM, STAKE);
        register(provider, STAKE);
        ComputeMarket.Provider memory p = compute.getProvider(provider);
        assertTrue(p.registered);
        assertEq(p.stake, STAKE);
        assertEq(p.kinds, 3);
        assertEq(p.vramMiB, VRAM);
        assertEq(token.balanceOf(address(compute)), STAKE);
    }

    function test_registerProvider_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.StakeTooLow.selector, 1, MIN_STAKE));
        register(provider, 1);
        vm.startPrank(provider);
        vm.expectRevert(ComputeMarket.InvalidCid.selector);
        compute.registerProvider("", 1, 0, MIN_STAKE);
        vm.expectRevert(ComputeMarket.InvalidParams.selector);
        compute.registerProvider(SPEC, 0, 0, MIN_STAKE);
        vm.expectRevert(ComputeMarket.InvalidParams.selector);
        compute.registerProvider(SPEC, 16, 0, MIN_STAKE);
        vm.stopPrank();
        register(provider, MIN_STAKE);
        vm.expectRevert(ComputeMarket.AlreadyRegistered.selector);
        register(provider, MIN_STAKE);
    }

    function test_updateSpec() public {
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.NotRegistered.selector, provider));
        vm.prank(provider);
        compute.updateSpec("bafkreinew", 1, 0);
        register(provider, MIN_STAKE);
        vm.expectEmit(address(compute));
        emit ComputeMarket.ProviderSpecUpdated(provider, "bafkreinew", 8, 16_384);
        vm.prank(provider);
        compute.updateSpec("bafkreinew", 8, 16_384);
        assertEq(compute.getProvider(provider).kinds, 8);
        vm.expectRevert(ComputeMarket.InvalidCid.selector);
        vm.prank(provider);
        compute.updateSpec("", 1, 0);
        vm.expectRevert(ComputeMarket.InvalidParams.selector);
        vm.prank(provider);
        compute.updateSpec(SPEC, 0, 0);
    }

    function test_addStake() public {
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.NotRegistered.selector, provider));
        vm.prank(provider);
        compute.addStake(1);
        register(provider, MIN_STAKE);
        vm.expectRevert(ComputeMarket.InvalidParams.selector);
        vm.prank(provider);
        compute.addStake(0);
        vm.prank(provider);
        compute.addStake(5e18);
        assertEq(compute.getProvider(provider).stake, MIN_STAKE + 5e18);
    }

    function test_unbondAndWithdrawStake() public {
        register(provider, STAKE);
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
        register(provider, STAKE);
        vm.expectRevert(ComputeMarket.InvalidParams.selector);
        vm.prank(provider);
        compute.requestUnbond(0);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.InsufficientStake.selector, STAKE, STAKE + 1));
        vm.prank(provider);
        compute.requestUnbond(STAKE + 1);
    }

    // ------------------------------------------------------------------ posting
    function test_postJob() public {
        ComputeMarket.JobParams memory q = jobParams(2);
        vm.expectEmit(address(compute));
        emit ComputeMarket.JobPosted(1, requester, q);
        vm.expectEmit(address(compute));
        emit ComputeMarket.JobStatusChanged(1, ComputeMarket.JobStatus.Open);
        uint256 jobId = post(2);
        ComputeMarket.Job memory j = compute.getJob(jobId);
        assertEq(j.requester, requester);
        assertEq(j.payment, PAY);
        assertEq(j.collateral, COLLATERAL);
        assertEq(j.escrow, 2 * PAY);
        assertEq(j.replicas, 2);
        assertEq(j.minVramMiB, 4096);
        assertEq(j.specHash, keccak256(abi.encode(q.task, q.modelCid, q.inputCid, q.encryptionKey)));
        assertEq(uint256(j.status), uint256(ComputeMarket.JobStatus.Open));
        assertEq(token.balanceOf(address(compute)), 2 * PAY);
    }

    function test_postJob_reverts() public {
        ComputeMarket.JobParams[] memory bad = new ComputeMarket.JobParams[](13);
        for (uint256 i; i < bad.length; ++i) {
            bad[i] = jobParams(1);
        }
        bad[0].payment = 0;
        bad[1].collateral = PAY - 1; // collateral below the price
        bad[2].replicas = 0;
        bad[3].replicas = 3;
        bad[4].kinds = 0;
        bad[5].kinds = 16;
        bad[6].encryptionKey = "";
        bad[12].encryptionKey = abi.encodePacked(keccak256("32 bytes: not a secp256k1 key"));
        bad[7].window = 10 minutes - 1;
        bad[8].window = 7 days + 1;
        bad[9].expiresAt = uint40(block.timestamp);
        bad[10].deadline = bad[10].expiresAt - 1;
        bad[11].deadline = uint40(block.timestamp + 30 days + 1);
        vm.startPrank(requester);
        for (uint256 i; i < bad.length; ++i) {
            vm.expectRevert(ComputeMarket.InvalidParams.selector);
            compute.postJob(bad[i]);
        }
        ComputeMarket.JobParams memory q = jobParams(1);
        q.modelCid = "";
        vm.expectRevert(ComputeMarket.InvalidCid.selector);
        compute.postJob(q);
        q = jobParams(2);
        q.payment = type(uint96).max / 2 + 1; // payment x replicas does not fit
        q.collateral = q.payment;
        vm.expectRevert();
        compute.postJob(q);
        vm.stopPrank();
    }

    function test_postJobWithPermit_coversEveryReplica() public {
        (address r2, uint256 k2) = makeKey("r2");
        fund(r2, 2 * PAY);
        (uint8 v, bytes32 r, bytes32 s) = signPermit(k2, address(compute), 2 * PAY, block.timestamp + 1);
        ComputeMarket.JobParams memory q = jobParams(2);
        vm.prank(r2);
        compute.postJobWithPermit(q, block.timestamp + 1, v, r, s);
        assertEq(token.balanceOf(r2), 0);
    }

    function test_cancelJob_refundsAndFreesATakenReplica() public {
        register(provider, STAKE);
        uint256 jobId = post(2);
        accept(provider, jobId);
        assertEq(compute.getProvider(provider).locked, COLLATERAL);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.NotRequester.selector, jobId));
        vm.prank(stranger);
        compute.cancelJob(jobId);
        uint256 other = post(1); // expires: a credit the cancel must leave alone
        vm.warp(block.timestamp + 1 hours);
        compute.expireJob(other);
        uint256 before = token.balanceOf(requester);
        vm.prank(requester);
        compute.cancelJob(jobId);
        assertEq(token.balanceOf(requester), before + 2 * PAY);
        assertEq(compute.balances(requester), PAY);
        ComputeMarket.Provider memory p = compute.getProvider(provider);
        assertEq(p.stake, STAKE);
        assertEq(p.locked, 0);
        assertEq(p.openRuns, 0);
        assertEq(compute.openJobCount(), 0);
        vm.expectRevert(wrongStatus(jobId, ComputeMarket.JobStatus.Cancelled));
        vm.prank(requester);
        compute.cancelJob(jobId);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.UnknownJob.selector, 99));
        compute.cancelJob(99);
    }

    function test_expireJob_refundsRequester() public {
        uint256 jobId = post(1);
        uint256 expiresAt = compute.getJob(jobId).expiresAt;
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.TooEarly.selector, expiresAt));
        compute.expireJob(jobId);
        vm.warp(expiresAt);
        register(provider, STAKE);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.TooLate.selector, expiresAt));
        accept(provider, jobId);
        vm.prank(stranger);
        compute.expireJob(jobId);
        assertEq(compute.balances(requester), PAY);
        assertEq(uint256(status(jobId)), uint256(ComputeMarket.JobStatus.Expired));
        assertEq(compute.getJob(jobId).escrow, 0);
        vm.expectRevert(wrongStatus(jobId, ComputeMarket.JobStatus.Expired));
        compute.expireJob(jobId);
    }

    // ------------------------------------------------------------------ accepting
    function test_acceptJob_locksCollateral() public {
        uint256 jobId = running();
        ComputeMarket.Provider memory p = compute.getProvider(provider);
        assertEq(p.stake, STAKE - COLLATERAL);
        assertEq(p.locked, COLLATERAL);
        assertEq(p.openRuns, 1);
        assertEq(compute.getRuns(jobId)[0].provider, provider);
        assertEq(uint256(status(jobId)), uint256(ComputeMarket.JobStatus.Running));
        vm.expectRevert(wrongStatus(jobId, ComputeMarket.JobStatus.Running));
        accept(provider, jobId);
        vm.expectRevert(wrongStatus(jobId, ComputeMarket.JobStatus.Running));
        vm.prank(requester);
        compute.cancelJob(jobId);
    }

    function test_acceptJob_checksHardwareAndParties() public {
        uint256 jobId = post(2);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.NotRegistered.selector, stranger));
        accept(stranger, jobId);
        fundAndApprove(stranger, address(compute), STAKE);
        vm.prank(stranger);
        compute.registerProvider(SPEC, COREML, VRAM, STAKE); // wrong kind
        vm.expectRevert(ComputeMarket.HardwareMismatch.selector);
        accept(stranger, jobId);
        vm.prank(stranger);
        compute.updateSpec(SPEC, CUDA, 2048); // too little VRAM
        vm.expectRevert(ComputeMarket.HardwareMismatch.selector);
        accept(stranger, jobId);
        fundAndApprove(requester, address(compute), STAKE);
        register(requester, STAKE);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.OwnJob.selector, jobId));
        accept(requester, jobId); // no self-dealing (reputation farming)
        register(provider, STAKE);
        accept(provider, jobId);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.OwnJob.selector, jobId));
        accept(provider, jobId); // both replicas by one provider
    }

    function test_openJobs_pages() public {
        uint256 a = post(1);
        uint256 b = post(2);
        uint256 c = post(1);
        assertEq(compute.openJobCount(), 3);
        uint256[] memory page = compute.openJobs(1, 5);
        assertEq(page.length, 2);
        assertEq(page[0], b);
        assertEq(page[1], c);
        assertEq(compute.openJobs(3, 5).length, 0);
        assertEq(compute.openJobs(9, 5).length, 0);
        register(provider, STAKE);
        accept(provider, a); // taken: leaves the list
        accept(provider, b); // one replica of two: still open
        page = compute.openJobs(0, 10);
        assertEq(page.length, 2);
        assertEq(page[0], c);
        assertEq(page[1], b);
        assertEq(compute.openJobs(0, 1).length, 1);
    }

    // ------------------------------------------------------------------ single-provider flow
    function test_finalize_paysProvider() public {
        uint256 jobId = submitted();
        assertEq(compute.getJob(jobId).resultHash, OUT);
        uint256 until = block.timestamp + WINDOW;
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.TooEarly.selector, until));
        compute.finalizeJob(jobId);
        vm.warp(until + 1);
        vm.expectEmit(address(compute));
        emit ComputeMarket.RunPaid(jobId, provider, PAY);
        vm.prank(stranger);
        compute.finalizeJob(jobId);
        assertEq(compute.balances(provider), PAY);
        ComputeMarket.Provider memory p = compute.getProvider(provider);
        assertEq(p.stake, STAKE);
        assertEq(p.locked, 0);
        assertEq(p.openRuns, 0);
        assertEq(compute.reputation(provider).completed, 1);
        vm.expectRevert(wrongStatus(jobId, ComputeMarket.JobStatus.Completed));
        compute.finalizeJob(jobId);
        vm.prank(provider);
        compute.withdraw();
        assertEq(token.balanceOf(provider), 1_000e18 - STAKE + PAY);
        vm.expectRevert(ComputeMarket.NothingToWithdraw.selector);
        vm.prank(provider);
        compute.withdraw();
    }

    function test_submitResult_reverts() public {
        uint256 jobId = running();
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.NotProvider.selector, jobId));
        vm.prank(provider2);
        compute.submitResult(jobId, ENVELOPE, OUT);
        vm.expectRevert(ComputeMarket.InvalidCid.selector);
        vm.prank(provider);
        compute.submitResult(jobId, "", OUT);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.WrongMode.selector, jobId));
        commit(provider, jobId, OUT); // no commit-reveal on single-provider jobs
        uint256 deadline = compute.getJob(jobId).deadline;
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.TooLate.selector, deadline));
        vm.prank(provider);
        compute.submitResult(jobId, ENVELOPE, OUT);
    }

    function test_claimTimeout_slashesLateProvider() public {
        uint256 jobId = running();
        uint256 deadline = compute.getJob(jobId).deadline;
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.TooEarly.selector, deadline));
        compute.claimTimeout(jobId);
        vm.warp(deadline + 1);
        vm.expectEmit(address(compute));
        emit ComputeMarket.RunSlashed(jobId, provider, requester, COLLATERAL);
        compute.claimTimeout(jobId);
        assertEq(compute.balances(requester), uint256(PAY) + COLLATERAL);
        ComputeMarket.Provider memory p = compute.getProvider(provider);
        assertEq(p.stake + p.locked, STAKE - COLLATERAL);
        assertEq(p.reputation.slashed, 1);
        vm.expectRevert(wrongStatus(jobId, ComputeMarket.JobStatus.Slashed));
        compute.claimTimeout(jobId);
    }
}
