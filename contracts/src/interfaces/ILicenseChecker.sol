// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice What AssetRegistry asks the license market before it accepts a derivative.
interface ILicenseChecker {
    /// @return true when `account` holds a delivered, unexpired license for `assetId`.
    function isLicensed(uint256 assetId, address account) external view returns (bool);

    /// @return true when `account` holds a settled (paid out), unexpired license for `assetId`
    ///         whose terms allow derivatives.
    function canDerive(uint256 assetId, address account) external view returns (bool);

    /// @notice Called by the registry when `account` registers a derivative of `assetId`: reverts
    ///         unless `canDerive(assetId, account)`, and binds the license it used to its holder
    ///         for good (it can no longer be transferred, so one license serves one account).
    /// @return commercialUse whether that license allows commercial use of the derivative.
    function useForDerivative(uint256 assetId, address account) external returns (bool commercialUse);
}
