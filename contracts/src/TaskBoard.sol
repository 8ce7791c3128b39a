// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ILabelingRecord} from "./interfaces/ILabelingRecord.sol";

/// @title TaskBoard
/// @notice Labeling campaigns with escrowed rewards, reviews that name submissions, a dispute path
///         for labelers and a public record of every requester and labeler.
///
/// A campaign's items 0..itemCount-1 are cut into batches of `batchSize` (the last may be
/// shorter); each batch must be labeled by `redundancy` different labelers. The whole reward
/// (itemCount x redundancy x rewardPerItem) is escrowed at creation.
///
/// Labelers `claimBatch` into one of 16 claim slots and `submitBatch` the CID of their (encrypted)
/// results with a Merkle root over them. Submitting frees the claim slot: the submission waits for
/// review in the labeler's submission pool, which has no fixed size and reuses the entries of
/// settled submissions, so a lone labeler is never stopped by reviews that have not come yet.
///
/// The requester reviews a submission by naming it exactly (labeler, pool index, campaign, batch):
/// a pool entry reused by a later submission can never receive a review meant for an earlier one.
/// Accepted items are credited to the labeler at once (pull: `withdraw`). Rejected items stay
/// reserved for `disputeWindow`: the labeler may `dispute` them with a bond; the arbiter then
/// awards 0..rejected of them, and if it has not ruled within `arbiterWindow` anyone may settle
/// the dispute for the labeler (`resolveExpired`). An undisputed rejection becomes final with
/// `settleReview` (anyone, after the window) and its reward goes back to the refundable escrow.
/// A requester silent for `reviewWindow` after a submission lets anyone `finalize` it as accepted.
///
/// Records: per campaign and labeler the accepted items (ILabelingRecord, read by RoyaltyVault);
/// per requester the items it accepted, rejected, left to auto-acceptance and its disputes; per
/// labeler a reputation (accepted items) that a campaign may require. Work a requester labels in
/// its own campaign never counts anywhere, and reputation only counts items of campaigns paying at
/// least `reputationMinReward` per item, so farming it takes real escrow (see contracts/README.md).
contract TaskBoard is ILabelingRecord, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    enum CampaignStatus {
        None,
        Open,
        Closed
    }

    enum SlotStatus {
        Free,
        Claimed
    }

    enum SubmissionStatus {
        Free,
        Submitted, // awaiting review
        Reviewed, // partly rejected: the rejection may be disputed until time + disputeWindow
        Disputed // awaiting the arbiter until time + arbiterWindow
    }

    struct CampaignParams {
        string manifestCid;
        uint32 itemCount;
        uint72 rewardPerItem;
        uint8 redundancy;
        uint16 batchSize;
        uint32 claimTtl;
        uint32 reviewWindow;
        uint48 minReputation; // accepted items a labeler needs to claim
        bytes32 goldSetHash; // keccak256 of the private gold set's CID, revealed later
    }

    /// @notice Everything about a campaign, as `getCampaign` returns it.
    struct Campaign {
        uint96 escrow;
        uint32 cursor; // next position to hand out (positions = batchCount x redundancy)
        uint32 openItems; // items whose reward is reserved: claimed, submitted, rejected but disputable
        uint72 rewardPerItem;
        CampaignStatus status;
        uint32 itemCount;
        uint32 batchCount;
        uint16 batchSize;
        uint8 redundancy;
        uint32 claimTtl;
        uint32 reviewWindow;
        uint48 minReputation;
        address requester;
        bytes32 goldSetHash;
        uint48 acceptedItems; // by labelers other than the requester
    }

    /// @dev Hot campaign state: one slot, read and written once per claim and per review.
    struct State {
        uint96 escrow;
        uint32 cursor;
        uint32 openItems;
        uint72 rewardPerItem;
        CampaignStatus status;
    }

    /// @dev Immutable campaign terms: one slot.
    struct Config {
        uint32 itemCount;
        uint32 batchCount;
        uint16 batchSize;
        uint8 redundancy;
        uint32 claimTtl;
        uint32 reviewWindow;
        uint48 minReputation;
    }

    /// @dev The requester and the campaign's accepted total share a slot (read on every review).
    struct Meta {
        address requester;
        uint48 acceptedItems;
    }

    struct Labeler {
        uint96 earnings; // credited, not yet withdrawn (labeling pay, returned and won bonds)
        uint48 acceptedItems; // reputation: see the contract's notice for what counts
        uint48 rejectedItems; // final rejections in campaigns that count for reputation
        uint16 openMask; // bit k set = claim slot k holds a claim
        uint24 freeHead; // submission pool: index + 1 of the first reusable entry (0: none)
        uint24 poolSize; // submission pool entries ever used
    }

    struct Slot {
        uint64 campaignId;
        uint32 batch;
        uint40 time; // claimed at
        SlotStatus status;
        uint16 items;
    }

    struct Submission {
        uint64 campaignId;
        uint32 batch;
        uint40 time; // submitted at, then reviewed at, then disputed at
        uint16 items;
        uint16 accepted; // set by the review
        SubmissionStatus status;
        uint24 nextFree; // while Free: index + 1 of the next reusable entry
    }

    /// @notice A review names its submission exactly; `accepted` of its items are paid.
    struct Review {
        address labeler;
        uint24 submission; // index in the labeler's pool, as BatchSubmitted gave it
        uint64 campaignId;
        uint32 batch;
        uint16 accepted;
    }

    /// @notice What a requester did with the work of labelers other than itself, in items.
    struct RequesterRecord {
        uint48 acceptedItems; // accepted by its review, or awarded to labelers in a dispute
        uint48 rejectedItems; // rejections that became final
        uint48 autoAcceptedItems; // accepted by `finalize` because it did not review in time
        uint32 disputesLost; // disputes the arbiter (or its deadline) decided for the labeler
        uint32 disputesWon; // disputes the arbiter ruled wholly for the requester
    }

    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");
    uint256 public constant MAX_SLOTS = 16;
    uint256 public constant MAX_SCAN = 16;
    uint256 public constant MAX_CID_LENGTH = 128;
    uint256 public constant MIN_CLAIM_TTL = 1 minutes;
    uint256 public constant MAX_CLAIM_TTL = 7 days;
    uint256 public constant MIN_REVIEW_WINDOW = 10 minutes;
    uint256 public constant MAX_REVIEW_WINDOW = 30 days;
    uint256 public constant MIN_DISPUTE_WINDOW = 10 minutes;
    uint256 public constant MAX_DISPUTE_WINDOW = 30 days;
    uint256 public constant MIN_ARBITER_WINDOW = 1 hours;
    uint256 public constant MAX_ARBITER_WINDOW = 90 days;
    uint256 public constant MIN_BOND_BPS = 100;
    uint256 public constant MAX_BOND_BPS = 10_000;

    IERC20 public immutable token;
    /// @notice How long after a review its rejection may be disputed.
    uint32 public immutable disputeWindow;
    /// @notice How long the arbiter has to rule a dispute before it settles for the labeler.
    uint32 public immutable arbiterWindow;
    /// @notice A dispute's bond, in basis points of the disputed (rejected) reward.
    uint16 public immutable disputeBondBps;
    /// @notice Campaigns paying less per item do not count for reputation.
    uint72 public immutable reputationMinReward;

    uint256 public campaignCount;
    /// @notice Dispute bonds the board holds (part of its balance besides escrow and earnings).
    uint256 public bondsHeld;
    mapping(uint256 campaignId => State) private _states;
    mapping(uint256 campaignId => Config) private _configs;
    mapping(uint256 campaignId => Meta) private _meta;
    mapping(uint256 campaignId => bytes32) private _goldSetHashes;
    mapping(uint256 campaignId => mapping(address labeler => uint256)) private _accepted;
    mapping(address labeler => Labeler) private _labelers;
    mapping(address labeler => Slot[16]) private _slots;
    mapping(address labeler => mapping(uint256 index => Submission)) private _pool;
    mapping(address requester => RequesterRecord) private _records;
    /// @dev Batches whose claims were released, handed out again once the cursor is exhausted.
    mapping(uint256 campaignId => uint32[]) private _returned;
    /// @dev redundancy > 1: position -> batch + 1 where positions were swapped to avoid giving
    ///      a labeler a batch twice.
    mapping(uint256 campaignId => mapping(uint256 position => uint256)) private _swapped;
    /// @dev redundancy > 1: bitmap of batches each labeler has claimed.
    mapping(uint256 campaignId => mapping(address labeler => mapping(uint256 word => uint256))) private _seen;

    /// @dev `params` carries the manifest CID and every term (a tuple in the ABI).
    event CampaignCreated(uint256 indexed campaignId, address indexed requester, CampaignParams params);
    /// @dev The batch's items are batchRange(campaignId, batch).
    event BatchClaimed(
        uint256 indexed campaignId, address indexed labeler, uint32 indexed batch, uint8 slot, uint40 expiresAt
    );
    /// @dev `submission`: the pool index a review must name (with campaign and batch).
    event BatchSubmitted(
        uint256 indexed campaignId,
        address indexed labeler,
        uint32 indexed batch,
        uint24 submission,
        string resultCid,
        bytes32 resultRoot
    );
    /// @dev `auto_`: accepted in full by `finalize` after the review window. The reviewer's
    ///      report, if any, is in the ReviewNote event of the same transaction.
    event BatchReviewed(
        uint256 indexed campaignId,
        address indexed labeler,
        uint32 indexed batch,
        uint24 submission,
        uint16 accepted,
        uint256 paid,
        bool auto_
    );
    /// @dev Report (CID) covering every BatchReviewed of the same transaction.
    event ReviewNote(address indexed requester, string reasonCid);
    event BatchReleased(uint256 indexed campaignId, address indexed labeler, uint32 indexed batch, uint8 slot);
    /// @dev A rejection nobody disputed became final: `rejected` items go back to the escrow.
    event RejectionSettled(
        uint256 indexed campaignId, address indexed labeler, uint32 indexed batch, uint24 submission, uint16 rejected
    );
    event ReviewDisputed(
        uint256 indexed campaignId,
        address indexed labeler,
        uint32 indexed batch,
        uint24 submission,
        uint16 rejected,
        uint256 bond,
        uint40 ruleBy
    );
    /// @dev `awarded` of the disputed items are paid; `byDeadline`: the arbiter did not rule in time.
    event DisputeResolved(
        uint256 indexed campaignId,
        address indexed labeler,
        uint32 indexed batch,
        uint24 submission,
        uint16 awarded,
        uint256 paid,
        bool bondReturned,
        bool byDeadline
    );
    event CampaignClosed(uint256 indexed campaignId);
    event EscrowRefunded(uint256 indexed campaignId, address indexed requester, uint256 amount);
    event GoldSetRevealed(uint256 indexed campaignId, string goldSetCid);
    event Withdrawn(address indexed labeler, uint256 amount);

    error InvalidParams();
    error InvalidCid();
    error UnknownCampaign(uint256 campaignId);
    error CampaignNotOpen(uint256 campaignId);
    error NotRequester(uint256 campaignId, address account);
    error ReputationTooLow(uint256 have, uint256 need);
    error NoFreeSlot();
    error NoBatchAvailable(uint256 campaignId);
    error InvalidSlot(uint8 slot);
    error NotClaimed(address labeler, uint8 slot);
    /// @dev The named pool entry does not hold that submission in the expected state.
    error NotSubmitted(address labeler, uint24 submission);
    error TooManyAccepted(uint16 accepted, uint16 items);
    error ReviewWindowOpen(uint256 until);
    error DisputeWindowOpen(uint256 until);
    error DisputeWindowClosed(uint256 until);
    error RulingWindowOpen(uint256 until);
    error ClaimNotExpired(uint256 until);
    error NothingToRefund(uint256 campaignId);
    error NothingToWithdraw();
    error GoldSetMismatch();

    /// @param arbiter first holder of ARBITER_ROLE (address(0): none; every dispute then settles
    ///        for the labeler at its deadline).
    constructor(
        IERC20 token_,
        address admin,
        address arbiter,
        uint32 disputeWindow_,
        uint32 arbiterWindow_,
        uint16 disputeBondBps_,
        uint72 reputationMinReward_
    ) {
        if (
            admin == address(0) || disputeWindow_ < MIN_DISPUTE_WINDOW || disputeWindow_ > MAX_DISPUTE_WINDOW
                || arbiterWindow_ < MIN_ARBITER_WINDOW || arbiterWindow_ > MAX_ARBITER_WINDOW
                || disputeBondBps_ < MIN_BOND_BPS || disputeBondBps_ > MAX_BOND_BPS || reputationMinReward_ == 0
        ) revert InvalidParams();
        token = token_;
        disputeWindow = disputeWindow_;
        arbiterWindow = arbiterWindow_;
        disputeBondBps = disputeBondBps_;
        reputationMinReward = reputationMinReward_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        if (arbiter != address(0)) _grantRole(ARBITER_ROLE, arbiter);
    }

    // ------------------------------------------------------------------ requesters
    /// @notice Create a campaign, pulling the full reward escrow (needs a prior approve).
    function createCampaign(CampaignParams calldata p) external nonReentrant returns (uint256) {
        return _create(p);
    }

    /// @notice Create a campaign, approving the escrow with an EIP-2612 permit in the same call.
    function createCampaignWithPermit(CampaignParams calldata p, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
        nonReentrant
        returns (uint256)
    {
        uint256 total = escrowFor(p.itemCount, p.redundancy, p.rewardPerItem);
        try IERC20Permit(address(token)).permit(msg.sender, address(this), total, deadline, v, r, s) {} catch {}
        return _create(p);
    }

    /// @notice Review one submission: `accepted` items are paid, the rest may be disputed.
    function reviewBatch(Review calldata review, string calldata reasonCid) external {
        _review(review);
        _note(reasonCid);
    }

    /// @notice Review several submissions in one transaction (e.g. everything the auto-review
    ///         worker checked since its last round); `reasonCid` is the round's report. Reverts as
    ///         a whole if any entry is invalid.
    function reviewBatches(Review[] calldata reviews, string calldata reasonCid) external {
        for (uint256 i; i < reviews.length; ++i) {
            _review(reviews[i]);
        }
        _note(reasonCid);
    }

    /// @notice Close the campaign (no more claims) and refund all escrow not reserved for open
    ///         work. Call again later to sweep what open work left over (reverts when there is
    ///         nothing to sweep).
    function close(uint256 campaignId) external nonReentrant {
        State memory st = _state(campaignId);
        address requester = _meta[campaignId].requester;
        if (requester != msg.sender) revert NotRequester(campaignId, msg.sender);
        uint256 reserved = uint256(st.openItems) * st.rewardPerItem;
        uint256 refund = st.escrow - reserved;
        if (st.status == CampaignStatus.Open) {
            st.status = CampaignStatus.Closed;
            emit CampaignClosed(campaignId);
        } else if (refund == 0) {
            revert NothingToRefund(campaignId);
        }
        st.escrow = reserved.toUint96();
        _states[campaignId] = st;
        if (refund == 0) return;
        emit EscrowRefunded(campaignId, requester, refund);
        token.safeTransfer(requester, refund);
    }

    /// @notice Publish the gold set whose hash the campaign committed to.
    function revealGoldSet(uint256 campaignId, string calldata goldSetCid) external {
        _state(campaignId);
        if (_meta[campaignId].requester != msg.sender) revert NotRequester(campaignId, msg.sender);
        if (keccak256(bytes(goldSetCid)) != _goldSetHashes[campaignId]) revert GoldSetMismatch();
        emit GoldSetRevealed(campaignId, goldSetCid);
    }

    // ------------------------------------------------------------------ labelers
    /// @notice Claim a batch of `campaignId` you have not labeled yet.
    /// @return slot where the claim lives (pass it to submitBatch) and the batch index.
    function claimBatch(uint256 campaignId) external returns (uint8 slot, uint32 batch) {
        return _claim(campaignId);
    }

    /// @notice Submit the results of the batch in claim `slot`, which is freed.
    /// @return submission the pool index reviews name.
    function submitBatch(uint8 slot, string calldata resultCid, bytes32 resultRoot)
        external
        returns (uint24 submission)
    {
        (, submission) = _submit(slot, resultCid, resultRoot);
    }

    /// @notice Submit the batch in `slot` and claim the next batch of the same campaign in one
    ///         transaction. Reverts like claimBatch when no batch can be claimed.
    function submitAndClaim(uint8 slot, string calldata resultCid, bytes32 resultRoot)
        external
        returns (uint8 newSlot, uint32 batch)
    {
        (uint256 campaignId,) = _submit(slot, resultCid, resultRoot);
        return _claim(campaignId);
    }

    /// @notice Give a claim back to the pool: its labeler at any time, anyone once expired.
    function release(address labeler, uint8 slot) external {
        Slot memory s = _slot(labeler, slot);
        if (s.status != SlotStatus.Claimed) revert NotClaimed(labeler, slot);
        uint256 campaignId = s.campaignId;
        Config memory cfg = _configs[campaignId];
        if (msg.sender != labeler) {
            uint256 until = uint256(s.time) + cfg.claimTtl;
            if (block.timestamp <= until) revert ClaimNotExpired(until);
        }
        State memory st = _states[campaignId];
        st.openItems -= s.items;
        _states[campaignId] = st;
        _slots[labeler][slot].status = SlotStatus.Free;
        _labelers[labeler].openMask &= ~uint16(1 << slot);
        uint32 batch = s.batch;
        // The labeler did not label it: they may get it again later.
        if (cfg.redundancy > 1) _seen[campaignId][labeler][batch >> 8] &= ~(uint256(1) << (batch & 0xff));
        if (st.status == CampaignStatus.Open) _returned[campaignId].push(batch);
        emit BatchReleased(campaignId, labeler, batch, slot);
    }

    /// @notice Accept a submission the requester left unreviewed for the whole review window.
    function finalize(address labeler, uint24 submission, uint64 campaignId, uint32 batch) external {
        Submission memory sub = _named(labeler, submission, campaignId, batch, SubmissionStatus.Submitted);
        uint256 until = uint256(sub.time) + _configs[campaignId].reviewWindow;
        if (block.timestamp <= until) revert ReviewWindowOpen(until);
        address requester = _meta[campaignId].requester;
        uint256 paid = _pay(campaignId, labeler, requester, sub.items, sub.items);
        if (labeler != requester) _records[requester].autoAcceptedItems += sub.items;
        _free(labeler, submission);
        emit BatchReviewed(campaignId, labeler, batch, submission, sub.items, paid, true);
    }

    /// @notice Dispute the rejected part of a review, within `disputeWindow` of it, with a bond
    ///         of `disputeBond` (needs a prior approve). The arbiter rules by `ruleBy`.
    function dispute(uint24 submission, uint64 campaignId, uint32 batch) external nonReentrant {
        Submission memory sub = _named(msg.sender, submission, campaignId, batch, SubmissionStatus.Reviewed);
        uint256 until = uint256(sub.time) + disputeWindow;
        if (block.timestamp > until) revert DisputeWindowClosed(until);
        uint16 rejected = sub.items - sub.accepted;
        uint256 bond = disputeBond(campaignId, rejected);
        uint40 now_ = uint256(block.timestamp).toUint40();
        Submission storage sp = _pool[msg.sender][submission];
        sp.status = SubmissionStatus.Disputed;
        sp.time = now_;
        bondsHeld += bond;
        emit ReviewDisputed(campaignId, msg.sender, batch, submission, rejected, bond, now_ + arbiterWindow);
        token.safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @notice The arbiter's ruling on a dispute: `awarded` of the rejected items are paid. The
    ///         bond is returned unless the arbiter awards nothing, in which case it goes to the
    ///         requester.
    function rule(address labeler, uint24 submission, uint64 campaignId, uint32 batch, uint16 awarded)
        external
        onlyRole(ARBITER_ROLE)
    {
        _resolve(labeler, submission, campaignId, batch, awarded, false);
    }

    /// @notice Settle a dispute the arbiter left unruled past its deadline: the labeler wins.
    function resolveExpired(address labeler, uint24 submission, uint64 campaignId, uint32 batch) external {
        Submission memory sub = _named(labeler, submission, campaignId, batch, SubmissionStatus.Disputed);
        uint256 until = uint256(sub.time) + arbiterWindow;
        if (block.timestamp <= until) revert RulingWindowOpen(until);
        _resolve(labeler, submission, campaignId, batch, sub.items - sub.accepted, true);
    }

    /// @notice Make an undisputed rejection final once its dispute window is over (anyone): its
    ///         reward becomes refundable to the requester.
    function settleReview(address labeler, uint24 submission, uint64 campaignId, uint32 batch) external {
        Submission memory sub = _named(labeler, submission, campaignId, batch, SubmissionStatus.Reviewed);
        uint256 until = uint256(sub.time) + disputeWindow;
        if (block.timestamp <= until) revert DisputeWindowOpen(until);
        uint16 rejected = sub.items - sub.accepted;
        _reject(campaignId, labeler, rejected);
        _free(labeler, submission);
        emit RejectionSettled(campaignId, labeler, batch, submission, rejected);
    }

    /// @notice Pay out everything credited to the caller.
    function withdraw() external nonReentrant {
        Labeler storage l = _labelers[msg.sender];
        uint256 amount = l.earnings;
        if (amount == 0) revert NothingToWithdraw();
        l.earnings = 0;
        emit Withdrawn(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    // ------------------------------------------------------------------ views
    function escrowFor(uint32 itemCount, uint8 redundancy, uint72 rewardPerItem) public pure returns (uint256) {
        return uint256(itemCount) * redundancy * rewardPerItem;
    }

    /// @notice The bond a dispute of `rejected` items of `campaignId` costs (rounded up, never 0).
    function disputeBond(uint256 campaignId, uint256 rejected) public view returns (uint256) {
        uint256 value = rejected * _states[campaignId].rewardPerItem * disputeBondBps;
        return value == 0 ? 0 : (value - 1) / 10_000 + 1;
    }

    function getCampaign(uint256 campaignId) external view returns (Campaign memory c) {
        State memory st = _states[campaignId];
        Config memory cfg = _configs[campaignId];
        Meta memory m = _meta[campaignId];
        c.escrow = st.escrow;
        c.cursor = st.cursor;
        c.openItems = st.openItems;
        c.rewardPerItem = st.rewardPerItem;
        c.status = st.status;
        c.itemCount = cfg.itemCount;
        c.batchCount = cfg.batchCount;
        c.batchSize = cfg.batchSize;
        c.redundancy = cfg.redundancy;
        c.claimTtl = cfg.claimTtl;
        c.reviewWindow = cfg.reviewWindow;
        c.minReputation = cfg.minReputation;
        c.requester = m.requester;
        c.goldSetHash = _goldSetHashes[campaignId];
        c.acceptedItems = m.acceptedItems;
    }

    function getLabeler(address labeler) external view returns (Labeler memory) {
        return _labelers[labeler];
    }

    function getSlot(address labeler, uint8 slot) external view returns (Slot memory) {
        return _slot(labeler, slot);
    }

    /// @notice Entry `index` of `labeler`'s submission pool (status Free once settled).
    function getSubmission(address labeler, uint24 index) external view returns (Submission memory) {
        return _pool[labeler][index];
    }

    /// @notice The public record of what `requester` did with other labelers' work.
    function requesterRecord(address requester) external view returns (RequesterRecord memory) {
        return _records[requester];
    }

    /// @inheritdoc ILabelingRecord
    function acceptedItems(uint256 campaignId, address labeler) external view returns (uint256) {
        return _accepted[campaignId][labeler];
    }

    /// @inheritdoc ILabelingRecord
    function totalAcceptedItems(uint256 campaignId) external view returns (uint256) {
        return _meta[campaignId].acceptedItems;
    }

    /// @inheritdoc ILabelingRecord
    function isSettled(uint256 campaignId) external view returns (bool) {
        State memory st = _states[campaignId];
        return st.status == CampaignStatus.Closed && st.openItems == 0;
    }

    /// @inheritdoc ILabelingRecord
    function requesterOf(uint256 campaignId) external view returns (address) {
        return _meta[campaignId].requester;
    }

    /// @notice Items [firstItem, firstItem + items) make up `batch`.
    function batchRange(uint256 campaignId, uint32 batch) public view returns (uint32 firstItem, uint16 items) {
        Config memory cfg = _configs[campaignId];
        if (batch >= cfg.batchCount) return (0, 0);
        return _range(cfg, batch);
    }

    /// @notice Batch hand-outs left: unclaimed positions plus released batches.
    function batchesAvailable(uint256 campaignId) external view returns (uint256) {
        State memory st = _states[campaignId];
        if (st.status != CampaignStatus.Open) return 0;
        Config memory cfg = _configs[campaignId];
        return uint256(cfg.batchCount) * cfg.redundancy - st.cursor + _returned[campaignId].length;
    }

    // ------------------------------------------------------------------ internals
    function _create(CampaignParams calldata p) private returns (uint256 campaignId) {
        if (
            p.itemCount == 0 || p.rewardPerItem == 0 || p.redundancy == 0 || p.batchSize == 0
                || p.claimTtl < MIN_CLAIM_TTL || p.claimTtl > MAX_CLAIM_TTL || p.reviewWindow < MIN_REVIEW_WINDOW
                || p.reviewWindow > MAX_REVIEW_WINDOW
        ) revert InvalidParams();
        uint256 len = bytes(p.manifestCid).length;
        if (len == 0 || len > MAX_CID_LENGTH) revert InvalidCid();
        // Every count of items (open, accepted) then fits its 32-bit field.
        if (uint256(p.itemCount) * p.redundancy > type(uint32).max) revert InvalidParams();
        uint256 batchCount = (uint256(p.itemCount) + p.batchSize - 1) / p.batchSize;
        uint256 total = escrowFor(p.itemCount, p.redundancy, p.rewardPerItem);

        campaignId = ++campaignCount;
        _states[campaignId] = State({
            escrow: total.toUint96(),
            cursor: 0,
            openItems: 0,
            rewardPerItem: p.rewardPerItem,
            status: CampaignStatus.Open
        });
        _configs[campaignId] = Config({
            itemCount: p.itemCount,
            batchCount: batchCount.toUint32(),
            batchSize: p.batchSize,
            redundancy: p.redundancy,
            claimTtl: p.claimTtl,
            reviewWindow: p.reviewWindow,
            minReputation: p.minReputation
        });
        _meta[campaignId].requester = msg.sender;
        if (p.goldSetHash != bytes32(0)) _goldSetHashes[campaignId] = p.goldSetHash;
        emit CampaignCreated(campaignId, msg.sender, p);
        token.safeTransferFrom(msg.sender, address(this), total);
    }

    function _claim(uint256 campaignId) private returns (uint8 slot, uint32 batch) {
        State memory st = _states[campaignId];
        if (st.status != CampaignStatus.Open) revert CampaignNotOpen(campaignId);
        Config memory cfg = _configs[campaignId];
        Labeler memory l = _labelers[msg.sender];
        if (cfg.minReputation != 0 && l.acceptedItems < cfg.minReputation) {
            revert ReputationTooLow(l.acceptedItems, cfg.minReputation);
        }
        uint16 mask = l.openMask;
        if (mask == type(uint16).max) revert NoFreeSlot();
        while (mask & (1 << slot) != 0) ++slot;

        if (cfg.redundancy == 1 && st.cursor < cfg.batchCount) {
            batch = st.cursor++; // the common case: next range, nothing else to check
        } else {
            batch = _nextBatch(st, cfg, campaignId);
        }
        (, uint16 items) = _range(cfg, batch);
        State storage sp = _states[campaignId];
        sp.cursor = st.cursor;
        sp.openItems = st.openItems + items;
        _labelers[msg.sender].openMask = mask | uint16(1 << slot);
        uint40 now_ = uint256(block.timestamp).toUint40();
        _slots[msg.sender][slot] = Slot({
            campaignId: campaignId.toUint64(),
            batch: batch,
            time: now_,
            status: SlotStatus.Claimed,
            items: items
        });
        emit BatchClaimed(campaignId, msg.sender, batch, slot, now_ + cfg.claimTtl);
    }

    /// @dev Next batch for msg.sender: from the cursor (with redundancy > 1, swapping a nearby
    ///      position in when the labeler already has the cursor's batch), then from released
    ///      batches. Advances `st.cursor` in memory; marks the batch seen for the labeler.
    function _nextBatch(State memory st, Config memory cfg, uint256 campaignId) private returns (uint32 batch) {
        uint256 total = uint256(cfg.batchCount) * cfg.redundancy;
        uint256 cursor = st.cursor;
        bool multi = cfg.redundancy > 1;
        bool found;
        if (cursor < total) {
            uint256 b = _content(campaignId, cursor, cfg.batchCount);
            if (!multi || !_hasSeen(campaignId, b)) {
                (batch, found) = (uint32(b), true); // b < batchCount, a uint32
            } else {
                uint256 end = cursor + MAX_SCAN < total ? cursor + MAX_SCAN : total - 1;
                for (uint256 q = cursor + 1; q <= end; ++q) {
                    uint256 bq = _content(campaignId, q, cfg.batchCount);
                    if (!_hasSeen(campaignId, bq)) {
                        _swapped[campaignId][q] = b + 1; // position q now holds the cursor's batch
                        (batch, found) = (uint32(bq), true);
                        break;
                    }
                }
            }
            if (found) st.cursor = uint32(cursor + 1); // cursor < total <= uint32 max (checked at creation)
        }
        if (!found) {
            uint32[] storage ret = _returned[campaignId];
            uint256 n = ret.length;
            uint256 stop = n > MAX_SCAN ? n - MAX_SCAN : 0;
            for (uint256 i = n; i > stop; --i) {
                uint32 b = ret[i - 1];
                if (!multi || !_hasSeen(campaignId, b)) {
                    ret[i - 1] = ret[n - 1];
                    ret.pop();
                    (batch, found) = (b, true);
                    break;
                }
            }
        }
        if (!found) revert NoBatchAvailable(campaignId);
        if (multi) _seen[campaignId][msg.sender][batch >> 8] |= 1 << (batch & 0xff);
    }

    function _content(uint256 campaignId, uint256 position, uint256 batchCount) private view returns (uint256) {
        uint256 s = _swapped[campaignId][position];
        return s != 0 ? s - 1 : position % batchCount;
    }

    function _hasSeen(uint256 campaignId, uint256 batch) private view returns (bool) {
        return _seen[campaignId][msg.sender][batch >> 8] & (1 << (batch & 0xff)) != 0;
    }

    function _range(Config memory cfg, uint32 batch) private pure returns (uint32 firstItem, uint16 items) {
        firstItem = batch * uint32(cfg.batchSize); // batch < batchCount: < itemCount
        uint32 left = cfg.itemCount - firstItem;
        items = left < cfg.batchSize ? uint16(left) : cfg.batchSize; // left < batchSize, a uint16
    }

    /// @dev Free the claim slot and put the submission in the labeler's pool, reusing the most
    ///      recently settled entry (no fresh storage in steady state).
    function _submit(uint8 slot, string calldata resultCid, bytes32 resultRoot)
        private
        returns (uint256 campaignId, uint24 index)
    {
        uint256 len = bytes(resultCid).length;
        if (len == 0 || len > MAX_CID_LENGTH) revert InvalidCid();
        Slot memory s = _slot(msg.sender, slot);
        if (s.status != SlotStatus.Claimed) revert NotClaimed(msg.sender, slot);
        _slots[msg.sender][slot].status = SlotStatus.Free;
        Labeler memory l = _labelers[msg.sender];
        l.openMask &= ~uint16(1 << slot);
        mapping(uint256 => Submission) storage pool = _pool[msg.sender];
        if (l.freeHead != 0) {
            index = l.freeHead - 1;
            l.freeHead = pool[index].nextFree;
        } else {
            index = l.poolSize;
            l.poolSize = index + 1; // checked: reverts past 16.7 million unsettled submissions
        }
        _labelers[msg.sender] = l;
        pool[index] = Submission({
            campaignId: s.campaignId,
            batch: s.batch,
            time: uint256(block.timestamp).toUint40(),
            items: s.items,
            accepted: 0,
            status: SubmissionStatus.Submitted,
            nextFree: 0
        });
        campaignId = s.campaignId;
        emit BatchSubmitted(campaignId, msg.sender, s.batch, index, resultCid, resultRoot);
    }

    function _note(string calldata reasonCid) private {
        uint256 len = bytes(reasonCid).length;
        if (len > MAX_CID_LENGTH) revert InvalidCid();
        if (len != 0) emit ReviewNote(msg.sender, reasonCid);
    }

    function _review(Review calldata r) private {
        Submission memory sub = _named(r.labeler, r.submission, r.campaignId, r.batch, SubmissionStatus.Submitted);
        address requester = _meta[r.campaignId].requester;
        if (requester != msg.sender) revert NotRequester(r.campaignId, msg.sender);
        if (r.accepted > sub.items) revert TooManyAccepted(r.accepted, sub.items);
        uint256 paid = _pay(r.campaignId, r.labeler, requester, r.accepted, r.accepted);
        if (r.labeler != requester) _records[requester].acceptedItems += r.accepted;
        if (r.accepted == sub.items) {
            _free(r.labeler, r.submission);
        } else {
            // The rejected items stay reserved (in openItems) while they may be disputed.
            Submission storage sp = _pool[r.labeler][r.submission];
            sp.status = SubmissionStatus.Reviewed;
            sp.accepted = r.accepted;
            sp.time = uint256(block.timestamp).toUint40();
        }
        emit BatchReviewed(r.campaignId, r.labeler, r.batch, r.submission, r.accepted, paid, false);
    }

    function _resolve(
        address labeler,
        uint24 submission,
        uint64 campaignId,
        uint32 batch,
        uint16 awarded,
        bool byDeadline
    ) private {
        Submission memory sub = _named(labeler, submission, campaignId, batch, SubmissionStatus.Disputed);
        uint16 rejected = sub.items - sub.accepted;
        if (awarded > rejected) revert TooManyAccepted(awarded, rejected);
        uint256 bond = disputeBond(campaignId, rejected);
        address requester = _meta[campaignId].requester;
        uint256 paid = _pay(campaignId, labeler, requester, awarded, awarded);
        RequesterRecord storage rec = _records[requester];
        bool returned = awarded != 0;
        if (labeler != requester) {
            rec.acceptedItems += awarded;
            if (returned) rec.disputesLost += 1;
            else rec.disputesWon += 1;
        }
        if (rejected != awarded) _reject(campaignId, labeler, rejected - awarded);
        bondsHeld -= bond;
        _labelers[returned ? labeler : requester].earnings += bond.toUint96();
        _free(labeler, submission);
        emit DisputeResolved(campaignId, labeler, batch, submission, awarded, paid, returned, byDeadline);
    }

    /// @dev Credit `accepted` items to the labeler and release `released` items from the
    ///      campaign's reservation (rejected items stay reserved until `_reject`). Self-labeled
    ///      items are paid but counted nowhere.
    function _pay(uint256 campaignId, address labeler, address requester, uint16 accepted, uint16 released)
        private
        returns (uint256 paid)
    {
        State storage st = _states[campaignId];
        uint256 reward = st.rewardPerItem;
        paid = accepted * reward;
        st.escrow -= paid.toUint96();
        st.openItems -= released;
        Labeler storage l = _labelers[labeler];
        l.earnings += paid.toUint96();
        if (labeler == requester || accepted == 0) return paid;
        _accepted[campaignId][labeler] += accepted;
        _meta[campaignId].acceptedItems += accepted;
        if (reward >= reputationMinReward) l.acceptedItems += accepted;
    }

    /// @dev `rejected` items of a settled review are final: refundable, and on the records.
    function _reject(uint256 campaignId, address labeler, uint16 rejected) private {
        _states[campaignId].openItems -= rejected;
        address requester = _meta[campaignId].requester;
        if (labeler == requester) return;
        _records[requester].rejectedItems += rejected;
        if (_states[campaignId].rewardPerItem >= reputationMinReward) _labelers[labeler].rejectedItems += rejected;
    }

    function _free(address labeler, uint24 index) private {
        Labeler storage l = _labelers[labeler];
        Submission storage sp = _pool[labeler][index];
        sp.status = SubmissionStatus.Free;
        sp.nextFree = l.freeHead;
        l.freeHead = index + 1; // index < poolSize <= uint24 max: fits
    }

    /// @dev The pool entry, which must hold the named submission in `status`.
    function _named(address labeler, uint24 index, uint64 campaignId, uint32 batch, SubmissionStatus status)
        private
        view
        returns (Submission memory sub)
    {
        sub = _pool[labeler][index];
        if (sub.status != status || sub.campaignId != campaignId || sub.batch != batch) {
            revert NotSubmitted(labeler, index);
        }
    }

    function _state(uint256 campaignId) private view returns (State memory st) {
        st = _states[campaignId];
        if (st.status == CampaignStatus.None) revert UnknownCampaign(campaignId);
    }

    function _slot(address labeler, uint8 slot) private view returns (Slot memory) {
        if (slot >= MAX_SLOTS) revert InvalidSlot(slot);
        return _slots[labeler][slot];
    }
}
