// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {InvariantHandlerBase} from "./InvariantHandlerBase.sol";
import {SaharaToken} from "../../src/SaharaToken.sol";
import {AssetRegistry} from "../../src/AssetRegistry.sol";
import {RoyaltyVault} from "../../src/RoyaltyVault.sol";
import {LicenseMarket} from "../../src/LicenseMarket.sol";

/// @dev The lineage a license handler walks over: the tree-backed dataset's leaves and weights
///      (four leaves, one per actor), the assets and one offer per asset.
struct Lineage {
    uint256[4] weights;
    bytes32[] leaves;
    uint256[] assets;
    uint256[] offers;
}

/// @dev What the licensing handlers share (Invariants.t.sol, MarketInvariants.t.sol): the licenses
///      bought, the ghost accounting of what went into the vault and what was claimed, a license
///      ending at most once, refunds, distributions children first, and tree claims.
abstract contract LicenseHandlerBase is InvariantHandlerBase {
    SaharaToken public token;
    AssetRegistry public registry;
    RoyaltyVault public vault;
    LicenseMarket public market;
    uint256[4] public weights;
    bytes32[] public leaves;
    uint256[] public assets;
    uint256[] public offers;
    uint256[] public licenses;

    // ghosts
    uint256 public ghostIntoVault; // every token deposited or released into the vault
    uint256 public ghostClaimed; // every royalty paid out by a claim
    mapping(uint256 licenseId => uint8) public ends; // 1 paid out (delivered or settled), 2 refunded
    bool public endedTwice;

    constructor(
        SaharaToken token_,
        AssetRegistry registry_,
        RoyaltyVault vault_,
        LicenseMarket market_,
        address[4] memory actors_,
        uint256 maxStep_,
        Lineage memory lineage
    ) InvariantHandlerBase(actors_, maxStep_) {
        (token, registry, vault, market) = (token_, registry_, vault_, market_);
        weights = lineage.weights;
        leaves = lineage.leaves;
        assets = lineage.assets;
        offers = lineage.offers;
    }

    function distribute(uint256 aSeed) external {
        vault.distribute(assets[aSeed % assets.length]);
    }

    function _licenseStatus(uint256 id) internal view returns (uint8) {
        return uint8(market.getLicense(id).status);
    }

    /// @dev Some license in `status`, searching from `seed`; 0 if none.
    function _licenseIn(uint256 seed, LicenseMarket.Status status) internal view returns (uint256) {
        return _pick(licenses, seed, _licenseStatus, uint8(status));
    }

    /// @dev What the vault receives when license `id`'s escrow is paid out (its price less the fee).
    function _revenue(uint256 id) internal view returns (uint256) {
        LicenseMarket.License memory l = market.getLicense(id);
        return uint256(l.paid) - uint256(l.paid) * l.feeBps / 10_000;
    }

    function _end(uint256 id, uint8 how) internal {
        if (ends[id] != 0) endedTwice = true;
        ends[id] = how;
    }

    /// @dev The holder takes a pending license's refund, after its delivery deadline.
    function _refund(uint256 id) internal {
        _warpPast(market.getLicense(id).deadline);
        vm.prank(market.ownerOf(id));
        market.refund(id);
        _end(id, 2);
    }

    /// @dev `amount` (already bounded by the caller) from the actor at `seed` into an asset's revenue.
    function _deposit(uint256 seed, uint256 aSeed, uint96 amount) internal {
        vm.prank(_actor(seed));
        vault.deposit(assets[aSeed % assets.length], amount);
        ghostIntoVault += amount;
    }

    /// @dev Anyone claims for `who`; what it receives is counted (a refused claim counts nothing).
    function _claim(uint256 assetId, address who, uint256 weight, bytes32[] memory proof) internal {
        uint256 before = token.balanceOf(who);
        try vault.claim(assetId, who, weight, proof) {
            ghostClaimed += token.balanceOf(who) - before;
        } catch {}
    }

    /// @dev Children before parents, so every revenue reaches the top of the lineage.
    function _distributeAll() internal {
        for (uint256 i = assets.length; i > 0; --i) vault.distribute(assets[i - 1]);
    }

    /// @dev The proof of actor `i`'s leaf in the four-leaf tree: its sibling leaf, then the other pair.
    function _proof(uint256 i) internal view returns (bytes32[] memory proof) {
        proof = new bytes32[](2);
        proof[0] = leaves[i ^ 1];
        uint256 pair = (i / 2) ^ 1;
        bytes32 a = leaves[pair * 2];
        bytes32 b = leaves[pair * 2 + 1];
        proof[1] = a < b ? keccak256(abi.encode(a, b)) : keccak256(abi.encode(b, a));
    }
}
