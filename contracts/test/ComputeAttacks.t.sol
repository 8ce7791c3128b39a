// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ComputeFixture} from "./utils/ComputeFixture.sol";
import {ComputeMarket} from "../src/ComputeMarket.sol";

/// @dev The one cheatcode these tests need beyond test/utils/Test.sol's Vm.
interface VmStore {
    function store(address target, bytes32 slot, bytes32 value) external;
}

/// @dev The audit's attacks on ComputeMarket, each performed and shown not to profit.
contract ComputeAttacksTest is ComputeFixture {
    function setUp() public {
        setUpCompute();
    }

    function _bond() internal view returns (uint256) {
        return uint256(PAY) * compute.challengeBondBps() / 10_000;
    }

    // ------------------------------------------------------------------ frozen challenge
    /// @dev Attack: read the result, challenge for free, and count on the arbiter never ruling.
    ///      Now the challenge costs a bond, and past the arbiter's deadline the job settles for the
    ///      provider, who also gets the bond.
    function test_attack_challengeNeverRuled_paysProviderAndBond() public {
        uint256 jobId = submitted();
        uint256 requesterBefore = token.balanceOf(requester);
        vm.prank(requester);
        compute.challenge(jobId, "bafkreiwhy");
        assertEq(token.balanceOf(requester), requesterBefore - _bond());
        uint256 ruleBy = compute.getJob(jobId).ruleBy;
        assertEq(ruleBy, block.timestamp + compute.arbiterWindow());
        assertEq(compute.reputation(provider).challenged, 1);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.TooEarly.selector, ruleBy));
        compute.finalizeJob(jobId);
        vm.warp(ruleBy + 1);
        vm.prank(stranger);
        compute.finalizeJob(jobId);
        assertEq(compute.balances(provider), PAY + _bond());
        assertEq(compute.balances(requester), 0);
        ComputeMarket.Provider memory p = compute.getProvider(provider);
        assertEq(p.stake, STAKE);
        assertEq(p.locked, 0);
        assertEq(uint256(status(jobId)), uint256(ComputeMarket.JobStatus.Completed));
        // and the arbiter can no longer rule against the provider
        vm.expectRevert(wrongStatus(jobId, ComputeMarket.JobStatus.Completed));
        vm.prank(arbiter);
        compute.resolve(jobId, false, "");
    }

    function test_attack_lateRulingRefused() public {
        uint256 jobId = challenged();
        uint256 ruleBy = compute.getJob(jobId).ruleBy;
        vm.warp(ruleBy + 1);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.TooLate.selector, ruleBy));
        vm.prank(arbiter);
        compute.resolve(jobId, false, "bafkreinote");
    }

    /// @dev A frivolous challenge: the arbiter rules for the provider and the requester's bond goes
    ///      to the provider. The requester paid the price and the bond, and got nothing back.
    function test_attack_frivolousChallenge_losesBond() public {
        uint256 jobId = submitted();
        uint256 requesterBefore = token.balanceOf(requester);
        vm.prank(requester);
        compute.challenge(jobId, "bafkreiwhy");
        vm.expectEmit(address(compute));
        emit ComputeMarket.DisputeResolved(jobId, arbiter, true, "bafkreinote");
        vm.prank(arbiter);
        compute.resolve(jobId, true, "bafkreinote");
        assertEq(compute.balances(provider), PAY + _bond());
        assertEq(compute.balances(requester), 0);
        assertEq(token.balanceOf(requester), requesterBefore - _bond());
        assertEq(compute.reputation(provider).slashed, 0);
        assertEq(compute.reputation(provider).completed, 1);
    }

    /// @dev An upheld challenge: payment, collateral and the bond go back to the requester.
    function test_upheldChallenge_refundsAndSlashes() public {
        uint256 jobId = challenged();
        vm.prank(arbiter);
        compute.resolve(jobId, false, "bafkreinote");
        assertEq(compute.balances(requester), uint256(PAY) + COLLATERAL + _bond());
        ComputeMarket.Provider memory p = compute.getProvider(provider);
        assertEq(p.stake + p.locked, STAKE - COLLATERAL);
        assertEq(p.reputation.slashed, 1);
        assertEq(uint256(status(jobId)), uint256(ComputeMarket.JobStatus.Slashed));
    }

    function test_challengeWithPermit_postsTheBond() public {
        uint256 jobId = submitted();
        (uint8 v, bytes32 r, bytes32 s) = signPermit(requesterKey, address(compute), _bond(), block.timestamp + 1);
        vm.prank(requester);
        token.approve(address(compute), 0); // the permit alone must cover the bond
        uint256 before = token.balanceOf(requester);
        vm.prank(requester);
        compute.challengeWithPermit(jobId, "bafkreiwhy", block.timestamp + 1, v, r, s);
        assertEq(token.balanceOf(requester), before - _bond());
        assertEq(compute.getJob(jobId).bond, _bond());
        assertEq(uint256(status(jobId)), uint256(ComputeMarket.JobStatus.Challenged));
    }

    function test_challenge_reverts() public {
        uint256 jobId = running();
        vm.expectRevert(wrongStatus(jobId, ComputeMarket.JobStatus.Running));
        vm.prank(requester);
        compute.challenge(jobId, "x");
        vm.prank(provider);
        compute.submitResult(jobId, ENVELOPE, OUT);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.NotRequester.selector, jobId));
        vm.prank(stranger);
        compute.challenge(jobId, "x");
        uint256 until = block.timestamp + WINDOW;
        vm.warp(until + 1);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.TooLate.selector, until));
        vm.prank(requester);
        compute.challenge(jobId, "x");
    }

    /// @dev A colluding arbiter slashes an honest provider to its requester. What the pair gains
    ///      is capped at this job's collateral: the provider's free stake and its other job are
    ///      untouched, and the arbiter cannot touch unchallenged or replicated jobs at all.
    function test_attack_colludingArbiter_boundedToOneCollateral() public {
        uint256 jobId = challenged();
        uint256 other = post(1);
        accept(provider, other); // a second job of the same provider, not challenged
        register(provider2, STAKE);
        uint256 rep = post(2);
        accept(provider, rep);
        accept(provider2, rep);
        uint256 freeBefore = compute.getProvider(provider).stake;

        vm.startPrank(arbiter);
        compute.resolve(jobId, false, "bafkreinote");
        vm.expectRevert(wrongStatus(jobId, ComputeMarket.JobStatus.Slashed));
        compute.resolve(jobId, false, ""); // no second slash
        vm.expectRevert(wrongStatus(other, ComputeMarket.JobStatus.Running));
        compute.resolve(other, false, ""); // unchallenged
        vm.expectRevert(wrongStatus(rep, ComputeMarket.JobStatus.Running));
        compute.resolve(rep, false, ""); // replicated: no arbiter
        vm.stopPrank();

        // requester's gain over an honest outcome: exactly one collateral (the bond came back)
        assertEq(compute.balances(requester), uint256(PAY) + COLLATERAL + _bond());
        ComputeMarket.Provider memory p = compute.getProvider(provider);
        assertEq(p.stake, freeBefore);
        assertEq(p.locked, 2 * COLLATERAL);
        // a replicated job cannot even be challenged
        runBoth(rep, OUT, OUT);
        vm.expectRevert(wrongStatus(rep, ComputeMarket.JobStatus.Agreed));
        vm.prank(requester);
        compute.challenge(rep, "x");
    }

    // ------------------------------------------------------------------ trustless path (replicas = 2)
    /// @dev Two providers agree: both are paid, nobody with a role took part.
    function test_replicated_agreementPaysBoth_withoutArbiter() public {
        uint256 jobId = replicated();
        assertEq(uint256(status(jobId)), uint256(ComputeMarket.JobStatus.Running));
        commit(provider, jobId, OUT);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.TooEarly.selector, compute.getJob(jobId).deadline));
        reveal(provider, jobId, OUT); // not before both committed
        commit(provider2, jobId, OUT);
        reveal(provider, jobId, OUT);
        reveal(provider2, jobId, OUT);
        assertEq(uint256(status(jobId)), uint256(ComputeMarket.JobStatus.Agreed));
        assertEq(compute.getJob(jobId).resultHash, OUT);
        vm.expectRevert(ComputeMarket.ResultMismatch.selector);
        vm.prank(provider);
        compute.submitResult(jobId, ENVELOPE, keccak256("other"));
        deliver(provider, jobId);
        assertEq(compute.balances(provider), PAY);
        deliver(provider2, jobId);
        assertEq(compute.balances(provider2), PAY);
        assertEq(uint256(status(jobId)), uint256(ComputeMarket.JobStatus.Completed));
        assertEq(compute.getJob(jobId).escrow, 0);
        assertEq(compute.getProvider(provider).stake, STAKE);
        assertEq(compute.getProvider(provider2).locked, 0);
        assertEq(compute.reputation(provider2).completed, 1);
    }

    /// @dev A cheating replica returns junk: the hashes differ, the requester gets every payment
    ///      back, and the cheater earns nothing.
    function test_attack_replicatedCheater_earnsNothing() public {
        uint256 jobId = replicated();
        runBoth(jobId, OUT, keccak256("junk"));
        assertEq(uint256(status(jobId)), uint256(ComputeMarket.JobStatus.Disagreed));
        assertEq(compute.balances(requester), 2 * uint256(PAY));
        assertEq(compute.balances(provider2), 0);
        assertEq(compute.balances(provider), 0);
        assertEq(compute.reputation(provider2).disagreed, 1);
        assertEq(compute.getProvider(provider2).stake, STAKE);
        assertEq(compute.getProvider(provider2).openRuns, 0);
        vm.expectRevert(wrongStatus(jobId, ComputeMarket.JobStatus.Disagreed));
        deliver(provider2, jobId); // no result is delivered for a disagreed job
    }

    /// @dev A lazy replica copies the other's commitment instead of running the job: it cannot
    ///      reveal (the commitment binds the committer), so it is slashed; the honest one is freed.
    function test_attack_copiedCommitment_slashesCopier() public {
        uint256 jobId = replicated();
        commit(provider, jobId, OUT);
        bytes32 copied = compute.getRuns(jobId)[0].commitment;
        vm.prank(provider2);
        compute.commitResult(jobId, copied);
        reveal(provider, jobId, OUT);
        vm.expectRevert(ComputeMarket.BadReveal.selector);
        reveal(provider2, jobId, OUT);
        uint256 until = uint256(compute.getJob(jobId).deadline) + WINDOW;
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.TooEarly.selector, until));
        compute.claimTimeout(jobId);
        vm.warp(until + 1);
        compute.claimTimeout(jobId);
        assertEq(compute.balances(requester), 2 * uint256(PAY) + COLLATERAL);
        assertEq(compute.getProvider(provider).stake, STAKE);
        assertEq(compute.getProvider(provider2).stake + compute.getProvider(provider2).locked, STAKE - COLLATERAL);
        assertEq(compute.balances(provider2), 0);
    }

    function test_replicated_missingCommitment_slashed() public {
        uint256 jobId = replicated();
        commit(provider, jobId, OUT);
        vm.warp(uint256(compute.getJob(jobId).deadline) + 1);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.TooLate.selector, compute.getJob(jobId).deadline));
        commit(provider2, jobId, OUT);
        compute.claimTimeout(jobId);
        assertEq(uint256(compute.getRuns(jobId)[0].status), uint256(ComputeMarket.RunStatus.Released));
        assertEq(uint256(compute.getRuns(jobId)[1].status), uint256(ComputeMarket.RunStatus.Slashed));
        assertEq(compute.balances(requester), 2 * uint256(PAY) + COLLATERAL);
    }

    function test_replicated_undelivered_slashed() public {
        uint256 jobId = replicated();
        runBoth(jobId, OUT, OUT);
        deliver(provider, jobId);
        uint256 until = uint256(compute.getJob(jobId).deadline) + 2 * uint256(WINDOW);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.TooEarly.selector, until));
        compute.claimTimeout(jobId);
        vm.warp(until + 1);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.TooLate.selector, until));
        deliver(provider2, jobId);
        compute.claimTimeout(jobId);
        assertEq(compute.balances(provider), PAY);
        assertEq(compute.balances(requester), uint256(PAY) + COLLATERAL);
        assertEq(compute.getJob(jobId).escrow, 0);
        assertEq(compute.reputation(provider2).slashed, 1);
    }

    // ------------------------------------------------------------------ zero-stake providers
    /// @dev The audit's attack: register with the minimum, unbond it all, keep taking jobs with no
    ///      collateral. Each step now fails.
    function test_attack_zeroStakeProvider() public {
        uint256 jobId = running();
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.OpenRuns.selector, 1));
        vm.prank(provider);
        compute.requestUnbond(1); // stake stays while a job is open
        vm.prank(provider);
        compute.submitResult(jobId, ENVELOPE, OUT);
        vm.warp(block.timestamp + WINDOW + 1);
        compute.finalizeJob(jobId);
        vm.prank(provider);
        compute.requestUnbond(STAKE); // no open job: free to leave
        uint256 next = post(1);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.StakeTooLow.selector, 0, MIN_STAKE));
        accept(provider, next);
        // and a job can no longer ask for less collateral than its price
        ComputeMarket.JobParams memory q = jobParams(1);
        q.collateral = 0;
        vm.expectRevert(ComputeMarket.InvalidParams.selector);
        vm.prank(requester);
        compute.postJob(q);
    }

    function test_attack_acceptWithoutFreeStake() public {
        register(provider, MIN_STAKE); // 100: covers one collateral of 60, not two
        accept(provider, post(1));
        uint256 second = post(1);
        vm.expectRevert(
            abi.encodeWithSelector(ComputeMarket.InsufficientStake.selector, MIN_STAKE - COLLATERAL, COLLATERAL)
        );
        accept(provider, second);
    }

    /// @dev minStake is checked on every accept, not only at registration.
    function test_attack_raisedMinStake_appliesToNewJobs() public {
        register(provider, MIN_STAKE);
        vm.prank(admin);
        compute.setParams(MIN_STAKE + 1, UNBONDING);
        uint256 jobId = post(1);
        vm.expectRevert(abi.encodeWithSelector(ComputeMarket.StakeTooLow.selector, MIN_STAKE, MIN_STAKE + 1));
        accept(provider, jobId);
        vm.prank(provider);
        compute.addStake(1);
        accept(provider, jobId);
    }

    // ------------------------------------------------------------------ counters
    /// @dev Full reputation counters (2^32 - 1 each) must not block a challenge, a slash, a
    ///      payment or a disagreement: they saturate.
    function test_fullReputationCountersNeverBlockSettlement() public {
        uint256 jobId = challenged();
        register(provider2, STAKE);
        bytes32 slot = bytes32(uint256(keccak256(abi.encode(provider, uint256(3)))) + 2); // reputation
        VmStore(address(vm)).store(address(compute), slot, bytes32(uint256(type(uint128).max)));
        vm.prank(arbiter);
        compute.resolve(jobId, false, ""); // slashed count full
        uint256 rep = post(2);
        accept(provider, rep);
        accept(provider2, rep);
        runBoth(rep, OUT, keccak256("junk")); // disagreed count full
        uint256 paid = post(1);
        accept(provider, paid);
        vm.prank(provider);
        compute.submitResult(paid, ENVELOPE, OUT);
        vm.prank(requester);
        compute.challenge(paid, "x"); // challenged count full
        vm.warp(block.timestamp + compute.arbiterWindow() + 1);
        compute.finalizeJob(paid); // completed count full
        ComputeMarket.Reputation memory r = compute.reputation(provider);
        uint32 max = type(uint32).max;
        assertEq(abi.encode(r), abi.encode(ComputeMarket.Reputation(max, max, max, max)));
        assertEq(compute.balances(provider), PAY + _bond());
    }
}
