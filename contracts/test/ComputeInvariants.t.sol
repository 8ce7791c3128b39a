// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {InvariantSuite} from "./utils/InvariantSuite.sol";
import {InvariantHandlerBase} from "./utils/InvariantHandlerBase.sol";
import {ComputeMarket} from "../src/ComputeMarket.sol";

/// @dev Random walks over every ComputeMarket flow: both verification modes, honest and cheating
///      replicas, challenges ruled and unruled, expiries, timeouts, unbonding. Four actors are
///      requesters and providers at once.
contract ComputeHandler is InvariantHandlerBase {
    bytes32 internal constant OUT = keccak256("outputs");
    bytes32 internal constant SALT = keccak256("salt");

    ComputeMarket public compute;
    address public arbiter;
    uint256[] public jobs;
    /// @dev The result each replica committed to, so it can reveal it.
    mapping(uint256 jobId => mapping(address provider => bytes32)) public committed;
    uint256 public ghostPosted; // every payment escrowed
    uint256 public ghostPaid; // every payment credited to a provider

    constructor(ComputeMarket compute_, address arbiter_, address[4] memory actors_)
        InvariantHandlerBase(actors_, 3 days)
    {
        compute = compute_;
        arbiter = arbiter_;
    }

    function jobCount() external view returns (uint256) {
        return jobs.length;
    }

    function register(uint256 seed, uint96 stake, uint8 kinds) external {
        address who = _actor(seed);
        if (compute.getProvider(who).registered) return;
        uint96 amount = uint96(stake % 1_000e18) + compute.minStake();
        vm.prank(who);
        compute.registerProvider("bafkreispec", kinds % 15 + 1, 8192, amount);
    }

    function addStake(uint256 seed, uint96 amount) external {
        address who = _actor(seed);
        if (!compute.getProvider(who).registered) return;
        vm.prank(who);
        compute.addStake(uint96(amount % 500e18) + 1);
    }

    function post(uint256 seed, uint96 pay, uint96 extra, bool replicated, uint8 kinds) external {
        ComputeMarket.JobParams memory q = _params(pay, extra, replicated, kinds);
        vm.prank(_actor(seed));
        jobs.push(compute.postJob(q));
        ghostPosted += uint256(q.payment) * q.replicas;
    }

    /// @dev A job whose inputs are sealed: its runs are released, not slashed, without a key.
    function postSealed(uint256 seed, uint96 pay, uint96 extra, bool replicated, uint8 kinds) external {
        ComputeMarket.JobParams memory q = _params(pay, extra, replicated, kinds);
        vm.prank(_actor(seed));
        jobs.push(compute.postSealedJobWithPermit(q, 0, 0, bytes32(0), bytes32(0)));
        ghostPosted += uint256(q.payment) * q.replicas;
    }

    /// @dev The requester hands one run of some job its input key (refused when not allowed).
    function deliverKey(uint256 jSeed, bool second) external {
        if (jobs.length == 0) return;
        uint256 id = jobs[jSeed % jobs.length];
        address provider = compute.getRuns(id)[second ? 1 : 0].provider;
        vm.prank(compute.getJob(id).requester);
        try compute.deliverInputKey(id, provider, hex"5341484b01") {} catch {} // unsealed, late, twice...
    }

    function _params(uint96 pay, uint96 extra, bool replicated, uint8 kinds)
        internal
        view
        returns (ComputeMarket.JobParams memory q)
    {
        q.modelCid = "bafkreimodel";
        q.inputCid = "bafkreiinput";
        q.encryptionKey = abi.encodePacked(keccak256("x"), keccak256("y"));
        q.kinds = kinds % 15 + 1;
        q.replicas = replicated ? 2 : 1;
        q.payment = uint96(pay % 100e18) + 1;
        q.collateral = q.payment + uint96(extra % 100e18);
        q.expiresAt = uint40(block.timestamp + 6 hours);
        q.deadline = uint40(block.timestamp + 1 days);
        q.window = 1 hours;
    }

    function _jobStatus(uint256 id) internal view returns (uint8) {
        return uint8(compute.getJob(id).status);
    }

    /// @dev Some job of the given status, starting the search at `seed`; 0 if none.
    function _jobIn(uint256 seed, ComputeMarket.JobStatus status) internal view returns (uint256) {
        return _pick(jobs, seed, _jobStatus, uint8(status));
    }

    function cancel(uint256 jSeed) external {
        uint256 id = _jobIn(jSeed, ComputeMarket.JobStatus.Open);
        if (id == 0) return;
        vm.prank(compute.getJob(id).requester);
        compute.cancelJob(id);
    }

    function expire(uint256 jSeed) external {
        uint256 id = _jobIn(jSeed, ComputeMarket.JobStatus.Open);
        if (id == 0) return;
        uint256 at = compute.getJob(id).expiresAt;
        if (block.timestamp < at) vm.warp(at);
        compute.expireJob(id);
    }

    function accept(uint256 seed, uint256 jSeed) external {
        uint256 id = _jobIn(jSeed, ComputeMarket.JobStatus.Open);
        if (id == 0) return;
        vm.prank(_actor(seed));
        try compute.acceptJob(id) {} catch {} // hardware, stake, own job or expiry may refuse
    }

    /// @dev A replica of a running replicated job commits, honestly or not.
    function commit(uint256 jSeed, bool honest) external {
        uint256 id = _jobIn(jSeed, ComputeMarket.JobStatus.Running);
        if (id == 0 || compute.getJob(id).replicas != 2) return;
        ComputeMarket.Run[2] memory runs = compute.getRuns(id);
        uint256 i = runs[jSeed % 2].status == ComputeMarket.RunStatus.Accepted ? jSeed % 2 : 1 - jSeed % 2;
        if (runs[i].status != ComputeMarket.RunStatus.Accepted) return;
        bytes32 result = honest ? OUT : keccak256(abi.encode(jSeed));
        committed[id][runs[i].provider] = result;
        vm.prank(runs[i].provider);
        try compute.commitResult(id, keccak256(abi.encode(id, runs[i].provider, result, SALT))) {} catch {}
    }

    function reveal(uint256 jSeed) external {
        uint256 id = _jobIn(jSeed, ComputeMarket.JobStatus.Running);
        if (id == 0 || compute.getJob(id).replicas != 2) return;
        ComputeMarket.Run[2] memory runs = compute.getRuns(id);
        for (uint256 i; i < 2; ++i) {
            if (runs[i].status != ComputeMarket.RunStatus.Committed) continue;
            vm.prank(runs[i].provider);
            try compute.revealResult(id, committed[id][runs[i].provider], SALT) {} catch {} // too early / late
            return;
        }
    }

    /// @dev Single job: the provider submits. Agreed replicated job: a replica delivers.
    function submit(uint256 jSeed) external {
        uint256 id = _jobIn(jSeed, ComputeMarket.JobStatus.Agreed);
        if (id == 0) id = _jobIn(jSeed, ComputeMarket.JobStatus.Running);
        if (id == 0) return;
        ComputeMarket.Job memory j = compute.getJob(id);
        ComputeMarket.Run[2] memory runs = compute.getRuns(id);
        uint256 i = j.replicas == 2 && runs[0].status != ComputeMarket.RunStatus.Revealed ? 1 : 0;
        if (j.status == ComputeMarket.JobStatus.Running && j.replicas == 2) return;
        uint256 before = compute.balances(runs[i].provider);
        vm.prank(runs[i].provider);
        try compute.submitResult(id, "bafkreienvelope", j.replicas == 2 ? j.resultHash : OUT) {
            ghostPaid += compute.balances(runs[i].provider) - before;
        } catch {} // past the deadline
    }

    function challenge(uint256 jSeed) external {
        uint256 id = _jobIn(jSeed, ComputeMarket.JobStatus.Submitted);
        if (id == 0) return;
        vm.prank(compute.getJob(id).requester);
        try compute.challenge(id, "bafkreiwhy") {} catch {} // window closed
    }

    function resolve(uint256 jSeed, bool providerWins) external {
        uint256 id = _jobIn(jSeed, ComputeMarket.JobStatus.Challenged);
        if (id == 0) return;
        vm.prank(arbiter);
        try compute.resolve(id, providerWins, "") {
            if (providerWins) ghostPaid += compute.getJob(id).payment;
        } catch {} // past ruleBy
    }

    function finalize(uint256 jSeed, bool challenged) external {
        ComputeMarket.JobStatus s = challenged ? ComputeMarket.JobStatus.Challenged : ComputeMarket.JobStatus.Submitted;
        uint256 id = _jobIn(jSeed, s);
        if (id == 0) return;
        ComputeMarket.Job memory j = compute.getJob(id);
        _warpPast(challenged ? j.ruleBy : uint256(j.resultAt) + j.window);
        compute.finalizeJob(id);
        ghostPaid += j.payment;
    }

    function timeout(uint256 jSeed, bool agreed) external {
        ComputeMarket.JobStatus s = agreed ? ComputeMarket.JobStatus.Agreed : ComputeMarket.JobStatus.Running;
        uint256 id = _jobIn(jSeed, s);
        if (id == 0) return;
        ComputeMarket.Job memory j = compute.getJob(id);
        _warpPast(uint256(j.deadline) + 2 * uint256(j.window));
        compute.claimTimeout(id);
    }

    function unbond(uint256 seed, uint96 amount) external {
        address who = _actor(seed);
        ComputeMarket.Provider memory p = compute.getProvider(who);
        if (p.stake == 0 || p.openRuns != 0) return;
        vm.prank(who);
        compute.requestUnbond(uint96(amount % p.stake) + 1);
    }

    /// @dev Shortcut to the deep states: two other actors take a fresh replicated job (or a single
    ///      one), and run it to agreement or disagreement (or to a submitted result) in one call.
    function runJob(uint256 seed, bool replicated, bool honest) external {
        uint256 r = seed % 4;
        address[2] memory runners = [_actor(r + 1), _actor(r + 2)];
        for (uint256 k; k < 2; ++k) {
            if (!compute.getProvider(runners[k]).registered) this.register(r + 1 + k, 0, 14);
            vm.prank(runners[k]);
            compute.updateSpec("bafkreispec", 15, 8192);
            vm.prank(runners[k]);
            compute.addStake(200e18); // covers the collateral whatever the walk locked
        }
        this.post(seed, uint96(seed >> 8), uint96(seed >> 104), replicated, 14);
        uint256 id = jobs[jobs.length - 1];
        for (uint256 k; k < (replicated ? 2 : 1); ++k) {
            vm.prank(runners[k]);
            compute.acceptJob(id);
        }
        if (!replicated) {
            vm.prank(runners[0]);
            compute.submitResult(id, "bafkreienvelope", OUT);
            return;
        }
        bytes32[2] memory results = [OUT, honest ? OUT : keccak256(abi.encode(seed))];
        for (uint256 k; k < 2; ++k) {
            committed[id][runners[k]] = results[k];
            vm.prank(runners[k]);
            compute.commitResult(id, keccak256(abi.encode(id, runners[k], results[k], SALT)));
        }
        for (uint256 k; k < 2; ++k) {
            vm.prank(runners[k]);
            compute.revealResult(id, results[k], SALT);
        }
    }

    function withdrawStake(uint256 seed) external {
        vm.prank(_actor(seed));
        try compute.withdrawStake() {} catch {} // nothing unbonding, or not yet
    }

    function withdraw(uint256 seed) external {
        vm.prank(_actor(seed));
        try compute.withdraw() {} catch {} // nothing owed
    }

    /// @dev End every job by its own rules, unbond and withdraw everything.
    function settleAll() external {
        vm.warp(block.timestamp + 40 days);
        for (uint256 i; i < jobs.length; ++i) {
            uint256 id = jobs[i];
            ComputeMarket.JobStatus s = compute.getJob(id).status;
            if (s == ComputeMarket.JobStatus.Open) {
                compute.expireJob(id);
            } else if (s == ComputeMarket.JobStatus.Running || s == ComputeMarket.JobStatus.Agreed) {
                compute.claimTimeout(id);
            } else if (s == ComputeMarket.JobStatus.Submitted || s == ComputeMarket.JobStatus.Challenged) {
                ghostPaid += compute.getJob(id).payment;
                compute.finalizeJob(id);
            }
        }
        for (uint256 a; a < 4; ++a) {
            address who = actors[a];
            uint96 stake = compute.getProvider(who).stake;
            vm.startPrank(who);
            if (stake != 0) compute.requestUnbond(stake);
            if (compute.balances(who) != 0) compute.withdraw();
            vm.stopPrank();
        }
        vm.warp(block.timestamp + 31 days);
        for (uint256 a; a < 4; ++a) {
            if (compute.getProvider(actors[a]).unbonding == 0) continue;
            vm.prank(actors[a]);
            compute.withdrawStake();
        }
    }
}

contract ComputeInvariantsTest is InvariantSuite {
    ComputeHandler handler;

    function setUp() public {
        deploySystem();
        setUpActors("c", 1e30, spenders(address(compute)));
        handler = new ComputeHandler(compute, arbiter, actors);

        bytes4[] memory selectors = new bytes4[](20);
        selectors[0] = InvariantHandlerBase.warp.selector;
        selectors[1] = ComputeHandler.register.selector;
        selectors[2] = ComputeHandler.addStake.selector;
        selectors[3] = ComputeHandler.post.selector;
        selectors[4] = ComputeHandler.cancel.selector;
        selectors[5] = ComputeHandler.expire.selector;
        selectors[6] = ComputeHandler.accept.selector;
        selectors[7] = ComputeHandler.commit.selector;
        selectors[8] = ComputeHandler.reveal.selector;
        selectors[9] = ComputeHandler.submit.selector;
        selectors[10] = ComputeHandler.challenge.selector;
        selectors[11] = ComputeHandler.resolve.selector;
        selectors[12] = ComputeHandler.finalize.selector;
        selectors[13] = ComputeHandler.timeout.selector;
        selectors[14] = ComputeHandler.unbond.selector;
        selectors[15] = ComputeHandler.withdrawStake.selector;
        selectors[16] = ComputeHandler.withdraw.selector;
        selectors[17] = ComputeHandler.runJob.selector;
        selectors[18] = ComputeHandler.postSealed.selector;
        selectors[19] = ComputeHandler.deliverKey.selector;
        target(address(handler), selectors);
    }

    function _live(ComputeMarket.RunStatus s) internal pure returns (bool) {
        return s == ComputeMarket.RunStatus.Accepted || s == ComputeMarket.RunStatus.Committed
            || s == ComputeMarket.RunStatus.Revealed;
    }

    function _ended(ComputeMarket.JobStatus s) internal pure returns (bool) {
        return s == ComputeMarket.JobStatus.Completed || s == ComputeMarket.JobStatus.Slashed
            || s == ComputeMarket.JobStatus.Disagreed || s == ComputeMarket.JobStatus.Cancelled
            || s == ComputeMarket.JobStatus.Expired;
    }

    /// @dev What a job must still hold: the payment of every replica not yet paid, refunded or
    ///      slashed, plus the bond of a pending challenge; nothing once it has ended.
    function _expectedEscrow(uint256 id) internal view returns (uint256 owed) {
        ComputeMarket.Job memory j = compute.getJob(id);
        if (_ended(j.status)) return 0;
        ComputeMarket.Run[2] memory runs = compute.getRuns(id);
        uint256 settled;
        for (uint256 i; i < j.replicas; ++i) {
            if (runs[i].status >= ComputeMarket.RunStatus.Paid) settled++;
        }
        owed = uint256(j.payment) * (j.replicas - settled);
        if (j.status == ComputeMarket.JobStatus.Challenged) owed += j.bond;
    }

    function invariant_computeAccounting() public view {
        assertEq(token.totalSupply(), supply, "minted or burnt");
        uint256 owed;
        uint256[4] memory lockedOf;
        uint256[4] memory runsOf;
        for (uint256 k; k < handler.jobCount(); ++k) {
            uint256 id = handler.jobs(k);
            ComputeMarket.Job memory j = compute.getJob(id);
            assertEq(j.escrow, _expectedEscrow(id), "job escrow");
            owed += j.escrow;
            ComputeMarket.Run[2] memory runs = compute.getRuns(id);
            for (uint256 i; i < 2; ++i) {
                if (!_live(runs[i].status)) continue;
                for (uint256 a; a < 4; ++a) {
                    if (runs[i].provider != actors[a]) continue;
                    lockedOf[a] += j.collateral;
                    runsOf[a] += 1;
                }
            }
        }
        for (uint256 a; a < 4; ++a) {
            ComputeMarket.Provider memory p = compute.getProvider(actors[a]);
            // stake never below the collateral of open jobs: locked is exactly that collateral
            assertEq(p.locked, lockedOf[a], "locked != open collateral");
            assertEq(p.openRuns, runsOf[a], "open runs");
            owed += uint256(p.stake) + p.locked + p.unbonding + compute.balances(actors[a]);
        }
        // the market holds exactly what it owes: stakes, credits and live escrow
        assertEq(token.balanceOf(address(compute)), owed, "compute balance");
        assertLe(handler.ghostPaid(), handler.ghostPosted(), "paid more than posted");
    }

    /// @dev After each run: every escrow, bond and stake ends paid or refunded.
    function afterInvariant() external {
        handler.settleAll();
        assertEq(token.balanceOf(address(compute)), 0, "compute not settled");
        uint256 held;
        for (uint256 a; a < 4; ++a) {
            held += token.balanceOf(actors[a]);
        }
        assertEq(held, 4e30, "actors' tokens not conserved");
    }

    /// @dev The handler really reaches every flow (guards against a vacuous invariant run).
    function test_handlerExercisesEveryFlow() public {
        for (uint256 a; a < 4; ++a) {
            handler.register(a, 0, 14); // kinds 14 % 15 + 1: every kind
        }
        handler.post(0, 10e18, 0, false, 1); // 1: single, will be challenged and ruled
        handler.post(0, 10e18, 0, false, 1); // 2: single, challenged and unruled
        handler.post(0, 10e18, 5e18, true, 1); // 3: replicated, agrees
        handler.post(0, 10e18, 5e18, true, 1); // 4: replicated, disagrees
        handler.post(1, 1e18, 0, false, 1); // 5: expires
        handler.post(1, 1e18, 0, false, 1); // 6: cancelled
        handler.post(2, 1e18, 0, false, 1); // 7: times out
        handler.accept(1, 0);
        handler.accept(2, 1);
        handler.accept(1, 2);
        handler.accept(2, 2);
        handler.accept(1, 3);
        handler.accept(3, 3);
        handler.accept(3, 6);
        handler.commit(2, true);
        handler.commit(2, true);
        handler.commit(3, true);
        handler.commit(3, false);
        handler.reveal(2);
        handler.reveal(2);
        handler.reveal(3);
        handler.reveal(3);
        handler.submit(2);
        handler.submit(2);
        handler.submit(0);
        handler.submit(1);
        handler.challenge(0);
        handler.challenge(1);
        handler.resolve(0, false);
        handler.cancel(5);
        handler.expire(4);
        handler.timeout(6, false);
        handler.finalize(1, true);
        ComputeMarket.JobStatus[7] memory want = [
            ComputeMarket.JobStatus.Slashed,
            ComputeMarket.JobStatus.Completed,
            ComputeMarket.JobStatus.Completed,
            ComputeMarket.JobStatus.Disagreed,
            ComputeMarket.JobStatus.Expired,
            ComputeMarket.JobStatus.Cancelled,
            ComputeMarket.JobStatus.Slashed
        ];
        for (uint256 i; i < 7; ++i) {
            assertEq(uint256(compute.getJob(i + 1).status), uint256(want[i]), "flow");
        }
        handler.runJob(0, true, true);
        handler.runJob(1, true, false);
        handler.runJob(2, false, true);
        assertEq(uint256(compute.getJob(8).status), uint256(ComputeMarket.JobStatus.Agreed), "shortcut agrees");
        assertEq(uint256(compute.getJob(9).status), uint256(ComputeMarket.JobStatus.Disagreed), "shortcut differs");
        assertEq(uint256(compute.getJob(10).status), uint256(ComputeMarket.JobStatus.Submitted), "shortcut single");
        handler.withdraw(0);
        handler.unbond(1, 1e18);
        handler.withdrawStake(1);
        invariant_computeAccounting();
        this.afterInvariant();
    }
}
