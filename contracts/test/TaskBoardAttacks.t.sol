// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {BoardFixture} from "./utils/BoardFixture.sol";
import {TaskBoard} from "../src/TaskBoard.sol";

/// @dev The audit's attacks on TaskBoard, each performed and shown not to profit: a stale review
///      landing on another submission, reputation farmed on one's own (or a sybil's) cheap
///      campaign, and a lone labeler stopped by reviews that have not come yet.
contract TaskBoardAttacksTest is BoardFixture {
    function setUp() public {
        setUpBoard();
    }

    /// @dev A review signed for submission A is mined after A was finalized and the labeler's
    ///      pool entry reused for submission B (junk): it reverts and B gets no verdict.
    function test_staleReview_neverReachesTheNextSubmission() public {
        uint256 cid = _create(100, 1, 10);
        (uint8 slot,) = _claim(l1, cid);
        uint24 a = _submit(l1, slot);
        TaskBoard.Review memory forA = _ref(l1, a, 10); // the requester signs "accept all of A"
        vm.warp(block.timestamp + 1 days + 1);
        _finalize(l1, a); // A settles first (finalize, or another review of it)
        (slot,) = _claim(l1, cid);
        uint24 b = _submit(l1, slot); // junk
        assertEq(b, a, "the pool entry is reused");
        uint256 before = board.getLabeler(l1).earnings;
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NotSubmitted.selector, l1, a));
        vm.prank(requester);
        board.reviewBatch(forA, "");
        assertEq(board.getLabeler(l1).earnings, before);
        TaskBoard.Submission memory e = board.getSubmission(l1, b);
        assertEq(uint256(e.status), uint256(TaskBoard.SubmissionStatus.Submitted));
        assertEq(e.batch, 1);
        _review(l1, b, 0); // the requester's real verdict on B
        assertEq(board.getLabeler(l1).earnings, before);
    }

    /// @dev The same race inside a round of reviews: the round reverts as a whole.
    function test_staleReview_inARoundRevertsTheRound() public {
        uint256 cid = _create(100, 1, 10);
        (uint8 slot,) = _claim(l1, cid);
        TaskBoard.Review[] memory round = new TaskBoard.Review[](1);
        round[0] = _ref(l1, _submit(l1, slot), 10);
        vm.prank(requester);
        board.reviewBatches(round, "");
        (slot,) = _claim(l1, cid);
        _submit(l1, slot); // reuses the entry the round named
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NotSubmitted.selector, l1, round[0].submission));
        vm.prank(requester);
        board.reviewBatches(round, "");
    }

    /// @dev A labeler labels and accepts its own 1-wei campaign: paid back its own wei, but no
    ///      reputation, no accepted items on record, nothing on its requester record.
    function test_farming_selfReviewCountsNowhere() public {
        fundAndApprove(l1, address(board), 1_000);
        vm.prank(l1);
        uint256 own = board.createCampaign(campaignParams(1_000, 1, 1, 100));
        for (uint256 i; i < 10; ++i) _labelOne(l1, own, 100);
        assertEq(board.getLabeler(l1).earnings, 1_000); // its own escrow back
        assertEq(board.getLabeler(l1).acceptedItems, 0);
        assertEq(board.acceptedItems(own, l1), 0);
        assertEq(board.totalAcceptedItems(own), 0);
        assertEq(board.requesterRecord(l1).acceptedItems, 0);
        uint256 gated = _gated(10);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.ReputationTooLow.selector, 0, 10));
        _claim(l1, gated);
    }

    /// @dev With a sybil requester the 1-wei campaign still yields no reputation (below the
    ///      minimum reward that counts), though the sybil's record of accepted work is kept.
    function test_farming_sybilCheapCampaignGivesNoReputation() public {
        address sybil = makeAddr("sybil");
        fundAndApprove(sybil, address(board), 1_000);
        vm.prank(sybil);
        uint256 cheap = board.createCampaign(campaignParams(1_000, 1, 1, 100));
        for (uint256 i; i < 10; ++i) _labelOne(l1, cheap, 100);
        assertEq(board.getLabeler(l1).acceptedItems, 0);
        assertEq(board.acceptedItems(cheap, l1), 1_000); // royalties still follow real work
        uint256 gated = _gated(10);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.ReputationTooLow.selector, 0, 10));
        _claim(l1, gated);
        // reputation only comes from campaigns that escrow real value per item
        uint72 min = board.reputationMinReward();
        fundAndApprove(sybil, address(board), 10 * uint256(min));
        vm.prank(sybil);
        uint256 paying = board.createCampaign(campaignParams(10, min, 1, 10));
        _labelOne(l1, paying, 10);
        assertEq(board.getLabeler(l1).acceptedItems, 10);
        _claim(l1, gated);
    }

    /// @dev A lone labeler submits 20 batches that nobody reviews and still claims a 21st; once
    ///      reviews come, the pool's entries are reused (no fresh storage in steady state).
    function test_loneLabeler_keepsClaimingWithoutReviews() public {
        uint256 cid = _create(1_000, 1, 10);
        uint24[] memory subs = new uint24[](20);
        (uint8 slot,) = _claim(l1, cid);
        for (uint256 i; i < 20; ++i) {
            vm.prank(l1);
            (slot,) = board.submitAndClaim(slot, RESULT, ROOT);
            subs[i] = uint24(i);
        }
        assertEq(board.getLabeler(l1).poolSize, 20);
        (uint8 slot22, uint32 batch22) = _claim(l1, cid); // the 22nd batch, a second claim
        assertEq(slot22, 1);
        assertEq(batch22, 21);
        for (uint256 i; i < 20; ++i) _review(l1, subs[i], 10);
        assertEq(board.getLabeler(l1).earnings, 200e18);
        uint24 reused = _submit(l1, slot22);
        assertEq(reused, 19, "the last settled entry is reused first");
        assertEq(board.getLabeler(l1).poolSize, 20);
    }

    function _gated(uint48 minReputation) internal returns (uint256) {
        TaskBoard.CampaignParams memory p = campaignParams(100, REWARD, 1, 10);
        p.minReputation = minReputation;
        vm.prank(requester);
        return board.createCampaign(p);
    }
}
