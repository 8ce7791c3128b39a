// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice What AssetRegistry asks the license market before it accepts a derivative.
interface ILicenseChecker {
    /// @return true when `account` holds a delivered, unexpired license for `assetId`.
    function isLicensed(uint256 assetId, address account) external view returns (bool);

    /// @return true when `account` holds a delivered, unexpired license for `assetId` whose terms
    ///         allow derivatives.
    function canDerive(uint256 assetId, address account) external view returns (bool);
}
