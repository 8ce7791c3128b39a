// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {AssetRegistry} from "./AssetRegistry.sol";
import {ILabelingRecord} from "./interfaces/ILabelingRecord.sol";

/// @title RoyaltyVault
/// @notice Holds every asset's revenue. Revenue first lands in the asset's inbox: `pending` for
///         its own sales, `inherited` for royalties from its derivatives. `distribute(asset)`
///         splits it: the parents' share goes to the parents' inboxes, each parent getting at
///         least its royalty floor of the revenue behind it however many parents are listed and
///         however deep the lineage (see `_forward`), and what remains accrues to the asset's
///         contributor pool. Parents are distributed lazily, when someone touches
///         them, so no call ever walks the whole ancestry (each call is O(parents) <= 16);
///         `distributeMany(lineage)` pushes revenue up several levels in one transaction (child
///         first). Contributors pull with `claim`, which pays from distributed revenue:
///         cumulative accounting per (asset, account) pays only what is new since their last
///         claim. `multicall` lets a client distribute and claim in one transaction.
/// @dev Contributors are a Merkle tree, a labeling campaign (weights = accepted items, read from
///      its ILabelingRecord) or, with neither, the asset's current owner. A contributor's weight
///      is admitted on its first claim, and never more than the pool's total weight minus what
///      others have already been admitted: the sum of all claims can never exceed the pool, even
///      if a tree overstates its leaves (a dishonest tree is visible from its CID on chain).
///      An asset with contributors may have an owner share (registry, fixed at registration):
///      `ownerShareBps` of the pool is the owner's, paid to whoever owns the asset when claiming
///      with `weight = OWNER_SHARE` (accrued and unclaimed owner share moves with the token, as an
///      owner-mode pool does), and the contributors split the rest by weight. Both parts are monotone in `accrued`, so
///      cumulative accounting holds for each and their sum never exceeds the pool.
contract RoyaltyVault is ReentrancyGuardTransient, Multicall {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @dev The one slot a claim reads besides the root and the account's share: the pool.
    struct Pool {
        uint112 accrued; // all revenue ever credited to the asset's contributors (and owner share)
        uint16 ownerShareBps; // the owner's part of `accrued` (registry: <= 10000, 0 in owner mode)
        uint64 totalWeight; // the split's total weight (registry bound: < 2^64)
        uint64 admittedWeight; // sum of the weights admitted by first claims (<= totalWeight)
    }

    /// @dev Where the weights come from, copied from the registry (immutable there) on the
    ///      asset's first distribution.
    struct Source {
        address labelingRecord;
        bool cached;
        uint88 campaignId; // the registry bounds it to 2^88 - 1
    }

    struct Share {
        uint192 claimed; // paid so far (<= accrued < 2^112)
        uint64 weight; // admitted on the first claim (0: not yet)
    }

    uint256 private constant BPS = 10_000;
    /// @notice The `weight` that claims an asset's owner share rather than a contributor share.
    uint256 public constant OWNER_SHARE = type(uint256).max;

    IERC20 public immutable token;
    AssetRegistry public immutable registry;

    mapping(uint256 assetId => uint256) private _pending;
    mapping(uint256 assetId => uint256) private _inherited;
    mapping(uint256 assetId => Pool) private _pools;
    mapping(uint256 assetId => bytes32) private _roots;
    mapping(uint256 assetId => Source) private _sources;
    /// @dev Per (asset, account); address(0) is the owner (of a contributor-less asset, or its
    ///      owner share). No contributor can be address(0): a transfer to it reverts.
    mapping(uint256 assetId => mapping(address account => Share)) private _shares;

    event RevenueDeposited(uint256 indexed assetId, address indexed from, uint256 amount);
    event RevenueForwarded(uint256 indexed assetId, uint256 indexed parentId, uint256 amount);
    event Distributed(uint256 indexed assetId, uint256 toParents, uint256 toContributors);
    /// @dev The account's running total is `claimed(assetId, account)` (address(0) for owners);
    ///      `weight` is the weight admitted on its first claim (capped by what was left; 0 for
    ///      an owner, of an owner-mode pool or of an owner share).
    event Claimed(uint256 indexed assetId, address indexed account, uint256 amount, uint256 weight);

    error ZeroAmount();
    error UnknownAsset(uint256 assetId);
    error InvalidProof();
    error NotAssetOwner(uint256 assetId, address account);
    error NothingToClaim();
    /// @notice Every unit of the pool's total weight is already admitted to other contributors.
    error NoWeightLeft(uint256 assetId);
    /// @notice `claimMany`'s lists are not the same length.
    error LengthMismatch();

    constructor(IERC20 token_, AssetRegistry registry_) {
        token = token_;
        registry = registry_;
    }

    // ------------------------------------------------------------------ writes
    /// @notice Pay `amount` of revenue to `assetId` (pulled from the caller; needs allowance).
    function deposit(uint256 assetId, uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        if (!registry.exists(assetId)) revert UnknownAsset(assetId);
        _pending[assetId] += amount;
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
    ///         Anyone may call; tokens always go to `account`. Tree: `weight`/`proof` prove the
    ///         account's leaf (needed on the first claim only). Campaign: the weight is the
    ///         account's accepted items, `weight`/`proof` are ignored. Neither: `account` must be
    ///         the asset's owner and `weight`/`proof` are ignored. `weight == OWNER_SHARE` claims
    ///         the asset's owner share instead (`account` must own the asset now; an owner that
    ///         is also a contributor claims each part by its own call or `claimMany` entry).
    /// @dev No reentrancy guard needed (it would cost the claim's gas budget): every state change
    ///      happens before the token transfer, the token is a plain ERC-20, and the one call to a
    ///      contract the asset's creator chose (`acceptedItems` of its labeling record) is a view,
    ///      made with STATICCALL, so nothing it calls back can change state.
    function claim(uint256 assetId, address account, uint256 weight, bytes32[] calldata proof)
        external
        returns (uint256 amount)
    {
        amount = _claim(assetId, account, weight, proof);
        if (amount == 0) revert NothingToClaim();
        token.safeTransfer(account, amount);
    }

    /// @notice Claim for `account` from every asset of `assetIds` in one call, paid in one
    ///         transfer: an owner's assets, the upstream royalties they inherited and a labeler's
    ///         datasets alike. `weights[i]`/`proofs[i]` are what `claim` takes for `assetIds[i]`.
    ///         An asset with nothing new for `account` is skipped (a list read a moment ago may
    ///         be stale by a claim), so one empty entry does not undo the others; a proof that
    ///         does not verify, an owner-mode asset or an `OWNER_SHARE` entry for an asset `account`
    ///         does not own, or a pool with no
    ///         weight left reverts the whole call, as `claim` does. Reverts `NothingToClaim`
    ///         when nothing at all is owed.
    /// @dev Same reasoning as `claim` for the missing reentrancy guard; each asset's share is
    ///      written before the next is read, so an asset listed twice pays once.
    function claimMany(
        address account,
        uint256[] calldata assetIds,
        uint256[] calldata weights,
        bytes32[][] calldata proofs
    ) external returns (uint256 total) {
        uint256 n = assetIds.length;
        if (weights.length != n || proofs.length != n) revert LengthMismatch();
        for (uint256 i; i < n; ++i) {
            total += _claim(assetIds[i], account, weights[i], proofs[i]);
        }
        if (total == 0) revert NothingToClaim();
        token.safeTransfer(account, total);
    }

    // ------------------------------------------------------------------ views
    /// @notice The contributor pool: revenue credited so far (owner share included), the split's
    ///         total weight and the weight already admitted to contributors by their first claims.
    function pool(uint256 assetId)
        external
        view
        returns (uint256 accrued, uint256 totalWeight, uint256 admitted)
    {
        Pool memory p = _pools[assetId];
        return (p.accrued, p.totalWeight, p.admittedWeight);
    }

    /// @notice Revenue received for an asset that is not yet split between parents and pool:
    ///         its own sales plus royalties inherited from derivatives.
    function pending(uint256 assetId) external view returns (uint256) {
        return _pending[assetId] + _inherited[assetId];
    }

    /// @notice Paid so far to `account` from `assetId` (address(0): the owner, of an owner-mode
    ///         pool or of the owner share).
    function claimed(uint256 assetId, address account) external view returns (uint256) {
        return _shares[assetId][account].claimed;
    }

    /// @notice The weight admitted to `account` on its first claim (0 before it).
    function admittedWeight(uint256 assetId, address account) external view returns (uint256) {
        return _shares[assetId][account].weight;
    }

    /// @notice What `claim(assetId, account, weight, proof)` would pay now, from distributed
    ///         revenue (see `pending` for what a `distribute` would add). The proof is not checked
    ///         here; for campaign-backed assets the weight is read from the campaign, for
    ///         owner-mode assets `account` must be the owner; `weight` is ignored for both.
    ///         `weight == OWNER_SHARE`: the owner share `account` would get (0 unless it owns it).
    function claimable(uint256 assetId, address account, uint256 weight) external view returns (uint256) {
        Pool memory pl = _pools[assetId];
        if (pl.accrued == 0) return 0;
        bool ownerMode = _roots[assetId] == bytes32(0) && _sources[assetId].labelingRecord == address(0);
        if (ownerMode || weight == OWNER_SHARE) {
            if (registry.ownerOf(assetId) != account) return 0;
            return _owed(_shares[assetId][address(0)].claimed, ownerMode ? pl.accrued : _ownerPart(pl));
        }
        Share memory sh = _shares[assetId][account];
        uint256 w = sh.weight;
        if (w == 0) {
            Source memory src = _sources[assetId];
            if (src.labelingRecord != address(0)) {
                weight = ILabelingRecord(src.labelingRecord).acceptedItems(src.campaignId, account);
            }
            uint256 room = pl.totalWeight - pl.admittedWeight;
            w = weight < room ? weight : room;
        }
        return _owed(sh.claimed, _contributorsPart(pl) * w / pl.totalWeight);
    }

    // ------------------------------------------------------------------ internals
    /// @dev What `account` is owed from `assetId` now, its share updated and `Claimed` emitted;
    ///      0 (nothing written but a first admission) when nothing is new. The caller transfers.
    ///      `weight == OWNER_SHARE` asks for the owner share instead of a contributor share: only
    ///      then is the registry asked who owns the asset, so a contributor's claim pays nothing
    ///      for the owner share's existence.
    function _claim(uint256 assetId, address account, uint256 weight, bytes32[] calldata proof)
        private
        returns (uint256)
    {
        Pool memory pl = _pools[assetId];
        if (pl.accrued == 0) return 0;
        bytes32 root = _roots[assetId];
        Source memory src;
        if (root == bytes32(0)) {
            src = _sources[assetId];
            if (src.labelingRecord == address(0)) return _claimOwner(assetId, account, pl.accrued);
        }
        if (weight == OWNER_SHARE) return _claimOwner(assetId, account, _ownerPart(pl));
        Share storage slot = _shares[assetId][account];
        Share memory sh = slot;
        if (sh.weight == 0) {
            if (src.labelingRecord != address(0)) {
                weight = ILabelingRecord(src.labelingRecord).acceptedItems(src.campaignId, account);
            } else if (!MerkleProof.verifyCalldata(proof, root, _leaf(account, weight))) {
                revert InvalidProof();
            }
            if (weight == 0) return 0;
            sh.weight = _admit(assetId, pl, weight);
        }
        uint256 entitled = uint256(pl.accrued);
        if (pl.ownerShareBps != 0) entitled -= _ownerPart(pl); // the contributors' part of the pool
        entitled = entitled * sh.weight / pl.totalWeight;
        if (entitled == 0) {
            slot.weight = sh.weight; // admitted once, even when this claim pays nothing yet
            return 0;
        }
        return _pay(assetId, account, slot, sh.claimed, sh.weight, entitled);
    }

    /// @dev The owner's claim on `entitled` (the whole pool of an owner-mode asset, or the owner
    ///      share's part): `account` must own the asset now.
    function _claimOwner(uint256 assetId, address account, uint256 entitled) private returns (uint256) {
        if (registry.ownerOf(assetId) != account) revert NotAssetOwner(assetId, account);
        Share storage owned = _shares[assetId][address(0)];
        return _pay(assetId, account, owned, owned.claimed, 0, entitled);
    }

    /// @dev The owner's part of everything credited to the pool (rounded down: dust stays with
    ///      the contributors' part, which is rounded down again per contributor).
    function _ownerPart(Pool memory pl) private pure returns (uint256) {
        unchecked {
            return uint256(pl.accrued) * pl.ownerShareBps / BPS; // < 2^112 * 2^16
        }
    }

    /// @dev What the contributors share: the pool less the owner's part.
    function _contributorsPart(Pool memory pl) private pure returns (uint256) {
        if (pl.ownerShareBps == 0) return pl.accrued;
        unchecked {
            return pl.accrued - _ownerPart(pl); // the owner's part <= accrued (bps <= 10000)
        }
    }

    function _owed(uint256 already, uint256 entitled) private pure returns (uint256) {
        return entitled > already ? entitled - already : 0;
    }

    function _store(Share storage slot, uint256 entitled, uint64 weight) private {
        slot.claimed = uint192(entitled); // entitled <= accrued < 2^112
        slot.weight = weight;
    }

    /// @dev The weight a first claim may hold: what it proves, capped by what is left of the
    ///      pool's total weight (so the claims' sum can never exceed the pool). Updates the pool.
    function _admit(uint256 assetId, Pool memory pl, uint256 weight) private returns (uint64 admitted) {
        uint256 room = pl.totalWeight - pl.admittedWeight;
        if (room == 0) revert NoWeightLeft(assetId);
        admitted = uint64(weight < room ? weight : room); // <= room < 2^64
        pl.admittedWeight += admitted;
        _pools[assetId].admittedWeight = pl.admittedWeight; // the one field that changed
    }

    function _pay(uint256 assetId, address account, Share storage slot, uint192 already, uint64 weight, uint256 entitled)
        private
        returns (uint256 amount)
    {
        if (entitled <= already) return 0;
        unchecked {
            amount = entitled - already;
        }
        _store(slot, entitled, weight);
        emit Claimed(assetId, account, amount, weight);
    }

    function _distribute(uint256 assetId) private {
        uint256 sales = _pending[assetId];
        uint256 inherited = _inherited[assetId];
        if (sales == 0 && inherited == 0) return;
        Pool memory pl = _pools[assetId];
        if (!_sources[assetId].cached) {
            (bytes32 root, uint256 totalWeight, address record, uint256 campaignId, uint16 ownerShareBps) =
                registry.contributorSplit(assetId);
            if (root != bytes32(0)) _roots[assetId] = root;
            _sources[assetId] = Source({labelingRecord: record, cached: true, campaignId: campaignId.toUint88()});
            pl.totalWeight = totalWeight.toUint64(); // the registry caps it at 2^64 - 1
            pl.ownerShareBps = ownerShareBps; // the registry caps it at 10000
        }
        uint256 toParents = _forward(assetId, sales, inherited);
        uint256 toPool = sales + inherited - toParents;
        // accrued never overflows into a revert: past 2^112 - 1 the rest waits in `pending`.
        uint256 room = type(uint112).max - pl.accrued;
        uint256 keep = toPool > room ? toPool - room : 0;
        toPool -= keep;
        _pending[assetId] = keep;
        _inherited[assetId] = 0;
        pl.accrued += uint112(toPool); // toPool <= room
        _pools[assetId] = pl;
        emit Distributed(assetId, toParents, toPool);
    }

    /// @dev Parent i first gets its floor's part: floor_i of the asset's sales plus
    ///      floor_i / ownFloor of its inherited royalties (ownFloor = the sum of the parents'
    ///      floors plus the asset's own derivative royalty, so what came from below carries each
    ///      ancestor's floor up intact). The rest of the parents' share - `bps` of sales, and of
    ///      inherited royalties at least what the floors took - is spread equally. Rounding dust
    ///      stays in the pool.
    function _forward(uint256 assetId, uint256 sales, uint256 inherited) private returns (uint256 toParents) {
        (uint16 bps, uint16 ownFloor, uint256[] memory parents, uint16[] memory floors) =
            registry.royaltyInfo(assetId);
        if (parents.length == 0) return 0;
        (uint256[] memory amounts, uint256 extra) = _split(sales, inherited, bps, ownFloor, floors);
        for (uint256 i; i < parents.length; ++i) {
            uint256 amount = amounts[i] + extra;
            if (amount == 0) continue;
            _inherited[parents[i]] += amount;
            toParents += amount;
            emit RevenueForwarded(assetId, parents[i], amount);
        }
    }

    /// @return amounts each parent's floor part
    /// @return extra what each parent gets on top (the rest of the share, spread equally)
    function _split(uint256 sales, uint256 inherited, uint256 bps, uint256 ownFloor, uint16[] memory floors)
        private
        pure
        returns (uint256[] memory amounts, uint256 extra)
    {
        uint256 n = floors.length;
        amounts = new uint256[](n);
        uint256 required;
        uint256 fromInherited;
        for (uint256 i; i < n; ++i) {
            uint256 owed = sales * floors[i] / BPS;
            if (ownFloor != 0) {
                uint256 up = inherited * floors[i] / ownFloor;
                fromInherited += up;
                owed += up;
            }
            amounts[i] = owed;
            required += owed;
        }
        uint256 voluntary = inherited * bps / BPS;
        uint256 share = sales * bps / BPS + (voluntary > fromInherited ? voluntary : fromInherited);
        extra = (share - required) / n; // share >= required: the registry checks bps >= floors
    }

    function _leaf(address account, uint256 weight) private pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(account, weight))));
    }
}
