// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {AssetRegistry} from "./AssetRegistry.sol";

/// @title RoyaltyVault
/// @notice Holds every asset's revenue. Revenue first lands in the asset's `pending` balance;
///         `distribute(asset)` splits it: `parentRoyaltyBps` of it is credited, in equal parts,
///         to the parents' `pending` balances, and the rest accrues to the asset's contributor
///         pool. Parents are distributed lazily, when someone touches them, so no call ever walks
///         the whole ancestry (each call is O(parents) <= 16); `distributeMany(lineage)` pushes
///         revenue up several levels in one transaction (child first).
///         Contributors pull with `claim`, which pays from distributed revenue: cumulative
///         accounting per (asset, account) pays only what is new since their last claim. With no
///         contributors root, the asset's current owner takes the whole pool. `multicall` lets a
///         client distribute and claim in one transaction.
contract RoyaltyVault is ReentrancyGuardTransient, Multicall {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @dev The one slot a claim reads besides the root: the asset's contributor pool and its
    ///      total weight, copied from the registry (where the split is immutable) on the
    ///      asset's first distribution.
    struct Pool {
        uint96 accrued; // all revenue ever credited to the asset's contributors
        uint96 released; // all of it paid out so far
        uint64 totalWeight;
    }

    struct Inbox {
        uint248 pending; // received (deposits, parents' shares of children) but not split yet
        bool cached; // contributor split copied into Pool/_roots
    }

    uint256 private constant BPS = 10_000;

    IERC20 public immutable token;
    AssetRegistry public immutable registry;

    mapping(uint256 assetId => Inbox) private _inboxes;
    mapping(uint256 assetId => Pool) private _pools;
    mapping(uint256 assetId => bytes32) private _roots;
    /// @notice Paid so far to a contributor of an asset (address(0): the owner, root-less assets).
    mapping(uint256 assetId => mapping(address account => uint256)) public claimed;

    event RevenueDeposited(uint256 indexed assetId, address indexed from, uint256 amount);
    event RevenueForwarded(uint256 indexed assetId, uint256 indexed parentId, uint256 amount);
    event Distributed(uint256 indexed assetId, uint256 toParents, uint256 toContributors);
    /// @dev The account's running total is `claimed(assetId, account)` (address(0) for owners).
    event Claimed(uint256 indexed assetId, address indexed account, uint256 amount);

    error ZeroAmount();
    error UnknownAsset(uint256 assetId);
    error InvalidProof();
    error NotAssetOwner(uint256 assetId, address account);
    error NothingToClaim();
    error PoolOverdrawn(uint256 assetId);

    constructor(IERC20 token_, AssetRegistry registry_) {
        token = token_;
        registry = registry_;
    }

    // ------------------------------------------------------------------ writes
    /// @notice Pay `amount` of revenue to `assetId` (pulled from the caller; needs allowance).
    function deposit(uint256 assetId, uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        if (!registry.exists(assetId)) revert UnknownAsset(assetId);
        _inboxes[assetId].pending += amount.toUint248();
        emit RevenueDeposited(assetId, msg.sender, amount);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Split the asset's pending revenue between its parents and its contributor pool.
    function distribute(uint256 assetId) external {
        _distribute(assetId);
    }

    /// @notice Distribute several assets in order, e.g. an asset and then each of its ancestors
    ///         (child first), so revenue reaches the whole ancestry in one transaction.
    function distributeMany(uint256[] calldata assetIds) external {
        for (uint256 i; i < assetIds.length; ++i) {
            _distribute(assetIds[i]);
        }
    }

    /// @notice Pay `account` what it is owed from `assetId`'s distributed contributor pool.
    ///         Anyone may call; tokens always go to `account`. For assets without a contributors
    ///         root, `account` must be the asset's owner and `weight`/`proof` are ignored.
    function claim(uint256 assetId, address account, uint256 weight, bytes32[] calldata proof)
        external
        nonReentrant
        returns (uint256 amount)
    {
        Pool memory pl = _pools[assetId];
        if (pl.accrued == 0) revert NothingToClaim();
        bytes32 root = _roots[assetId];
        address key;
        uint256 entitled;
        if (root == bytes32(0)) {
            if (registry.ownerOf(assetId) != account) revert NotAssetOwner(assetId, account);
            entitled = pl.accrued;
        } else {
            if (!MerkleProof.verifyCalldata(proof, root, _leaf(account, weight))) revert InvalidProof();
            key = account;
            // accrued < 2^96 and a weight above 2^160 cannot be honest: checked math suffices.
            entitled = uint256(pl.accrued) * weight / pl.totalWeight;
        }
        uint256 already = claimed[assetId][key];
        if (entitled <= already) revert NothingToClaim();
        amount = entitled - already;
        uint256 released = pl.released + amount;
        // A tree whose weights add up to more than totalWeight could otherwise pay out other
        // assets' money: never release more than the pool accrued.
        if (released > pl.accrued) revert PoolOverdrawn(assetId);
        claimed[assetId][key] = entitled;
        _pools[assetId].released = uint96(released);
        emit Claimed(assetId, account, amount);
        token.safeTransfer(account, amount);
    }

    // ------------------------------------------------------------------ views
    function pool(uint256 assetId) external view returns (uint256 accrued, uint256 released) {
        Pool memory p = _pools[assetId];
        return (p.accrued, p.released);
    }

    /// @notice Revenue received for an asset that is not yet split between parents and pool.
    function pending(uint256 assetId) external view returns (uint256) {
        return _inboxes[assetId].pending;
    }

    /// @notice What `claim(assetId, account, weight, proof)` would pay now, from distributed
    ///         revenue (see `pending` for what a `distribute` would add). The proof is not checked
    ///         here; for root-less assets `account` must be the owner and `weight` is ignored.
    function claimable(uint256 assetId, address account, uint256 weight) external view returns (uint256) {
        Pool memory pl = _pools[assetId];
        if (pl.accrued == 0) return 0;
        uint256 entitled;
        address key;
        if (_roots[assetId] == bytes32(0)) {
            if (registry.ownerOf(assetId) != account) return 0;
            entitled = pl.accrued;
        } else {
            key = account;
            if (weight > type(uint160).max) return 0;
            entitled = uint256(pl.accrued) * weight / pl.totalWeight;
        }
        uint256 already = claimed[assetId][key];
        return entitled > already ? entitled - already : 0;
    }

    // ------------------------------------------------------------------ internals
    function _distribute(uint256 assetId) private {
        Inbox memory inbox = _inboxes[assetId];
        uint256 amount = inbox.pending;
        if (amount == 0) return;
        Pool memory pl = _pools[assetId];
        if (!inbox.cached) {
            (bytes32 root, uint256 totalWeight) = registry.contributorSplit(assetId);
            if (root != bytes32(0)) _roots[assetId] = root;
            pl.totalWeight = uint64(totalWeight); // the registry caps it at 2^64 - 1
        }
        _inboxes[assetId] = Inbox({pending: 0, cached: true});
        (uint16 bps, uint256[] memory parents) = registry.royaltyInfo(assetId);
        uint256 n = parents.length;
        uint256 toParents;
        if (n != 0 && bps != 0) {
            uint256 each = (amount * bps / BPS) / n;
            if (each != 0) {
                for (uint256 i; i < n; ++i) {
                    _inboxes[parents[i]].pending += uint248(each); // each <= amount < 2^248
                    emit RevenueForwarded(assetId, parents[i], each);
                }
                toParents = each * n;
            }
        }
        uint256 toPool = amount - toParents;
        pl.accrued = SafeCast.toUint96(pl.accrued + toPool);
        _pools[assetId] = pl;
        emit Distributed(assetId, toParents, toPool);
    }

    function _leaf(address account, uint256 weight) private pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(account, weight))));
    }
}
