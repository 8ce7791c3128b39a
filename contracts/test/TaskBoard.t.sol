// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {BoardFixture} from "./utils/BoardFixture.sol";
import {TaskBoard} from "../src/TaskBoard.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

contract TaskBoardTest is BoardFixture {
    mapping(uint256 => mapping(address => bool)) got; // batch => labeler => claimed before
    mapping(uint256 => uint256) timesClaimed;
    address[] pendingWho; // fuzz: submissions awaiting review
    uint24[] pendingSub;

    function setUp() public {
        setUpBoard();
    }

    // ------------------------------------------------------------------ create
    function test_create_escrowsReward() public {
        TaskBoard.CampaignParams memory p = campaignParams(1_000, REWARD, 2, 50);
        vm.expectEmit(address(board));
        emit TaskBoard.CampaignCreated(1, requester, p);
        vm.prank(requester);
        uint256 cid = board.createCampaign(p);
        assertEq(cid, 1);
        assertEq(token.balanceOf(address(board)), 2_000e18);
        TaskBoard.Campaign memory c = board.getCampaign(cid);
        assertEq(c.escrow, 2_000e18);
        assertEq(c.batchCount, 20);
        assertEq(c.requester, requester);
        assertEq(c.goldSetHash, p.goldSetHash);
        assertEq(uint256(c.status), uint256(TaskBoard.CampaignStatus.Open));
        assertEq(board.batchesAvailable(cid), 40);
        assertEq(board.escrowFor(1_000, 2, REWARD), 2_000e18);
    }

    function test_createWithPermit() public {
        (address r2, uint256 k2) = makeKey("requester2");
        fund(r2, 100e18);
        TaskBoard.CampaignParams memory p = campaignParams(100, REWARD, 1, 10);
        (uint8 v, bytes32 r, bytes32 s) = signPermit(k2, address(board), 100e18, block.timestamp + 1);
        vm.prank(r2);
        board.createCampaignWithPermit(p, block.timestamp + 1, v, r, s);
        assertEq(token.balanceOf(r2), 0);
        assertEq(board.getCampaign(1).escrow, 100e18);
    }

    /// @dev Zero terms, and claim TTLs or review windows outside their bounds, are refused.
    function test_create_revertsInvalidParams() public {
        for (uint256 i; i < 10; ++i) {
            TaskBoard.CampaignParams memory p = campaignParams(100, REWARD, 1, 10);
            if (i == 0) p.itemCount = 0;
            if (i == 1) p.rewardPerItem = 0;
            if (i == 2) p.redundancy = 0;
            if (i == 3) p.batchSize = 0;
            if (i == 4) p.claimTtl = 0;
            if (i == 5) p.reviewWindow = 0;
            if (i == 6) p.claimTtl = uint32(board.MIN_CLAIM_TTL() - 1);
            if (i == 7) p.claimTtl = uint32(board.MAX_CLAIM_TTL() + 1);
            if (i == 8) p.reviewWindow = uint32(board.MIN_REVIEW_WINDOW() - 1);
            if (i == 9) p.reviewWindow = uint32(board.MAX_REVIEW_WINDOW() + 1);
            vm.expectRevert(TaskBoard.InvalidParams.selector);
            vm.prank(requester);
            board.createCampaign(p);
        }
        TaskBoard.CampaignParams memory q = campaignParams(type(uint32).max, 1, 2, 1);
        vm.expectRevert(TaskBoard.InvalidParams.selector);
        vm.prank(requester);
        board.createCampaign(q); // items x redundancy must fit the 32-bit item counters
        q = campaignParams(100, REWARD, 1, 10);
        (q.claimTtl, q.reviewWindow) = (uint32(board.MAX_CLAIM_TTL()), uint32(board.MIN_REVIEW_WINDOW()));
        vm.prank(requester);
        board.createCampaign(q); // the bounds themselves are allowed
    }

    function test_constructor_boundsTerms() public {
        for (uint256 i; i < 8; ++i) {
            (address a, uint32 dw, uint32 aw, uint16 bps, uint72 mr) = (admin, 2 days, 7 days, 1_000, 1);
            if (i == 0) a = address(0);
            if (i == 1) dw = uint32(board.MIN_DISPUTE_WINDOW() - 1);
            if (i == 2) dw = uint32(board.MAX_DISPUTE_WINDOW() + 1);
            if (i == 3) aw = uint32(board.MIN_ARBITER_WINDOW() - 1);
            if (i == 4) aw = uint32(board.MAX_ARBITER_WINDOW() + 1);
            if (i == 5) bps = uint16(board.MIN_BOND_BPS() - 1);
            if (i == 6) bps = uint16(board.MAX_BOND_BPS() + 1);
            if (i == 7) mr = 0;
            vm.expectRevert(TaskBoard.InvalidParams.selector);
            new TaskBoard(token, a, arbiter, dw, aw, bps, mr);
        }
        TaskBoard b = new TaskBoard(token, admin, address(0), 2 days, 7 days, 1_000, 1);
        assertFalse(b.hasRole(b.ARBITER_ROLE(), address(0)));
        assertTrue(board.hasRole(board.ARBITER_ROLE(), arbiter));
        assertTrue(board.hasRole(board.DEFAULT_ADMIN_ROLE(), admin));
    }

    function test_create_revertsInvalidManifest() public {
        TaskBoard.CampaignParams memory p = campaignParams(100, REWARD, 1, 10);
        p.manifestCid = "";
        vm.expectRevert(TaskBoard.InvalidCid.selector);
        vm.prank(requester);
        board.createCampaign(p);
        p.manifestCid = string(new bytes(129));
        vm.expectRevert(TaskBoard.InvalidCid.selector);
        vm.prank(requester);
        board.createCampaign(p);
    }

    function test_create_revertsEscrowOverflow() public {
        TaskBoard.CampaignParams memory p = campaignParams(1 << 24, type(uint72).max, 255, 65_535);
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 96, board.escrowFor(1 << 24, 255, type(uint72).max)));
        vm.prank(requester);
        board.createCampaign(p);
    }

    function test_create_revertsWithoutAllowance() public {
        TaskBoard.CampaignParams memory p = campaignParams(100, REWARD, 1, 10);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(board), 0, 100e18)
        );
        vm.prank(stranger);
        board.createCampaign(p);
    }

    // ------------------------------------------------------------------ claim
    function test_claim_handsOutRangesInOrder() public {
        uint256 cid = _create(105, 1, 50);
        vm.expectEmit(address(board));
        emit TaskBoard.BatchClaimed(cid, l1, 0, 0, uint40(block.timestamp + 1 hours));
        (uint8 s0, uint32 b0) = _claim(l1, cid);
        (uint8 s1, uint32 b1) = _claim(l1, cid);
        (uint8 s2, uint32 b2) = _claim(l2, cid);
        assertEq(s0, 0);
        assertEq(s1, 1);
        assertEq(s2, 0);
        assertEq(b0, 0);
        assertEq(b1, 1);
        assertEq(b2, 2);
        TaskBoard.Slot memory sl = board.getSlot(l2, 0);
        assertEq(sl.items, 5); // last batch is short
        assertEq(sl.campaignId, cid);
        assertEq(uint256(sl.status), uint256(TaskBoard.SlotStatus.Claimed));
        (uint32 first, uint16 n) = board.batchRange(cid, 2);
        assertEq(first, 100);
        assertEq(n, 5);
        (first, n) = board.batchRange(cid, 3);
        assertEq(n, 0);
        assertEq(board.getCampaign(cid).openItems, 105);
        assertEq(board.getLabeler(l1).openMask, 3);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NoBatchAvailable.selector, cid));
        _claim(l3, cid);
        assertEq(board.batchesAvailable(cid), 0);
    }

    function test_claim_revertsCampaignNotOpen() public {
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.CampaignNotOpen.selector, 9));
        _claim(l1, 9);
        uint256 cid = _create(10, 1, 5);
        vm.prank(requester);
        board.close(cid);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.CampaignNotOpen.selector, cid));
        _claim(l1, cid);
    }

    function test_claim_reputationGate() public {
        TaskBoard.CampaignParams memory p = campaignParams(100, REWARD, 1, 10);
        p.minReputation = 10;
        vm.prank(requester);
        uint256 gated = board.createCampaign(p);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.ReputationTooLow.selector, 0, 10));
        _claim(l1, gated);
        // earn reputation on an open campaign
        uint256 open = _create(10, 1, 10);
        _labelOne(l1, open, 10);
        assertEq(board.getLabeler(l1).acceptedItems, 10);
        _claim(l1, gated);
    }

    /// @dev 16 claims at once is the limit; submitting one (no review needed) frees its slot.
    function test_claim_revertsNoFreeSlot() public {
        uint256 cid = _create(100, 1, 1);
        for (uint256 i; i < 16; ++i) _claim(l1, cid);
        vm.expectRevert(TaskBoard.NoFreeSlot.selector);
        _claim(l1, cid);
        _submit(l1, 3);
        (uint8 again,) = _claim(l1, cid);
        assertEq(again, 3); // slots are reused
    }

    // ------------------------------------------------------------------ submit
    function test_submit() public {
        uint256 cid = _create(100, 1, 50);
        (uint8 s, uint32 b) = _claim(l1, cid);
        vm.warp(block.timestamp + 10);
        vm.expectEmit(address(board));
        emit TaskBoard.BatchSubmitted(cid, l1, b, 0, RESULT, ROOT);
        uint24 sub = _submit(l1, s);
        assertEq(uint256(board.getSlot(l1, s).status), uint256(TaskBoard.SlotStatus.Free));
        assertEq(board.getLabeler(l1).openMask, 0);
        TaskBoard.Submission memory e = board.getSubmission(l1, sub);
        assertEq(uint256(e.status), uint256(TaskBoard.SubmissionStatus.Submitted));
        assertEq(e.time, block.timestamp);
        assertEq(e.campaignId, cid);
        assertEq(e.batch, b);
        assertEq(e.items, 50);
        assertEq(board.getCampaign(cid).openItems, 50); // still reserved until reviewed
    }

    function test_submit_reverts() public {
        uint256 cid = _create(100, 1, 50);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NotClaimed.selector, l1, 0));
        _submit(l1, 0);
        (uint8 s,) = _claim(l1, cid);
        vm.expectRevert(TaskBoard.InvalidCid.selector);
        vm.prank(l1);
        board.submitBatch(s, "", ROOT);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.InvalidSlot.selector, 16));
        _submit(l1, 16);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NotClaimed.selector, l2, s));
        _submit(l2, s); // someone else's claim
        _submit(l1, s);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NotClaimed.selector, l1, s));
        _submit(l1, s);
    }

    function test_submitAndClaim() public {
        uint256 cid = _create(100, 1, 50);
        (uint8 s,) = _claim(l1, cid);
        vm.prank(l1);
        (uint8 s2, uint32 b2) = board.submitAndClaim(s, RESULT, ROOT);
        assertEq(s2, 0); // the submitted batch's slot is free again
        assertEq(b2, 1);
        vm.prank(l1);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NoBatchAvailable.selector, cid));
        board.submitAndClaim(s2, RESULT, ROOT);
    }

    // ------------------------------------------------------------------ review / finalize
    function test_review_paysAcceptedAndTracksReputation() public {
        uint256 cid = _create(100, 1, 50);
        (uint8 s, uint32 b) = _claim(l1, cid);
        uint24 sub = _submit(l1, s);
        TaskBoard.Review memory r = _ref(l1, sub, 40);
        vm.expectEmit(address(board));
        emit TaskBoard.BatchReviewed(cid, l1, b, sub, 40, 40e18, false);
        vm.expectEmit(address(board));
        emit TaskBoard.ReviewNote(requester, "bafkreireason");
        vm.prank(requester);
        board.reviewBatch(r, "bafkreireason");
        TaskBoard.Labeler memory l = board.getLabeler(l1);
        assertEq(l.earnings, 40e18);
        assertEq(l.acceptedItems, 40);
        assertEq(l.rejectedItems, 0); // final once the dispute window is over
        TaskBoard.Campaign memory c = board.getCampaign(cid);
        assertEq(c.escrow, 60e18);
        assertEq(c.openItems, 10); // the rejected items stay reserved while disputable
        assertEq(c.acceptedItems, 40);
        assertEq(board.acceptedItems(cid, l1), 40);
        assertEq(board.requesterRecord(requester).acceptedItems, 40);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NotSubmitted.selector, l1, sub));
        vm.prank(requester);
        board.reviewBatch(r, ""); // never twice
        vm.warp(block.timestamp + DISPUTE_WINDOW + 1);
        vm.expectEmit(address(board));
        emit TaskBoard.RejectionSettled(cid, l1, b, sub, 10);
        _settle(l1, sub);
        assertEq(board.getLabeler(l1).rejectedItems, 10);
        assertEq(board.requesterRecord(requester).rejectedItems, 10);
        assertEq(board.getCampaign(cid).openItems, 0);
    }

    function test_reviewBatches() public {
        uint256 cid = _create(200, 1, 50);
        (uint8 a,) = _claim(l1, cid);
        (uint8 b,) = _claim(l1, cid);
        (uint8 c,) = _claim(l2, cid);
        TaskBoard.Review[] memory rs = new TaskBoard.Review[](3);
        rs[0] = _ref(l1, _submit(l1, a), 50);
        rs[1] = _ref(l1, _submit(l1, b), 10);
        rs[2] = _ref(l2, _submit(l2, c), 0);
        vm.expectEmit(address(board));
        emit TaskBoard.ReviewNote(requester, "bafkreiround");
        vm.prank(requester);
        board.reviewBatches(rs, "bafkreiround");
        assertEq(board.getLabeler(l1).earnings, 60e18);
        assertEq(board.getLabeler(l2).earnings, 0);
        TaskBoard.Campaign memory cm = board.getCampaign(cid);
        assertEq(cm.escrow, 140e18);
        assertEq(cm.openItems, 90); // 40 + 50 rejected, disputable
        assertEq(uint256(board.getSubmission(l1, rs[0].submission).status), uint256(TaskBoard.SubmissionStatus.Free));
        assertEq(uint256(board.getSubmission(l1, rs[1].submission).status), uint256(TaskBoard.SubmissionStatus.Reviewed));
        vm.warp(block.timestamp + DISPUTE_WINDOW + 1);
        _settle(l1, rs[1].submission);
        _settle(l2, rs[2].submission);
        assertEq(board.getLabeler(l1).rejectedItems, 40);
        assertEq(board.getLabeler(l2).rejectedItems, 50);
        assertEq(board.getCampaign(cid).openItems, 0);
    }

    function test_reviewBatches_reverts() public {
        uint256 cid = _create(200, 1, 50);
        (uint8 a,) = _claim(l1, cid);
        uint24 sub = _submit(l1, a);
        TaskBoard.Review[] memory rs = new TaskBoard.Review[](1);
        rs[0] = _ref(l1, sub, 0);
        vm.expectRevert(TaskBoard.InvalidCid.selector);
        vm.prank(requester);
        board.reviewBatches(rs, string(new bytes(129)));
        // all or nothing: the second entry (already reviewed) reverts the whole call
        rs = new TaskBoard.Review[](2);
        (rs[0], rs[1]) = (_ref(l1, sub, 0), _ref(l1, sub, 0));
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NotSubmitted.selector, l1, sub));
        vm.prank(requester);
        board.reviewBatches(rs, "");
        assertEq(uint256(board.getSubmission(l1, sub).status), uint256(TaskBoard.SubmissionStatus.Submitted));
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NotRequester.selector, cid, stranger));
        vm.prank(stranger);
        board.reviewBatches(rs, "");
    }

    function test_review_reverts() public {
        uint256 cid = _create(100, 1, 50);
        _claim(l1, cid);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NotSubmitted.selector, l1, 0));
        vm.prank(requester);
        board.reviewBatch(TaskBoard.Review(l1, 0, uint64(cid), 0, 1), "");
        uint24 sub = _submit(l1, 0);
        TaskBoard.Review memory r = _ref(l1, sub, 1);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NotRequester.selector, cid, stranger));
        vm.prank(stranger);
        board.reviewBatch(r, "");
        TaskBoard.Review memory tooMany = _ref(l1, sub, 51);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.TooManyAccepted.selector, 51, 50));
        vm.prank(requester);
        board.reviewBatch(tooMany, "");
        vm.expectRevert(TaskBoard.InvalidCid.selector);
        vm.prank(requester);
        board.reviewBatch(r, string(new bytes(129)));
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NotSubmitted.selector, l1, 200));
        vm.prank(requester);
        board.reviewBatch(TaskBoard.Review(l1, 200, uint64(cid), 0, 1), "");
        r.batch = 1; // the right entry under another batch is not this submission
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NotSubmitted.selector, l1, sub));
        vm.prank(requester);
        board.reviewBatch(r, "");
    }

    function test_finalize_autoApprovesAfterWindow() public {
        uint256 cid = _create(100, 1, 50);
        (uint8 s, uint32 b) = _claim(l1, cid);
        uint24 sub = _submit(l1, s);
        uint256 until = block.timestamp + 1 days;
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.ReviewWindowOpen.selector, until));
        board.finalize(l1, sub, uint64(cid), b);
        vm.warp(until + 1);
        vm.expectEmit(address(board));
        emit TaskBoard.BatchReviewed(cid, l1, b, sub, 50, 50e18, true);
        vm.prank(stranger);
        board.finalize(l1, sub, uint64(cid), b);
        assertEq(board.getLabeler(l1).earnings, 50e18);
        assertEq(board.requesterRecord(requester).autoAcceptedItems, 50);
        assertEq(board.requesterRecord(requester).acceptedItems, 0);
        assertEq(board.acceptedItems(cid, l1), 50);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NotSubmitted.selector, l1, sub));
        board.finalize(l1, sub, uint64(cid), b);
    }

    // ------------------------------------------------------------------ release
    function test_release_expiredGoesBackToPool() public {
        uint256 cid = _create(100, 1, 50);
        (uint8 s,) = _claim(l1, cid);
        _claim(l2, cid);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NoBatchAvailable.selector, cid));
        _claim(l3, cid);
        uint256 until = block.timestamp + 1 hours;
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.ClaimNotExpired.selector, until));
        vm.prank(l3);
        board.release(l1, s);
        vm.warp(until + 1);
        vm.expectEmit(address(board));
        emit TaskBoard.BatchReleased(cid, l1, 0, s);
        vm.prank(l3);
        board.release(l1, s);
        assertEq(board.batchesAvailable(cid), 1);
        assertEq(board.getLabeler(l1).openMask, 0);
        (uint8 s3, uint32 b3) = _claim(l3, cid);
        assertEq(b3, 0);
        _submit(l3, s3);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NotClaimed.selector, l1, s));
        _submit(l1, s); // the original claim is gone
    }

    function test_release_byLabelerAnytime() public {
        uint256 cid = _create(100, 1, 50);
        (uint8 s,) = _claim(l1, cid);
        vm.prank(l1);
        board.release(l1, s);
        assertEq(board.getCampaign(cid).openItems, 0);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NotClaimed.selector, l1, s));
        vm.prank(l1);
        board.release(l1, s);
    }

    function test_lateSubmitAllowedUntilReleased() public {
        uint256 cid = _create(100, 1, 50);
        (uint8 s,) = _claim(l1, cid);
        vm.warp(block.timestamp + 2 hours);
        _submit(l1, s);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NotClaimed.selector, l1, s));
        board.release(l1, s);
        cid;
    }

    // ------------------------------------------------------------------ close / withdraw
    function test_close_refundsUnreservedThenSweeps() public {
        uint256 cid = _create(100, 1, 50);
        (uint8 s,) = _claim(l1, cid);
        uint256 before = token.balanceOf(requester);
        vm.expectEmit(address(board));
        emit TaskBoard.CampaignClosed(cid);
        vm.expectEmit(address(board));
        emit TaskBoard.EscrowRefunded(cid, requester, 50e18);
        vm.prank(requester);
        board.close(cid);
        assertEq(token.balanceOf(requester), before + 50e18);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NothingToRefund.selector, cid));
        vm.prank(requester);
        board.close(cid);
        uint24 sub = _submit(l1, s); // work claimed before closing can still be submitted and paid
        _review(l1, sub, 30);
        assertFalse(board.isSettled(cid)); // the 20 rejected items may still be disputed
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NothingToRefund.selector, cid));
        vm.prank(requester);
        board.close(cid);
        vm.warp(block.timestamp + DISPUTE_WINDOW + 1);
        _settle(l1, sub);
        assertTrue(board.isSettled(cid));
        vm.prank(requester);
        board.close(cid);
        assertEq(token.balanceOf(requester), before + 70e18);
        vm.prank(l1);
        board.withdraw();
        assertEq(token.balanceOf(l1), 30e18);
        assertEq(token.balanceOf(address(board)), 0);
    }

    function test_close_releasedAfterCloseIsNotRequeued() public {
        uint256 cid = _create(100, 1, 50);
        (uint8 s,) = _claim(l1, cid);
        vm.prank(requester);
        board.close(cid);
        vm.prank(l1);
        board.release(l1, s);
        assertEq(board.batchesAvailable(cid), 0);
        vm.prank(requester);
        board.close(cid);
        assertEq(token.balanceOf(address(board)), 0);
    }

    function test_close_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.UnknownCampaign.selector, 4));
        board.close(4);
        uint256 cid = _create(100, 1, 50);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NotRequester.selector, cid, stranger));
        vm.prank(stranger);
        board.close(cid);
    }

    function test_withdraw() public {
        uint256 cid = _create(100, 1, 50);
        _labelOne(l1, cid, 50);
        vm.expectEmit(address(board));
        emit TaskBoard.Withdrawn(l1, 50e18);
        vm.prank(l1);
        board.withdraw();
        assertEq(token.balanceOf(l1), 50e18);
        vm.expectRevert(TaskBoard.NothingToWithdraw.selector);
        vm.prank(l1);
        board.withdraw();
    }

    function test_revealGoldSet() public {
        uint256 cid = _create(100, 1, 50);
        vm.expectEmit(address(board));
        emit TaskBoard.GoldSetRevealed(cid, "bafkreigold");
        vm.prank(requester);
        board.revealGoldSet(cid, "bafkreigold");
        vm.expectRevert(TaskBoard.GoldSetMismatch.selector);
        vm.prank(requester);
        board.revealGoldSet(cid, "bafkreiother");
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NotRequester.selector, cid, stranger));
        vm.prank(stranger);
        board.revealGoldSet(cid, "bafkreigold");
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.UnknownCampaign.selector, 5));
        board.revealGoldSet(5, "x");
    }

    // ------------------------------------------------------------------ whole campaigns
    /// @dev The bench scenario: 1,000 items, batches of 50, redundancy 1, all accepted.
    function test_fullCampaign_redundancyOne() public {
        uint256 cid = _create(1_000, 1, 50);
        for (uint256 i; i < 20; ++i) {
            address who = i % 2 == 0 ? l1 : l2;
            _labelOne(who, cid, 50);
        }
        assertEq(board.getCampaign(cid).escrow, 0);
        assertEq(board.getLabeler(l1).earnings + board.getLabeler(l2).earnings, 1_000e18);
        assertEq(board.totalAcceptedItems(cid), 1_000);
        assertFalse(board.isSettled(cid)); // still open
        vm.prank(requester);
        board.close(cid); // closes, with nothing to refund
        assertTrue(board.isSettled(cid));
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NothingToRefund.selector, cid));
        vm.prank(requester);
        board.close(cid);
    }

    function test_redundancy_distinctLabelersPerBatch() public {
        uint256 cid = _create(500, 3, 50); // 10 batches x 3
        address[3] memory ls = [l1, l2, l3];
        for (uint256 round; round < 10; ++round) {
            for (uint256 k; k < 3; ++k) {
                (uint8 s, uint32 b) = _claim(ls[k], cid);
                assertFalse(got[b][ls[k]]);
                got[b][ls[k]] = true;
                timesClaimed[b]++;
                _review(ls[k], _submit(ls[k], s), 50);
            }
        }
        for (uint256 b; b < 10; ++b) assertEq(timesClaimed[b], 3);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NoBatchAvailable.selector, cid));
        _claim(l1, cid);
    }

    /// @dev A single labeler on a redundancy-2 campaign gets each batch once, then nothing.
    function test_redundancy_singleLabelerNeverRepeats() public {
        uint256 cid = _create(100, 2, 10); // 10 batches x 2
        for (uint256 i; i < 10; ++i) {
            (uint8 s, uint32 b) = _claim(l1, cid);
            assertFalse(got[b][l1]);
            got[b][l1] = true;
            _review(l1, _submit(l1, s), 10);
        }
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NoBatchAvailable.selector, cid));
        _claim(l1, cid);
        // the second round is still there for others
        for (uint256 i; i < 10; ++i) {
            (uint8 s, uint32 b) = _claim(l2, cid);
            assertFalse(got[b][l2]);
            got[b][l2] = true;
            _review(l2, _submit(l2, s), 10);
        }
        assertEq(board.getCampaign(cid).escrow, 0);
    }

    /// @dev Random claim order, submissions, releases and reviews: no labeler ever holds a batch
    ///      twice, no batch is handed out more than `redundancy` times net of releases, and the
    ///      board's balance always equals escrow + earnings.
    function testFuzz_claimsRespectRedundancy(uint256 seed, uint8 red) public {
        uint8 redundancy = uint8(bound(red, 1, 4));
        uint256 cid = _create(60, redundancy, 10); // 6 batches
        address[4] memory ls = [l1, l2, l3, stranger];
        for (uint256 step; step < 40; ++step) {
            seed = uint256(keccak256(abi.encode(seed, step)));
            address who = ls[seed % 4];
            uint256 action = (seed >> 8) % 4;
            if (action == 0) {
                if (board.batchesAvailable(cid) == 0 || board.getLabeler(who).openMask == type(uint16).max) continue;
                vm.prank(who);
                try board.claimBatch(cid) returns (uint8, uint32 b) {
                    assertFalse(got[b][who], "labeler got a batch twice");
                    got[b][who] = true;
                    timesClaimed[b]++;
                    assertLe(timesClaimed[b], redundancy, "batch over-claimed");
                } catch {}
            } else if (action == 3) {
                _reviewSome(seed);
            } else {
                uint16 mask = board.getLabeler(who).openMask;
                if (mask == 0) continue;
                uint8 s;
                while (mask & (1 << s) == 0) ++s;
                TaskBoard.Slot memory sl = board.getSlot(who, s);
                if (action == 1) {
                    pendingWho.push(who);
                    pendingSub.push(_submit(who, s));
                } else {
                    vm.prank(who);
                    board.release(who, s);
                    timesClaimed[sl.batch]--; // back to the pool
                    got[sl.batch][who] = false;
                }
            }
            uint256 earnings;
            for (uint256 k; k < 4; ++k) earnings += board.getLabeler(ls[k]).earnings;
            assertEq(token.balanceOf(address(board)), board.getCampaign(cid).escrow + earnings);
        }
    }

    /// @dev Review a random submission awaiting review with a random accepted count.
    function _reviewSome(uint256 seed) internal {
        uint256 n = pendingSub.length;
        if (n == 0) return;
        uint256 k = (seed >> 24) % n;
        (address w, uint24 sub) = (pendingWho[k], pendingSub[k]);
        (pendingWho[k], pendingSub[k]) = (pendingWho[n - 1], pendingSub[n - 1]);
        pendingWho.pop();
        pendingSub.pop();
        uint16 items = board.getSubmission(w, sub).items;
        _review(w, sub, uint16((seed >> 16) % (items + 1)));
    }
}
