// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "./Test.sol";
import {SaharaToken} from "../../src/SaharaToken.sol";
import {Faucet} from "../../src/Faucet.sol";
import {AssetRegistry} from "../../src/AssetRegistry.sol";
import {RoyaltyVault} from "../../src/RoyaltyVault.sol";
import {LicenseMarket} from "../../src/LicenseMarket.sol";
import {TaskBoard} from "../../src/TaskBoard.sol";
import {ComputeMarket} from "../../src/ComputeMarket.sol";
import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

/// @dev Deploys the whole system the way `sahara deploy` does, plus test helpers.
abstract contract Fixture is Test {
    SaharaToken internal token;
    Faucet internal faucet;
    AssetRegistry internal registry;
    RoyaltyVault internal vault;
    LicenseMarket internal market;
    TaskBoard internal board;
    ComputeMarket internal compute;

    address internal admin = makeAddr("admin");
    address internal treasury = makeAddr("treasury");
    address internal arbiter = makeAddr("arbiter");

    uint16 internal constant FEE_BPS = 500;
    uint40 internal constant DELIVERY_TIMEOUT = 3 days;
    uint16 internal constant MIN_PARENT_BPS = 1_000;
    uint96 internal constant MIN_STAKE = 100e18;
    uint40 internal constant UNBONDING = 7 days;
    uint256 internal constant T0 = 1_700_000_000;
    uint32 internal constant DISPUTE_WINDOW = 2 days;
    uint32 internal constant ARBITER_WINDOW = 7 days;
    uint16 internal constant BOND_BPS = 1_000;
    uint72 internal constant REPUTATION_MIN_REWARD = 1e15;

    bytes32 internal constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");

    function deploySystem() internal {
        vm.warp(T0);
        token = new SaharaToken(admin, 0);
        faucet = new Faucet(token, admin, 1_000e18, 1 days);
        registry = new AssetRegistry(admin, MIN_PARENT_BPS);
        vault = new RoyaltyVault(token, registry);
        market = new LicenseMarket(token, registry, vault, admin, treasury, FEE_BPS, DELIVERY_TIMEOUT);
        board = new TaskBoard(token, admin, arbiter, DISPUTE_WINDOW, ARBITER_WINDOW, BOND_BPS, REPUTATION_MIN_REWARD);
        compute = new ComputeMarket(token, admin, MIN_STAKE, UNBONDING);
        bytes32 minter = token.MINTER_ROLE();
        bytes32 arbiterRole = compute.ARBITER_ROLE();
        vm.startPrank(admin);
        token.grantRole(minter, address(faucet));
        token.grantRole(minter, address(this));
        registry.setLicenseChecker(market);
        compute.grantRole(arbiterRole, arbiter);
        vm.stopPrank();
    }

    function fund(address to, uint256 amount) internal {
        token.mint(to, amount);
    }

    /// @dev Mint `amount` to `who` and approve `spender` for it.
    function fundAndApprove(address who, address spender, uint256 amount) internal {
        token.mint(who, amount);
        vm.prank(who);
        token.approve(spender, type(uint256).max);
    }

    function signPermit(uint256 key, address spender, uint256 value, uint256 deadline)
        internal
        view
        returns (uint8 v, bytes32 r, bytes32 s)
    {
        address owner = vm.addr(key);
        bytes32 structHash =
            keccak256(abi.encode(PERMIT_TYPEHASH, owner, spender, value, token.nonces(owner), deadline));
        return vm.sign(key, keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash)));
    }

    // ---------------------------------------------------------------- assets
    function registration(AssetRegistry.Kind kind, uint256[] memory parents, uint16 bps, bytes32 root, uint256 total)
        internal
        pure
        returns (AssetRegistry.Registration memory r)
    {
        r.kind = kind;
        r.contentCid = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
        r.metadataCid = "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq";
        r.parents = parents;
        r.parentRoyaltyBps = bps;
        r.contributorsRoot = root;
        r.totalWeight = total;
        if (root != bytes32(0)) r.contributorsCid = "bafkreicontributorstreecid";
    }

    function registerAsset(address owner) internal returns (uint256) {
        vm.prank(owner);
        return registry.register(registration(AssetRegistry.Kind.Dataset, new uint256[](0), 0, 0, 0));
    }

    function one(uint256 x) internal pure returns (uint256[] memory a) {
        a = new uint256[](1);
        a[0] = x;
    }

    // ---------------------------------------------------------------- merkle (sorted pairs, like OZ)
    function leaf(address account, uint256 weight) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(account, weight))));
    }

    function merkleRoot(bytes32[] memory leaves) internal pure returns (bytes32) {
        bytes32[] memory level = leaves;
        while (level.length > 1) level = _up(level);
        return level[0];
    }

    function merkleProof(bytes32[] memory leaves, uint256 index) internal pure returns (bytes32[] memory proof) {
        bytes32[] memory tmp = new bytes32[](32);
        uint256 n;
        bytes32[] memory level = leaves;
        while (level.length > 1) {
            uint256 sibling = index ^ 1;
            if (sibling < level.length) tmp[n++] = level[sibling];
            level = _up(level);
            index /= 2;
        }
        proof = new bytes32[](n);
        for (uint256 i; i < n; ++i) proof[i] = tmp[i];
    }

    function _up(bytes32[] memory level) private pure returns (bytes32[] memory next) {
        next = new bytes32[]((level.length + 1) / 2);
        for (uint256 i; i < next.length; ++i) {
            next[i] = 2 * i + 1 < level.length ? Hashes.commutativeKeccak256(level[2 * i], level[2 * i + 1]) : level[2 * i];
        }
    }

    // ---------------------------------------------------------------- campaigns
    function campaignParams(uint32 items, uint72 reward, uint8 redundancy, uint16 batchSize)
        internal
        pure
        returns (TaskBoard.CampaignParams memory p)
    {
        p.manifestCid = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
        p.itemCount = items;
        p.rewardPerItem = reward;
        p.redundancy = redundancy;
        p.batchSize = batchSize;
        p.claimTtl = 1 hours;
        p.reviewWindow = 1 days;
        p.minReputation = 0;
        p.goldSetHash = keccak256("bafkreigold");
    }
}
