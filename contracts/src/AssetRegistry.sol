// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ILicenseChecker} from "./interfaces/ILicenseChecker.sol";
import {ILabelingRecord} from "./interfaces/ILabelingRecord.sol";

/// @title AssetRegistry
/// @notice One ERC-721 token per published asset (dataset, model or agent). An asset records its
///         content and metadata CIDs, the assets it derives from (parents, at most 16) with the
///         share of its revenue that goes to them, the royalty its own derivatives owe it, and how
///         the rest is split among contributors: a Merkle tree of (account, weight) leaves (root,
///         total weight and the CID of the tree's file), a settled labeling campaign (its labelers
///         weighted by accepted items, read from the campaign's ILabelingRecord), or neither, in
///         which case the asset's current owner receives the contributors' share. An asset with
///         contributors may keep an owner share (`ownerShareBps`, fixed at registration) of that
///         revenue for whoever owns it when claiming; its contributors split the rest.
/// @dev Royalty floors: every asset has `royaltyFloorBps` = its own `derivativeRoyaltyBps` plus
///      the sum of its parents' floors (capped at 100 %): the share of a derivative's revenue that
///      the asset and its ancestors are owed. A derivative must give its parents at least the sum
///      of their floors, and RoyaltyVault gives each parent its floor's part first (of sales and
///      of inherited royalties alike), so padding the parent list or stacking self-owned layers
///      never shrinks what an ancestor receives.
///      Leaves are double-hashed like OpenZeppelin's StandardMerkleTree with types
///      ["address", "uint256"]: keccak256(bytes.concat(keccak256(abi.encode(account, weight)))),
///      pairs hashed sorted (MerkleProof). The contributor split is immutable: revenue accounting
///      in RoyaltyVault is cumulative per (asset, account). The catalogue can be rebuilt from the
///      AssetRegistered / ParentLinked / MetadataUpdated / Transfer events alone.
contract AssetRegistry is ERC721, AccessControl {
    using SafeCast for uint256;

    enum Kind {
        Dataset,
        Model,
        Agent
    }

    struct Asset {
        address creator;
        Kind kind;
        uint16 parentRoyaltyBps;
        uint40 createdAt;
        uint32 metadataVersion;
        uint16 derivativeRoyaltyBps; // what each direct derivative owes this asset itself
        uint16 royaltyFloorBps; // what a derivative owes this asset and its ancestors together
        //                         (derivativeRoyaltyBps + the parents' floors, at most 100 %)
        bool commercialUse; // false when a parent was licensed without commercial use
        address labelingRecord; // campaign-backed contributors (else address(0))
        bytes32 contributorsRoot;
        uint256 totalWeight;
        uint256 campaignId;
        string contentCid;
        string metadataCid;
        string contributorsCid; // the contributor tree's file (empty without a root)
        uint256[] parents;
        // last, so that the fields before it keep their places in `getAsset`'s tuple
        uint16 ownerShareBps; // of the contributors' revenue, to the asset's owner (0 without contributors)
    }

    struct Registration {
        Kind kind;
        string contentCid;
        string metadataCid;
        uint256[] parents;
        uint16 parentRoyaltyBps;
        uint16 derivativeRoyaltyBps;
        bytes32 contributorsRoot;
        uint256 totalWeight;
        string contributorsCid;
        address labelingRecord;
        uint256 campaignId;
        uint16 ownerShareBps;
    }

    uint256 public constant MAX_PARENTS = 16;
    uint256 public constant MAX_CID_LENGTH = 128;
    uint16 public constant BPS = 10_000;

    /// @notice License market consulted for derivatives of other people's assets.
    ILicenseChecker public licenseChecker;
    /// @notice Smallest parent royalty share a derivative may declare.
    uint16 public minParentRoyaltyBps;
    /// @notice Number of assets registered; ids run from 1 to assetCount.
    uint256 public assetCount;

    mapping(uint256 assetId => Asset) private _assets;

    /// @param contributorsCid the contributor tree's file ("" without a root)
    /// @param labelingRecord with `campaignId` (< 2^88): the settled campaign whose labelers are the
    ///        contributors (address(0) otherwise); `totalWeight` is then its accepted item count
    /// @param ownerShareBps of the contributors' revenue, paid to the asset's owner at claim time
    event AssetRegistered(
        uint256 indexed assetId,
        address indexed creator,
        Kind indexed kind,
        string contentCid,
        string metadataCid,
        uint256[] parents,
        uint16 parentRoyaltyBps,
        uint16 derivativeRoyaltyBps,
        bytes32 contributorsRoot,
        uint256 totalWeight,
        string contributorsCid,
        address labelingRecord,
        uint256 campaignId,
        uint16 ownerShareBps
    );
    /// @notice One per parent of a new asset, so an indexer can query lineage both ways.
    event ParentLinked(uint256 indexed child, uint256 indexed parent);
    event MetadataUpdated(
        uint256 indexed assetId, uint32 indexed version, string metadataCid, string previousMetadataCid, address by
    );
    /// @dev ERC-4906: tells marketplaces/indexers to refresh tokenURI.
    event MetadataUpdate(uint256 _tokenId);
    event LicenseCheckerSet(address indexed licenseChecker);
    event MinParentRoyaltySet(uint16 bps);

    error UnknownAsset(uint256 assetId);
    error InvalidCid();
    error TooManyParents(uint256 count);
    error DuplicateParent(uint256 parentId);
    error NotLicensedForDerivative(uint256 parentId);
    error InvalidRoyaltyBps(uint16 bps);
    /// @notice The parents' royalty floors add up to more than the declared parent share.
    error ParentShareBelowFloors(uint16 bps, uint256 floors);
    error InvalidContributors();
    /// @notice A campaign may back an asset only once settled, and only for its requester.
    error CampaignNotUsable(address labelingRecord, uint256 campaignId);
    error NotAuthorized(uint256 assetId, address account);
    /// @notice An owner share above 100 %, or one on an asset without contributors (its owner
    ///         already takes the whole share).
    error InvalidOwnerShare(uint16 bps);

    constructor(address admin, uint16 minParentRoyaltyBps_) ERC721("Sahara Asset", "SASSET") {
        if (minParentRoyaltyBps_ > BPS) revert InvalidRoyaltyBps(minParentRoyaltyBps_);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        minParentRoyaltyBps = minParentRoyaltyBps_;
        emit MinParentRoyaltySet(minParentRoyaltyBps_);
    }

    // ------------------------------------------------------------------ admin
    function setLicenseChecker(ILicenseChecker checker) external onlyRole(DEFAULT_ADMIN_ROLE) {
        licenseChecker = checker;
        emit LicenseCheckerSet(address(checker));
    }

    function setMinParentRoyaltyBps(uint16 bps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (bps > BPS) revert InvalidRoyaltyBps(bps);
        minParentRoyaltyBps = bps;
        emit MinParentRoyaltySet(bps);
    }

    // ------------------------------------------------------------------ writes
    /// @notice Register an asset and mint its token to the caller.
    /// @dev Each parent must exist; a parent the caller does not own needs a license from
    ///      `licenseChecker` that allows derivatives (it is bound to the caller for good). With
    ///      parents, `parentRoyaltyBps` must lie in [max(minParentRoyaltyBps, sum of the parents'
    ///      royalty floors), 10000]; without, it must be 0. Contributors: a non-zero root needs a
    ///      total weight in [1, 2^64-1] and the tree's CID; a labeling campaign needs a zero root
    ///      and weight, must be settled, and the caller must be its requester (its accepted item
    ///      count becomes the total weight); neither = the owner takes the share. With
    ///      contributors, `ownerShareBps` (<= 10000) of their revenue goes to the asset's owner;
    ///      without, it must be 0.
    function register(Registration calldata r) external returns (uint256 assetId) {
        _checkCid(r.contentCid);
        _checkCid(r.metadataCid);
        if (r.derivativeRoyaltyBps > BPS) revert InvalidRoyaltyBps(r.derivativeRoyaltyBps);
        uint256 totalWeight = _checkContributors(r);
        bool hasContributors = r.labelingRecord != address(0) || r.contributorsRoot != bytes32(0);
        if (r.ownerShareBps > BPS || (r.ownerShareBps != 0 && !hasContributors)) {
            revert InvalidOwnerShare(r.ownerShareBps);
        }
        (uint256 floors, bool commercial) = _checkParents(r.parents);
        uint16 bps = r.parentRoyaltyBps;
        if (r.parents.length == 0) {
            if (bps != 0) revert InvalidRoyaltyBps(bps);
        } else {
            if (bps < minParentRoyaltyBps || bps > BPS) revert InvalidRoyaltyBps(bps);
            if (bps < floors) revert ParentShareBelowFloors(bps, floors);
        }
        uint256 floor = r.derivativeRoyaltyBps + floors;

        assetId = ++assetCount;
        Asset storage a = _assets[assetId];
        a.creator = msg.sender;
        a.kind = r.kind;
        a.parentRoyaltyBps = bps;
        a.createdAt = block.timestamp.toUint40();
        a.metadataVersion = 1;
        a.derivativeRoyaltyBps = r.derivativeRoyaltyBps;
        a.royaltyFloorBps = uint16(floor > BPS ? BPS : floor);
        a.commercialUse = commercial;
        a.labelingRecord = r.labelingRecord;
        a.contributorsRoot = r.contributorsRoot;
        a.totalWeight = totalWeight;
        a.campaignId = r.campaignId;
        a.contentCid = r.contentCid;
        a.metadataCid = r.metadataCid;
        a.contributorsCid = r.contributorsCid;
        a.parents = r.parents;
        if (r.ownerShareBps != 0) a.ownerShareBps = r.ownerShareBps;
        _emitRegistered(assetId, a);
        _safeMint(msg.sender, assetId);
    }

    /// @notice Point the asset at new metadata. Owner or approved operator only; the history is
    ///         kept in MetadataUpdated events (version numbers start at 1 for the registration).
    function updateMetadata(uint256 assetId, string calldata metadataCid) external {
        address owner = _requireOwned(assetId);
        if (!_isAuthorized(owner, msg.sender, assetId)) revert NotAuthorized(assetId, msg.sender);
        _checkCid(metadataCid);
        Asset storage a = _assets[assetId];
        uint32 version = a.metadataVersion + 1;
        string memory previous = a.metadataCid;
        a.metadataVersion = version;
        a.metadataCid = metadataCid;
        emit MetadataUpdated(assetId, version, metadataCid, previous, msg.sender);
        emit MetadataUpdate(assetId);
    }

    // ------------------------------------------------------------------ views
    /// @notice false when the asset derives (directly or through its lineage) from a license
    ///         without commercial use: LicenseMarket then refuses paid offers for it.
    function isCommercial(uint256 assetId) external view returns (bool) {
        return _assets[assetId].commercialUse;
    }

    function exists(uint256 assetId) external view returns (bool) {
        return _ownerOf(assetId) != address(0);
    }

    function getAsset(uint256 assetId) external view returns (Asset memory) {
        _requireOwned(assetId);
        return _assets[assetId];
    }

    function parentsOf(uint256 assetId) external view returns (uint256[] memory) {
        _requireOwned(assetId);
        return _assets[assetId].parents;
    }

    /// @notice The royalty split as RoyaltyVault needs it: the asset's parent share, its own
    ///         floor (what its derivatives owe it and its ancestors), its parents, and each
    ///         parent's floor (the parent share is split in proportion to them).
    function royaltyInfo(uint256 assetId)
        external
        view
        returns (uint16 parentRoyaltyBps, uint16 royaltyFloorBps, uint256[] memory parents, uint16[] memory floors)
    {
        Asset storage a = _assets[assetId];
        parents = a.parents;
        floors = new uint16[](parents.length);
        for (uint256 i; i < parents.length; ++i) {
            floors[i] = _assets[parents[i]].royaltyFloorBps;
        }
        return (a.parentRoyaltyBps, a.royaltyFloorBps, parents, floors);
    }

    /// @notice Contributors: Merkle root and total weight, or the labeling record and campaign
    ///         whose accepted items weigh them (total = the campaign's accepted items); neither:
    ///         the owner takes the share. `ownerShareBps` of the contributors' revenue goes to
    ///         the asset's owner first (0 without contributors).
    function contributorSplit(uint256 assetId)
        external
        view
        returns (bytes32 root, uint256 totalWeight, address labelingRecord, uint256 campaignId, uint16 ownerShareBps)
    {
        Asset storage a = _assets[assetId];
        return (a.contributorsRoot, a.totalWeight, a.labelingRecord, a.campaignId, a.ownerShareBps);
    }

    /// @notice The leaf a contributor proves: double-hashed abi.encode(account, weight).
    function leafHash(address account, uint256 weight) public pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(account, weight))));
    }

    function verifyContributor(uint256 assetId, address account, uint256 weight, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        bytes32 root = _assets[assetId].contributorsRoot;
        return root != bytes32(0) && MerkleProof.verifyCalldata(proof, root, leafHash(account, weight));
    }

    function tokenURI(uint256 assetId) public view override returns (string memory) {
        _requireOwned(assetId);
        return string.concat("ipfs://", _assets[assetId].metadataCid);
    }

    function supportsInterface(bytes4 interfaceId) public view override(ERC721, AccessControl) returns (bool) {
        return interfaceId == bytes4(0x49064906) || super.supportsInterface(interfaceId);
    }

    /// @return totalWeight the tree's declared total, or the campaign's accepted item count.
    function _checkContributors(Registration calldata r) private view returns (uint256 totalWeight) {
        totalWeight = r.totalWeight;
        bool tree = r.contributorsRoot != bytes32(0);
        if (r.labelingRecord != address(0)) {
            if (tree || totalWeight != 0 || bytes(r.contributorsCid).length != 0) revert InvalidContributors();
            ILabelingRecord record = ILabelingRecord(r.labelingRecord);
            if (
                r.campaignId > type(uint88).max || !record.isSettled(r.campaignId)
                    || record.requesterOf(r.campaignId) != msg.sender
            ) {
                revert CampaignNotUsable(r.labelingRecord, r.campaignId);
            }
            totalWeight = record.totalAcceptedItems(r.campaignId);
            if (totalWeight == 0 || totalWeight > type(uint64).max) revert InvalidContributors();
        } else if (tree) {
            if (totalWeight == 0 || totalWeight > type(uint64).max || r.campaignId != 0) revert InvalidContributors();
            _checkCid(r.contributorsCid);
        } else if (totalWeight != 0 || r.campaignId != 0 || bytes(r.contributorsCid).length != 0) {
            revert InvalidContributors();
        }
    }

    /// @dev Every parent exists, appears once, and is either the caller's or licensed to it for
    ///      derivatives (the license is bound to the caller). Returns the sum of the parents'
    ///      floors and whether every parent (and its own lineage) allows commercial use.
    function _checkParents(uint256[] calldata parents) private returns (uint256 floors, bool commercial) {
        uint256 n = parents.length;
        if (n > MAX_PARENTS) revert TooManyParents(n);
        commercial = true;
        for (uint256 i; i < n; ++i) {
            uint256 p = parents[i];
            address parentOwner = _ownerOf(p);
            if (parentOwner == address(0)) revert UnknownAsset(p);
            for (uint256 j; j < i; ++j) {
                if (parents[j] == p) revert DuplicateParent(p);
            }
            Asset storage parent = _assets[p];
            floors += parent.royaltyFloorBps;
            if (!parent.commercialUse) commercial = false;
            if (parentOwner != msg.sender) {
                ILicenseChecker checker = licenseChecker;
                if (address(checker) == address(0) || !checker.canDerive(p, msg.sender)) {
                    revert NotLicensedForDerivative(p);
                }
                if (!checker.useForDerivative(p, msg.sender)) commercial = false;
            }
        }
    }

    function _emitRegistered(uint256 assetId, Asset storage a) private {
        emit AssetRegistered(
            assetId,
            a.creator,
            a.kind,
            a.contentCid,
            a.metadataCid,
            a.parents,
            a.parentRoyaltyBps,
            a.derivativeRoyaltyBps,
            a.contributorsRoot,
            a.totalWeight,
            a.contributorsCid,
            a.labelingRecord,
            a.campaignId,
            a.ownerShareBps
        );
        uint256[] storage parents = a.parents;
        for (uint256 i; i < parents.length; ++i) {
            emit ParentLinked(assetId, parents[i]);
        }
    }

    function _checkCid(string calldata cid) private pure {
        uint256 len = bytes(cid).length;
        if (len == 0 || len > MAX_CID_LENGTH) revert InvalidCid();
    }
}
