// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IEscrow} from "src/interfaces/IEscrow.sol";

/// @title Escrow
/// @notice Holds the money of every Co-Intent order on this chain until its milestones are
/// released, then lets each party pull its share.
/// @dev Storage per order is the terms hash plus a few packed slots; the terms come back as
/// calldata and are checked against the hash.
///
/// Money scheme. Let `F = unitsPledged * unitPrice` be what an order holds once funding ended,
/// and `R` its cumulative released amount (bumped in O(1) by a release or a resolution). Every
/// seller-side entitlement is a monotone non-decreasing function of `R`, computed as a cascade
/// of floors in which each step takes `floor(x * c)` with `c <= 1` and passes the remainder on:
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
/// exactly. Likewise the refund pool of a resolved dispute goes to backers pro rata of what they
/// paid, the last backer refunded taking the remainder. Backers of failed or cancelled orders
/// get back exactly what they paid.
///
/// Governance can only change the fee for future orders (under `MAX_FEE_BPS`) and pause new
/// orders and pledges; it has no way to move escrowed money, and nothing here is upgradeable.
contract Escrow is IEscrow, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Hard cap on the platform fee, in bps.
    uint256 public constant MAX_FEE_BPS = 500;
    /// @notice Maximum number of milestones per order.
    uint256 public constant MAX_MILESTONES = 8;
    /// @notice Maximum number of split entries per order.
    uint256 public constant MAX_SPLITS = 5;
    /// @notice Maximum review period of a milestone.
    uint256 public constant MAX_REVIEW_PERIOD = 365 days;

    uint256 private constant _BPS = 10_000;

    /// @notice The only account allowed to set the fee and pause (the timelock).
    address public immutable governance;
    /// @notice Receives the platform fee of every order.
    address public immutable treasury;

    /// @dev Fee, pause flag and order counter share one slot: `createOrder` touches it once.
    struct Config {
        uint16 feeBps;
        bool paused;
        uint64 orderCount;
    }

    Config private _config;
    mapping(uint256 orderId => bytes32) private _termsHash;
    mapping(uint256 orderId => OrderState) private _state;
    mapping(uint256 orderId => OrderAux) private _aux;
    mapping(uint256 orderId => OrderPools) private _pools;
    mapping(uint256 orderId => PromoterPool) private _promoterPool;
    mapping(uint256 orderId => mapping(address backer => Backer)) private _backers;
    mapping(uint256 orderId => mapping(address backer => uint8)) private _approved;
    mapping(uint256 orderId => mapping(address promoter => Promoter)) private _promoters;
    mapping(uint256 orderId => mapping(address account => uint256)) private _claimed;
    mapping(address token => mapping(address account => uint256)) private _balances;

    modifier onlyGovernance() {
        if (msg.sender != governance) revert OnlyGovernance(msg.sender);
        _;
    }

    /// @param governance_ The timelock: sets the fee and pauses.
    /// @param treasury_ Receives platform fees.
    /// @param feeBps_ Initial fee, at most `MAX_FEE_BPS`.
    constructor(address governance_, address treasury_, uint16 feeBps_) {
        if (governance_ == address(0) || treasury_ == address(0)) revert ZeroAddress();
        if (feeBps_ > MAX_FEE_BPS) revert FeeTooHigh(feeBps_, MAX_FEE_BPS);
        governance = governance_;
        treasury = treasury_;
        _config.feeBps = feeBps_;
    }

    // ------------------------------------------------------------------ orders

    /// @inheritdoc IEscrow
    function createOrder(Terms calldata terms) external returns (uint256 orderId) {
        Config memory config = _config;
        if (config.paused) revert Paused();
        if (terms.feeBps != config.feeBps) revert FeeMismatch(terms.feeBps, config.feeBps);
        _validate(terms);
        // A uint64 counter bumped once per order cannot wrap.
        unchecked {
            orderId = uint256(config.orderCount) + 1;
        }
        // forge-lint: disable-next-line(unsafe-typecast)
        _config.orderCount = uint64(orderId);
        bytes32 termsHash = keccak256(abi.encode(terms));
        _termsHash[orderId] = termsHash;
        emit OrderCreated(orderId, terms.seller, terms.token, termsHash, terms);
    }

    /// @inheritdoc IEscrow
    function pledge(uint256 orderId, Terms calldata terms, uint256 units, address promoter)
        external
        payable
        nonReentrant
    {
        _pledge(orderId, terms, units, promoter);
    }

    /// @inheritdoc IEscrow
    function pledgeWithPermit(
        uint256 orderId,
        Terms calldata terms,
        uint256 units,
        address promoter,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant {
        if (terms.token != address(0)) {
            // A permit already used or front-run must not block the pledge: the transfer below
            // fails anyway if the allowance is short.
            try IERC20Permit(terms.token)
                .permit(msg.sender, address(this), units * terms.unitPrice, deadline, v, r, s) {}
                catch {}
        }
        _pledge(orderId, terms, units, promoter);
    }

    /// @inheritdoc IEscrow
    function unpledge(uint256 orderId, Terms calldata terms, uint256 units) external nonReentrant {
        _checkTerms(orderId, terms);
        OrderState memory s = _state[orderId];
        _requireFundingOpen(orderId, terms, s);
        if (units == 0) revert ZeroUnits();
        Backer memory b = _backers[orderId][msg.sender];
        uint256 held = b.paid / terms.unitPrice;
        if (units > held) revert InsufficientUnits(held);
        uint256 amount = units * terms.unitPrice;
        // units <= held <= s.unitsPledged, and b.paid == held * unitPrice >= amount.
        unchecked {
            // forge-lint: disable-next-line(unsafe-typecast)
            b.paid -= uint96(amount);
            // forge-lint: disable-next-line(unsafe-typecast)
            s.unitsPledged -= uint32(units);
            if (b.paid == 0) --s.backerCount;
        }
        address promoter = b.promoter;
        if (promoter != address(0)) {
            Promoter storage p = _promoters[orderId][promoter];
            // The promoter's units include this backer's units.
            unchecked {
                // forge-lint: disable-next-line(unsafe-typecast)
                uint32 left = p.units - uint32(units);
                p.units = left;
                // forge-lint: disable-next-line(unsafe-typecast)
                s.promotedUnits -= uint32(units);
                if (left == 0) --_promoterPool[orderId].count;
            }
        }
        _backers[orderId][msg.sender] = b;
        _state[orderId] = s;
        emit Unpledged(orderId, msg.sender, promoter, units, amount);
        _send(terms.token, msg.sender, amount);
    }

    /// @inheritdoc IEscrow
    function finalize(uint256 orderId, Terms calldata terms) external returns (Status status) {
        _checkTerms(orderId, terms);
        OrderState storage s = _state[orderId];
        if (s.status != Status.Funding) revert WrongStatus(orderId, s.status);
        uint256 units = s.unitsPledged;
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < terms.fundingDeadline && units < terms.maxUnits) {
            revert FundingOpen(orderId);
        }
        status = units >= terms.minUnits ? Status.Active : Status.Failed;
        s.status = status;
        emit Finalized(orderId, status, units, units * terms.unitPrice);
    }

    /// @inheritdoc IEscrow
    function cancel(uint256 orderId, Terms calldata terms) external {
        _checkTerms(orderId, terms);
        if (msg.sender != terms.seller) revert NotSeller(msg.sender);
        OrderState storage s = _state[orderId];
        if (s.status != Status.Funding) revert WrongStatus(orderId, s.status);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp >= terms.fundingDeadline) revert FundingClosed(orderId);
        s.status = Status.Cancelled;
        emit Cancelled(orderId);
    }

    // -------------------------------------------------------------- milestones

    /// @inheritdoc IEscrow
    function deliverMilestone(uint256 orderId, Terms calldata terms, bytes32 proofHash) external {
        _checkTerms(orderId, terms);
        if (msg.sender != terms.seller) revert NotSeller(msg.sender);
        OrderState memory s = _state[orderId];
        _requireMilestone(orderId, s, MilestoneState.Pending);
        _state[orderId].milestoneState = MilestoneState.Delivered;
        OrderAux storage aux = _aux[orderId];
        aux.deliveredAt = uint40(block.timestamp);
        aux.approvalUnits = 0;
        emit MilestoneDelivered(
            orderId, s.milestone, proofHash, block.timestamp + terms.reviewPeriod
        );
    }

    /// @inheritdoc IEscrow
    function approveMilestone(uint256 orderId, Terms calldata terms)
        external
        returns (bool released)
    {
        _checkTerms(orderId, terms);
        OrderState memory s = _state[orderId];
        _requireMilestone(orderId, s, MilestoneState.Delivered);
        uint256 units = _backers[orderId][msg.sender].paid / terms.unitPrice;
        if (units == 0) revert NotBacker(msg.sender);
        // milestone < MAX_MILESTONES, so index + 1 fits in uint8.
        uint8 mark;
        unchecked {
            mark = s.milestone + 1;
        }
        if (_approved[orderId][msg.sender] == mark) revert AlreadyApproved(msg.sender);
        _approved[orderId][msg.sender] = mark;
        OrderAux storage aux = _aux[orderId];
        // Each backer adds its units once per milestone, so the sum stays <= unitsPledged.
        uint256 approvalUnits;
        unchecked {
            approvalUnits = aux.approvalUnits + units;
        }
        // forge-lint: disable-next-line(unsafe-typecast)
        aux.approvalUnits = uint32(approvalUnits);
        emit MilestoneApproved(orderId, s.milestone, msg.sender, units, approvalUnits);
        if (approvalUnits * 2 > s.unitsPledged) {
            _release(orderId, terms, s);
            released = true;
        }
    }

    /// @inheritdoc IEscrow
    function release(uint256 orderId, Terms calldata terms) external {
        _checkTerms(orderId, terms);
        OrderState memory s = _state[orderId];
        _requireMilestone(orderId, s, MilestoneState.Delivered);
        uint256 endsAt = uint256(_aux[orderId].deliveredAt) + terms.reviewPeriod;
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < endsAt) revert ReviewPeriodActive(endsAt);
        _release(orderId, terms, s);
    }

    /// @inheritdoc IEscrow
    function dispute(uint256 orderId, Terms calldata terms) external {
        _checkTerms(orderId, terms);
        OrderState memory s = _state[orderId];
        if (s.status != Status.Active) revert WrongStatus(orderId, s.status);
        if (_backers[orderId][msg.sender].paid == 0) revert NotBacker(msg.sender);
        if (s.milestoneState == MilestoneState.Disputed) {
            revert WrongMilestoneState(orderId, s.milestoneState);
        }
        if (s.milestoneState == MilestoneState.Delivered) {
            uint256 endsAt = uint256(_aux[orderId].deliveredAt) + terms.reviewPeriod;
            // forge-lint: disable-next-line(block-timestamp)
            if (block.timestamp >= endsAt) revert ReviewPeriodOver(endsAt);
        }
        _state[orderId].milestoneState = MilestoneState.Disputed;
        emit Disputed(orderId, s.milestone, msg.sender);
    }

    /// @inheritdoc IEscrow
    function resolve(uint256 orderId, Terms calldata terms, uint256 refundAmount) external {
        _checkTerms(orderId, terms);
        if (msg.sender != terms.arbiter) revert NotArbiter(msg.sender);
        OrderState memory s = _state[orderId];
        _requireMilestone(orderId, s, MilestoneState.Disputed);
        uint256 held = uint256(s.unitsPledged) * terms.unitPrice - s.released;
        if (refundAmount > held) revert RefundTooHigh(refundAmount, held);
        uint256 releaseAmount;
        // refundAmount <= held, and released + held = funded < 2^96.
        unchecked {
            releaseAmount = held - refundAmount;
            // forge-lint: disable-next-line(unsafe-typecast)
            s.released += uint128(releaseAmount);
        }
        s.status = Status.Resolved;
        _state[orderId] = s;
        // refundAmount <= held <= funded < 2^96.
        // forge-lint: disable-next-line(unsafe-typecast)
        _pools[orderId].refundPool = uint96(refundAmount);
        emit Resolved(orderId, s.milestone, refundAmount, releaseAmount, s.released);
    }

    // ---------------------------------------------------------------- payouts

    /// @inheritdoc IEscrow
    function refund(uint256 orderId, Terms calldata terms, address backer)
        external
        nonReentrant
        returns (uint256 amount)
    {
        _checkTerms(orderId, terms);
        OrderState memory s = _state[orderId];
        uint256 paid = _backers[orderId][backer].paid;
        if (s.status == Status.Failed || s.status == Status.Cancelled) {
            if (paid == 0) revert NothingToRefund(backer);
            amount = paid;
        } else if (s.status == Status.Resolved) {
            OrderPools memory pools = _pools[orderId];
            if (paid == 0 || pools.refundPool == 0) revert NothingToRefund(backer);
            // At most backerCount backers are refunded, each once; pro-rata shares of the
            // backers refunded so far never exceed the pool (< 2^96).
            unchecked {
                ++pools.refundedCount;
                // The last backer takes the pool's remainder so that rounding strands nothing.
                amount = pools.refundedCount == s.backerCount
                    ? pools.refundPool - pools.refundPaid
                    : uint256(pools.refundPool) * paid / (uint256(s.unitsPledged) * terms.unitPrice);
                // forge-lint: disable-next-line(unsafe-typecast)
                pools.refundPaid += uint96(amount);
            }
            _pools[orderId] = pools;
        } else {
            revert WrongStatus(orderId, s.status);
        }
        delete _backers[orderId][backer];
        emit Refunded(orderId, backer, amount);
        if (amount != 0) _send(terms.token, backer, amount);
    }

    /// @inheritdoc IEscrow
    function claim(uint256 orderId, Terms calldata terms, address account)
        external
        returns (uint256 amount)
    {
        _checkTerms(orderId, terms);
        uint256 entitled = _entitlement(terms, _state[orderId], account);
        uint256 claimed = _claimed[orderId][account];
        if (entitled <= claimed) revert NothingToClaim(account);
        _claimed[orderId][account] = entitled;
        // Entitlements are monotone in the released amount, and entitled > claimed.
        unchecked {
            amount = entitled - claimed;
        }
        address token = terms.token;
        _balances[token][account] += amount;
        emit Claimed(orderId, account, token, amount);
    }

    /// @inheritdoc IEscrow
    function claimCommission(uint256 orderId, Terms calldata terms, address promoter)
        external
        returns (uint256 amount)
    {
        _checkTerms(orderId, terms);
        OrderState memory s = _state[orderId];
        Promoter memory p = _promoters[orderId][promoter];
        PromoterPool memory pool = _promoterPool[orderId];
        bool closes;
        (amount, closes) = _commission(terms, s, p, pool);
        if (amount == 0 && !closes) revert NothingToClaim(promoter);
        // The commission paid out never exceeds the promoter pool (< 2^96); at most `count`
        // promoters close.
        unchecked {
            // forge-lint: disable-next-line(unsafe-typecast)
            p.claimed += uint128(amount);
            // forge-lint: disable-next-line(unsafe-typecast)
            pool.paid += uint128(amount);
            if (closes) ++pool.closed;
        }
        p.closed = closes;
        _promoters[orderId][promoter] = p;
        _promoterPool[orderId] = pool;
        address token = terms.token;
        _balances[token][promoter] += amount;
        emit CommissionClaimed(orderId, promoter, token, amount, closes);
    }

    /// @inheritdoc IEscrow
    function withdraw(address token, address account)
        external
        nonReentrant
        returns (uint256 amount)
    {
        amount = _balances[token][account];
        if (amount == 0) revert NothingToWithdraw(account, token);
        _balances[token][account] = 0;
        emit Withdrawn(token, account, amount);
        _send(token, account, amount);
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

    // ------------------------------------------------------------------ views

    /// @inheritdoc IEscrow
    function claimable(uint256 orderId, Terms calldata terms, address account)
        external
        view
        returns (uint256 amount)
    {
        _checkTerms(orderId, terms);
        uint256 entitled = _entitlement(terms, _state[orderId], account);
        uint256 claimed = _claimed[orderId][account];
        amount = entitled > claimed ? entitled - claimed : 0;
    }

    /// @inheritdoc IEscrow
    function commissionClaimable(uint256 orderId, Terms calldata terms, address promoter)
        external
        view
        returns (uint256 amount)
    {
        _checkTerms(orderId, terms);
        (amount,) = _commission(
            terms, _state[orderId], _promoters[orderId][promoter], _promoterPool[orderId]
        );
    }

    /// @inheritdoc IEscrow
    function hashTerms(Terms calldata terms) external pure returns (bytes32) {
        return keccak256(abi.encode(terms));
    }

    /// @inheritdoc IEscrow
    function termsHashOf(uint256 orderId) external view returns (bytes32) {
        return _termsHash[orderId];
    }

    /// @inheritdoc IEscrow
    function orderState(uint256 orderId) external view returns (OrderState memory) {
        return _state[orderId];
    }

    /// @inheritdoc IEscrow
    function orderAux(uint256 orderId) external view returns (OrderAux memory) {
        return _aux[orderId];
    }

    /// @inheritdoc IEscrow
    function orderPools(uint256 orderId) external view returns (OrderPools memory) {
        return _pools[orderId];
    }

    /// @inheritdoc IEscrow
    function backerOf(uint256 orderId, address backer) external view returns (Backer memory) {
        return _backers[orderId][backer];
    }

    /// @inheritdoc IEscrow
    function approvedOf(uint256 orderId, address backer) external view returns (uint256) {
        return _approved[orderId][backer];
    }

    /// @inheritdoc IEscrow
    function promoterOf(uint256 orderId, address promoter) external view returns (Promoter memory) {
        return _promoters[orderId][promoter];
    }

    /// @inheritdoc IEscrow
    function claimedOf(uint256 orderId, address account) external view returns (uint256) {
        return _claimed[orderId][account];
    }

    /// @inheritdoc IEscrow
    function promoterPoolOf(uint256 orderId) external view returns (PromoterPool memory) {
        return _promoterPool[orderId];
    }

    /// @inheritdoc IEscrow
    function balanceOf(address token, address account) external view returns (uint256) {
        return _balances[token][account];
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

    // --------------------------------------------------------------- internals

    function _pledge(uint256 orderId, Terms calldata terms, uint256 units, address promoter)
        private
    {
        _checkTerms(orderId, terms);
        if (_config.paused) revert Paused();
        OrderState memory s = _state[orderId];
        _requireFundingOpen(orderId, terms, s);
        if (units == 0) revert ZeroUnits();
        if (terms.soleBuyer != address(0) && msg.sender != terms.soleBuyer) {
            revert NotSoleBuyer(msg.sender);
        }
        uint256 available = terms.maxUnits - s.unitsPledged;
        if (units > available) revert CapExceeded(available);
        uint256 amount = units * terms.unitPrice;
        Backer memory b = _backers[orderId][msg.sender];
        // The promoter is fixed by the backer's first pledge made while holding no units.
        if (b.promoter != address(0)) {
            promoter = b.promoter;
        } else if (b.paid != 0) {
            promoter = address(0);
        } else {
            b.promoter = promoter;
        }
        // units <= maxUnits - unitsPledged, so every unit counter stays <= maxUnits < 2^32, and
        // paid <= maxUnits * unitPrice < 2^96 (checked at creation).
        unchecked {
            if (b.paid == 0) ++s.backerCount;
            // forge-lint: disable-next-line(unsafe-typecast)
            b.paid += uint96(amount);
            // forge-lint: disable-next-line(unsafe-typecast)
            s.unitsPledged += uint32(units);
            if (promoter != address(0)) {
                Promoter storage p = _promoters[orderId][promoter];
                uint32 before = p.units;
                if (before == 0) ++_promoterPool[orderId].count;
                // forge-lint: disable-next-line(unsafe-typecast)
                p.units = before + uint32(units);
                // forge-lint: disable-next-line(unsafe-typecast)
                s.promotedUnits += uint32(units);
            }
        }
        _backers[orderId][msg.sender] = b;
        _state[orderId] = s;
        emit Pledged(orderId, msg.sender, promoter, units, amount);
        if (terms.token == address(0)) {
            if (msg.value != amount) revert WrongNativeAmount(msg.value, amount);
        } else {
            if (msg.value != 0) revert WrongNativeAmount(msg.value, 0);
            _pull(IERC20(terms.token), amount);
        }
    }

    /// @dev Releases the current milestone: O(1), whatever the split table. The last milestone
    /// takes what is left, so the order releases exactly what it holds.
    function _release(uint256 orderId, Terms calldata terms, OrderState memory s) private {
        uint256 milestone = s.milestone;
        uint256 funded = uint256(s.unitsPledged) * terms.unitPrice;
        bool last = milestone == terms.milestoneBps.length - 1;
        uint256 amount = last ? funded - s.released : funded * terms.milestoneBps[milestone] / _BPS;
        // Released amounts add up to at most funded < 2^96; milestone < MAX_MILESTONES.
        unchecked {
            // forge-lint: disable-next-line(unsafe-typecast)
            s.released += uint128(amount);
            // forge-lint: disable-next-line(unsafe-typecast)
            s.milestone = uint8(milestone + 1);
        }
        s.milestoneState = MilestoneState.Pending;
        if (last) s.status = Status.Completed;
        _state[orderId] = s;
        emit MilestoneReleased(orderId, milestone, amount, s.released);
        if (last) emit Completed(orderId);
    }

    /// @dev `account`'s total entitlement as treasury, split recipient and seller at the order's
    /// released amount: the cascade of floors described in the contract's natspec.
    function _entitlement(Terms calldata terms, OrderState memory s, address account)
        private
        view
        returns (uint256 amount)
    {
        uint256 rest = s.released;
        if (rest == 0) return 0;
        uint256 fee = rest * terms.feeBps / _BPS;
        if (account == treasury) amount = fee;
        // fee <= rest since feeBps <= MAX_FEE_BPS < 10 000; the pool is at most what is left
        // since promoterBps <= 10 000 and promotedUnits <= unitsPledged.
        unchecked {
            rest -= fee;
            rest -= _pool(rest, terms, s);
        }
        uint256 remainingBps = _BPS;
        uint256 n = terms.splits.length;
        for (uint256 i; i < n; ++i) {
            Split calldata split = terms.splits[i];
            uint256 share = rest * split.bps / remainingBps;
            // split.bps <= remainingBps (the bps sum to at most 10 000), so share <= rest.
            unchecked {
                remainingBps -= split.bps;
                rest -= share;
            }
            if (split.recipient == account) amount += share;
        }
        if (account == terms.seller) amount += rest;
    }

    /// @dev The promoter pool out of `afterFee`, the released amount net of the fee.
    function _pool(uint256 afterFee, Terms calldata terms, OrderState memory s)
        private
        pure
        returns (uint256)
    {
        if (s.promotedUnits == 0) return 0;
        return afterFee * terms.promoterBps * s.promotedUnits / (_BPS * s.unitsPledged);
    }

    /// @dev A promoter's commission still due; once the order ended the claim closes the
    /// position and the last promoter to close takes the pool's remainder.
    function _commission(
        Terms calldata terms,
        OrderState memory s,
        Promoter memory p,
        PromoterPool memory pool
    ) private pure returns (uint256 due, bool closes) {
        if (p.units == 0 || p.closed) return (0, false);
        uint256 released = s.released;
        uint256 total = _pool(released - released * terms.feeBps / _BPS, terms, s);
        closes = s.status == Status.Completed || s.status == Status.Resolved;
        if (closes && pool.closed + 1 == pool.count) {
            due = total - pool.paid;
        } else {
            due = total * p.units / s.promotedUnits - p.claimed;
        }
    }

    function _validate(Terms calldata t) private view {
        if (t.seller == address(0)) revert InvalidTerms("seller");
        if (t.unitPrice == 0) revert InvalidTerms("unitPrice");
        if (t.minUnits == 0 || t.minUnits > t.maxUnits) revert InvalidTerms("units");
        if (uint256(t.unitPrice) * t.maxUnits > type(uint96).max) revert InvalidTerms("maxAmount");
        // forge-lint: disable-next-line(block-timestamp)
        if (t.fundingDeadline <= block.timestamp) revert InvalidTerms("fundingDeadline");
        if (t.reviewPeriod > MAX_REVIEW_PERIOD) revert InvalidTerms("reviewPeriod");
        if (t.promoterBps > _BPS) revert InvalidTerms("promoterBps");
        if (t.arbiter == address(0) || t.arbiter == t.seller) revert InvalidTerms("arbiter");
        uint256 n = t.milestoneBps.length;
        if (n == 0 || n > MAX_MILESTONES) revert InvalidTerms("milestoneCount");
        uint256 sum = 0;
        for (uint256 i; i < n; ++i) {
            uint256 bps = t.milestoneBps[i];
            if (bps == 0) revert InvalidTerms("milestoneBps");
            sum += bps;
        }
        if (sum != _BPS) revert InvalidTerms("milestoneBps");
        n = t.splits.length;
        if (n > MAX_SPLITS) revert InvalidTerms("splitCount");
        sum = 0;
        for (uint256 i; i < n; ++i) {
            Split calldata split = t.splits[i];
            if (split.recipient == address(0) || split.bps == 0) revert InvalidTerms("split");
            sum += split.bps;
        }
        if (sum > _BPS) revert InvalidTerms("splitBps");
    }

    function _checkTerms(uint256 orderId, Terms calldata terms) private view {
        if (keccak256(abi.encode(terms)) != _termsHash[orderId]) revert TermsMismatch(orderId);
    }

    function _requireFundingOpen(uint256 orderId, Terms calldata terms, OrderState memory s)
        private
        view
    {
        if (s.status != Status.Funding) revert WrongStatus(orderId, s.status);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp >= terms.fundingDeadline) revert FundingClosed(orderId);
    }

    function _requireMilestone(uint256 orderId, OrderState memory s, MilestoneState state)
        private
        pure
    {
        if (s.status != Status.Active) revert WrongStatus(orderId, s.status);
        if (s.milestoneState != state) revert WrongMilestoneState(orderId, s.milestoneState);
    }

    function _setPaused(bool paused_) private {
        if (_config.paused == paused_) revert PauseUnchanged(paused_);
        _config.paused = paused_;
        emit PausedSet(paused_);
    }

    /// @dev Pulls `amount` from the caller and checks that all of it arrived.
    function _pull(IERC20 token, uint256 amount) private {
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        if (received < amount) revert InsufficientTokenReceived(amount, received);
    }

    function _send(address token, address to, uint256 amount) private {
        if (token == address(0)) {
            // Triage: `to` is always the account whose own refund or credited balance is
            // being paid, and its entitlement is zeroed before this call (pull payments).
            // slither-disable-next-line arbitrary-send-eth
            (bool ok,) = to.call{value: amount}("");
            if (!ok) revert NativeTransferFailed(to);
        } else {
            IERC20(token).safeTransfer(to, amount);
        }
    }
}
