// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Fixture} from "./Fixture.sol";
import {TaskBoard} from "../../src/TaskBoard.sol";

/// @dev The TaskBoard tests' cast (a funded requester, three labelers, a stranger) and the
///      claim / submit / review steps by name.
abstract contract BoardFixture is Fixture {
    address requester;
    uint256 requesterKey;
    address l1 = makeAddr("labeler1");
    address l2 = makeAddr("labeler2");
    address l3 = makeAddr("labeler3");
    address stranger = makeAddr("stranger");
    uint72 constant REWARD = 1e18;
    bytes32 constant ROOT = keccak256("results");
    string constant RESULT = "bafkreiresults";

    function setUpBoard() internal {
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

    /// @return sub the pool index of the submission
    function _submit(address who, uint8 slot) internal returns (uint24 sub) {
        vm.prank(who);
        return board.submitBatch(slot, RESULT, ROOT);
    }

    /// @dev The review of what `who`'s pool entry `sub` holds now.
    function _ref(address who, uint24 sub, uint16 accepted) internal view returns (TaskBoard.Review memory r) {
        TaskBoard.Submission memory s = board.getSubmission(who, sub);
        r = TaskBoard.Review(who, sub, s.campaignId, s.batch, accepted);
    }

    function _review(address who, uint24 sub, uint16 accepted) internal {
        TaskBoard.Review memory r = _ref(who, sub, accepted);
        vm.prank(board.getCampaign(r.campaignId).requester);
        board.reviewBatch(r, "");
    }

    /// @dev Claim, submit and review one batch: its pool index.
    function _labelOne(address who, uint256 cid, uint16 accepted) internal returns (uint24 sub) {
        (uint8 slot,) = _claim(who, cid);
        sub = _submit(who, slot);
        _review(who, sub, accepted);
    }

    function _finalize(address who, uint24 sub) internal {
        TaskBoard.Submission memory s = board.getSubmission(who, sub);
        board.finalize(who, sub, s.campaignId, s.batch);
    }

    function _dispute(address who, uint24 sub) internal {
        TaskBoard.Submission memory s = board.getSubmission(who, sub);
        vm.prank(who);
        board.dispute(sub, s.campaignId, s.batch);
    }

    function _rule(address who, uint24 sub, uint16 awarded) internal {
        TaskBoard.Submission memory s = board.getSubmission(who, sub);
        vm.prank(arbiter);
        board.rule(who, sub, s.campaignId, s.batch, awarded);
    }

    function _settle(address who, uint24 sub) internal {
        TaskBoard.Submission memory s = board.getSubmission(who, sub);
        board.settleReview(who, sub, s.campaignId, s.batch);
    }

    function _resolveExpired(address who, uint24 sub) internal {
        TaskBoard.Submission memory s = board.getSubmission(who, sub);
        board.resolveExpired(who, sub, s.campaignId, s.batch);
    }
}
