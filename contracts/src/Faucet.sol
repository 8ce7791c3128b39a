// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {SaharaToken} from "./SaharaToken.sol";

/// @title Faucet
/// @notice Devnet faucet: mints a fixed amount to an account at most once per cooldown.
///         Needs SaharaToken's MINTER_ROLE. Anyone may request a drip for any account (so a
///         deployer can fund a fresh wallet that has no tokens yet); the limit is per recipient.
contract Faucet is AccessControl {
    SaharaToken public immutable token;
    uint256 public dripAmount;
    uint256 public cooldown;
    mapping(address account => uint256) public lastDrip;

    event Dripped(address indexed to, uint256 amount, address indexed by);
    event DripConfigured(uint256 amount, uint256 cooldown);

    error ZeroAddress();
    error ZeroAmount();
    error CoolingDown(address account, uint256 availableAt);

    constructor(SaharaToken token_, address admin, uint256 dripAmount_, uint256 cooldown_) {
        if (address(token_) == address(0) || admin == address(0)) revert ZeroAddress();
        if (dripAmount_ == 0) revert ZeroAmount();
        token = token_;
        dripAmount = dripAmount_;
        cooldown = cooldown_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        emit DripConfigured(dripAmount_, cooldown_);
    }

    /// @notice Mint `dripAmount` to the caller.
    function drip() external {
        _drip(msg.sender);
    }

    /// @notice Mint `dripAmount` to `to` (rate-limited per recipient).
    function dripTo(address to) external {
        if (to == address(0)) revert ZeroAddress();
        _drip(to);
    }

    /// @notice When `account` can next receive a drip (0 = now).
    function nextDripAt(address account) public view returns (uint256) {
        uint256 last = lastDrip[account];
        if (last == 0) return 0;
        return last + cooldown;
    }

    function configure(uint256 dripAmount_, uint256 cooldown_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (dripAmount_ == 0) revert ZeroAmount();
        dripAmount = dripAmount_;
        cooldown = cooldown_;
        emit DripConfigured(dripAmount_, cooldown_);
    }

    function _drip(address to) private {
        uint256 availableAt = nextDripAt(to);
        if (block.timestamp < availableAt) revert CoolingDown(to, availableAt);
        lastDrip[to] = block.timestamp;
        uint256 amount = dripAmount;
        emit Dripped(to, amount, msg.sender);
        token.mint(to, amount);
    }
}
