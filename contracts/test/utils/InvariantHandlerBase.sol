// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Vm} from "./Test.sol";
import {TaskBoard} from "../../src/TaskBoard.sol";

/// @dev What every invariant handler shares: four actors picked by seed, a bounded time step, the
///      pick of an id in a wanted state, and the TaskBoard's end-of-run loops. A handler is a plain
///      contract (not a Test) so forge only calls the selectors its suite targets.
abstract contract InvariantHandlerBase {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    address[4] public actors;
    /// @dev `warp` moves time on by less than this, so a walk crosses windows without skipping them all.
    uint256 internal immutable maxStep;

    constructor(address[4] memory actors_, uint256 maxStep_) {
        actors = actors_;
        maxStep = maxStep_;
    }

    function warp(uint32 dt) external {
        vm.warp(block.timestamp + (dt % maxStep));
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % 4];
    }

    /// @dev Move time just past `until` unless it already is.
    function _warpPast(uint256 until) internal {
        if (block.timestamp <= until) vm.warp(until + 1);
    }

    /// @dev The first of `ids`, searching round from `seed`, whose `statusOf` is `want`; 0 if none.
    function _pick(
        uint256[] storage ids,
        uint256 seed,
        function(uint256) internal view returns (uint8) statusOf,
        uint8 want
    ) internal view returns (uint256) {
        uint256 n = ids.length;
        for (uint256 k; k < n; ++k) {
            uint256 id = ids[(seed % n + k) % n];
            if (statusOf(id) == want) return id;
        }
        return 0;
    }

    /// @dev Every campaign's requester tries to close it (an unsettled one refuses).
    function _closeCampaigns(TaskBoard board, uint256[] storage campaigns) internal {
        for (uint256 i; i < campaigns.length; ++i) {
            vm.prank(board.getCampaign(campaigns[i]).requester);
            try board.close(campaigns[i]) {} catch {}
        }
    }

    /// @dev Every actor withdraws its TaskBoard earnings (one with none is refused).
    function _withdrawEarnings(TaskBoard board) internal {
        for (uint256 a; a < 4; ++a) {
            vm.prank(actors[a]);
            try board.withdraw() {} catch {}
        }
    }
}
