// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Fixture} from "./Fixture.sol";

/// @dev The set-up every invariant suite shares: four funded actors that approved the contracts
///      they use, the token supply to conserve, and the handler with the selectors forge may call.
abstract contract InvariantSuite is Fixture {
    address[4] internal actors;
    /// @dev The token supply once the actors are funded; no flow may mint or burn.
    uint256 internal supply;

    /// @dev Make actors `<prefix>0`..`<prefix>3`, give each `amount` and let each of `approved` pull
    ///      all of it. Call it after `deploySystem()` (the contracts to approve must exist).
    function setUpActors(string memory prefix, uint256 amount, address[] memory approved) internal {
        for (uint256 a; a < 4; ++a) {
            actors[a] = makeAddr(string.concat(prefix, string(abi.encodePacked(bytes1(uint8(48 + a))))));
            fund(actors[a], amount);
            vm.startPrank(actors[a]);
            for (uint256 i; i < approved.length; ++i) token.approve(approved[i], type(uint256).max);
            vm.stopPrank();
        }
        supply = token.totalSupply();
    }

    /// @dev Fuzz only `selectors` of `handler`.
    function target(address handler, bytes4[] memory selectors) internal {
        targetContract(handler);
        targetSelector(FuzzSelector({addr: handler, selectors: selectors}));
    }

    function spenders(address a) internal pure returns (address[] memory s) {
        s = new address[](1);
        s[0] = a;
    }

    function spenders(address a, address b) internal pure returns (address[] memory s) {
        s = new address[](2);
        (s[0], s[1]) = (a, b);
    }

    function spenders(address a, address b, address c) internal pure returns (address[] memory s) {
        s = new address[](3);
        (s[0], s[1], s[2]) = (a, b, c);
    }
}
