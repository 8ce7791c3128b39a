// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice What a labeling campaign's record tells the royalty vault, so a dataset published from
///         a campaign pays its labelers by their accepted work on chain, with no contributor tree to
///         trust or lose. TaskBoard implements it; RoyaltyVault reads it.
interface ILabelingRecord {
    /// @return Items of `campaignId` submitted by `labeler` and accepted by review, finalize or a
    ///         won dispute. Self-labeled items (labeler == requester) are never counted.
    function acceptedItems(uint256 campaignId, address labeler) external view returns (uint256);

    /// @return The sum of `acceptedItems` over every labeler of `campaignId`.
    function totalAcceptedItems(uint256 campaignId) external view returns (uint256);

    /// @return true once the counts can no longer change: the campaign is closed and every
    ///         submission of it is settled (reviewed, finalized or its dispute ruled).
    function isSettled(uint256 campaignId) external view returns (bool);

    /// @return The account that created and funded `campaignId` (address(0) if none).
    function requesterOf(uint256 campaignId) external view returns (address);
}
