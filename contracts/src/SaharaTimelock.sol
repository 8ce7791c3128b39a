// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title SaharaTimelock
/// @notice OpenZeppelin's TimelockController, deployed on every network but the devnet to hold the
///         admin roles of the other contracts: any admin change (fees, timeouts, dispute terms,
///         arbiters, the license checker) is proposed, waits `minDelay` in public, then executes,
///         so users can see it coming and leave before it applies.
contract SaharaTimelock is TimelockController {
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {}
}
