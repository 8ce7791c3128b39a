// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {InvariantSuite} from "./utils/InvariantSuite.sol";
import {InvariantHandlerBase} from "./utils/InvariantHandlerBase.sol";
import {TaskBoard} from "../src/TaskBoard.sol";

/// @dev Random TaskBoard flows, disputes included, for the invariant test below. Every call that
///      is expected to succeed must succeed (fail_on_revert).
contract BoardHandler is InvariantHandlerBase {
    TaskBoard public board;
    address public arbiter;
    uint256[] public campaigns;
    // open submissions (Submitted, Reviewed or Disputed): labeler and pool index
    address[] internal whos;
    uint24[] internal subs;
    mapping(bytes32 => bool) public settled; // (labeler, campaign, batch) settled before
    bool public paidTwice;
    mapping(uint256 campaignId => uint256) public ghostAccepted; // non-self accepted items

    constructor(TaskBoard board_, address arbiter_, address[4] memory actors_) InvariantHandlerBase(actors_, 3 days) {
        (board, arbiter) = (board_, arbiter_);
    }

    function campaignCount() external view returns (uint256) {
        return campaigns.length;
    }

    function create(uint256 seed, uint16 items, uint72 reward) external {
        TaskBoard.CampaignParams memory p;
        p.manifestCid = "bafkreimanifest";
        p.itemCount = uint32(items % 100) + 1;
        p.redundancy = uint8(seed % 3) + 1;
        p.batchSize = uint16(seed >> 8) % 10 + 1;
        p.rewardPerItem = reward % 1e18 + 1;
        p.claimTtl = 1 hours;
        p.reviewWindow = 1 days;
        vm.prank(_actor(seed));
        campaigns.push(board.createCampaign(p));
    }

    function claimAndSubmit(uint256 seed, uint256 c) external {
        if (campaigns.length == 0) return;
        address who = _actor(seed);
        vm.startPrank(who);
        try board.claimBatch(campaigns[c % campaigns.length]) returns (uint8 slot, uint32) {
            subs.push(board.submitBatch(slot, "bafkreiresult", bytes32(seed)));
            whos.push(who);
        } catch {}
        vm.stopPrank();
    }

    /// @dev Move one open submission one step on: review, dispute, rule, expire or settle.
    function step(uint256 seed, uint16 count) external {
        uint256 n = subs.length;
        if (n == 0) return;
        uint256 k = seed % n;
        (address who, uint24 i) = (whos[k], subs[k]);
        TaskBoard.Submission memory s = board.getSubmission(who, i);
        TaskBoard.Campaign memory c = board.getCampaign(s.campaignId);
        bool done;
        if (s.status == TaskBoard.SubmissionStatus.Submitted) {
            uint16 accepted = uint16(count % (s.items + 1));
            if ((seed >> 8) % 4 == 3) {
                vm.warp(uint256(s.time) + c.reviewWindow + 1);
                board.finalize(who, i, s.campaignId, s.batch);
                accepted = s.items;
            } else {
                vm.prank(c.requester);
                board.reviewBatch(TaskBoard.Review(who, i, s.campaignId, s.batch, accepted), "");
            }
            if (who != c.requester) ghostAccepted[s.campaignId] += accepted;
            done = accepted == s.items;
        } else if (s.status == TaskBoard.SubmissionStatus.Reviewed) {
            if ((seed >> 8) % 2 == 0 && block.timestamp <= uint256(s.time) + board.disputeWindow()) {
                vm.prank(who);
                board.dispute(i, s.campaignId, s.batch);
            } else {
                vm.warp(uint256(s.time) + board.disputeWindow() + 1);
                board.settleReview(who, i, s.campaignId, s.batch);
                done = true;
            }
        } else {
            uint16 rejected = s.items - s.accepted;
            uint16 awarded;
            if ((seed >> 8) % 2 == 0) {
                awarded = uint16(count % (rejected + 1));
                vm.prank(arbiter);
                board.rule(who, i, s.campaignId, s.batch, awarded);
            } else {
                vm.warp(uint256(s.time) + board.arbiterWindow() + 1);
                board.resolveExpired(who, i, s.campaignId, s.batch);
                awarded = rejected;
            }
            if (who != c.requester) ghostAccepted[s.campaignId] += awarded;
            done = true;
        }
        if (done) {
            bytes32 key = keccak256(abi.encode(who, s.campaignId, s.batch));
            if (settled[key]) paidTwice = true;
            settled[key] = true;
            (whos[k], subs[k]) = (whos[n - 1], subs[n - 1]);
            whos.pop();
            subs.pop();
        }
    }

    function closeAndWithdraw(uint256 seed, uint256 c) external {
        address who = _actor(seed);
        if (campaigns.length != 0) {
            uint256 cid = campaigns[c % campaigns.length];
            vm.prank(board.getCampaign(cid).requester);
            try board.close(cid) {} catch {}
        }
        vm.prank(who);
        try board.withdraw() {} catch {}
    }

    /// @dev Drive everything open to its end, close every campaign, withdraw everything.
    function settleAll() external {
        while (subs.length != 0) this.step(uint256(keccak256(abi.encode(subs.length))), 3);
        _closeCampaigns(board, campaigns);
        _withdrawEarnings(board);
    }
}

/// @dev TaskBoard's own invariants: tokens conserved (the board holds exactly escrow + credited
///      earnings + bonds), no submission settled twice, accepted counts consistent with what was
///      decided, and after every run every escrow ends paid or refunded.
contract BoardInvariantsTest is InvariantSuite {
    BoardHandler handler;

    function setUp() public {
        deploySystem();
        setUpActors("actor", 1_000_000e18, spenders(address(board)));
        handler = new BoardHandler(board, arbiter, actors);
        bytes4[] memory selectors = new bytes4[](5);
        selectors[0] = BoardHandler.create.selector;
        selectors[1] = BoardHandler.claimAndSubmit.selector;
        selectors[2] = BoardHandler.step.selector;
        selectors[3] = BoardHandler.closeAndWithdraw.selector;
        selectors[4] = InvariantHandlerBase.warp.selector;
        target(address(handler), selectors);
    }

    function _held() internal view returns (uint256 sum) {
        for (uint256 i; i < handler.campaignCount(); ++i) sum += board.getCampaign(handler.campaigns(i)).escrow;
        for (uint256 a; a < 4; ++a) sum += board.getLabeler(actors[a]).earnings;
        sum += board.bondsHeld();
    }

    function invariant_board() public view {
        // tokens conserved: the actors and the board hold what was minted; the board exactly its debts
        uint256 total = token.balanceOf(address(board));
        for (uint256 a; a < 4; ++a) total += token.balanceOf(actors[a]);
        assertEq(total, supply, "tokens conserved");
        assertEq(token.balanceOf(address(board)), _held(), "board holds escrow + earnings + bonds");
        assertFalse(handler.paidTwice(), "a submission settled twice");
        // accepted counts: per campaign, the record equals what reviews, finalize and rulings decided
        for (uint256 i; i < handler.campaignCount(); ++i) {
            uint256 cid = handler.campaigns(i);
            uint256 sum;
            for (uint256 a; a < 4; ++a) sum += board.acceptedItems(cid, actors[a]);
            assertEq(sum, board.totalAcceptedItems(cid), "sum of accepted counts");
            assertEq(sum, handler.ghostAccepted(cid), "accepted as decided");
            TaskBoard.Campaign memory c = board.getCampaign(cid);
            assertLe(sum, uint256(c.itemCount) * c.redundancy, "accepted within capacity");
        }
    }

    /// @dev After each run: every escrow ends paid or refunded, every campaign settled.
    function afterInvariant() external {
        handler.settleAll();
        assertEq(token.balanceOf(address(board)), 0, "board not settled");
        for (uint256 i; i < handler.campaignCount(); ++i) assertTrue(board.isSettled(handler.campaigns(i)));
    }

    /// @dev The handler reaches every path (guards against a vacuous run).
    function test_handlerReachesDisputes() public {
        handler.create(0, 9, 1e18); // actor 0, redundancy 1, batch 1
        for (uint256 i = 1; i < 4; ++i) handler.claimAndSubmit(i, 0);
        handler.step(0, 0); // review: reject all
        handler.step(0, 0); // dispute
        handler.step(0, 0); // rule: award 0
        handler.step(3 << 8, 0); // finalize
        handler.step(0, 0); // review: reject all
        handler.step(1 << 8, 0); // settle after the window
        assertGt(board.requesterRecord(actors[0]).disputesWon, 0);
        invariant_board();
        this.afterInvariant();
    }
}
