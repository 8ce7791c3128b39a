// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ILabelingRecord} from "../../src/interfaces/ILabelingRecord.sol";

/// @dev A campaign record set by the test: accepted items per labeler, settled flag, requester.
contract MockLabelingRecord is ILabelingRecord {
    mapping(uint256 => mapping(address => uint256)) public accepted;
    mapping(uint256 => uint256) public total;
    mapping(uint256 => bool) public settled;
    mapping(uint256 => address) public requester;

    function setCampaign(uint256 id, address requester_, bool settled_) external {
        requester[id] = requester_;
        settled[id] = settled_;
    }

    function setAccepted(uint256 id, address labeler, uint256 items) external {
        total[id] = total[id] - accepted[id][labeler] + items;
        accepted[id][labeler] = items;
    }

    function acceptedItems(uint256 campaignId, address labeler) external view returns (uint256) {
        return accepted[campaignId][labeler];
    }

    function totalAcceptedItems(uint256 campaignId) external view returns (uint256) {
        return total[campaignId];
    }

    function isSettled(uint256 campaignId) external view returns (bool) {
        return settled[campaignId];
    }

    function requesterOf(uint256 campaignId) external view returns (address) {
        return requester[campaignId];
    }
}
