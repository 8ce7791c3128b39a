// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title ComputeMarket
/// @notice GPU rental. Providers register their hardware (provider kinds, VRAM) with a stake. A
///         requester posts a job (model, input, hardware needs, the price it offers, the collateral
///         it asks, an expiry, a deadline) with the payment in escrow; a provider that accepts locks
///         the collateral out of its free stake, and the stake cannot leave while the job is open.
///         Results are sealed to the requester's key: the chain holds the envelope's CID and the
///         hash of the plain result.
///
///         Two ways to trust a result, chosen by the requester when posting:
///         - replicas = 1: one provider; the requester may challenge within the window by posting a
///           bond; an ARBITER_ROLE holder rules within `arbiterWindow`, or the job settles for the
///           provider (who then also gets the bond).
///         - replicas = 2: redundant execution. Two providers run the job blind (commit, then reveal
///           the result hash); if the hashes agree both deliver and are paid, if they differ the
///           requester is refunded and nobody is paid. No arbiter has any power over these jobs.
///         A provider that misses a step is slashed: its collateral and its payment go to the
///         requester. Money owed is credited to `balances` and pulled with `withdraw`.
///
///         Sealed inputs (`postSealedJobWithPermit`): the input CID names inputs encrypted with a
///         content key only the requester holds. After a provider accepts, the requester delivers
///         that key wrapped to the provider (`deliverInputKey`, at least one window before the
///         deadline). A run whose key never came is released at the timeout, never slashed: the
///         requester gets its payment back and the provider its collateral.
contract ComputeMarket is AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");

    uint256 public constant MAX_CID_LENGTH = 128;
    /// @notice Provider kinds, one bit each: CPU, CUDA, DirectML, CoreML.
    uint8 public constant KIND_CPU = 1;
    uint8 public constant KIND_CUDA = 2;
    uint8 public constant KIND_DIRECTML = 4;
    uint8 public constant KIND_COREML = 8;
    uint8 public constant ALL_KINDS = 15;
    uint8 public constant MAX_REPLICAS = 2;
    uint40 public constant MIN_WINDOW = 10 minutes;
    uint40 public constant MAX_WINDOW = 7 days;
    uint40 public constant MAX_JOB_DURATION = 30 days;
    uint40 public constant MIN_UNBONDING_DELAY = 1 days;
    uint40 public constant MAX_UNBONDING_DELAY = 30 days;
    uint40 public constant MIN_ARBITER_WINDOW = 1 days;
    uint40 public constant MAX_ARBITER_WINDOW = 14 days;
    uint16 public constant MIN_BOND_BPS = 1_000;
    uint16 public constant MAX_BOND_BPS = 10_000;
    uint96 public constant MAX_MIN_STAKE = 1_000_000e18;
    uint256 public constant MAX_SEALED_KEY_LENGTH = 256;

    enum Task {
        Inference,
        Training
    }

    enum JobStatus {
        None,
        Open, // waiting for providers
        Running, // every replica taken
        Submitted, // replicas = 1: result in, challenge window running
        Challenged, // replicas = 1: waiting for the arbiter until `ruleBy`
        Agreed, // replicas = 2: both hashes agree, waiting for delivery
        Completed,
        Slashed, // some provider missed a step or lost a challenge
        Disagreed, // replicas = 2: hashes differ, requester refunded
        Cancelled,
        Expired
    }

    enum RunStatus {
        None,
        Accepted,
        Committed,
        Revealed,
        Paid,
        Slashed,
        Released
    }

    struct Reputation {
        uint32 completed;
        uint32 challenged;
        uint32 slashed;
        uint32 disagreed;
    }

    struct Provider {
        uint96 stake; // free stake, usable as collateral
        uint96 locked; // collateral of open runs
        uint32 openRuns;
        bool registered;
        uint8 kinds;
        uint32 vramMiB;
        uint96 unbonding;
        uint40 unbondingAt;
        Reputation reputation;
    }

    /// @notice What a requester posts. `payment` and `collateral` are per replica.
    struct JobParams {
        Task task;
        string modelCid;
        string inputCid;
        bytes encryptionKey; // requester's secp256k1 key (33, 64 or 65 bytes) the result is ECIES-sealed to
        uint8 kinds; // acceptable provider kinds (bits)
        uint32 minVramMiB;
        uint8 replicas; // 1 (challenge + arbiter) or 2 (redundant execution)
        uint96 payment;
        uint96 collateral; // at least `payment`
        uint40 expiresAt; // open until
        uint40 deadline; // result (replicas = 2: commitment) due by
        uint40 window; // challenge window; replicas = 2: reveal and delivery windows
    }

    struct Job {
        address requester;
        uint96 payment;
        uint96 collateral;
        uint96 escrow; // payments not yet paid or refunded, plus a challenge bond
        uint40 expiresAt;
        uint40 deadline;
        uint40 window;
        uint32 minVramMiB;
        uint8 kinds;
        uint8 replicas;
        Task task;
        JobStatus status;
        uint40 resultAt;
        uint40 ruleBy;
        uint96 bond;
        bytes32 specHash; // keccak256(abi.encode(task, modelCid, inputCid, encryptionKey))
        bytes32 resultHash;
    }

    struct Run {
        address provider;
        RunStatus status;
        bytes32 commitment;
        bytes32 resultHash;
    }

    IERC20 public immutable token;
    uint96 public minStake;
    uint40 public unbondingDelay;
    uint16 public challengeBondBps = 5_000;
    uint40 public arbiterWindow = 3 days;

    uint256 public jobCount;
    mapping(address provider => Provider) private _providers;
    mapping(uint256 jobId => Job) private _jobs;
    mapping(uint256 jobId => Run[2]) private _runs;
    uint256[] private _openIds; // open jobs, for paging; unordered
    mapping(uint256 jobId => uint256) private _openSlot; // index in _openIds + 1, 0 when not open
    /// @notice Tokens owed to an account (payments, refunds, bonds, slashed collateral).
    mapping(address account => uint256) public balances;
    /// @notice Jobs whose inputs are encrypted: their providers wait for `deliverInputKey`.
    mapping(uint256 jobId => bool) public sealedInputs;
    /// @notice When the requester delivered each replica's input key (0: not yet), by run slot.
    mapping(uint256 jobId => uint40[2]) private _keyDeliveredAt;

    event ProviderRegistered(address indexed provider, string specCid, uint8 kinds, uint32 vramMiB, uint256 stake);
    event ProviderSpecUpdated(address indexed provider, string specCid, uint8 kinds, uint32 vramMiB);
    event StakeAdded(address indexed provider, uint256 amount);
    event UnbondRequested(address indexed provider, uint256 amount, uint256 availableAt);
    event StakeWithdrawn(address indexed provider, uint256 amount);
    event JobPosted(uint256 indexed jobId, address indexed requester, JobParams params);
    /// @notice Every change of a job's status, for indexers and workers (`eth_getLogs` by status).
    event JobStatusChanged(uint256 indexed jobId, JobStatus indexed status);
    event JobAccepted(uint256 indexed jobId, address indexed provider, uint8 run);
    event InputsSealed(uint256 indexed jobId);
    /// @notice The content key of a sealed job's inputs, wrapped to `provider`'s encryption key.
    event InputKeyDelivered(uint256 indexed jobId, address indexed provider, bytes sealedKey);
    event ResultCommitted(uint256 indexed jobId, address indexed provider, bytes32 commitment);
    event ResultRevealed(uint256 indexed jobId, address indexed provider, bytes32 resultHash);
    event ResultSubmitted(uint256 indexed jobId, address indexed provider, string envelopeCid, bytes32 resultHash);
    event JobChallenged(
        uint256 indexed jobId,
        address indexed requester,
        address indexed provider,
        uint256 bond,
        uint40 ruleBy,
        string reasonCid
    );
    event DisputeResolved(uint256 indexed jobId, address indexed arbiter, bool providerWins, string noteCid);
    event RunPaid(uint256 indexed jobId, address indexed provider, uint256 payment);
    event RunSlashed(uint256 indexed jobId, address indexed provider, address indexed requester, uint256 collateral);
    event RunReleased(uint256 indexed jobId, address indexed provider);
    event Withdrawn(address indexed account, uint256 amount);
    event ParamsSet(uint96 minStake, uint40 unbondingDelay);
    event DisputeParamsSet(uint16 challengeBondBps, uint40 arbiterWindow);

    error InvalidParams();
    error InvalidCid();
    error AlreadyRegistered();
    error NotRegistered(address provider);
    error StakeTooLow(uint256 stake, uint256 need);
    error InsufficientStake(uint256 free, uint256 need);
    error OpenRuns(uint256 count);
    error HardwareMismatch();
    error UnbondingPending(uint256 availableAt);
    error NothingToWithdraw();
    error UnknownJob(uint256 jobId);
    error WrongStatus(uint256 jobId, JobStatus status);
    error WrongMode(uint256 jobId);
    error NotRequester(uint256 jobId);
    error NotProvider(uint256 jobId);
    error OwnJob(uint256 jobId);
    error TooLate(uint256 until);
    error TooEarly(uint256 until);
    error BadReveal();
    error ResultMismatch();

    constructor(IERC20 token_, address admin, uint96 minStake_, uint40 unbondingDelay_) {
        token = token_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _setParams(minStake_, unbondingDelay_);
        emit DisputeParamsSet(challengeBondBps, arbiterWindow);
    }

    /// @notice Admin: stake floor and unbonding delay, both bounded. A raised floor stops
    ///         under-staked providers from taking new jobs; it never touches open ones.
    function setParams(uint96 minStake_, uint40 unbondingDelay_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setParams(minStake_, unbondingDelay_);
    }

    /// @notice Admin: challenge bond (share of the payment) and the arbiter's time to rule, both
    ///         bounded. Jobs already challenged keep the bond and deadline they had.
    function setDisputeParams(uint16 bondBps, uint40 arbiterWindow_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (bondBps < MIN_BOND_BPS || bondBps > MAX_BOND_BPS) revert InvalidParams();
        if (arbiterWindow_ < MIN_ARBITER_WINDOW || arbiterWindow_ > MAX_ARBITER_WINDOW) revert InvalidParams();
        challengeBondBps = bondBps;
        arbiterWindow = arbiterWindow_;
        emit DisputeParamsSet(bondBps, arbiterWindow_);
    }

    // ------------------------------------------------------------------ providers
    function registerProvider(string calldata specCid, uint8 kinds, uint32 vramMiB, uint96 stake)
        external
        nonReentrant
    {
        _checkCid(specCid);
        _checkKinds(kinds);
        Provider storage p = _providers[msg.sender];
        if (p.registered) revert AlreadyRegistered();
        if (stake < minStake) revert StakeTooLow(stake, minStake);
        p.registered = true;
        p.kinds = kinds;
        p.vramMiB = vramMiB;
        p.stake += stake;
        emit ProviderRegistered(msg.sender, specCid, kinds, vramMiB, stake);
        if (stake != 0) token.safeTransferFrom(msg.sender, address(this), stake);
    }

    /// @notice New spec, provider kinds and VRAM; checked against jobs accepted from now on.
    function updateSpec(string calldata specCid, uint8 kinds, uint32 vramMiB) external {
        _checkCid(specCid);
        _checkKinds(kinds);
        Provider storage p = _providers[msg.sender];
        if (!p.registered) revert NotRegistered(msg.sender);
        p.kinds = kinds;
        p.vramMiB = vramMiB;
        emit ProviderSpecUpdated(msg.sender, specCid, kinds, vramMiB);
    }

    function addStake(uint96 amount) external nonReentrant {
        if (amount == 0) revert InvalidParams();
        Provider storage p = _providers[msg.sender];
        if (!p.registered) revert NotRegistered(msg.sender);
        p.stake += amount;
        emit StakeAdded(msg.sender, amount);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Start unbonding `amount` of free stake; refused while any accepted job is open, so
    ///         a provider's whole stake stands behind its work. Restarts the (bounded) delay for
    ///         all unbonding stake.
    function requestUnbond(uint96 amount) external {
        Provider storage p = _providers[msg.sender];
        if (!p.registered) revert NotRegistered(msg.sender);
        if (amount == 0) revert InvalidParams();
        if (p.openRuns != 0) revert OpenRuns(p.openRuns);
        if (amount > p.stake) revert InsufficientStake(p.stake, amount);
        p.stake -= amount;
        p.unbonding += amount;
        uint40 readyAt = SafeCast.toUint40(block.timestamp + unbondingDelay);
        p.unbondingAt = readyAt;
        emit UnbondRequested(msg.sender, amount, readyAt);
    }

    function withdrawStake() external nonReentrant {
        Provider storage p = _providers[msg.sender];
        uint256 amount = p.unbonding;
        if (amount == 0) revert NothingToWithdraw();
        if (block.timestamp < p.unbondingAt) revert UnbondingPending(p.unbondingAt);
        p.unbonding = 0;
        emit StakeWithdrawn(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    // ------------------------------------------------------------------ posting
    function postJob(JobParams calldata params) external nonReentrant returns (uint256) {
        return _post(params);
    }

    /// @notice `postJob` in one transaction: the permit covers payment x replicas.
    function postJobWithPermit(JobParams calldata params, uint256 permitDeadline, uint8 v, bytes32 r, bytes32 s)
        external
        nonReentrant
        returns (uint256)
    {
        uint256 total = uint256(params.payment) * params.replicas;
        try IERC20Permit(address(token)).permit(msg.sender, address(this), total, permitDeadline, v, r, s) {} catch {}
        return _post(params);
    }

    /// @notice `postJobWithPermit` for a job whose inputs are sealed: providers that accept it get
    ///         the inputs' key from the requester (`deliverInputKey`), and are released rather than
    ///         slashed if it never comes.
    function postSealedJobWithPermit(
        JobParams calldata params,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant returns (uint256 jobId) {
        uint256 total = uint256(params.payment) * params.replicas;
        try IERC20Permit(address(token)).permit(msg.sender, address(this), total, permitDeadline, v, r, s) {} catch {}
        jobId = _post(params);
        sealedInputs[jobId] = true;
        emit InputsSealed(jobId);
    }

    /// @notice Requester: hand a provider that accepted a sealed job the inputs' content key,
    ///         wrapped to that provider's encryption key. Once per run, and only while at least one
    ///         window is left before the deadline, so the provider always has time to run.
    function deliverInputKey(uint256 jobId, address provider, bytes calldata sealedKey) external {
        Job storage j = _job(jobId);
        if (j.requester != msg.sender) revert NotRequester(jobId);
        if (!sealedInputs[jobId]) revert WrongMode(jobId);
        if (j.status != JobStatus.Open && j.status != JobStatus.Running) revert WrongStatus(jobId, j.status);
        uint256 until = uint256(j.deadline) - j.window;
        if (block.timestamp > until) revert TooLate(until);
        if (sealedKey.length == 0 || sealedKey.length > MAX_SEALED_KEY_LENGTH) revert InvalidParams();
        uint8 slot = _slotOf(jobId, provider);
        if (_runs[jobId][slot].status != RunStatus.Accepted || _keyDeliveredAt[jobId][slot] != 0) {
            revert InvalidParams();
        }
        _keyDeliveredAt[jobId][slot] = SafeCast.toUint40(block.timestamp);
        emit InputKeyDelivered(jobId, provider, sealedKey);
    }

    /// @notice Withdraw a job no replica has started; the payment comes back at once, and a
    ///         provider holding one of two replicas gets its collateral back.
    function cancelJob(uint256 jobId) external nonReentrant {
        Job storage j = _job(jobId);
        if (j.requester != msg.sender) revert NotRequester(jobId);
        if (j.status != JobStatus.Open) revert WrongStatus(jobId, j.status);
        uint256 refund = j.escrow; // _close credits exactly this; hand it over at once
        _close(jobId, j, JobStatus.Cancelled);
        balances[msg.sender] -= refund;
        token.safeTransfer(msg.sender, refund);
    }

    /// @notice An open job past its expiry: refund the requester. Anyone may call.
    function expireJob(uint256 jobId) external {
        Job storage j = _job(jobId);
        if (j.status != JobStatus.Open) revert WrongStatus(jobId, j.status);
        if (block.timestamp < j.expiresAt) revert TooEarly(j.expiresAt);
        _close(jobId, j, JobStatus.Expired);
    }

    // ------------------------------------------------------------------ running
    /// @notice Take a replica of an open job: needs matching hardware, a stake at least
    ///         `minStake`, and free stake covering the collateral, which stays locked until the run ends.
    function acceptJob(uint256 jobId) external {
        Job storage j = _job(jobId);
        if (j.status != JobStatus.Open) revert WrongStatus(jobId, j.status);
        if (block.timestamp >= j.expiresAt) revert TooLate(j.expiresAt);
        if (msg.sender == j.requester) revert OwnJob(jobId);
        Provider storage p = _providers[msg.sender];
        if (!p.registered) revert NotRegistered(msg.sender);
        if (p.kinds & j.kinds == 0 || p.vramMiB < j.minVramMiB) revert HardwareMismatch();
        uint256 bonded = uint256(p.stake) + p.locked;
        if (bonded < minStake) revert StakeTooLow(bonded, minStake);
        uint96 c = j.collateral;
        if (p.stake < c) revert InsufficientStake(p.stake, c);
        Run[2] storage runs = _runs[jobId];
        uint8 slot = runs[0].provider == address(0) ? 0 : 1;
        if (slot == 1 && runs[0].provider == msg.sender) revert OwnJob(jobId);
        p.stake -= c;
        p.locked += c;
        p.openRuns += 1;
        runs[slot] = Run(msg.sender, RunStatus.Accepted, bytes32(0), bytes32(0));
        emit JobAccepted(jobId, msg.sender, slot);
        if (slot + 1 == j.replicas) {
            _removeOpen(jobId);
            _setStatus(jobId, j, JobStatus.Running);
        }
    }

    /// @notice replicas = 2: commit to the result blind, by the deadline. The commitment is
    ///         keccak256(abi.encode(jobId, provider, resultHash, salt)), so it cannot be copied.
    function commitResult(uint256 jobId, bytes32 commitment) external {
        Job storage j = _replicated(jobId);
        if (j.status != JobStatus.Running) revert WrongStatus(jobId, j.status);
        if (block.timestamp > j.deadline) revert TooLate(j.deadline);
        Run storage run = _runOf(jobId, msg.sender);
        if (run.status != RunStatus.Accepted || commitment == bytes32(0)) revert InvalidParams();
        run.status = RunStatus.Committed;
        run.commitment = commitment;
        emit ResultCommitted(jobId, msg.sender, commitment);
    }

    /// @notice replicas = 2: reveal once both replicas committed, by deadline + window. The second
    ///         reveal decides: equal hashes → Agreed (deliver to be paid); different → Disagreed,
    ///         requester refunded, collateral back, nobody paid.
    function revealResult(uint256 jobId, bytes32 resultHash, bytes32 salt) external {
        Job storage j = _replicated(jobId);
        if (j.status != JobStatus.Running) revert WrongStatus(jobId, j.status);
        uint256 until = uint256(j.deadline) + j.window;
        if (block.timestamp > until) revert TooLate(until);
        Run[2] storage runs = _runs[jobId];
        if (runs[0].status < RunStatus.Committed || runs[1].status < RunStatus.Committed) revert TooEarly(j.deadline);
        Run storage run = _runOf(jobId, msg.sender);
        if (run.status != RunStatus.Committed) revert InvalidParams();
        if (keccak256(abi.encode(jobId, msg.sender, resultHash, salt)) != run.commitment) revert BadReveal();
        run.status = RunStatus.Revealed;
        run.resultHash = resultHash;
        emit ResultRevealed(jobId, msg.sender, resultHash);
        if (runs[0].status != RunStatus.Revealed || runs[1].status != RunStatus.Revealed) return;
        if (runs[0].resultHash == runs[1].resultHash) {
            j.resultHash = resultHash;
            _setStatus(jobId, j, JobStatus.Agreed);
        } else {
            for (uint256 i; i < 2; ++i) {
                Reputation storage rep = _providers[runs[i].provider].reputation;
                rep.disagreed = _bump(rep.disagreed);
                _release(jobId, j, runs[i]);
            }
            _setStatus(jobId, j, JobStatus.Disagreed);
        }
    }

    /// @notice Deliver the result sealed to the requester: `envelopeCid` holds it, `resultHash` is
    ///         the hash of the plain result. replicas = 1: by the deadline, then the challenge
    ///         window runs. replicas = 2: after agreement, by deadline + 2 x window, with the agreed
    ///         hash; pays this replica at once.
    function submitResult(uint256 jobId, string calldata envelopeCid, bytes32 resultHash) external {
        _checkCid(envelopeCid);
        Job storage j = _job(jobId);
        Run storage run = _runOf(jobId, msg.sender);
        if (j.replicas == 1) {
            if (j.status != JobStatus.Running) revert WrongStatus(jobId, j.status);
            if (block.timestamp > j.deadline) revert TooLate(j.deadline);
            j.resultAt = SafeCast.toUint40(block.timestamp);
            j.resultHash = resultHash;
            run.resultHash = resultHash;
            _setStatus(jobId, j, JobStatus.Submitted);
            emit ResultSubmitted(jobId, msg.sender, envelopeCid, resultHash);
            return;
        }
        if (j.status != JobStatus.Agreed) revert WrongStatus(jobId, j.status);
        uint256 until = uint256(j.deadline) + 2 * uint256(j.window);
        if (block.timestamp > until) revert TooLate(until);
        if (run.status != RunStatus.Revealed) revert InvalidParams();
        if (resultHash != j.resultHash) revert ResultMismatch();
        emit ResultSubmitted(jobId, msg.sender, envelopeCid, resultHash);
        _pay(jobId, j, run);
        Run[2] storage runs = _runs[jobId];
        if (runs[0].status == RunStatus.Paid && runs[1].status == RunStatus.Paid) {
            _setStatus(jobId, j, JobStatus.Completed);
        }
    }

    // ------------------------------------------------------------------ disputes (replicas = 1)
    /// @notice Requester disputes a result inside the challenge window, posting a bond
    ///         (`challengeBond`). It loses the bond to the provider unless the arbiter rules for it.
    function challenge(uint256 jobId, string calldata reasonCid) external nonReentrant {
        _challenge(jobId, reasonCid);
    }

    /// @notice `challenge` in one transaction: the permit covers `challengeBond(jobId)`.
    function challengeWithPermit(
        uint256 jobId,
        string calldata reasonCid,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant {
        uint256 bond = challengeBond(jobId);
        try IERC20Permit(address(token)).permit(msg.sender, address(this), bond, permitDeadline, v, r, s) {} catch {}
        _challenge(jobId, reasonCid);
    }

    function _challenge(uint256 jobId, string calldata reasonCid) private {
        Job storage j = _job(jobId);
        if (j.requester != msg.sender) revert NotRequester(jobId);
        if (j.status != JobStatus.Submitted) revert WrongStatus(jobId, j.status);
        uint256 until = uint256(j.resultAt) + j.window;
        if (block.timestamp > until) revert TooLate(until);
        uint96 bond = challengeBond(jobId);
        uint40 ruleBy = SafeCast.toUint40(block.timestamp + arbiterWindow);
        j.bond = bond;
        j.escrow += bond;
        j.ruleBy = ruleBy;
        address provider = _runs[jobId][0].provider;
        Reputation storage rep = _providers[provider].reputation;
        rep.challenged = _bump(rep.challenged);
        _setStatus(jobId, j, JobStatus.Challenged);
        emit JobChallenged(jobId, msg.sender, provider, bond, ruleBy, reasonCid);
        token.safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @notice Arbiter's ruling on a challenged job, only until `ruleBy`. It can move at most this
    ///         job's collateral; it cannot touch other jobs, free stake, or replicated jobs.
    function resolve(uint256 jobId, bool providerWins, string calldata noteCid) external onlyRole(ARBITER_ROLE) {
        Job storage j = _job(jobId);
        if (j.status != JobStatus.Challenged) revert WrongStatus(jobId, j.status);
        if (block.timestamp > j.ruleBy) revert TooLate(j.ruleBy);
        emit DisputeResolved(jobId, msg.sender, providerWins, noteCid);
        Run storage run = _runs[jobId][0];
        if (providerWins) {
            _settleForProvider(jobId, j, run);
        } else {
            j.escrow -= j.bond;
            balances[j.requester] += j.bond;
            _slash(jobId, j, run);
            _setStatus(jobId, j, JobStatus.Slashed);
        }
    }

    /// @notice replicas = 1: pay an unchallenged result after the challenge window, or a challenged
    ///         one the arbiter left unruled past `ruleBy` (the provider also gets the bond). Anyone may call.
    function finalizeJob(uint256 jobId) external {
        Job storage j = _job(jobId);
        uint256 until;
        if (j.status == JobStatus.Submitted) until = uint256(j.resultAt) + j.window;
        else if (j.status == JobStatus.Challenged) until = j.ruleBy;
        else revert WrongStatus(jobId, j.status);
        if (block.timestamp <= until) revert TooEarly(until);
        _settleForProvider(jobId, j, _runs[jobId][0]);
    }

    /// @notice A replica that missed its step (result, commitment, reveal or delivery) is slashed:
    ///         its collateral and payment go to the requester; replicas that kept time get their
    ///         collateral back (unpaid: their result was never checked). Anyone may call.
    function claimTimeout(uint256 jobId) external {
        Job storage j = _job(jobId);
        Run[2] storage runs = _runs[jobId];
        uint256 until;
        RunStatus due; // runs that reached it are released, the others slashed
        if (j.status == JobStatus.Running && j.replicas == 1) {
            (until, due) = (j.deadline, RunStatus.Paid);
        } else if (j.status == JobStatus.Running) {
            bool bothCommitted = runs[0].status >= RunStatus.Committed && runs[1].status >= RunStatus.Committed;
            (until, due) = bothCommitted
                ? (uint256(j.deadline) + j.window, RunStatus.Revealed)
                : (uint256(j.deadline), RunStatus.Committed);
        } else if (j.status == JobStatus.Agreed) {
            (until, due) = (uint256(j.deadline) + 2 * uint256(j.window), RunStatus.Paid);
        } else {
            revert WrongStatus(jobId, j.status);
        }
        if (block.timestamp <= until) revert TooEarly(until);
        bool slashed;
        bool keyed = sealedInputs[jobId];
        for (uint256 i; i < j.replicas; ++i) {
            Run storage run = runs[i];
            if (run.status == RunStatus.Paid) continue;
            if (run.status >= due || (keyed && _keyDeliveredAt[jobId][i] == 0)) {
                _release(jobId, j, run); // on time, or never given the key to its sealed inputs
            } else {
                _slash(jobId, j, run);
                slashed = true;
            }
        }
        _setStatus(jobId, j, slashed ? JobStatus.Slashed : JobStatus.Expired);
    }

    function withdraw() external nonReentrant {
        uint256 amount = balances[msg.sender];
        if (amount == 0) revert NothingToWithdraw();
        balances[msg.sender] = 0;
        emit Withdrawn(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    // ------------------------------------------------------------------ views
    function getProvider(address provider) external view returns (Provider memory) {
        return _providers[provider];
    }

    /// @notice Completed, challenged, slashed and disagreed runs of a provider.
    function reputation(address provider) external view returns (Reputation memory) {
        return _providers[provider].reputation;
    }

    function getJob(uint256 jobId) external view returns (Job memory) {
        return _jobs[jobId];
    }

    function getRuns(uint256 jobId) external view returns (Run[2] memory) {
        return _runs[jobId];
    }

    /// @notice When each run slot got its input key (0: not delivered; unsealed jobs: always 0).
    function inputKeyDeliveredAt(uint256 jobId) external view returns (uint40[2] memory) {
        return _keyDeliveredAt[jobId];
    }

    function openJobCount() external view returns (uint256) {
        return _openIds.length;
    }

    /// @notice A page of open job ids (unordered; the set changes as jobs are taken).
    function openJobs(uint256 offset, uint256 limit) external view returns (uint256[] memory ids) {
        uint256 n = _openIds.length;
        uint256 end = offset >= n ? offset : offset + (limit < n - offset ? limit : n - offset);
        ids = new uint256[](end - offset);
        for (uint256 i = offset; i < end; ++i) {
            ids[i - offset] = _openIds[i];
        }
    }

    /// @notice What challenging `jobId` costs: `challengeBondBps` of its payment, rounded up.
    function challengeBond(uint256 jobId) public view returns (uint96) {
        return SafeCast.toUint96(Math.ceilDiv(uint256(_jobs[jobId].payment) * challengeBondBps, 10_000));
    }

    // ------------------------------------------------------------------ internals
    function _setParams(uint96 minStake_, uint40 unbondingDelay_) private {
        if (minStake_ > MAX_MIN_STAKE) revert InvalidParams();
        if (unbondingDelay_ < MIN_UNBONDING_DELAY || unbondingDelay_ > MAX_UNBONDING_DELAY) revert InvalidParams();
        minStake = minStake_;
        unbondingDelay = unbondingDelay_;
        emit ParamsSet(minStake_, unbondingDelay_);
    }

    function _post(JobParams calldata q) private returns (uint256 jobId) {
        _checkCid(q.modelCid);
        _checkCid(q.inputCid);
        _checkKinds(q.kinds);
        if (!_validKey(q.encryptionKey) || q.replicas == 0 || q.replicas > MAX_REPLICAS) revert InvalidParams();
        if (q.payment == 0 || q.collateral < q.payment) revert InvalidParams();
        if (q.window < MIN_WINDOW || q.window > MAX_WINDOW) revert InvalidParams();
        if (q.expiresAt <= block.timestamp || q.deadline < q.expiresAt) revert InvalidParams();
        if (q.deadline > block.timestamp + MAX_JOB_DURATION) revert InvalidParams();
        uint96 escrow = SafeCast.toUint96(uint256(q.payment) * q.replicas);
        jobId = ++jobCount;
        Job storage j = _jobs[jobId];
        j.requester = msg.sender;
        j.payment = q.payment;
        j.collateral = q.collateral;
        j.escrow = escrow;
        j.expiresAt = q.expiresAt;
        j.deadline = q.deadline;
        j.window = q.window;
        j.minVramMiB = q.minVramMiB;
        j.kinds = q.kinds;
        j.replicas = q.replicas;
        j.task = q.task;
        j.specHash = keccak256(abi.encode(q.task, q.modelCid, q.inputCid, q.encryptionKey));
        _openIds.push(jobId);
        _openSlot[jobId] = _openIds.length;
        emit JobPosted(jobId, msg.sender, q);
        _setStatus(jobId, j, JobStatus.Open);
        token.safeTransferFrom(msg.sender, address(this), escrow);
    }

    /// @dev End an open job: release any taken replica, credit the whole escrow to the requester.
    function _close(uint256 jobId, Job storage j, JobStatus status) private {
        Run storage run = _runs[jobId][0];
        if (run.status == RunStatus.Accepted) _release(jobId, j, run);
        balances[j.requester] += j.escrow;
        j.escrow = 0;
        _removeOpen(jobId);
        _setStatus(jobId, j, status);
    }

    function _settleForProvider(uint256 jobId, Job storage j, Run storage run) private {
        uint96 bond = j.bond;
        if (bond != 0) {
            j.escrow -= bond;
            balances[run.provider] += bond;
        }
        _pay(jobId, j, run);
        _setStatus(jobId, j, JobStatus.Completed);
    }

    /// @dev The run's collateral back to free stake and its payment to the provider.
    function _pay(uint256 jobId, Job storage j, Run storage run) private {
        Provider storage p = _unlock(run.provider, j.collateral);
        p.stake += j.collateral;
        p.reputation.completed = _bump(p.reputation.completed);
        j.escrow -= j.payment;
        balances[run.provider] += j.payment;
        run.status = RunStatus.Paid;
        emit RunPaid(jobId, run.provider, j.payment);
    }

    /// @dev The run's collateral back to free stake, its payment back to the requester.
    function _release(uint256 jobId, Job storage j, Run storage run) private {
        _unlock(run.provider, j.collateral).stake += j.collateral;
        j.escrow -= j.payment;
        balances[j.requester] += j.payment;
        run.status = RunStatus.Released;
        emit RunReleased(jobId, run.provider);
    }

    /// @dev The run's collateral and its payment to the requester.
    function _slash(uint256 jobId, Job storage j, Run storage run) private {
        Reputation storage rep = _unlock(run.provider, j.collateral).reputation;
        rep.slashed = _bump(rep.slashed);
        j.escrow -= j.payment;
        balances[j.requester] += uint256(j.payment) + j.collateral;
        run.status = RunStatus.Slashed;
        emit RunSlashed(jobId, run.provider, j.requester, j.collateral);
    }

    function _unlock(address provider, uint96 collateral) private returns (Provider storage p) {
        p = _providers[provider];
        p.locked -= collateral;
        p.openRuns -= 1;
    }

    /// @dev Swap-and-pop out of the open list.
    function _removeOpen(uint256 jobId) private {
        uint256 slot = _openSlot[jobId];
        uint256 last = _openIds[_openIds.length - 1];
        _openIds[slot - 1] = last;
        _openSlot[last] = slot;
        _openIds.pop();
        delete _openSlot[jobId];
    }

    /// @dev Reputation counters saturate: a full counter must never block a payment or a slash.
    function _bump(uint32 count) private pure returns (uint32) {
        return count == type(uint32).max ? count : count + 1;
    }

    function _setStatus(uint256 jobId, Job storage j, JobStatus status) private {
        j.status = status;
        emit JobStatusChanged(jobId, status);
    }

    function _replicated(uint256 jobId) private view returns (Job storage j) {
        j = _job(jobId);
        if (j.replicas != 2) revert WrongMode(jobId);
    }

    function _runOf(uint256 jobId, address provider) private view returns (Run storage) {
        return _runs[jobId][_slotOf(jobId, provider)];
    }

    function _slotOf(uint256 jobId, address provider) private view returns (uint8) {
        Run[2] storage runs = _runs[jobId];
        if (provider != address(0) && runs[0].provider == provider) return 0;
        if (provider != address(0) && runs[1].provider == provider) return 1;
        revert NotProvider(jobId);
    }

    function _job(uint256 jobId) private view returns (Job storage j) {
        j = _jobs[jobId];
        if (j.status == JobStatus.None) revert UnknownJob(jobId);
    }

    function _checkCid(string calldata cid) private pure {
        uint256 len = bytes(cid).length;
        if (len == 0 || len > MAX_CID_LENGTH) revert InvalidCid();
    }

    /// @dev A secp256k1 public key as ECIES takes it: compressed, raw (x, y) or with the 0x04 prefix.
    function _validKey(bytes calldata key) private pure returns (bool) {
        uint256 len = key.length;
        return len == 33 || len == 64 || len == 65;
    }

    function _checkKinds(uint8 kinds) private pure {
        if (kinds == 0 || kinds & ~ALL_KINDS != 0) revert InvalidParams();
    }
}
