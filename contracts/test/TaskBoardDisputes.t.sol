// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {BoardFixture} from "./utils/BoardFixture.sol";
import {TaskBoard} from "../src/TaskBoard.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

/// @dev The labeler's dispute path: a requester that accepts 0 of every batch (and keeps the
///      labels) faces a bonded dispute; an absent arbiter cannot freeze the money; a frivolous
///      dispute costs its bond; every escrow ends paid or refunded.
contract TaskBoardDisputesTest is BoardFixture {
    uint256 cid;
    uint24 sub;
    uint32 batch;

    function setUp() public {
        setUpBoard();
        cid = _create(100, 1, 10);
        (uint8 slot, uint32 b) = _claim(l1, cid);
        batch = b;
        sub = _submit(l1, slot);
        fundAndApprove(l1, address(board), 100e18); // for bonds
    }

    /// @dev The requester rejects everything; the arbiter never rules: after its deadline the
    ///      labeler wins, is paid every item and gets its bond back.
    function test_noRuling_labelerWinsAfterDeadline() public {
        _review(l1, sub, 0);
        uint256 bond = board.disputeBond(cid, 10);
        assertEq(bond, 1e18); // 10% of 10 items x 1e18
        uint40 ruleBy = uint40(block.timestamp) + ARBITER_WINDOW;
        vm.expectEmit(address(board));
        emit TaskBoard.ReviewDisputed(cid, l1, batch, sub, 10, bond, ruleBy);
        _dispute(l1, sub);
        assertEq(board.bondsHeld(), bond);
        assertEq(token.balanceOf(l1), 100e18 - bond);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.RulingWindowOpen.selector, uint256(ruleBy)));
        board.resolveExpired(l1, sub, uint64(cid), batch);
        vm.warp(uint256(ruleBy) + 1);
        vm.expectEmit(address(board));
        emit TaskBoard.DisputeResolved(cid, l1, batch, sub, 10, 10e18, true, true);
        vm.prank(stranger);
        board.resolveExpired(l1, sub, uint64(cid), batch);
        assertEq(board.getLabeler(l1).earnings, 10e18 + bond);
        assertEq(board.acceptedItems(cid, l1), 10);
        assertEq(board.requesterRecord(requester).disputesLost, 1);
        assertEq(board.requesterRecord(requester).acceptedItems, 10);
        assertEq(board.requesterRecord(requester).rejectedItems, 0);
        assertEq(board.bondsHeld(), 0);
        _endAndCheckSettled();
    }

    /// @dev A frivolous dispute (the arbiter upholds the rejection) loses its bond to the requester.
    function test_frivolousDispute_losesTheBond() public {
        _review(l1, sub, 0);
        uint256 bond = board.disputeBond(cid, 10);
        _dispute(l1, sub);
        vm.expectEmit(address(board));
        emit TaskBoard.DisputeResolved(cid, l1, batch, sub, 0, 0, false, false);
        _rule(l1, sub, 0);
        assertEq(board.getLabeler(l1).earnings, 0);
        assertEq(board.getLabeler(requester).earnings, bond);
        assertEq(board.getLabeler(l1).rejectedItems, 10);
        assertEq(board.requesterRecord(requester).rejectedItems, 10);
        assertEq(board.requesterRecord(requester).disputesWon, 1);
        assertEq(token.balanceOf(l1), 100e18 - bond);
        _endAndCheckSettled();
    }

    /// @dev A partial award pays the awarded items, refunds the rest, returns the bond.
    function test_partialAward_movesMoneyExactly() public {
        _review(l1, sub, 4);
        uint256 bond = board.disputeBond(cid, 6);
        _dispute(l1, sub);
        uint256 escrowBefore = board.getCampaign(cid).escrow;
        _rule(l1, sub, 2);
        assertEq(board.getLabeler(l1).earnings, 4e18 + 2e18 + bond);
        assertEq(board.getCampaign(cid).escrow, escrowBefore - 2e18);
        assertEq(board.acceptedItems(cid, l1), 6);
        assertEq(board.getLabeler(l1).rejectedItems, 4);
        assertEq(board.requesterRecord(requester).acceptedItems, 6);
        assertEq(board.requesterRecord(requester).rejectedItems, 4);
        assertEq(board.requesterRecord(requester).disputesLost, 1);
        _endAndCheckSettled();
    }

    function test_rule_guards() public {
        _review(l1, sub, 4);
        _dispute(l1, sub);
        TaskBoard.Submission memory s = board.getSubmission(l1, sub);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, requester, board.ARBITER_ROLE())
        );
        vm.prank(requester);
        board.rule(l1, sub, s.campaignId, s.batch, 0);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.TooManyAccepted.selector, 7, 6));
        vm.prank(arbiter);
        board.rule(l1, sub, s.campaignId, s.batch, 7);
        _rule(l1, sub, 6);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NotSubmitted.selector, l1, sub));
        vm.prank(arbiter);
        board.rule(l1, sub, s.campaignId, s.batch, 6); // never twice
    }

    /// @dev Only the labeler disputes, only its own reviewed rejection, only within the window;
    ///      an undisputed rejection settles (refundable) only after the window.
    function test_dispute_windowAndGuards() public {
        TaskBoard.Submission memory s = board.getSubmission(l1, sub);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NotSubmitted.selector, l1, sub));
        vm.prank(l1);
        board.dispute(sub, s.campaignId, s.batch); // not reviewed yet
        _review(l1, sub, 7);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NotSubmitted.selector, stranger, sub));
        vm.prank(stranger);
        board.dispute(sub, s.campaignId, s.batch);
        uint256 until = block.timestamp + DISPUTE_WINDOW;
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.DisputeWindowOpen.selector, until));
        board.settleReview(l1, sub, s.campaignId, s.batch);
        vm.warp(until + 1);
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.DisputeWindowClosed.selector, until));
        vm.prank(l1);
        board.dispute(sub, s.campaignId, s.batch);
        _settle(l1, sub);
        _endAndCheckSettled();
    }

    /// @dev A fully accepted batch has nothing to dispute and settles at once.
    function test_fullAccept_settlesAtOnce() public {
        _review(l1, sub, 10);
        TaskBoard.Submission memory s = board.getSubmission(l1, sub);
        assertEq(uint256(s.status), uint256(TaskBoard.SubmissionStatus.Free));
        vm.expectRevert(abi.encodeWithSelector(TaskBoard.NotSubmitted.selector, l1, sub));
        vm.prank(l1);
        board.dispute(sub, uint64(cid), batch);
    }

    /// @dev Self-labeled work in a dispute counts nowhere either.
    function test_selfLabeledDispute_countsNowhere() public {
        (uint8 slot,) = _claim(requester, cid);
        uint24 own = _submit(requester, slot);
        _review(requester, own, 0);
        _dispute(requester, own);
        _rule(requester, own, 10);
        assertEq(board.acceptedItems(cid, requester), 0);
        assertEq(board.requesterRecord(requester).disputesLost, 0);
        assertEq(board.requesterRecord(requester).acceptedItems, 0);
    }

    /// @dev Fuzzed review, dispute and ruling: the board ends holding nothing; the labeler got
    ///      exactly accepted + awarded items (plus its bond when it won something), the requester
    ///      the rest of the escrow (plus a lost bond).
    function testFuzz_escrowAlwaysEndsPaidOrRefunded(uint16 accepted, uint16 awarded, uint8 path) public {
        accepted = uint16(bound(accepted, 0, 9));
        uint16 rejected = 10 - accepted;
        awarded = uint16(bound(awarded, 0, rejected));
        _review(l1, sub, accepted);
        uint256 bond = board.disputeBond(cid, rejected);
        uint256 paidItems = accepted;
        bool bondBack;
        if (path % 3 == 0) {
            vm.warp(block.timestamp + DISPUTE_WINDOW + 1);
            _settle(l1, sub);
            bond = 0;
        } else {
            _dispute(l1, sub);
            if (path % 3 == 1) {
                _rule(l1, sub, awarded);
                paidItems += awarded;
                bondBack = awarded != 0;
            } else {
                vm.warp(block.timestamp + ARBITER_WINDOW + 1);
                _resolveExpired(l1, sub);
                paidItems += rejected;
                bondBack = true;
            }
        }
        uint256 requesterBefore = token.balanceOf(requester);
        _endAndCheckSettled();
        assertEq(token.balanceOf(l1), 100e18 - bond + paidItems * 1e18 + (bondBack ? bond : 0));
        assertEq(
            token.balanceOf(requester) - requesterBefore, (100 - paidItems) * 1e18 + (bondBack ? 0 : bond)
        );
        assertEq(board.acceptedItems(cid, l1), paidItems);
    }

    /// @dev Close, withdraw everyone: the board holds nothing and the campaign is settled.
    function _endAndCheckSettled() internal {
        vm.prank(requester);
        board.close(cid);
        assertTrue(board.isSettled(cid));
        for (uint256 i; i < 2; ++i) {
            address who = i == 0 ? l1 : requester;
            if (board.getLabeler(who).earnings != 0) {
                vm.prank(who);
                board.withdraw();
            }
        }
        assertEq(token.balanceOf(address(board)), 0);
        assertEq(board.getCampaign(cid).escrow, 0);
    }
}
