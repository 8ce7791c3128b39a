// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {AssetRegistry} from "./AssetRegistry.sol";
import {RoyaltyVault} from "./RoyaltyVault.sol";
import {ILicenseChecker} from "./interfaces/ILicenseChecker.sol";

/// @title LicenseMarket
/// @notice Asset owners publish offers (price, duration, commercial use, derivatives, supply cap,
///         transferability). Buying escrows the price and mints a license NFT; the buyer's
///         encryption public key is published in LicensePurchased for the seller's key-delivery
///         service. When the seller records delivery of the wrapped content key, the protocol fee
///         goes to the treasury and the rest to the asset's RoyaltyVault pool, and the license
///         starts to run (expiry = delivery time + duration; duration 0 = perpetual). If the
///         seller misses the delivery deadline, the buyer can take a full refund (license burnt).
/// @dev Offers are immutable once created except for their active flag; new terms = new offer.
///      Pending licenses cannot be transferred; delivered ones only when the offer allows it.
contract LicenseMarket is ERC721, AccessControl, ReentrancyGuardTransient, ILicenseChecker {
    using SafeERC20 for IERC20;

    enum Status {
        None,
        Pending,
        Delivered,
        Refunded
    }

    struct OfferTerms {
        uint256 assetId;
        uint96 price;
        uint64 duration; // seconds the license runs after delivery; 0 = perpetual
        uint32 maxLicenses; // 0 = unlimited
        bool commercialUse;
        bool derivativesAllowed;
        bool transferable;
    }

    struct Offer {
        uint256 assetId;
        uint96 price;
        uint64 duration;
        uint32 maxLicenses;
        uint32 sold; // pending + delivered licenses (refunds give the slot back)
        bool commercialUse;
        bool derivativesAllowed;
        bool transferable;
        bool active;
    }

    struct License {
        uint48 offerId;
        uint40 deliverBy; // refund possible after this while still pending
        uint40 expiresAt; // set on delivery; type(uint40).max = perpetual
        Status status;
        uint16 feeBps; // protocol fee snapshot at purchase
        uint96 paid; // escrowed price
    }

    uint16 public constant MAX_FEE_BPS = 1_000;
    uint256 public constant MAX_PUBKEY_LENGTH = 133;
    uint256 public constant MAX_CID_LENGTH = 128;
    uint40 private constant PERPETUAL = type(uint40).max;

    IERC20 public immutable token;
    AssetRegistry public immutable registry;
    RoyaltyVault public immutable vault;

    address public treasury;
    uint16 public feeBps;
    uint40 public deliveryTimeout;

    uint256 public offerCount;
    uint256 public licenseCount;
    mapping(uint256 offerId => Offer) private _offers;
    mapping(uint256 licenseId => License) private _licenses;
    /// @notice License id `isLicensed`/`canDerive` look at for (asset, account); maintained on
    ///         delivery and transfer, and settable by the holder with `useLicense`.
    mapping(uint256 assetId => mapping(address account => uint256 licenseId)) public licenseHint;

    event OfferCreated(
        uint256 indexed offerId,
        uint256 indexed assetId,
        address indexed seller,
        uint256 price,
        uint64 duration,
        uint32 maxLicenses,
        bool commercialUse,
        bool derivativesAllowed,
        bool transferable
    );
    event OfferActiveSet(uint256 indexed offerId, bool active);
    event LicensePurchased(
        uint256 indexed licenseId,
        uint256 indexed offerId,
        uint256 indexed assetId,
        address buyer,
        uint256 price,
        uint256 deliverBy,
        bytes encryptionPubKey
    );
    event KeyDelivered(
        uint256 indexed licenseId,
        uint256 indexed assetId,
        string wrappedKeyCid,
        uint256 expiresAt,
        uint256 fee,
        uint256 revenue
    );
    event LicenseRefunded(uint256 indexed licenseId, address indexed buyer, uint256 amount);
    event FeeSet(address indexed treasury, uint16 feeBps);
    event DeliveryTimeoutSet(uint40 timeout);

    error ZeroAddress();
    error FeeTooHigh(uint16 feeBps);
    error InvalidTimeout();
    error NotAssetOperator(uint256 assetId, address account);
    error UnknownOffer(uint256 offerId);
    error OfferInactive(uint256 offerId);
    error SoldOut(uint256 offerId);
    error InvalidPubKey();
    error InvalidCid();
    error NotPending(uint256 licenseId);
    error DeliveryNotLate(uint256 licenseId, uint256 deliverBy);
    error NotLicenseHolder(uint256 licenseId, address account);
    error NotTransferable(uint256 licenseId);
    error LicenseNotValid(uint256 licenseId);

    constructor(
        IERC20 token_,
        AssetRegistry registry_,
        RoyaltyVault vault_,
        address admin,
        address treasury_,
        uint16 feeBps_,
        uint40 deliveryTimeout_
    ) ERC721("Sahara License", "SLICENSE") {
        if (admin == address(0) || treasury_ == address(0)) revert ZeroAddress();
        if (feeBps_ > MAX_FEE_BPS) revert FeeTooHigh(feeBps_);
        if (deliveryTimeout_ == 0) revert InvalidTimeout();
        token = token_;
        registry = registry_;
        vault = vault_;
        treasury = treasury_;
        feeBps = feeBps_;
        deliveryTimeout = deliveryTimeout_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        token_.forceApprove(address(vault_), type(uint256).max);
        emit FeeSet(treasury_, feeBps_);
        emit DeliveryTimeoutSet(deliveryTimeout_);
    }

    // ------------------------------------------------------------------ admin
    function setFee(address treasury_, uint16 feeBps_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (treasury_ == address(0)) revert ZeroAddress();
        if (feeBps_ > MAX_FEE_BPS) revert FeeTooHigh(feeBps_);
        treasury = treasury_;
        feeBps = feeBps_;
        emit FeeSet(treasury_, feeBps_);
    }

    function setDeliveryTimeout(uint40 timeout) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (timeout == 0) revert InvalidTimeout();
        deliveryTimeout = timeout;
        emit DeliveryTimeoutSet(timeout);
    }

    // ------------------------------------------------------------------ sellers
    /// @notice Publish an offer for an asset you own (or operate for its owner).
    function createOffer(OfferTerms calldata t) external returns (uint256 offerId) {
        _requireAssetOperator(t.assetId);
        offerId = ++offerCount;
        _offers[offerId] = Offer({
            assetId: t.assetId,
            price: t.price,
            duration: t.duration,
            maxLicenses: t.maxLicenses,
            sold: 0,
            commercialUse: t.commercialUse,
            derivativesAllowed: t.derivativesAllowed,
            transferable: t.transferable,
            active: true
        });
        emit OfferCreated(
            offerId,
            t.assetId,
            msg.sender,
            t.price,
            t.duration,
            t.maxLicenses,
            t.commercialUse,
            t.derivativesAllowed,
            t.transferable
        );
    }

    function setOfferActive(uint256 offerId, bool active) external {
        Offer storage o = _offer(offerId);
        _requireAssetOperator(o.assetId);
        o.active = active;
        emit OfferActiveSet(offerId, active);
    }

    /// @notice Record that the content key, wrapped to the buyer's public key, was published at
    ///         `wrappedKeyCid`. Releases the escrow (fee to treasury, rest to the royalty vault)
    ///         and starts the license. Asset owner or operator only; possible while pending.
    function recordDelivery(uint256 licenseId, string calldata wrappedKeyCid) external nonReentrant {
        uint256 len = bytes(wrappedKeyCid).length;
        if (len == 0 || len > MAX_CID_LENGTH) revert InvalidCid();
        License storage l = _licenses[licenseId];
        if (l.status != Status.Pending) revert NotPending(licenseId);
        Offer storage o = _offers[l.offerId];
        uint256 assetId = o.assetId;
        _requireAssetOperator(assetId);

        uint40 expiresAt = o.duration == 0 ? PERPETUAL : uint40(block.timestamp + o.duration);
        uint256 paid = l.paid;
        uint256 fee = paid * l.feeBps / 10_000;
        uint256 revenue = paid - fee;
        l.status = Status.Delivered;
        l.expiresAt = expiresAt;

        address holder = _ownerOf(licenseId);
        uint256 hint = licenseHint[assetId][holder];
        if (hint == 0 || !_valid(hint, holder) || _licenses[hint].expiresAt < expiresAt) {
            licenseHint[assetId][holder] = licenseId;
        }
        emit KeyDelivered(licenseId, assetId, wrappedKeyCid, expiresAt, fee, revenue);

        if (fee != 0) token.safeTransfer(treasury, fee);
        if (revenue != 0) vault.deposit(assetId, revenue);
    }

    // ------------------------------------------------------------------ buyers
    /// @notice Buy a license (price pulled with a prior `approve`).
    function buy(uint256 offerId, bytes calldata encryptionPubKey) external nonReentrant returns (uint256) {
        return _buy(offerId, encryptionPubKey);
    }

    /// @notice Buy a license, approving the payment with an EIP-2612 permit in the same call.
    /// @dev A permit that fails (e.g. front-run by someone submitting it first) is ignored; the
    ///      purchase then needs the allowance to be in place anyway.
    function buyWithPermit(
        uint256 offerId,
        bytes calldata encryptionPubKey,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant returns (uint256) {
        uint256 price = _offer(offerId).price;
        try IERC20Permit(address(token)).permit(msg.sender, address(this), price, deadline, v, r, s) {} catch {}
        return _buy(offerId, encryptionPubKey);
    }

    /// @notice Take back the escrowed price of a license whose key was not delivered in time.
    ///         The license NFT is burnt. Only its holder (the buyer: pending licenses don't move).
    function refund(uint256 licenseId) external nonReentrant {
        License storage l = _licenses[licenseId];
        if (l.status != Status.Pending) revert NotPending(licenseId);
        address holder = _ownerOf(licenseId);
        if (holder != msg.sender) revert NotLicenseHolder(licenseId, msg.sender);
        if (block.timestamp <= l.deliverBy) revert DeliveryNotLate(licenseId, l.deliverBy);
        uint256 amount = l.paid;
        l.status = Status.Refunded;
        l.paid = 0;
        _offers[l.offerId].sold -= 1;
        _burn(licenseId);
        emit LicenseRefunded(licenseId, holder, amount);
        if (amount != 0) token.safeTransfer(holder, amount);
    }

    /// @notice Make `licenseId` the license `isLicensed`/`canDerive` consult for its holder.
    function useLicense(uint256 licenseId) external {
        if (!_valid(licenseId, msg.sender)) revert LicenseNotValid(licenseId);
        licenseHint[_offers[_licenses[licenseId].offerId].assetId][msg.sender] = licenseId;
    }

    // ------------------------------------------------------------------ views
    function getOffer(uint256 offerId) external view returns (Offer memory) {
        return _offer(offerId);
    }

    function getLicense(uint256 licenseId) external view returns (License memory) {
        return _licenses[licenseId];
    }

    function assetOfLicense(uint256 licenseId) public view returns (uint256) {
        return _offers[_licenses[licenseId].offerId].assetId;
    }

    /// @notice Delivered, unexpired, and held by `account`.
    function isValidLicense(uint256 licenseId, address account) external view returns (bool) {
        return _valid(licenseId, account);
    }

    function isLicensed(uint256 assetId, address account) external view returns (bool) {
        uint256 id = licenseHint[assetId][account];
        return id != 0 && _valid(id, account);
    }

    function canDerive(uint256 assetId, address account) external view returns (bool) {
        uint256 id = licenseHint[assetId][account];
        return id != 0 && _valid(id, account) && _offers[_licenses[id].offerId].derivativesAllowed;
    }

    function supportsInterface(bytes4 interfaceId) public view override(ERC721, AccessControl) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------ internals
    function _buy(uint256 offerId, bytes calldata pubKey) private returns (uint256 licenseId) {
        uint256 keyLen = pubKey.length;
        if (keyLen == 0 || keyLen > MAX_PUBKEY_LENGTH) revert InvalidPubKey();
        Offer storage o = _offer(offerId);
        if (!o.active) revert OfferInactive(offerId);
        uint32 sold = o.sold;
        if (o.maxLicenses != 0 && sold >= o.maxLicenses) revert SoldOut(offerId);
        o.sold = sold + 1;
        uint96 price = o.price;
        uint256 assetId = o.assetId;

        licenseId = ++licenseCount;
        uint40 deliverBy = uint40(block.timestamp) + deliveryTimeout;
        _licenses[licenseId] = License({
            offerId: uint48(offerId),
            deliverBy: deliverBy,
            expiresAt: 0,
            status: Status.Pending,
            feeBps: feeBps,
            paid: price
        });
        emit LicensePurchased(licenseId, offerId, assetId, msg.sender, price, deliverBy, pubKey);
        _mint(msg.sender, licenseId);
        if (price != 0) token.safeTransferFrom(msg.sender, address(this), price);
    }

    function _offer(uint256 offerId) private view returns (Offer storage o) {
        o = _offers[offerId];
        if (o.assetId == 0) revert UnknownOffer(offerId);
    }

    function _valid(uint256 licenseId, address account) private view returns (bool) {
        License storage l = _licenses[licenseId];
        return l.status == Status.Delivered && block.timestamp < l.expiresAt && _ownerOf(licenseId) == account;
    }

    function _requireAssetOperator(uint256 assetId) private view {
        address owner = registry.ownerOf(assetId);
        if (owner != msg.sender && !registry.isApprovedForAll(owner, msg.sender)) {
            revert NotAssetOperator(assetId, msg.sender);
        }
    }

    /// @dev Transfers (not mint/burn) need a delivered license from a transferable offer; the
    ///      receiver's hint moves to it when the receiver has no valid license for the asset.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = super._update(to, tokenId, auth);
        if (from != address(0) && to != address(0)) {
            License storage l = _licenses[tokenId];
            Offer storage o = _offers[l.offerId];
            if (l.status != Status.Delivered || !o.transferable) revert NotTransferable(tokenId);
            uint256 assetId = o.assetId;
            uint256 hint = licenseHint[assetId][to];
            if (hint == 0 || !_valid(hint, to)) licenseHint[assetId][to] = tokenId;
        }
    }
}
