// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Fixture} from "./utils/Fixture.sol";
import {TaskBoard} from "../src/TaskBoard.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

contract TaskBoardTest is Fixture {
    address requester;
    uint256 requesterKey;
    address l1 = makeAddr("labeler1");
    address l2 = makeAddr("labeler2");
    address l3 = makeAddr("labeler3");
    address stranger = makeAddr("stranger");
    uint72 constant REWARD = 1e18;
    bytes32 constant ROOT = keccak256("results");
    string constant RESULT = "bafkreiresults";

    mapping(uint256 => mapping(address => bool)) got; // batch => labeler => claimed before
    mapping(uint256 => uint256) timesClaimed;

    function setUp() public {
        deploySystem();
        (requester, requesterKey) = makeKey("requester");
        fundAndApprove(requester, address(board), 1_000_000e18);
    }

    function _create(uint32 items, uint8 redundancy, uint16 batchSize) internal returns (uint256) {
        vm.prank(requester);
        return board.createCampaign(campaignParams(items, REWARD, redundancy, batchSize));
    }

    function _claim(address who, uint256 cid) internal returns (uint8 slot, uint32 batch) {
        vm.prank(who);
        return board.claimBatch(cid);
    }

    function _submit(address who, uint8 slot) internal {
        vm.prank(who);
        board.submitBatch(slot, RESULT, ROOT);
    }

    function _review(address who, uint8 slot, uint16 accepted) internal {
        vm.prank(requester);
        board.reviewBatch(who, slot, accepted, "");
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

    function test_create_revertsInvalidParams() public {
        for (uint256 i; i < 6; ++i) {
            TaskBoard.CampaignParams memory p = campaignParams(100, REWARD, 1, 10);
            if (i == 0) p.itemCount = 0;
            if (i == 1) p.rewardPerItem = 0;
            if (i == 2) p.redundancy = 0;
            if (i == 3) p.batchSize = 0;
            if (i == 4) p.claimTtl = 0;
            if (i == 5) p.reviewWindow = 0;
            vm.expectRevert(TaskBoard.InvalidParams.selector);
            vm.prank(requester);
            board.createCampaign(p);
        }
        TaskBoard.CampaignParams memory q = campaignParams(type(uint32).max, 1, 2, 1);
        vm.expectRevert(TaskBoard.InvalidParams.selector);
        vm.prank(requester);
        board.createCampaign(q);
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
        TaskBoard.CampaignParams memory p = campaignParams(type(uint32).max, type(uint72).max, 255, 65_535);
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 96, board.escrowFor(type(uint32).max, 255, type(uint72).max)));
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
        (uint8 s,) = _claim(l1, open);
        _submit(l1, s);
        _review(l1, s, 10);
        assertEq(board.getLabeler(l1).acceptedItems, 10);
        _claim(l1, gated);
    }

    function test_claim_revertsNoFreeSlot() public {
        uint256 cid = _create(100, 1, 1);
        for (uint256 i; i < 16; ++i) _claim(l1, cid);
        vm.expectRevert(TaskBoard.NoFreeSlot.selector);
        _claim(l1, cid);
        (uint8 s,) = (uint8(3), uint32(0));
        _submit(l1, s);
        _review(l1, s, 1);
        (uint8 again,) = _claim(l1, cid);
        assertEq(again, 3); // slots are reused
    }

    // ------------------------------------------------------------------ submit
    function test_submit() public {
        uint256 cid = _create(100, 1, 50);
        (uint8 s, uint32 b) = _claim(l1, cid);
        vm.warp(block.timestamp + 10);
        vm.expectEmit(address(board));
        emit TaskBoard.BatchSubmitted(cid, l1, b, s, RESULT, ROOT);
        _submit(l1, s);
        TaskBoard.Slot memory sl = board.getSlot(l1, s);
        assertEq(uint256(sl.status), uint256(TaskBoard.SlotStatus.Submitted));
        assertEq(sl.time, block.timestamp);
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
        assertEq(s2, 1);
        assertEq(b2, 1);
        vm.prank(l1);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NoBatchAvailable.selector, cid));
        board.submitAndClaim(s2, RESULT, ROOT);
    }

    // ------------------------------------------------------------------ review / finalize
    function test_review_paysAcceptedAndTracksReputation() public {
        uint256 cid = _create(100, 1, 50);
        (uint8 s, uint32 b) = _claim(l1, cid);
        _submit(l1, s);
        vm.expectEmit(address(board));
        emit TaskBoard.BatchReviewed(cid, l1, b, s, 40, 40e18, false);
        vm.expectEmit(address(board));
        emit TaskBoard.ReviewNote(requester, "bafkreireason");
        vm.prank(requester);
        board.reviewBatch(l1, s, 40, "bafkreireason");
        TaskBoard.Labeler memory l = board.getLabeler(l1);
        assertEq(l.earnings, 40e18);
        assertEq(l.acceptedItems, 40);
        assertEq(l.rejectedItems, 10);
        assertEq(l.batchesReviewed, 1);
        assertEq(l.openMask, 0);
        TaskBoard.Campaign memory c = board.getCampaign(cid);
        assertEq(c.escrow, 60e18);
        assertEq(c.openItems, 0);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NotSubmitted.selector, l1, s));
        _review(l1, s, 1); // never twice
    }

    function test_reviewBatches() public {
        uint256 cid = _create(200, 1, 50);
        (uint8 a,) = _claim(l1, cid);
        (uint8 b,) = _claim(l1, cid);
        (uint8 c,) = _claim(l2, cid);
        _submit(l1, a);
        _submit(l1, b);
        _submit(l2, c);
        address[] memory ls = new address[](3);
        uint8[] memory slots = new uint8[](3);
        uint16[] memory acc = new uint16[](3);
        (ls[0], ls[1], ls[2]) = (l1, l1, l2);
        (slots[0], slots[1], slots[2]) = (a, b, c);
        (acc[0], acc[1], acc[2]) = (50, 10, 0);
        vm.expectEmit(address(board));
        emit TaskBoard.ReviewNote(requester, "bafkreiround");
        vm.prank(requester);
        board.reviewBatches(ls, slots, acc, "bafkreiround");
        assertEq(board.getLabeler(l1).earnings, 60e18);
        assertEq(board.getLabeler(l1).rejectedItems, 40);
        assertEq(board.getLabeler(l2).earnings, 0);
        assertEq(board.getLabeler(l2).rejectedItems, 50);
        TaskBoard.Campaign memory cm = board.getCampaign(cid);
        assertEq(cm.escrow, 140e18);
        assertEq(cm.openItems, 0);
    }

    function test_reviewBatches_reverts() public {
        uint256 cid = _create(200, 1, 50);
        (uint8 a,) = _claim(l1, cid);
        _submit(l1, a);
        address[] memory ls = new address[](2);
        uint8[] memory slots = new uint8[](1);
        uint16[] memory acc = new uint16[](1);
        vm.expectRevert(TaskBoard.InvalidParams.selector);
        vm.prank(requester);
        board.reviewBatches(ls, slots, acc, "");
        ls = new address[](1);
        ls[0] = l1;
        slots[0] = a;
        vm.expectRevert(TaskBoard.InvalidCid.selector);
        vm.prank(requester);
        board.reviewBatches(ls, slots, acc, string(new bytes(129)));
        // all or nothing: the second entry (already reviewed) reverts the whole call
        ls = new address[](2);
        slots = new uint8[](2);
        acc = new uint16[](2);
        (ls[0], ls[1]) = (l1, l1);
        (slots[0], slots[1]) = (a, a);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NotSubmitted.selector, l1, a));
        vm.prank(requester);
        board.reviewBatches(ls, slots, acc, "");
        assertEq(uint256(board.getSlot(l1, a).status), uint256(TaskBoard.SlotStatus.Submitted));
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NotRequester.selector, cid, stranger));
        vm.prank(stranger);
        board.reviewBatches(ls, slots, acc, "");
    }

    function test_review_reverts() public {
        uint256 cid = _create(100, 1, 50);
        (uint8 s,) = _claim(l1, cid);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NotSubmitted.selector, l1, s));
        _review(l1, s, 1);
        _submit(l1, s);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NotRequester.selector, cid, stranger));
        vm.prank(stranger);
        board.reviewBatch(l1, s, 1, "");
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.TooManyAccepted.selector, 51, 50));
        _review(l1, s, 51);
        vm.expectRevert(TaskBoard.InvalidCid.selector);
        vm.prank(requester);
        board.reviewBatch(l1, s, 1, string(new bytes(129)));
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.InvalidSlot.selector, 200));
        _review(l1, 200, 1);
    }

    function test_finalize_autoApprovesAfterWindow() public {
        uint256 cid = _create(100, 1, 50);
        (uint8 s, uint32 b) = _claim(l1, cid);
        _submit(l1, s);
        uint256 until = block.timestamp + 1 days;
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.ReviewWindowOpen.selector, until));
        board.finalize(l1, s);
        vm.warp(until + 1);
        vm.expectEmit(address(board));
        emit TaskBoard.BatchReviewed(cid, l1, b, s, 50, 50e18, true);
        vm.prank(stranger);
        board.finalize(l1, s);
        assertEq(board.getLabeler(l1).earnings, 50e18);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NotSubmitted.selector, l1, s));
        board.finalize(l1, s);
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
        _submit(l1, s); // work claimed before closing can still be submitted and paid
        _review(l1, s, 30);
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
        (uint8 s,) = _claim(l1, cid);
        _submit(l1, s);
        _review(l1, s, 50);
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
            (uint8 s,) = _claim(who, cid);
            _submit(who, s);
            _review(who, s, 50);
        }
        assertEq(board.getCampaign(cid).escrow, 0);
        assertEq(board.getLabeler(l1).earnings + board.getLabeler(l2).earnings, 1_000e18);
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
                _submit(ls[k], s);
                _review(ls[k], s, 50);
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
            _submit(l1, s);
            _review(l1, s, 10);
        }
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NoBatchAvailable.selector, cid));
        _claim(l1, cid);
        // the second round is still there for others
        for (uint256 i; i < 10; ++i) {
            (uint8 s, uint32 b) = _claim(l2, cid);
            assertFalse(got[b][l2]);
            got[b][l2] = true;
            _submit(l2, s);
            _review(l2, s, 10);
        }
        assertEq(board.getCampaign(cid).escrow, 0);
    }

    /// @dev Random claim order, releases and reviews: no labeler ever holds a batch twice, no
    ///      batch is handed out more than `redundancy` times net of releases, and the board's
    ///      balance always equals escrow + earnings.
    function testFuzz_claimsRespectRedundancy(uint256 seed, uint8 red) public {
        uint8 redundancy = uint8(bound(red, 1, 4));
        uint256 cid = _create(60, redundancy, 10); // 6 batches
        address[4] memory ls = [l1, l2, l3, stranger];
        for (uint256 step; step < 40; ++step) {
            seed = uint256(keccak256(abi.encode(seed, step)));
            address who = ls[seed % 4];
            uint256 action = (seed >> 8) % 3;
            if (action == 0) {
                if (board.batchesAvailable(cid) == 0 || board.getLabeler(who).openMask == type(uint16).max) continue;
                vm.prank(who);
                try board.claimBatch(cid) returns (uint8, uint32 b) {
                    assertFalse(got[b][who], "labeler got a batch twice");
                    got[b][who] = true;
                    timesClaimed[b]++;
                    assertLe(timesClaimed[b], redundancy, "batch over-claimed");
                } catch {}
            } else {
                uint16 mask = board.getLabeler(who).openMask;
                if (mask == 0) continue;
                uint8 s;
                while (mask & (1 << s) == 0) ++s;
                TaskBoard.Slot memory sl = board.getSlot(who, s);
                if (sl.status == TaskBoard.SlotStatus.Claimed) {
                    if (action == 1) {
                        _submit(who, s);
                    } else {
                        vm.prank(who);
                        board.release(who, s);
                        timesClaimed[sl.batch]--; // back to the pool
                        got[sl.batch][who] = false;
                    }
                } else {
                    _review(who, s, uint16((seed >> 16) % (sl.items + 1)));
                }
            }
            uint256 earnings;
            for (uint256 k; k < 4; ++k) earnings += board.getLabeler(ls[k]).earnings;
            assertEq(token.balanceOf(address(board)), board.getCampaign(cid).escrow + earnings);
        }
    }
}
