// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title TaskBoard
/// @notice Labeling campaigns with escrowed rewards.
///
/// A campaign's items 0..itemCount-1 are cut into batches of `batchSize` (the last may be
/// shorter); each batch must be labeled by `redundancy` different labelers. The whole reward
/// (itemCount x redundancy x rewardPerItem) is escrowed at creation.
///
/// Labelers `claimBatch` (they get a batch they have not labeled before), `submitBatch` with the
/// CID of their (encrypted) results and a Merkle root over them, and the requester `reviewBatch`es
/// with an accepted count: accepted x reward is credited to the labeler (pull: `withdraw`), the
/// rejected part stays in escrow and is refunded by `close`. A requester silent for
/// `reviewWindow` after a submission lets anyone `finalize` it as fully accepted. A claim not
/// submitted within `claimTtl` can be `release`d by anyone and its batch goes back to the pool.
///
/// Storage is per batch range, never per item. A labeler's open work (claimed or awaiting review)
/// lives in 16 reusable slots, so steady-state labeling writes no fresh storage.
contract TaskBoard is ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    enum CampaignStatus {
        None,
        Open,
        Closed
    }

    enum SlotStatus {
        Free,
        Claimed,
        Submitted
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
        uint32 openItems; // items in claimed or submitted batches (their reward is reserved)
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

    struct Labeler {
        uint96 earnings; // credited, not yet withdrawn
        uint48 acceptedItems;
        uint48 rejectedItems;
        uint32 batchesReviewed;
        uint16 openMask; // bit k set = slot k holds open work
    }

    struct Slot {
        uint64 campaignId;
        uint32 batch;
        uint40 time; // claimed at, then submitted at
        SlotStatus status;
        uint16 items;
    }

    uint256 public constant MAX_SLOTS = 16;
    uint256 public constant MAX_SCAN = 16;
    uint256 public constant MAX_CID_LENGTH = 128;

    IERC20 public immutable token;

    uint256 public campaignCount;
    mapping(uint256 campaignId => State) private _states;
    mapping(uint256 campaignId => Config) private _configs;
    mapping(uint256 campaignId => address) private _requesters;
    mapping(uint256 campaignId => bytes32) private _goldSetHashes;
    mapping(address labeler => Labeler) private _labelers;
    mapping(address labeler => Slot[16]) private _slots;
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
    event BatchSubmitted(
        uint256 indexed campaignId,
        address indexed labeler,
        uint32 indexed batch,
        uint8 slot,
        string resultCid,
        bytes32 resultRoot
    );
    /// @dev `auto_`: accepted in full by `finalize` after the review window. The reviewer's
    ///      report, if any, is in the ReviewNote event of the same transaction.
    event BatchReviewed(
        uint256 indexed campaignId,
        address indexed labeler,
        uint32 indexed batch,
        uint8 slot,
        uint16 accepted,
        uint256 paid,
        bool auto_
    );
    /// @dev Report (CID) covering every BatchReviewed of the same transaction.
    event ReviewNote(address indexed requester, string reasonCid);
    event BatchReleased(uint256 indexed campaignId, address indexed labeler, uint32 indexed batch, uint8 slot);
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
    error NotSubmitted(address labeler, uint8 slot);
    error TooManyAccepted(uint16 accepted, uint16 items);
    error ReviewWindowOpen(uint256 until);
    error ClaimNotExpired(uint256 until);
    error NothingToRefund(uint256 campaignId);
    error NothingToWithdraw();
    error GoldSetMismatch();

    constructor(IERC20 token_) {
        token = token_;
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

    /// @notice Review a submitted batch: `accepted` items are paid, the rest stays in escrow.
    function reviewBatch(address labeler, uint8 slot, uint16 accepted, string calldata reasonCid) external {
        _review(labeler, slot, accepted);
        _note(reasonCid);
    }

    /// @notice Review several submitted batches in one transaction (e.g. everything the
    ///         auto-review worker checked since its last round); `reasonCid` is the round's report.
    ///         Reverts as a whole if any entry is invalid.
    function reviewBatches(
        address[] calldata labelers,
        uint8[] calldata slots,
        uint16[] calldata accepted,
        string calldata reasonCid
    ) external {
        uint256 n = labelers.length;
        if (slots.length != n || accepted.length != n) revert InvalidParams();
        for (uint256 i; i < n; ++i) {
            _review(labelers[i], slots[i], accepted[i]);
        }
        _note(reasonCid);
    }

    /// @notice Close the campaign (no more claims) and refund all escrow not reserved for open
    ///         batches. Call again later to sweep what open batches left over.
    function close(uint256 campaignId) external nonReentrant {
        State memory st = _state(campaignId);
        address requester = _requesters[campaignId];
        if (requester != msg.sender) revert NotRequester(campaignId, msg.sender);
        if (st.status == CampaignStatus.Open) {
            st.status = CampaignStatus.Closed;
            emit CampaignClosed(campaignId);
        }
        uint256 reserved = uint256(st.openItems) * st.rewardPerItem;
        uint256 refund = st.escrow - reserved;
        if (refund == 0) revert NothingToRefund(campaignId);
        st.escrow = uint96(reserved);
        _states[campaignId] = st;
        emit EscrowRefunded(campaignId, requester, refund);
        token.safeTransfer(requester, refund);
    }

    /// @notice Publish the gold set whose hash the campaign committed to.
    function revealGoldSet(uint256 campaignId, string calldata goldSetCid) external {
        _state(campaignId);
        if (_requesters[campaignId] != msg.sender) revert NotRequester(campaignId, msg.sender);
        if (keccak256(bytes(goldSetCid)) != _goldSetHashes[campaignId]) revert GoldSetMismatch();
        emit GoldSetRevealed(campaignId, goldSetCid);
    }

    // ------------------------------------------------------------------ labelers
    /// @notice Claim a batch of `campaignId` you have not labeled yet.
    /// @return slot where the claim lives (pass it to submitBatch) and the batch index.
    function claimBatch(uint256 campaignId) external returns (uint8 slot, uint32 batch) {
        return _claim(campaignId);
    }

    /// @notice Submit the results of the batch in `slot`.
    function submitBatch(uint8 slot, string calldata resultCid, bytes32 resultRoot) external {
        _submit(slot, resultCid, resultRoot);
    }

    /// @notice Submit the batch in `slot` and claim the next batch of the same campaign in one
    ///         transaction. Reverts like claimBatch when no batch can be claimed.
    function submitAndClaim(uint8 slot, string calldata resultCid, bytes32 resultRoot)
        external
        returns (uint8 newSlot, uint32 batch)
    {
        uint256 campaignId = _submit(slot, resultCid, resultRoot);
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
    function finalize(address labeler, uint8 slot) external {
        Slot memory s = _slot(labeler, slot);
        if (s.status != SlotStatus.Submitted) revert NotSubmitted(labeler, slot);
        uint256 campaignId = s.campaignId;
        uint256 until = uint256(s.time) + _configs[campaignId].reviewWindow;
        if (block.timestamp <= until) revert ReviewWindowOpen(until);
        uint256 paid = _settle(s, labeler, slot, s.items);
        emit BatchReviewed(campaignId, labeler, s.batch, slot, s.items, paid, true);
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

    function getCampaign(uint256 campaignId) external view returns (Campaign memory c) {
        State memory st = _states[campaignId];
        Config memory cfg = _configs[campaignId];
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
        c.requester = _requesters[campaignId];
        c.goldSetHash = _goldSetHashes[campaignId];
    }

    function getLabeler(address labeler) external view returns (Labeler memory) {
        return _labelers[labeler];
    }

    function getSlot(address labeler, uint8 slot) external view returns (Slot memory) {
        return _slot(labeler, slot);
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
            p.itemCount == 0 || p.rewardPerItem == 0 || p.redundancy == 0 || p.batchSize == 0 || p.claimTtl == 0
                || p.reviewWindow == 0
        ) revert InvalidParams();
        uint256 len = bytes(p.manifestCid).length;
        if (len == 0 || len > MAX_CID_LENGTH) revert InvalidCid();
        uint256 batchCount = (uint256(p.itemCount) + p.batchSize - 1) / p.batchSize;
        if (batchCount * p.redundancy > type(uint32).max) revert InvalidParams();
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
            batchCount: uint32(batchCount),
            batchSize: p.batchSize,
            redundancy: p.redundancy,
            claimTtl: p.claimTtl,
            reviewWindow: p.reviewWindow,
            minReputation: p.minReputation
        });
        _requesters[campaignId] = msg.sender;
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
        _slots[msg.sender][slot] = Slot({
            campaignId: uint64(campaignId),
            batch: batch,
            time: uint40(block.timestamp),
            status: SlotStatus.Claimed,
            items: items
        });
        emit BatchClaimed(campaignId, msg.sender, batch, slot, uint40(block.timestamp) + cfg.claimTtl);
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
                (batch, found) = (uint32(b), true);
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
            if (found) st.cursor = uint32(cursor + 1);
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
        firstItem = batch * uint32(cfg.batchSize);
        uint32 left = cfg.itemCount - firstItem;
        items = left < cfg.batchSize ? uint16(left) : cfg.batchSize;
    }

    function _submit(uint8 slot, string calldata resultCid, bytes32 resultRoot) private returns (uint256 campaignId) {
        uint256 len = bytes(resultCid).length;
        if (len == 0 || len > MAX_CID_LENGTH) revert InvalidCid();
        Slot memory s = _slot(msg.sender, slot);
        if (s.status != SlotStatus.Claimed) revert NotClaimed(msg.sender, slot);
        Slot storage sp = _slots[msg.sender][slot];
        sp.status = SlotStatus.Submitted;
        sp.time = uint40(block.timestamp);
        campaignId = s.campaignId;
        emit BatchSubmitted(campaignId, msg.sender, s.batch, slot, resultCid, resultRoot);
    }

    function _note(string calldata reasonCid) private {
        uint256 len = bytes(reasonCid).length;
        if (len > MAX_CID_LENGTH) revert InvalidCid();
        if (len != 0) emit ReviewNote(msg.sender, reasonCid);
    }

    function _review(address labeler, uint8 slot, uint16 accepted) private {
        Slot memory s = _slot(labeler, slot);
        if (s.status != SlotStatus.Submitted) revert NotSubmitted(labeler, slot);
        uint256 campaignId = s.campaignId;
        if (_requesters[campaignId] != msg.sender) revert NotRequester(campaignId, msg.sender);
        if (accepted > s.items) revert TooManyAccepted(accepted, s.items);
        uint256 paid = _settle(s, labeler, slot, accepted);
        emit BatchReviewed(campaignId, labeler, s.batch, slot, accepted, paid, false);
    }

    /// @dev Pay `accepted` items of the batch in `s` and free the slot; the caller emits.
    function _settle(Slot memory s, address labeler, uint8 slot, uint16 accepted) private returns (uint256 paid) {
        uint256 campaignId = s.campaignId;
        State storage st = _states[campaignId];
        paid = uint256(accepted) * st.rewardPerItem;
        st.escrow -= uint96(paid);
        st.openItems -= s.items;
        _slots[labeler][slot].status = SlotStatus.Free;
        Labeler memory l = _labelers[labeler];
        l.earnings += uint96(paid);
        l.acceptedItems += accepted;
        l.rejectedItems += s.items - accepted;
        l.batchesReviewed += 1;
        l.openMask &= ~uint16(1 << slot);
        _labelers[labeler] = l;
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
