// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {AssetRegistry} from "./AssetRegistry.sol";
import {RoyaltyVault} from "./RoyaltyVault.sol";
import {ILicenseChecker} from "./interfaces/ILicenseChecker.sol";

/// @title LicenseMarket
/// @notice Asset owners publish offers (price, duration, commercial use, derivatives, supply cap,
///         transferability). Buying escrows the price and mints a license NFT; the buyer's
///         encryption public key is published in LicensePurchased for the seller's key-delivery
///         service. The seller records delivery of the wrapped content key by the delivery
///         deadline (never after: the buyer may then refund); the license starts to run (expiry =
///         delivery time + duration, saturating at "perpetual"; duration 0 = perpetual) and the
///         dispute window opens. Within it the holder may dispute with a bond; an arbiter rules
///         by a deadline (buyer wins: price and bond back, license burnt; seller wins: paid, and
///         the bond goes to the asset's owner). Without a ruling by the deadline the dispute
///         settles for the seller and the buyer gets the bond back. Once the window passes (or
///         the holder accepts early) anyone may `release`: the protocol fee goes to the treasury
///         and the rest to the asset's RoyaltyVault pool. Every escrow ends paid or refunded.
/// @dev Offers are immutable once created except for their active flag; new terms = new offer.
///      Only settled licenses may be transferred, and only when the offer allows it; a license
///      used for a derivative is bound to its holder for good (one license, one account).
contract LicenseMarket is ERC721, AccessControl, ReentrancyGuardTransient, ILicenseChecker {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    enum Status {
        None,
        Pending, // escrowed, waiting for the key (refundable after `deadline`)
        Delivered, // key delivered, escrow held until the dispute window (`deadline`) ends
        Disputed, // the holder disputed the delivery; the arbiter rules by `disputeOf(id).ruleBy`
        Settled, // escrow paid out to treasury and royalty vault
        Refunded // escrow returned to the buyer, license burnt
    }

    struct OfferTerms {
        uint256 assetId;
        uint96 price;
        uint64 duration; // seconds the license runs after delivery; 0 = perpetual
        uint32 maxLicenses; // 0 = unlimited (up to 2^32 - 1)
        bool commercialUse;
        bool derivativesAllowed;
        bool transferable;
    }

    struct Offer {
        uint256 assetId;
        uint96 price;
        uint64 duration;
        uint32 maxLicenses;
        uint32 sold; // licenses not refunded
        bool commercialUse;
        bool derivativesAllowed;
        bool transferable;
        bool active;
    }

    struct License {
        uint48 offerId;
        uint40 deadline; // Pending: deliver by (refund after); Delivered: end of the dispute window
        uint40 expiresAt; // set on delivery; type(uint40).max = perpetual
        Status status;
        uint16 feeBps; // protocol fee snapshot at purchase
        uint96 paid; // escrowed price
        bool bound; // used for a derivative: never transferable again
    }

    struct Dispute {
        uint96 bond;
        uint40 ruleBy; // after this, `release` settles for the seller and returns the bond
    }

    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");
    uint16 public constant MAX_FEE_BPS = 1_000;
    uint16 public constant MAX_DISPUTE_BOND_BPS = 5_000;
    uint40 public constant MAX_DELIVERY_TIMEOUT = 90 days;
    uint40 public constant MAX_DISPUTE_WINDOW = 30 days;
    uint40 public constant MAX_ARBITER_TIMEOUT = 60 days;
    uint256 public constant MAX_PUBKEY_LENGTH = 133;
    uint256 public constant MAX_CID_LENGTH = 128;
    uint40 private constant PERPETUAL = type(uint40).max;

    IERC20 public immutable token;
    AssetRegistry public immutable registry;
    RoyaltyVault public immutable vault;

    address public treasury;
    uint16 public feeBps;
    uint40 public deliveryTimeout;
    /// @notice How long after delivery the holder may dispute (0: settled at delivery).
    uint40 public disputeWindow = 3 days;
    /// @notice The dispute bond, as a share of the price.
    uint16 public disputeBondBps = 1_000;
    /// @notice How long the arbiter has to rule on a dispute.
    uint40 public arbiterTimeout = 14 days;

    uint256 public offerCount;
    uint256 public licenseCount;
    mapping(uint256 offerId => Offer) private _offers;
    mapping(uint256 licenseId => License) private _licenses;
    mapping(uint256 licenseId => Dispute) private _disputes;
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
        uint256 indexed assetId,
        address indexed buyer,
        uint256 offerId,
        uint256 price,
        uint256 deliverBy,
        bytes encryptionPubKey
    );
    event KeyDelivered(
        uint256 indexed licenseId,
        uint256 indexed assetId,
        string wrappedKeyCid,
        uint256 expiresAt,
        uint256 disputeUntil
    );
    event LicenseDisputed(
        uint256 indexed licenseId, address indexed buyer, uint256 bond, uint256 ruleBy, string reasonCid
    );
    event DisputeResolved(uint256 indexed licenseId, bool buyerWins, address indexed arbiter);
    event LicenseSettled(uint256 indexed licenseId, uint256 indexed assetId, uint256 fee, uint256 revenue);
    event LicenseRefunded(uint256 indexed licenseId, address indexed buyer, uint256 amount);
    /// @notice `account` made `licenseId` its license for the asset (`forDerivative`: the
    ///         registry used it for a derivative, which binds it to `account`).
    event LicenseUsed(
        uint256 indexed licenseId, uint256 indexed assetId, address indexed account, bool forDerivative
    );
    event FeeSet(address indexed treasury, uint16 feeBps);
    event DeliveryTimeoutSet(uint40 timeout);
    event DisputeTermsSet(uint40 window, uint16 bondBps, uint40 arbiterTimeout);

    error ZeroAddress();
    error FeeTooHigh(uint16 feeBps);
    error InvalidTimeout();
    error InvalidDisputeTerms();
    error NotAssetOperator(uint256 assetId, address account);
    error UnknownOffer(uint256 offerId);
    error OfferInactive(uint256 offerId);
    error SoldOut(uint256 offerId);
    error NotCommercial(uint256 assetId);
    error InvalidPubKey();
    error InvalidCid();
    error NotPending(uint256 licenseId);
    error DeliveryNotLate(uint256 licenseId, uint256 deliverBy);
    error DeliveryLate(uint256 licenseId, uint256 deliverBy);
    error NotLicenseHolder(uint256 licenseId, address account);
    error NotTransferable(uint256 licenseId);
    error LicenseNotValid(uint256 licenseId);
    error NotDisputable(uint256 licenseId);
    error NotDisputed(uint256 licenseId);
    error RulingClosed(uint256 licenseId, uint256 ruleBy);
    error NotReleasable(uint256 licenseId);
    error NotRegistry();

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
        if (deliveryTimeout_ == 0 || deliveryTimeout_ > MAX_DELIVERY_TIMEOUT) revert InvalidTimeout();
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
        emit DisputeTermsSet(disputeWindow, disputeBondBps, arbiterTimeout);
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
        if (timeout == 0 || timeout > MAX_DELIVERY_TIMEOUT) revert InvalidTimeout();
        deliveryTimeout = timeout;
        emit DeliveryTimeoutSet(timeout);
    }

    /// @notice Dispute window (<= 30 days; 0 = no disputes), bond (<= 50 % of the price) and the
    ///         arbiter's time to rule (1 s .. 60 days). Applies to deliveries and disputes after it.
    function setDisputeTerms(uint40 window, uint16 bondBps, uint40 timeout) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (window > MAX_DISPUTE_WINDOW || bondBps > MAX_DISPUTE_BOND_BPS || timeout == 0 || timeout > MAX_ARBITER_TIMEOUT)
        {
            revert InvalidDisputeTerms();
        }
        disputeWindow = window;
        disputeBondBps = bondBps;
        arbiterTimeout = timeout;
        emit DisputeTermsSet(window, bondBps, timeout);
    }

    // ------------------------------------------------------------------ sellers
    /// @notice Publish an offer for an asset you own (or operate for its owner). A paid offer
    ///         needs an asset whose lineage allows commercial use (`registry.isCommercial`).
    function createOffer(OfferTerms calldata t) external returns (uint256 offerId) {
        _requireAssetOperator(t.assetId);
        if (t.price != 0 && !registry.isCommercial(t.assetId)) revert NotCommercial(t.assetId);
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
    ///         `wrappedKeyCid`, at the latest at the license's delivery deadline. Starts the
    ///         license and the dispute window (with no window, the escrow is released at once).
    ///         Asset owner or operator only; possible while pending.
    function recordDelivery(uint256 licenseId, string calldata wrappedKeyCid) external nonReentrant {
        uint256 len = bytes(wrappedKeyCid).length;
        if (len == 0 || len > MAX_CID_LENGTH) revert InvalidCid();
        License storage l = _licenses[licenseId];
        if (l.status != Status.Pending) revert NotPending(licenseId);
        if (block.timestamp > l.deadline) revert DeliveryLate(licenseId, l.deadline);
        Offer storage o = _offers[l.offerId];
        uint256 assetId = o.assetId;
        _requireAssetOperator(assetId);

        uint256 end = block.timestamp + o.duration;
        uint40 expiresAt = o.duration == 0 || end >= PERPETUAL ? PERPETUAL : uint40(end);
        uint40 disputeUntil = uint40(block.timestamp) + disputeWindow; // < 2^40 for 30,000 years
        l.status = Status.Delivered;
        l.expiresAt = expiresAt;
        l.deadline = disputeUntil;

        address holder = _ownerOf(licenseId);
        uint256 hint = licenseHint[assetId][holder];
        if (hint == 0 || !_valid(hint, holder) || _licenses[hint].expiresAt < expiresAt) {
            licenseHint[assetId][holder] = licenseId;
        }
        emit KeyDelivered(licenseId, assetId, wrappedKeyCid, expiresAt, disputeUntil);
        if (disputeUntil == block.timestamp) _settle(licenseId, l, assetId);
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
        if (block.timestamp <= l.deadline) revert DeliveryNotLate(licenseId, l.deadline);
        _refund(licenseId, l, holder, 0);
    }

    /// @notice Dispute a delivery within the dispute window (e.g. the key does not open the
    ///         content, or the content is not what the asset's card says), posting a bond of
    ///         `disputeBondBps` of the price (pulled from the holder; needs allowance).
    function dispute(uint256 licenseId, string calldata reasonCid) external nonReentrant {
        License storage l = _licenses[licenseId];
        if (l.status != Status.Delivered || block.timestamp > l.deadline || l.paid == 0) {
            revert NotDisputable(licenseId);
        }
        if (_ownerOf(licenseId) != msg.sender) revert NotLicenseHolder(licenseId, msg.sender);
        if (bytes(reasonCid).length > MAX_CID_LENGTH) revert InvalidCid();
        uint96 bond = uint96(uint256(l.paid) * disputeBondBps / 10_000); // <= paid < 2^96
        uint40 ruleBy = uint40(block.timestamp) + arbiterTimeout;
        l.status = Status.Disputed;
        _disputes[licenseId] = Dispute({bond: bond, ruleBy: ruleBy});
        emit LicenseDisputed(licenseId, msg.sender, bond, ruleBy, reasonCid);
        if (bond != 0) token.safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @notice The arbiter's ruling, by the dispute's `ruleBy`. Buyer wins: price and bond back
    ///         to the buyer, license burnt. Seller wins: escrow released, the bond goes to the
    ///         asset's owner.
    function resolveDispute(uint256 licenseId, bool buyerWins) external onlyRole(ARBITER_ROLE) nonReentrant {
        License storage l = _licenses[licenseId];
        if (l.status != Status.Disputed) revert NotDisputed(licenseId);
        Dispute memory d = _disputes[licenseId];
        if (block.timestamp > d.ruleBy) revert RulingClosed(licenseId, d.ruleBy);
        emit DisputeResolved(licenseId, buyerWins, msg.sender);
        if (buyerWins) {
            _refund(licenseId, l, _ownerOf(licenseId), d.bond);
        } else {
            uint256 assetId = _offers[l.offerId].assetId;
            _settle(licenseId, l, assetId);
            if (d.bond != 0) token.safeTransfer(registry.ownerOf(assetId), d.bond);
        }
    }

    /// @notice Pay out a delivered license's escrow: anyone once its dispute window has passed,
    ///         its holder at any time (accepting the delivery); or a dispute the arbiter left
    ///         unruled past `ruleBy` (the seller is paid, the buyer gets its bond back).
    function release(uint256 licenseId) external nonReentrant {
        License storage l = _licenses[licenseId];
        Status st = l.status;
        uint256 assetId = _offers[l.offerId].assetId;
        if (st == Status.Delivered) {
            if (block.timestamp <= l.deadline && _ownerOf(licenseId) != msg.sender) revert NotReleasable(licenseId);
            _settle(licenseId, l, assetId);
        } else if (st == Status.Disputed) {
            Dispute memory d = _disputes[licenseId];
            if (block.timestamp <= d.ruleBy) revert NotReleasable(licenseId);
            _settle(licenseId, l, assetId);
            if (d.bond != 0) token.safeTransfer(_ownerOf(licenseId), d.bond);
        } else {
            revert NotReleasable(licenseId);
        }
    }

    /// @notice Make `licenseId` the license `isLicensed`/`canDerive` consult for its holder.
    function useLicense(uint256 licenseId) external {
        if (!_valid(licenseId, msg.sender)) revert LicenseNotValid(licenseId);
        uint256 assetId = _offers[_licenses[licenseId].offerId].assetId;
        licenseHint[assetId][msg.sender] = licenseId;
        emit LicenseUsed(licenseId, assetId, msg.sender, false);
    }

    /// @inheritdoc ILicenseChecker
    function useForDerivative(uint256 assetId, address account) external returns (bool commercialUse) {
        if (msg.sender != address(registry)) revert NotRegistry();
        uint256 id = licenseHint[assetId][account];
        if (!_derivable(id, account)) revert LicenseNotValid(id);
        _licenses[id].bound = true;
        emit LicenseUsed(id, assetId, account, true);
        return _offers[_licenses[id].offerId].commercialUse;
    }

    // ------------------------------------------------------------------ views
    function getOffer(uint256 offerId) external view returns (Offer memory) {
        return _offer(offerId);
    }

    function getLicense(uint256 licenseId) external view returns (License memory) {
        return _licenses[licenseId];
    }

    function disputeOf(uint256 licenseId) external view returns (Dispute memory) {
        return _disputes[licenseId];
    }

    function assetOfLicense(uint256 licenseId) public view returns (uint256) {
        return _offers[_licenses[licenseId].offerId].assetId;
    }

    /// @notice Delivered (undisputed) or settled, unexpired, and held by `account`.
    function isValidLicense(uint256 licenseId, address account) external view returns (bool) {
        return _valid(licenseId, account);
    }

    function isLicensed(uint256 assetId, address account) external view returns (bool) {
        uint256 id = licenseHint[assetId][account];
        return id != 0 && _valid(id, account);
    }

    function canDerive(uint256 assetId, address account) external view returns (bool) {
        return _derivable(licenseHint[assetId][account], account);
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
        if ((o.maxLicenses != 0 && sold >= o.maxLicenses) || sold == type(uint32).max) revert SoldOut(offerId);
        o.sold = sold + 1;
        uint96 price = o.price;
        uint256 assetId = o.assetId;

        licenseId = ++licenseCount;
        uint40 deliverBy = (block.timestamp + deliveryTimeout).toUint40();
        _licenses[licenseId] = License({
            offerId: offerId.toUint48(),
            deadline: deliverBy,
            expiresAt: 0,
            status: Status.Pending,
            feeBps: feeBps,
            paid: price,
            bound: false
        });
        emit LicensePurchased(licenseId, assetId, msg.sender, offerId, price, deliverBy, pubKey);
        _mint(msg.sender, licenseId);
        if (price != 0) token.safeTransferFrom(msg.sender, address(this), price);
    }

    /// @dev Pay the escrow out: fee to the treasury, the rest to the asset's royalty vault.
    function _settle(uint256 licenseId, License storage l, uint256 assetId) private {
        uint256 paid = l.paid;
        uint256 fee = paid * l.feeBps / 10_000;
        uint256 revenue = paid - fee;
        l.status = Status.Settled;
        l.paid = 0;
        emit LicenseSettled(licenseId, assetId, fee, revenue);
        if (fee != 0) token.safeTransfer(treasury, fee);
        if (revenue != 0) vault.deposit(assetId, revenue);
    }

    /// @dev Return the escrow (and `bond`) to `holder` and burn the license.
    function _refund(uint256 licenseId, License storage l, address holder, uint256 bond) private {
        uint256 amount = l.paid + bond;
        l.status = Status.Refunded;
        l.paid = 0;
        _offers[l.offerId].sold -= 1;
        _burn(licenseId);
        emit LicenseRefunded(licenseId, holder, amount);
        if (amount != 0) token.safeTransfer(holder, amount);
    }

    function _offer(uint256 offerId) private view returns (Offer storage o) {
        o = _offers[offerId];
        if (o.assetId == 0) revert UnknownOffer(offerId);
    }

    function _valid(uint256 licenseId, address account) private view returns (bool) {
        License storage l = _licenses[licenseId];
        Status st = l.status;
        return (st == Status.Delivered || st == Status.Settled) && block.timestamp < l.expiresAt
            && _ownerOf(licenseId) == account;
    }

    /// @dev A settled (paid, no longer disputable), unexpired license held by `account` whose
    ///      offer allows derivatives.
    function _derivable(uint256 licenseId, address account) private view returns (bool) {
        License storage l = _licenses[licenseId];
        return licenseId != 0 && l.status == Status.Settled && block.timestamp < l.expiresAt
            && _ownerOf(licenseId) == account && _offers[l.offerId].derivativesAllowed;
    }

    function _requireAssetOperator(uint256 assetId) private view {
        address owner = registry.ownerOf(assetId);
        if (owner != msg.sender && !registry.isApprovedForAll(owner, msg.sender)) {
            revert NotAssetOperator(assetId, msg.sender);
        }
    }

    /// @dev Transfers (not mint/burn) need a settled license from a transferable offer that was
    ///      never used for a derivative; the receiver's hint moves to it when the receiver has no
    ///      valid license for the asset.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = super._update(to, tokenId, auth);
        if (from != address(0) && to != address(0)) {
            License storage l = _licenses[tokenId];
            Offer storage o = _offers[l.offerId];
            if (l.status != Status.Settled || !o.transferable || l.bound) revert NotTransferable(tokenId);
            uint256 assetId = o.assetId;
            uint256 hint = licenseHint[assetId][to];
            if (hint == 0 || !_valid(hint, to)) licenseHint[assetId][to] = tokenId;
        }
    }
}
