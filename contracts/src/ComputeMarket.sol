// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title ComputeMarket
/// @notice GPU owners register as providers with a stake and a spec CID. Requesters post jobs
///         with the payment in escrow, a deadline and a challenge window; a provider accepting a
///         job locks `collateral` of its stake. After the provider submits a result (CID + hash)
///         and the challenge window passes, anyone can finalize: payment to the provider,
///         collateral unlocked. The requester may challenge inside the window; an ARBITER_ROLE
///         holder then either pays the provider or slashes the collateral to the requester (who
///         also gets the payment back). A provider missing the deadline is slashed the same way;
///         an unaccepted job can be cancelled for a refund. Stake leaves after an unbonding delay.
///         Money owed is credited to `balances` and pulled with `withdraw`.
contract ComputeMarket is AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");

    enum JobStatus {
        None,
        Open,
        Accepted,
        Submitted,
        Challenged,
        Completed,
        Slashed,
        Cancelled
    }

    struct Provider {
        uint96 stake; // free stake, usable as collateral
        uint96 locked; // collateral locked by accepted jobs
        uint40 unbondingAt; // when `unbonding` can be withdrawn
        bool registered;
        uint96 unbonding;
    }

    struct Job {
        address requester;
        uint96 payment;
        address provider;
        uint96 collateral;
        uint40 deadline; // result due by
        uint40 challengeWindow; // seconds after the result
        uint40 resultAt;
        JobStatus status;
        bytes32 resultHash;
    }

    uint256 public constant MAX_CID_LENGTH = 128;

    IERC20 public immutable token;
    uint96 public minStake;
    uint40 public unbondingDelay;

    uint256 public jobCount;
    mapping(address provider => Provider) private _providers;
    mapping(uint256 jobId => Job) private _jobs;
    /// @notice Tokens owed to an account (payments, refunds, slashed collateral).
    mapping(address account => uint256) public balances;

    event ProviderRegistered(address indexed provider, string specCid, uint256 stake);
    event ProviderSpecUpdated(address indexed provider, string specCid);
    event StakeAdded(address indexed provider, uint256 amount);
    event UnbondRequested(address indexed provider, uint256 amount, uint256 availableAt);
    event StakeWithdrawn(address indexed provider, uint256 amount);
    event JobPosted(
        uint256 indexed jobId,
        address indexed requester,
        string specCid,
        uint256 payment,
        uint256 collateral,
        uint40 deadline,
        uint40 challengeWindow
    );
    event JobCancelled(uint256 indexed jobId);
    event JobAccepted(uint256 indexed jobId, address indexed provider);
    event ResultSubmitted(uint256 indexed jobId, address indexed provider, string resultCid, bytes32 resultHash);
    event JobChallenged(uint256 indexed jobId, string reasonCid);
    event JobCompleted(uint256 indexed jobId, address indexed provider, uint256 payment);
    event JobSlashed(uint256 indexed jobId, address indexed provider, uint256 collateral, bool timedOut);
    event DisputeResolved(uint256 indexed jobId, bool providerWins, string noteCid, address arbiter);
    event Withdrawn(address indexed account, uint256 amount);
    event ParamsSet(uint96 minStake, uint40 unbondingDelay);

    error InvalidParams();
    error InvalidCid();
    error AlreadyRegistered();
    error NotRegistered(address provider);
    error StakeTooLow(uint256 stake, uint256 need);
    error InsufficientStake(uint256 free, uint256 need);
    error UnbondingPending(uint256 availableAt);
    error NothingToWithdraw();
    error UnknownJob(uint256 jobId);
    error WrongStatus(uint256 jobId, JobStatus status);
    error NotRequester(uint256 jobId);
    error NotProvider(uint256 jobId);
    error DeadlinePassed(uint256 deadline);
    error DeadlineNotPassed(uint256 deadline);
    error ChallengeWindowOpen(uint256 until);
    error ChallengeWindowClosed(uint256 until);

    constructor(IERC20 token_, address admin, uint96 minStake_, uint40 unbondingDelay_) {
        token = token_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        minStake = minStake_;
        unbondingDelay = unbondingDelay_;
        emit ParamsSet(minStake_, unbondingDelay_);
    }

    function setParams(uint96 minStake_, uint40 unbondingDelay_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        minStake = minStake_;
        unbondingDelay = unbondingDelay_;
        emit ParamsSet(minStake_, unbondingDelay_);
    }

    // ------------------------------------------------------------------ providers
    function registerProvider(string calldata specCid, uint96 stake) external nonReentrant {
        _checkCid(specCid);
        Provider storage p = _providers[msg.sender];
        if (p.registered) revert AlreadyRegistered();
        if (stake < minStake) revert StakeTooLow(stake, minStake);
        p.registered = true;
        p.stake += stake;
        emit ProviderRegistered(msg.sender, specCid, stake);
        if (stake != 0) token.safeTransferFrom(msg.sender, address(this), stake);
    }

    function updateSpec(string calldata specCid) external {
        _checkCid(specCid);
        if (!_providers[msg.sender].registered) revert NotRegistered(msg.sender);
        emit ProviderSpecUpdated(msg.sender, specCid);
    }

    function addStake(uint96 amount) external nonReentrant {
        if (amount == 0) revert InvalidParams();
        Provider storage p = _providers[msg.sender];
        if (!p.registered) revert NotRegistered(msg.sender);
        p.stake += amount;
        emit StakeAdded(msg.sender, amount);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Start unbonding `amount` of free stake; restarts the delay for all unbonding stake.
    function requestUnbond(uint96 amount) external {
        Provider storage p = _providers[msg.sender];
        if (!p.registered) revert NotRegistered(msg.sender);
        if (amount == 0) revert InvalidParams();
        if (amount > p.stake) revert InsufficientStake(p.stake, amount);
        p.stake -= amount;
        p.unbonding += amount;
        uint40 readyAt = uint40(block.timestamp) + unbondingDelay;
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

    // ------------------------------------------------------------------ jobs
    function postJob(string calldata specCid, uint96 payment, uint96 collateral, uint40 deadline, uint40 challengeWindow)
        external
        nonReentrant
        returns (uint256)
    {
        return _post(specCid, payment, collateral, deadline, challengeWindow);
    }

    function postJobWithPermit(
        string calldata specCid,
        uint96 payment,
        uint96 collateral,
        uint40 deadline,
        uint40 challengeWindow,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant returns (uint256) {
        try IERC20Permit(address(token)).permit(msg.sender, address(this), payment, permitDeadline, v, r, s) {} catch {}
        return _post(specCid, payment, collateral, deadline, challengeWindow);
    }

    /// @notice Withdraw an unaccepted job; the payment is refunded at once.
    function cancelJob(uint256 jobId) external nonReentrant {
        Job storage j = _job(jobId);
        if (j.requester != msg.sender) revert NotRequester(jobId);
        if (j.status != JobStatus.Open) revert WrongStatus(jobId, j.status);
        j.status = JobStatus.Cancelled;
        uint256 amount = j.payment;
        emit JobCancelled(jobId);
        token.safeTransfer(msg.sender, amount);
    }

    function acceptJob(uint256 jobId) external {
        Job storage j = _job(jobId);
        if (j.status != JobStatus.Open) revert WrongStatus(jobId, j.status);
        if (block.timestamp >= j.deadline) revert DeadlinePassed(j.deadline);
        Provider storage p = _providers[msg.sender];
        if (!p.registered) revert NotRegistered(msg.sender);
        uint96 c = j.collateral;
        if (p.stake < c) revert InsufficientStake(p.stake, c);
        p.stake -= c;
        p.locked += c;
        j.provider = msg.sender;
        j.status = JobStatus.Accepted;
        emit JobAccepted(jobId, msg.sender);
    }

    function submitResult(uint256 jobId, string calldata resultCid, bytes32 resultHash) external {
        _checkCid(resultCid);
        Job storage j = _job(jobId);
        if (j.status != JobStatus.Accepted) revert WrongStatus(jobId, j.status);
        if (j.provider != msg.sender) revert NotProvider(jobId);
        if (block.timestamp > j.deadline) revert DeadlinePassed(j.deadline);
        j.status = JobStatus.Submitted;
        j.resultAt = uint40(block.timestamp);
        j.resultHash = resultHash;
        emit ResultSubmitted(jobId, msg.sender, resultCid, resultHash);
    }

    /// @notice Requester disputes a result inside the challenge window.
    function challenge(uint256 jobId, string calldata reasonCid) external {
        Job storage j = _job(jobId);
        if (j.requester != msg.sender) revert NotRequester(jobId);
        if (j.status != JobStatus.Submitted) revert WrongStatus(jobId, j.status);
        uint256 until = uint256(j.resultAt) + j.challengeWindow;
        if (block.timestamp > until) revert ChallengeWindowClosed(until);
        j.status = JobStatus.Challenged;
        emit JobChallenged(jobId, reasonCid);
    }

    /// @notice Pay an unchallenged result once the challenge window is over. Anyone may call.
    function finalizeJob(uint256 jobId) external {
        Job storage j = _job(jobId);
        if (j.status != JobStatus.Submitted) revert WrongStatus(jobId, j.status);
        uint256 until = uint256(j.resultAt) + j.challengeWindow;
        if (block.timestamp <= until) revert ChallengeWindowOpen(until);
        _complete(jobId, j);
    }

    /// @notice Arbiter's decision on a challenged job.
    function resolve(uint256 jobId, bool providerWins, string calldata noteCid) external onlyRole(ARBITER_ROLE) {
        Job storage j = _job(jobId);
        if (j.status != JobStatus.Challenged) revert WrongStatus(jobId, j.status);
        emit DisputeResolved(jobId, providerWins, noteCid, msg.sender);
        if (providerWins) _complete(jobId, j);
        else _slash(jobId, j, false);
    }

    /// @notice After the deadline of an accepted job without a result: refund the payment and
    ///         slash the collateral to the requester. Anyone may call.
    function claimTimeout(uint256 jobId) external {
        Job storage j = _job(jobId);
        if (j.status != JobStatus.Accepted) revert WrongStatus(jobId, j.status);
        if (block.timestamp <= j.deadline) revert DeadlineNotPassed(j.deadline);
        _slash(jobId, j, true);
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

    function getJob(uint256 jobId) external view returns (Job memory) {
        return _jobs[jobId];
    }

    // ------------------------------------------------------------------ internals
    function _post(string calldata specCid, uint96 payment, uint96 collateral, uint40 deadline, uint40 window)
        private
        returns (uint256 jobId)
    {
        _checkCid(specCid);
        if (payment == 0 || window == 0 || deadline <= block.timestamp) revert InvalidParams();
        jobId = ++jobCount;
        Job storage j = _jobs[jobId];
        j.requester = msg.sender;
        j.payment = payment;
        j.collateral = collateral;
        j.deadline = deadline;
        j.challengeWindow = window;
        j.status = JobStatus.Open;
        emit JobPosted(jobId, msg.sender, specCid, payment, collateral, deadline, window);
        token.safeTransferFrom(msg.sender, address(this), payment);
    }

    function _complete(uint256 jobId, Job storage j) private {
        address provider = j.provider;
        uint96 c = j.collateral;
        Provider storage p = _providers[provider];
        p.locked -= c;
        p.stake += c;
        j.status = JobStatus.Completed;
        balances[provider] += j.payment;
        emit JobCompleted(jobId, provider, j.payment);
    }

    function _slash(uint256 jobId, Job storage j, bool timedOut) private {
        address provider = j.provider;
        uint96 c = j.collateral;
        _providers[provider].locked -= c;
        j.status = JobStatus.Slashed;
        balances[j.requester] += uint256(j.payment) + c;
        emit JobSlashed(jobId, provider, c, timedOut);
    }

    function _job(uint256 jobId) private view returns (Job storage j) {
        j = _jobs[jobId];
        if (j.status == JobStatus.None) revert UnknownJob(jobId);
    }

    function _checkCid(string calldata cid) private pure {
        uint256 len = bytes(cid).length;
        if (len == 0 || len > MAX_CID_LENGTH) revert InvalidCid();
    }
}
