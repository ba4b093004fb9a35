// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IEscrow} from "src/interfaces/IEscrow.sol";
import {ITermsVerifier} from "src/interfaces/ITermsVerifier.sol";
import {EscrowMath} from "src/libraries/EscrowMath.sol";
import {PackedTerms} from "src/libraries/PackedTerms.sol";

/// @title Escrow
/// @notice Holds the money of every Co-Intent order on this chain until its milestones are
/// released, then lets each party pull its share. The rules users rely on are listed on
/// `IEscrow`; this contract enforces them.
/// @dev Storage per order is the terms hash, one packed state slot written at creation, and a
/// few slots touched only by rulings, end-of-order refunds and promoters; the terms come back
/// as packed calldata and are checked against the hash.
///
/// Money scheme. Let `F = unitsPledged * unitPrice` be what an order holds once funding ended.
/// Milestone `i` releases `A_i = cum(i + 1) - cum(i)` with `cum(k) = floor(F * (bps_0 + ... +
/// bps_{k-1}) / 10 000)`, so the amounts add up to `F` exactly. The order's released amount is
/// `R = cum(milestone) - withheld`: every settled milestone counts in full except what rulings
/// withheld. Every seller-side entitlement is a monotone non-decreasing function of `R`,
/// computed as a cascade of floors in which each step takes `floor(x * c)` with `c <= 1` and
/// passes the remainder on:
///   fee        = floor(R * feeBps / 10 000)                          -> treasury
///   pool       = floor((R - fee) * promoterBps * promotedUnits / (10 000 * unitsPledged))
///   net        = R - fee - pool
///   split i    = floor(rest_i * bps_i / (10 000 - bps_0 - ... - bps_{i-1})), rest_{i+1} = rest_i - split i
///                (rest_0 = net, so split i is net * bps_i / 10 000 up to rounding)
///   seller     = the last remainder.
/// These shares add up to `R` exactly, so no dust is left with the seller side. Claims credit
/// `entitlement(R) - claimed` and can be repeated as `R` grows. The promoter pool is divided
/// pro rata of promoted units (floors); once the order ended, each promoter's claim closes its
/// position and the last promoter to close takes the pool's remainder, so the pool is paid out
/// exactly. Backers of failed or cancelled orders get back exactly what they paid; once an
/// order ended otherwise (`Completed`, `Resolved`, `Expired`), `F - R` goes back to backers pro
/// rata of their units, the last backer refunded taking the remainder. Dispute bonds never
/// enter the cascade: a ruling credits the bond to the disputer or the seller in full.
///
/// Governance can only change the fee for future orders (under `MAX_FEE_BPS`), keep the
/// payment-token allowlist and pause new orders and pledges; it has no way to move escrowed
/// money, and nothing here is upgradeable.
contract Escrow is IEscrow, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using PackedTerms for bytes;

    /// @notice Hard cap on the platform fee, in bps.
    uint256 public constant MAX_FEE_BPS = 500;
    /// @notice Maximum number of milestones per order.
    uint256 public constant MAX_MILESTONES = 8;
    /// @notice Maximum number of split entries per order.
    uint256 public constant MAX_SPLITS = 5;
    /// @notice Shortest review window of a delivered milestone.
    uint256 public constant MIN_REVIEW_PERIOD = 1 days;
    /// @notice Longest review window of a delivered milestone.
    uint256 public constant MAX_REVIEW_PERIOD = 90 days;
    /// @notice Shortest time the arbiter gets to rule.
    uint256 public constant MIN_RULING_PERIOD = 1 days;
    /// @notice Longest time the arbiter gets to rule.
    uint256 public constant MAX_RULING_PERIOD = 90 days;
    /// @notice Shortest delivery period of a milestone.
    uint256 public constant MIN_DELIVERY_PERIOD = 1 hours;
    /// @notice Longest delivery period of a milestone.
    uint256 public constant MAX_DELIVERY_PERIOD = 365 days;
    /// @notice Longest funding period, from creation to the funding deadline.
    uint256 public constant MAX_FUNDING_PERIOD = 365 days;
    /// @notice The longest reason a dispute may give, in bytes.
    uint256 public constant MAX_REASON_BYTES = 1000;
    /// @notice Smallest dispute bond, in bps of the disputed milestone's amount.
    uint256 public constant MIN_BOND_BPS = 100;
    /// @notice Largest dispute bond, in bps of the disputed milestone's amount.
    uint256 public constant MAX_BOND_BPS = 2_000;

    uint256 private constant _BPS = 10_000;

    /// @inheritdoc IEscrow
    address public immutable governance;
    /// @inheritdoc IEscrow
    address public immutable treasury;
    /// @inheritdoc IEscrow
    ITermsVerifier public immutable verifier;

    /// @dev Fee, pause flag, order counter and bootstrap share one slot: `createOrder` reads it
    /// once.
    struct Config {
        uint16 feeBps;
        bool paused;
        uint64 orderCount;
        address bootstrap;
    }

    /// @dev The outcome of a ruling, gathered for its event.
    struct Ruling {
        uint256 milestone;
        uint256 released;
        uint256 withheld;
        bool upheld;
        bool byDefault;
        address bondTo;
        uint256 bond;
        uint256 deliverBy;
    }

    // EscrowLens decodes the order records through `extsload`: it pins the slots of the state
    // variables below (2 to 9) and the packing of the structs, and its tests read every one.
    Config private _config;
    mapping(address token => bool) private _allowedTokens;
    mapping(bytes32 digest => bool) private _usedSignatures;
    mapping(uint256 orderId => bytes32) private _termsHash;
    mapping(uint256 orderId => OrderState) private _state;
    mapping(uint256 orderId => OrderAux) private _aux;
    mapping(uint256 orderId => Dispute) private _disputes;
    mapping(uint256 orderId => PromoterPool) private _promoterPool;
    mapping(uint256 orderId => mapping(address account => Participant)) private _participants;
    mapping(uint256 orderId => mapping(address account => uint256)) private _claimed;
    mapping(address token => mapping(address account => uint256)) private _balances;
    // Appended after the slots the lens pins: the one contract allowed to call `createSale`.
    address private _shop;

    modifier onlyGovernance() {
        _onlyGovernance();
        _;
    }

    /// @param governance_ The timelock: sets the fee, pauses, keeps the allowlist.
    /// @param treasury_ Receives platform fees.
    /// @param feeBps_ Initial fee, at most `MAX_FEE_BPS`.
    /// @param verifier_ Checks sellers' signatures over terms (`createOrderFor`).
    /// @param bootstrap_ May edit the allowlist until it renounces (the deployer, which fills
    /// this chain's list and renounces in the same deployment run), or zero.
    constructor(
        address governance_,
        address treasury_,
        uint16 feeBps_,
        ITermsVerifier verifier_,
        address bootstrap_
    ) {
        if (
            governance_ == address(0) || treasury_ == address(0) || address(verifier_) == address(0)
        ) revert ZeroAddress();
        if (feeBps_ > MAX_FEE_BPS) revert FeeTooHigh(feeBps_, MAX_FEE_BPS);
        governance = governance_;
        treasury = treasury_;
        verifier = verifier_;
        _config.feeBps = feeBps_;
        _config.bootstrap = bootstrap_;
    }

    // ------------------------------------------------------------------ orders

    /// @inheritdoc IEscrow
    function createOrder(bytes calldata terms) external returns (uint256 orderId) {
        address seller = terms.seller();
        if (msg.sender != seller) revert NotSeller(msg.sender, seller);
        _validate(terms);
        orderId = _createOrder(terms, seller);
    }

    /// @inheritdoc IEscrow
    function createOrderFor(bytes calldata terms, bytes calldata signature)
        external
        returns (uint256 orderId)
    {
        _validate(terms);
        address seller = terms.seller();
        (bytes32 digest, bool valid) = verifier.verify(address(this), terms, signature);
        if (_usedSignatures[digest]) revert SignatureUsed(digest);
        if (!valid) revert InvalidSignature();
        _usedSignatures[digest] = true;
        orderId = _createOrder(terms, seller);
    }

    /// @inheritdoc IEscrow
    function createSale(bytes calldata terms, address buyer, uint32 units, address promoter)
        external
        payable
        nonReentrant
        returns (uint256 orderId)
    {
        // The shop establishes the seller's will: it sells only listings the seller made or
        // signed.
        if (msg.sender != _shop) revert OnlyShop(msg.sender);
        _validate(terms);
        if (buyer == address(0) || terms.soleBuyer() != buyer) revert InvalidTerms("soleBuyer");
        if (terms.minUnits() != units || terms.maxUnits() != units) revert InvalidTerms("units");
        orderId = _createOrder(terms, terms.seller());
        uint256 amount = _pledge(orderId, terms, buyer, units, promoter);
        _finalize(orderId, terms);
        _take(terms.token(), amount);
    }

    /// @inheritdoc IEscrow
    function revokeTerms(bytes calldata terms) external {
        if (msg.sender != terms.seller()) revert OnlySeller(msg.sender);
        bytes32 digest = verifier.digest(address(this), terms);
        if (_usedSignatures[digest]) revert SignatureUsed(digest);
        _usedSignatures[digest] = true;
        emit TermsRevoked(msg.sender, digest);
    }

    /// @inheritdoc IEscrow
    function pledge(uint256 orderId, bytes calldata terms, uint256 units, address promoter)
        external
        payable
        nonReentrant
    {
        _checkTerms(orderId, terms);
        _take(terms.token(), _pledge(orderId, terms, msg.sender, units, promoter));
    }

    /// @inheritdoc IEscrow
    function pledgeWithPermit(
        uint256 orderId,
        bytes calldata terms,
        uint256 units,
        address promoter,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant {
        // The terms are checked first: the permit is only ever called on the order's token.
        _checkTerms(orderId, terms);
        address token = terms.token();
        if (token != address(0)) {
            // A permit already used or front-run must not block the pledge: the transfer below
            // fails anyway if the allowance is short.
            try IERC20Permit(token)
                .permit(msg.sender, address(this), units * terms.unitPrice(), deadline, v, r, s) {}
                catch {}
        }
        _take(token, _pledge(orderId, terms, msg.sender, units, promoter));
    }

    /// @inheritdoc IEscrow
    function unpledge(uint256 orderId, bytes calldata terms, uint256 units) external nonReentrant {
        _checkTerms(orderId, terms);
        OrderState memory s = _state[orderId];
        _requireFundingOpen(orderId, terms, s);
        if (units == 0) revert ZeroUnits();
        Participant memory b = _participants[orderId][msg.sender];
        if (units > b.units) revert InsufficientUnits(b.units);
        uint256 amount = units * terms.unitPrice();
        bool weighted = b.promoted == 0 && !EscrowMath.isRole(terms, msg.sender);
        address promoter = b.promoter;
        // units <= b.units, and every order counter includes the backer's units.
        unchecked {
            // forge-lint: disable-start(unsafe-typecast)
            b.units -= uint32(units);
            s.unitsPledged -= uint32(units);
            if (weighted) s.weightedUnits -= uint32(units);
            if (promoter != address(0)) {
                Participant storage p = _participants[orderId][promoter];
                uint32 left = p.promoted - uint32(units);
                p.promoted = left;
                s.promotedUnits -= uint32(units);
                if (left == 0) {
                    --s.promoterCount;
                    // No longer a promoter: its own units (never a role's) regain their weight.
                    s.weightedUnits += p.units;
                }
            }
            // forge-lint: disable-end(unsafe-typecast)
            if (b.units == 0) {
                --s.backerCount;
                b.promoter = address(0);
            }
        }
        _participants[orderId][msg.sender] = b;
        _save(orderId, s);
        emit Unpledged(orderId, msg.sender, promoter, units, amount, s.weightedUnits);
        _send(terms.token(), msg.sender, amount);
    }

    /// @inheritdoc IEscrow
    function finalize(uint256 orderId, bytes calldata terms) external returns (Status status) {
        _checkTerms(orderId, terms);
        return _finalize(orderId, terms);
    }

    /// @inheritdoc IEscrow
    function cancel(uint256 orderId, bytes calldata terms) external {
        _checkTerms(orderId, terms);
        if (msg.sender != terms.seller()) revert OnlySeller(msg.sender);
        OrderState storage s = _state[orderId];
        if (s.status != Status.Funding) revert WrongStatus(orderId, s.status);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp >= terms.fundingDeadline()) revert FundingClosed(orderId);
        s.status = Status.Cancelled;
        s.since = uint40(block.timestamp);
        emit Cancelled(orderId);
    }

    // -------------------------------------------------------------- milestones

    /// @inheritdoc IEscrow
    function deliverMilestone(uint256 orderId, bytes calldata terms, bytes32 proofHash) external {
        _checkTerms(orderId, terms);
        if (msg.sender != terms.seller()) revert OnlySeller(msg.sender);
        OrderState memory s = _state[orderId];
        _requireMilestone(orderId, s, MilestoneState.Pending);
        uint256 deliverBy = uint256(s.since) + terms.deliveryPeriod(s.milestone);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp >= deliverBy) revert DeadlinePassed(deliverBy);
        s.milestoneState = MilestoneState.Delivered;
        s.since = uint40(block.timestamp);
        s.approvalUnits = 0;
        _save(orderId, s);
        emit MilestoneDelivered(
            orderId, s.milestone, proofHash, block.timestamp + terms.reviewPeriod()
        );
    }

    /// @inheritdoc IEscrow
    function approveMilestone(uint256 orderId, bytes calldata terms)
        external
        returns (bool released)
    {
        _checkTerms(orderId, terms);
        OrderState memory s = _state[orderId];
        _requireInReview(orderId, terms, s);
        Participant storage b = _participants[orderId][msg.sender];
        uint256 units = EscrowMath.weight(terms, b, msg.sender);
        if (units == 0) revert NoWeight(msg.sender);
        // milestone < MAX_MILESTONES, so index + 1 fits in uint8; each weighted backer adds its
        // units once per milestone, so the sum stays <= weightedUnits.
        unchecked {
            uint8 mark = s.milestone + 1;
            if (b.approved == mark) revert AlreadyApproved(msg.sender);
            b.approved = mark;
            // forge-lint: disable-next-line(unsafe-typecast)
            s.approvalUnits += uint32(units);
        }
        emit MilestoneApproved(orderId, s.milestone, msg.sender, units, s.approvalUnits);
        if (s.approvalUnits == s.weightedUnits) {
            _release(orderId, terms, s);
            released = true;
        } else {
            _save(orderId, s);
        }
    }

    /// @inheritdoc IEscrow
    function release(uint256 orderId, bytes calldata terms) external {
        _checkTerms(orderId, terms);
        OrderState memory s = _state[orderId];
        _requireMilestone(orderId, s, MilestoneState.Delivered);
        uint256 endsAt = uint256(s.since) + terms.reviewPeriod();
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < endsAt) revert DeadlineNotReached(endsAt);
        _release(orderId, terms, s);
    }

    /// @inheritdoc IEscrow
    function dispute(uint256 orderId, bytes calldata terms, string calldata reason)
        external
        payable
        nonReentrant
    {
        _checkTerms(orderId, terms);
        uint256 length = bytes(reason).length;
        if (length == 0 || length > MAX_REASON_BYTES) {
            revert ReasonLength(length, MAX_REASON_BYTES);
        }
        OrderState memory s = _state[orderId];
        _requireInReview(orderId, terms, s);
        if (EscrowMath.weight(terms, _participants[orderId][msg.sender], msg.sender) == 0) {
            revert NoWeight(msg.sender);
        }
        uint256 bond = EscrowMath.bond(terms, s);
        s.milestoneState = MilestoneState.Disputed;
        s.since = uint40(block.timestamp);
        _save(orderId, s);
        // The bond is a fraction of one milestone's amount, itself < 2^96.
        // forge-lint: disable-next-line(unsafe-typecast)
        _disputes[orderId] = Dispute(msg.sender, uint96(bond));
        emit Disputed(
            orderId, s.milestone, msg.sender, bond, block.timestamp + terms.rulingPeriod(), reason
        );
        _take(terms.token(), bond);
    }

    /// @inheritdoc IEscrow
    function rule(uint256 orderId, bytes calldata terms, uint256 releaseAmount, bool endOrder)
        external
    {
        _checkTerms(orderId, terms);
        if (msg.sender != terms.arbiter()) revert NotArbiter(msg.sender);
        OrderState memory s = _state[orderId];
        _requireMilestone(orderId, s, MilestoneState.Disputed);
        uint256 endsAt = uint256(s.since) + terms.rulingPeriod();
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp >= endsAt) revert DeadlinePassed(endsAt);
        _settleDispute(orderId, terms, s, releaseAmount, endOrder, false);
    }

    /// @inheritdoc IEscrow
    function ruleByDefault(uint256 orderId, bytes calldata terms) external {
        _checkTerms(orderId, terms);
        OrderState memory s = _state[orderId];
        _requireMilestone(orderId, s, MilestoneState.Disputed);
        uint256 endsAt = uint256(s.since) + terms.rulingPeriod();
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < endsAt) revert DeadlineNotReached(endsAt);
        _settleDispute(orderId, terms, s, 0, true, true);
    }

    /// @inheritdoc IEscrow
    function expire(uint256 orderId, bytes calldata terms) external {
        _checkTerms(orderId, terms);
        OrderState memory s = _state[orderId];
        _requireMilestone(orderId, s, MilestoneState.Pending);
        uint256 deliverBy = uint256(s.since) + terms.deliveryPeriod(s.milestone);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < deliverBy) revert DeadlineNotReached(deliverBy);
        s.status = Status.Expired;
        s.since = uint40(block.timestamp);
        _save(orderId, s);
        emit Expired(orderId, s.milestone, _released(orderId, terms, s));
    }

    // ---------------------------------------------------------------- payouts

    /// @inheritdoc IEscrow
    function refund(uint256 orderId, bytes calldata terms, address backer, address to)
        external
        nonReentrant
        returns (uint256 amount)
    {
        _checkDestination(backer, to);
        return _refund(orderId, terms, backer, to);
    }

    /// @inheritdoc IEscrow
    function claim(uint256 orderId, bytes calldata terms, address account)
        external
        returns (uint256 amount)
    {
        _checkTerms(orderId, terms);
        amount = _claim(orderId, terms, _state[orderId], account);
        // Zero means nothing is due: a comparison of the escrow's own bookkeeping, not of a balance
        // anyone can move.
        // slither-disable-next-line incorrect-equality
        if (amount == 0) revert NothingToClaim(account);
        _balances[terms.token()][account] += amount;
    }

    /// @inheritdoc IEscrow
    function claimCommission(uint256 orderId, bytes calldata terms, address promoter)
        external
        returns (uint256 amount)
    {
        _checkTerms(orderId, terms);
        OrderState memory s = _state[orderId];
        Participant memory p = _participants[orderId][promoter];
        PromoterPool memory pool = _promoterPool[orderId];
        uint256 claimed = _claimed[orderId][promoter];
        bool closes;
        (amount, closes) =
            EscrowMath.commission(terms, s, _released(orderId, terms, s), p, pool, claimed);
        // Zero means nothing is due (bookkeeping, not a balance anyone can move).
        // slither-disable-next-line incorrect-equality
        if (amount == 0 && !closes) revert NothingToClaim(promoter);
        // The commission paid out never exceeds the promoter pool (< 2^96); at most
        // `promoterCount` promoters close.
        unchecked {
            _claimed[orderId][promoter] = claimed + amount;
            // forge-lint: disable-next-line(unsafe-typecast)
            pool.paid += uint96(amount);
            if (closes) ++pool.closed;
        }
        if (closes) _participants[orderId][promoter].closed = true;
        _promoterPool[orderId] = pool;
        address token = terms.token();
        _balances[token][promoter] += amount;
        emit CommissionClaimed(orderId, promoter, token, amount, closes);
    }

    /// @inheritdoc IEscrow
    function collect(uint256 orderId, bytes calldata terms, address to)
        external
        nonReentrant
        returns (uint256 amount)
    {
        if (to == address(0)) revert ZeroAddress();
        _checkTerms(orderId, terms);
        OrderState memory s = _state[orderId];
        bool delivered = s.status == Status.Active && s.milestoneState == MilestoneState.Delivered;
        // forge-lint: disable-next-line(block-timestamp)
        if (delivered && block.timestamp >= uint256(s.since) + terms.reviewPeriod()) {
            _release(orderId, terms, s);
        }
        address token = terms.token();
        amount = _balances[token][msg.sender] + _claim(orderId, terms, s, msg.sender);
        // Zero means nothing is due (bookkeeping, not a balance anyone can move).
        // slither-disable-next-line incorrect-equality
        if (amount == 0) revert NothingToWithdraw(msg.sender, token);
        // Claimed now or credited earlier, all of it leaves at once.
        if (_balances[token][msg.sender] != 0) _balances[token][msg.sender] = 0;
        emit Withdrawn(token, msg.sender, to, amount);
        _send(token, to, amount);
    }

    /// @inheritdoc IEscrow
    function withdraw(address token, address account, address to)
        external
        nonReentrant
        returns (uint256 amount)
    {
        _checkDestination(account, to);
        amount = _balances[token][account];
        if (amount == 0) revert NothingToWithdraw(account, token);
        _balances[token][account] = 0;
        emit Withdrawn(token, account, to, amount);
        _send(token, to, amount);
    }

    // ------------------------------------------------------------- governance

    /// @inheritdoc IEscrow
    function setFeeBps(uint16 newFeeBps) external onlyGovernance {
        if (newFeeBps > MAX_FEE_BPS) revert FeeTooHigh(newFeeBps, MAX_FEE_BPS);
        uint256 old = _config.feeBps;
        _config.feeBps = newFeeBps;
        emit FeeBpsSet(old, newFeeBps);
    }

    /// @inheritdoc IEscrow
    function pause() external onlyGovernance {
        _setPaused(true);
    }

    /// @inheritdoc IEscrow
    function unpause() external onlyGovernance {
        _setPaused(false);
    }

    /// @inheritdoc IEscrow
    function setTokenAllowed(address token, bool allowed) external {
        if (msg.sender != governance && msg.sender != _config.bootstrap) {
            revert OnlyGovernance(msg.sender);
        }
        _allowedTokens[token] = allowed;
        emit TokenAllowed(token, allowed);
    }

    /// @inheritdoc IEscrow
    function setShop(address newShop) external {
        _onlyBootstrap();
        if (newShop == address(0)) revert ZeroAddress();
        if (_shop != address(0)) revert ShopAlreadySet(_shop);
        _shop = newShop;
        emit ShopSet(newShop);
    }

    /// @inheritdoc IEscrow
    function renounceBootstrap() external {
        address bootstrap_ = _onlyBootstrap();
        _config.bootstrap = address(0);
        emit BootstrapRenounced(bootstrap_);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IEscrow
    function extsload(bytes32 slot) external view returns (bytes32 value) {
        assembly ("memory-safe") {
            value := sload(slot)
        }
    }

    /// @inheritdoc IEscrow
    function balanceOf(address token, address account) external view returns (uint256) {
        return _balances[token][account];
    }

    /// @inheritdoc IEscrow
    function isTokenAllowed(address token) external view returns (bool) {
        return _allowedTokens[token];
    }

    /// @inheritdoc IEscrow
    function bootstrap() external view returns (address) {
        return _config.bootstrap;
    }

    /// @inheritdoc IEscrow
    function feeBps() external view returns (uint16) {
        return _config.feeBps;
    }

    /// @inheritdoc IEscrow
    function paused() external view returns (bool) {
        return _config.paused;
    }

    /// @inheritdoc IEscrow
    function orderCount() external view returns (uint256) {
        return _config.orderCount;
    }

    /// @inheritdoc IEscrow
    function shop() external view returns (address) {
        return _shop;
    }

    // --------------------------------------------------------------- internals

    /// @dev Opens an order with validated terms once the seller's will is established.
    function _createOrder(bytes calldata terms, address seller) private returns (uint256 orderId) {
        orderId = _open(keccak256(terms));
        emit OrderCreated(orderId, seller, terms.token(), msg.sender, terms);
    }

    /// @dev Registers a new order under `termsHash` (already validated, the seller's will
    /// established) and returns its id. Also writes the state slot (its `since` is the creation
    /// time), so that the first pledge updates a warm, non-zero slot. Kept apart from the
    /// calldata checks so that orders made from stored listings can reuse it.
    function _open(bytes32 termsHash) private returns (uint256 orderId) {
        Config memory config = _config;
        // A uint64 counter bumped once per order cannot wrap.
        unchecked {
            orderId = uint256(config.orderCount) + 1;
        }
        // forge-lint: disable-next-line(unsafe-typecast)
        _config.orderCount = uint64(orderId);
        _termsHash[orderId] = termsHash;
        _state[orderId].since = uint40(block.timestamp);
    }

    /// @dev Records `backer`'s pledge of `units` and returns their price, which the caller then
    /// takes from `msg.sender` (the backer itself, or the shop that collected it from the buyer).
    function _pledge(
        uint256 orderId,
        bytes calldata terms,
        address backer,
        uint256 units,
        address promoter
    ) private returns (uint256 amount) {
        if (_config.paused) revert Paused();
        OrderState memory s = _state[orderId];
        _requireFundingOpen(orderId, terms, s);
        if (units == 0) revert ZeroUnits();
        address soleBuyer = terms.soleBuyer();
        if (soleBuyer != address(0) && backer != soleBuyer) revert NotSoleBuyer(backer);
        uint256 available = terms.maxUnits() - s.unitsPledged;
        if (units > available) revert CapExceeded(available);
        amount = units * terms.unitPrice();
        Participant memory b = _participants[orderId][backer];
        // The promoter is fixed by the backer's first pledge made while holding no units.
        if (b.units == 0) {
            if (promoter != address(0)) _checkPromoter(orderId, terms, backer, promoter);
            b.promoter = promoter;
        } else {
            promoter = b.promoter;
        }
        // units <= maxUnits - unitsPledged, so every unit counter stays <= maxUnits < 2^32, and
        // the amount <= maxUnits * unitPrice < 2^96 (checked at creation).
        unchecked {
            if (b.units == 0) ++s.backerCount;
            // forge-lint: disable-start(unsafe-typecast)
            b.units += uint32(units);
            s.unitsPledged += uint32(units);
            if (b.promoted == 0 && !EscrowMath.isRole(terms, backer)) {
                s.weightedUnits += uint32(units);
            }
            if (promoter != address(0)) {
                Participant storage p = _participants[orderId][promoter];
                uint32 before = p.promoted;
                if (before == 0) ++s.promoterCount;
                p.promoted = before + uint32(units);
                s.promotedUnits += uint32(units);
            }
            // forge-lint: disable-end(unsafe-typecast)
        }
        _participants[orderId][backer] = b;
        _save(orderId, s);
        emit Pledged(orderId, backer, promoter, units, amount, s.weightedUnits);
    }

    /// @dev Ends funding of an order whose terms were checked: `Active` once the goal is met,
    /// `Failed` past the deadline short of it.
    function _finalize(uint256 orderId, bytes calldata terms) private returns (Status status) {
        OrderState storage s = _state[orderId];
        if (s.status != Status.Funding) revert WrongStatus(orderId, s.status);
        uint256 units = s.unitsPledged;
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < terms.fundingDeadline() && units < terms.maxUnits()) {
            revert FundingOpen(orderId);
        }
        uint256 deliverBy = 0;
        if (units >= terms.minUnits()) {
            status = Status.Active;
            deliverBy = block.timestamp + terms.deliveryPeriod(0);
        } else {
            status = Status.Failed;
        }
        s.status = status;
        s.since = uint40(block.timestamp);
        emit Finalized(orderId, status, units, units * terms.unitPrice(), deliverBy);
    }

    /// @dev A promoter is never the backer itself, a role of the order (no commission for the
    /// seller, a split recipient, the arbiter or the treasury), nor a backer with weight (that
    /// would take its weight away).
    function _checkPromoter(uint256 orderId, bytes calldata terms, address backer, address promoter)
        private
        view
    {
        if (promoter == backer) revert SelfReferral();
        if (promoter == treasury || EscrowMath.isRole(terms, promoter)) {
            revert InvalidPromoter(promoter);
        }
        Participant storage p = _participants[orderId][promoter];
        if (p.units != 0 && p.promoted == 0) revert PromoterIsBacker(promoter);
    }

    /// @dev Releases the current (delivered) milestone in full: O(1), whatever the split table.
    function _release(uint256 orderId, bytes calldata terms, OrderState memory s) private {
        uint256 milestone = s.milestone;
        uint256 amount = EscrowMath.milestoneAmount(terms, s.unitsPledged, milestone);
        uint256 deliverBy = _advance(terms, s, false);
        _save(orderId, s);
        emit MilestoneReleased(orderId, milestone, amount, _released(orderId, terms, s), deliverBy);
        if (s.status == Status.Completed) emit Completed(orderId);
    }

    /// @dev Settles the current milestone in `s`: the next one starts its delivery window, or
    /// the order ends (`Resolved` when `end`, else `Completed` after the last milestone).
    /// @return deliverBy The next milestone's delivery deadline, 0 if the order ended.
    function _advance(bytes calldata terms, OrderState memory s, bool end)
        private
        view
        returns (uint256 deliverBy)
    {
        // milestone < MAX_MILESTONES.
        unchecked {
            ++s.milestone;
        }
        s.milestoneState = MilestoneState.Pending;
        s.since = uint40(block.timestamp);
        s.approvalUnits = 0;
        // The milestone index counts settled milestones: it reaches the count, never skips it.
        // slither-disable-next-line incorrect-equality
        bool done = s.milestone == terms.milestoneCount();
        if (end) {
            s.status = Status.Resolved;
        } else if (done) {
            s.status = Status.Completed;
        } else {
            deliverBy = block.timestamp + terms.deliveryPeriod(s.milestone);
        }
    }

    /// @dev Ends the dispute of the current milestone: `releaseAmount` of it is released, the
    /// rest withheld for backers; the bond goes to the disputer if upheld, else to the seller.
    function _settleDispute(
        uint256 orderId,
        bytes calldata terms,
        OrderState memory s,
        uint256 releaseAmount,
        bool endOrder,
        bool byDefault
    ) private {
        Ruling memory r = Ruling({
            milestone: s.milestone,
            released: releaseAmount,
            withheld: 0,
            upheld: false,
            byDefault: byDefault,
            bondTo: address(0),
            bond: 0,
            deliverBy: 0
        });
        uint256 amount = EscrowMath.milestoneAmount(terms, s.unitsPledged, r.milestone);
        if (releaseAmount > amount) revert ReleaseTooHigh(releaseAmount, amount);
        // releaseAmount <= amount; withheld amounts add up to at most the funds (< 2^96).
        unchecked {
            r.withheld = amount - releaseAmount;
            // forge-lint: disable-next-line(unsafe-typecast)
            if (r.withheld != 0) _aux[orderId].withheld += uint96(r.withheld);
        }
        r.upheld = r.withheld != 0 || endOrder;
        Dispute memory d = _disputes[orderId];
        delete _disputes[orderId];
        r.bondTo = r.upheld ? d.disputer : terms.seller();
        r.bond = d.bond;
        _balances[terms.token()][r.bondTo] += r.bond;
        r.deliverBy = _advance(terms, s, endOrder);
        _save(orderId, s);
        // A zero next delivery deadline means the order ended (no timestamp is zero).
        // slither-disable-next-line incorrect-equality
        emit DisputeRuled(
            orderId,
            r.milestone,
            r.released,
            r.withheld,
            _released(orderId, terms, s),
            r.deliverBy == 0,
            r.upheld,
            r.byDefault,
            r.bondTo,
            r.bond,
            r.deliverBy
        );
        if (s.status == Status.Completed) emit Completed(orderId);
    }

    function _refund(uint256 orderId, bytes calldata terms, address backer, address to)
        private
        returns (uint256 amount)
    {
        _checkTerms(orderId, terms);
        OrderState memory s = _state[orderId];
        Participant storage b = _participants[orderId][backer];
        uint256 units = b.units;
        if (units == 0) revert NothingToRefund(backer);
        if (s.status == Status.Failed || s.status == Status.Cancelled) {
            amount = units * terms.unitPrice();
        } else if (EscrowMath.ended(s.status)) {
            OrderAux memory aux = _aux[orderId];
            uint256 left;
            (amount, left) = EscrowMath.endRefund(terms, s, aux, units);
            if (left == 0) revert NothingToRefund(backer);
            // Refunds add up to `left` < 2^96; at most backerCount backers refund.
            unchecked {
                // forge-lint: disable-next-line(unsafe-typecast)
                aux.refundPaid += uint96(amount);
                ++aux.refundedCount;
            }
            _aux[orderId] = aux;
        } else {
            revert WrongStatus(orderId, s.status);
        }
        // Nothing else in the slot matters once the units are gone, unless it is a promoter.
        if (b.promoted == 0) delete _participants[orderId][backer];
        else b.units = 0;
        emit Refunded(orderId, backer, to, amount);
        if (amount != 0) _send(terms.token(), to, amount);
    }

    /// @dev Credits `account`'s new seller-side entitlement (without moving it to its balance)
    /// and returns it; 0 when nothing is due.
    function _claim(uint256 orderId, bytes calldata terms, OrderState memory s, address account)
        private
        returns (uint256 amount)
    {
        uint256 entitled =
            EscrowMath.entitlement(terms, s, _released(orderId, terms, s), account, treasury);
        uint256 claimed = _claimed[orderId][account];
        if (entitled <= claimed) return 0;
        _claimed[orderId][account] = entitled;
        // Entitlements are monotone in the released amount, and entitled > claimed.
        unchecked {
            amount = entitled - claimed;
        }
        emit Claimed(orderId, account, terms.token(), amount);
    }

    /// @dev The order's released amount `R = cum(milestone) - withheld`.
    function _released(uint256 orderId, bytes calldata terms, OrderState memory s)
        private
        view
        returns (uint256)
    {
        // Nothing was settled, so nothing was withheld either.
        // slither-disable-next-line incorrect-equality
        if (s.milestone == 0) return 0;
        return EscrowMath.released(terms, s, _aux[orderId].withheld);
    }

    /// @dev Checks everything about new terms except who the seller is.
    function _validate(bytes calldata t) private view {
        Config memory config = _config;
        if (config.paused) revert Paused();
        (uint256 n, uint256 m) = t.validateLayout();
        if (t.feeBps() != config.feeBps) revert FeeMismatch(t.feeBps(), config.feeBps);
        if (!_allowedTokens[t.token()]) revert TokenNotAllowed(t.token());
        uint256 price = t.unitPrice();
        uint256 maxUnits = t.maxUnits();
        if (price == 0) revert InvalidTerms("unitPrice");
        if (t.minUnits() == 0 || t.minUnits() > maxUnits) revert InvalidTerms("units");
        if (price * maxUnits > type(uint96).max) revert InvalidTerms("maxAmount");
        uint256 deadline = t.fundingDeadline();
        // forge-lint: disable-next-line(block-timestamp)
        if (deadline <= block.timestamp || deadline > block.timestamp + MAX_FUNDING_PERIOD) {
            revert InvalidTerms("fundingDeadline");
        }
        _checkRange(t.reviewPeriod(), MIN_REVIEW_PERIOD, MAX_REVIEW_PERIOD, "reviewPeriod");
        _checkRange(t.rulingPeriod(), MIN_RULING_PERIOD, MAX_RULING_PERIOD, "rulingPeriod");
        _checkRange(t.bondBps(), MIN_BOND_BPS, MAX_BOND_BPS, "bondBps");
        if (t.promoterBps() > _BPS) revert InvalidTerms("promoterBps");
        _validateParties(t, n, m);
    }

    /// @dev Checks the parties, the schedule and the split table of new terms.
    function _validateParties(bytes calldata t, uint256 n, uint256 m) private pure {
        address seller = t.seller();
        address arbiter = t.arbiter();
        address soleBuyer = t.soleBuyer();
        if (seller == address(0)) revert InvalidTerms("seller");
        if (arbiter == address(0) || arbiter == seller) revert InvalidTerms("arbiter");
        if (soleBuyer != address(0) && (soleBuyer == seller || soleBuyer == arbiter)) {
            revert InvalidTerms("soleBuyer");
        }
        uint256 sum = 0;
        for (uint256 i; i < n; ++i) {
            (uint256 bps, uint256 period) = t.milestone(i);
            if (bps == 0) revert InvalidTerms("milestoneBps");
            _checkRange(period, MIN_DELIVERY_PERIOD, MAX_DELIVERY_PERIOD, "deliveryPeriod");
            sum += bps;
        }
        if (sum != _BPS) revert InvalidTerms("milestoneBps");
        uint256 splitsOffset = PackedTerms.splitsAt(n);
        sum = 0;
        for (uint256 j; j < m; ++j) {
            (address recipient, uint256 bps) = t.split(splitsOffset, j);
            if (recipient == address(0) || bps == 0) revert InvalidTerms("split");
            if (recipient == arbiter) revert InvalidTerms("arbiter");
            if (recipient == soleBuyer) revert InvalidTerms("soleBuyer");
            sum += bps;
        }
        if (sum > _BPS) revert InvalidTerms("splitBps");
    }

    function _checkRange(uint256 value, uint256 min, uint256 max, bytes32 reason) private pure {
        if (value < min || value > max) revert InvalidTerms(reason);
    }

    function _checkTerms(uint256 orderId, bytes calldata terms) private view {
        if (keccak256(terms) != _termsHash[orderId]) revert TermsMismatch(orderId);
    }

    function _requireFundingOpen(uint256 orderId, bytes calldata terms, OrderState memory s)
        private
        view
    {
        if (s.status != Status.Funding) revert WrongStatus(orderId, s.status);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp >= terms.fundingDeadline()) revert FundingClosed(orderId);
    }

    function _requireMilestone(uint256 orderId, OrderState memory s, MilestoneState state)
        private
        pure
    {
        if (s.status != Status.Active) revert WrongStatus(orderId, s.status);
        if (s.milestoneState != state) revert WrongMilestoneState(orderId, s.milestoneState);
    }

    /// @dev The current milestone is delivered and its review window still open.
    function _requireInReview(uint256 orderId, bytes calldata terms, OrderState memory s)
        private
        view
    {
        _requireMilestone(orderId, s, MilestoneState.Delivered);
        uint256 endsAt = uint256(s.since) + terms.reviewPeriod();
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp >= endsAt) revert DeadlinePassed(endsAt);
    }

    /// @dev Anyone may send an account's money to the account itself; only the account may send
    /// it elsewhere.
    function _checkDestination(address account, address to) private view {
        if (to != account) {
            if (msg.sender != account) revert OnlyAccount(msg.sender);
            if (to == address(0)) revert ZeroAddress();
        }
    }

    function _save(uint256 orderId, OrderState memory s) private {
        _state[orderId] = s;
    }

    function _onlyGovernance() private view {
        if (msg.sender != governance) revert OnlyGovernance(msg.sender);
    }

    /// @dev The caller is the bootstrap account, which has not renounced (then it is zero).
    function _onlyBootstrap() private view returns (address bootstrap_) {
        bootstrap_ = _config.bootstrap;
        if (msg.sender != bootstrap_ || bootstrap_ == address(0)) {
            revert OnlyGovernance(msg.sender);
        }
    }

    function _setPaused(bool paused_) private {
        if (_config.paused == paused_) revert PauseUnchanged(paused_);
        _config.paused = paused_;
        emit PausedSet(paused_);
    }

    /// @dev Takes `amount` from the caller: exactly that much native value, or an ERC-20
    /// transfer of which all must arrive (fee-on-transfer tokens are rejected).
    function _take(address token, uint256 amount) private {
        if (token == address(0)) {
            if (msg.value != amount) revert WrongNativeAmount(msg.value, amount);
            return;
        }
        if (msg.value != 0) revert WrongNativeAmount(msg.value, 0);
        IERC20 erc20 = IERC20(token);
        uint256 before = erc20.balanceOf(address(this));
        erc20.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = erc20.balanceOf(address(this)) - before;
        if (received < amount) revert InsufficientTokenReceived(amount, received);
    }

    function _send(address token, address to, uint256 amount) private {
        if (token == address(0)) {
            // Triage: `to` is the account whose own refund or credited balance is being paid,
            // or an address that account named itself; the entitlement is zeroed before this
            // call (pull payments).
            // slither-disable-next-line arbitrary-send-eth
            (bool ok,) = to.call{value: amount}("");
            if (!ok) revert NativeTransferFailed(to);
        } else {
            IERC20(token).safeTransfer(to, amount);
        }
    }
}
