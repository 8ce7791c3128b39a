// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ILicenseChecker} from "./interfaces/ILicenseChecker.sol";

/// @title AssetRegistry
/// @notice One ERC-721 token per published asset (dataset, model or agent). An asset records its
///         content and metadata CIDs, the assets it derives from (parents, at most 16) with the
///         share of its revenue that goes to them, and how the rest is split among contributors:
///         a Merkle root over (account, weight) leaves plus the total weight, or no root at all, in
///         which case the asset's current owner receives the contributors' share.
/// @dev Leaves are double-hashed like OpenZeppelin's StandardMerkleTree with types
///      ["address", "uint256"]: keccak256(bytes.concat(keccak256(abi.encode(account, weight)))),
///      pairs hashed sorted (MerkleProof). The contributor split is immutable: revenue accounting
///      in RoyaltyVault is cumulative per (asset, account). The catalogue can be rebuilt from the
///      AssetRegistered / MetadataUpdated / Transfer events alone.
contract AssetRegistry is ERC721, AccessControl {
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
        bytes32 contributorsRoot;
        uint256 totalWeight;
        string contentCid;
        string metadataCid;
        uint256[] parents;
    }

    struct Registration {
        Kind kind;
        string contentCid;
        string metadataCid;
        uint256[] parents;
        uint16 parentRoyaltyBps;
        bytes32 contributorsRoot;
        uint256 totalWeight;
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

    event AssetRegistered(
        uint256 indexed assetId,
        address indexed creator,
        Kind indexed kind,
        string contentCid,
        string metadataCid,
        uint256[] parents,
        uint16 parentRoyaltyBps,
        bytes32 contributorsRoot,
        uint256 totalWeight
    );
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
    error InvalidContributors();
    error NotAuthorized(uint256 assetId, address account);

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
    ///      `licenseChecker` that allows derivatives. With parents, `parentRoyaltyBps` must lie in
    ///      [minParentRoyaltyBps, 10000]; without, it must be 0. A non-zero contributors root needs
    ///      a non-zero total weight (at most 2^64-1); a zero root needs a zero weight (owner takes
    ///      the share).
    function register(Registration calldata r) external returns (uint256 assetId) {
        _checkCid(r.contentCid);
        _checkCid(r.metadataCid);
        uint256 n = r.parents.length;
        if (n > MAX_PARENTS) revert TooManyParents(n);
        if (n == 0) {
            if (r.parentRoyaltyBps != 0) revert InvalidRoyaltyBps(r.parentRoyaltyBps);
        } else if (r.parentRoyaltyBps < minParentRoyaltyBps || r.parentRoyaltyBps > BPS) {
            revert InvalidRoyaltyBps(r.parentRoyaltyBps);
        }
        if ((r.contributorsRoot == bytes32(0)) != (r.totalWeight == 0) || r.totalWeight > type(uint64).max) {
            revert InvalidContributors();
        }

        for (uint256 i; i < n; ++i) {
            uint256 p = r.parents[i];
            address parentOwner = _ownerOf(p);
            if (parentOwner == address(0)) revert UnknownAsset(p);
            for (uint256 j; j < i; ++j) {
                if (r.parents[j] == p) revert DuplicateParent(p);
            }
            if (parentOwner != msg.sender) {
                ILicenseChecker checker = licenseChecker;
                if (address(checker) == address(0) || !checker.canDerive(p, msg.sender)) {
                    revert NotLicensedForDerivative(p);
                }
            }
        }

        assetId = ++assetCount;
        Asset storage a = _assets[assetId];
        a.creator = msg.sender;
        a.kind = r.kind;
        a.parentRoyaltyBps = r.parentRoyaltyBps;
        a.createdAt = uint40(block.timestamp);
        a.metadataVersion = 1;
        a.contributorsRoot = r.contributorsRoot;
        a.totalWeight = r.totalWeight;
        a.contentCid = r.contentCid;
        a.metadataCid = r.metadataCid;
        a.parents = r.parents;

        emit AssetRegistered(
            assetId,
            msg.sender,
            r.kind,
            r.contentCid,
            r.metadataCid,
            r.parents,
            r.parentRoyaltyBps,
            r.contributorsRoot,
            r.totalWeight
        );
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

    /// @notice Parent share (bps) and parents, as RoyaltyVault needs them.
    function royaltyInfo(uint256 assetId) external view returns (uint16 parentRoyaltyBps, uint256[] memory parents) {
        Asset storage a = _assets[assetId];
        return (a.parentRoyaltyBps, a.parents);
    }

    /// @notice Contributors' Merkle root and total weight (zero root: the owner takes the share).
    function contributorSplit(uint256 assetId) external view returns (bytes32 root, uint256 totalWeight) {
        Asset storage a = _assets[assetId];
        return (a.contributorsRoot, a.totalWeight);
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

    function _checkCid(string calldata cid) private pure {
        uint256 len = bytes(cid).length;
        if (len == 0 || len > MAX_CID_LENGTH) revert InvalidCid();
    }
}
