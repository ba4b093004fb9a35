// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title IEscrow
/// @notice The Co-Intent escrow: one singleton per chain holding every order by id. One primitive
/// serves collective orders (many backers, funding goal and deadline), handicraft sales (one sole
/// buyer, a split table) and freelance jobs (one client, milestones, an arbiter).
/// @dev Only `keccak256(abi.encode(terms))` and a few packed counters are stored per order. The
/// full terms are emitted in `OrderCreated` and passed again as calldata by every later call.
/// The events are complete: an off-chain mirror can recompute every order's state, every
/// entitlement and every internal balance from the logs plus the terms, without reading storage.
/// The native coin is written as the token address `address(0)`.
interface IEscrow {
    /// @notice Lifecycle of an order. `Funding` is zero so that creating an order does not
    /// write the state slot; whether an id exists is told by its terms hash (`termsHashOf`).
    enum Status {
        Funding,
        Active,
        Failed,
        Cancelled,
        Completed,
        Resolved
    }

    /// @notice State of the current milestone of an `Active` order.
    enum MilestoneState {
        Pending,
        Delivered,
        Disputed
    }

    /// @notice One entry of an order's split table.
    /// @param recipient Who earns the share.
    /// @param bps Share of the net released amount (after fee and promoters), in bps of 10 000.
    struct Split {
        address recipient;
        uint16 bps;
    }

    /// @notice The immutable terms of an order; only their hash is stored.
    /// @param seller Maker, artisan or freelancer; delivers milestones, takes the remainder.
    /// @param token Payment token, `address(0)` for the native coin.
    /// @param unitPrice Price of one unit in the token's smallest unit.
    /// @param minUnits Funding goal in units; below it at the deadline the order fails.
    /// @param maxUnits Cap in units; reaching it lets anyone finalize before the deadline.
    /// @param fundingDeadline Timestamp at which funding closes.
    /// @param reviewPeriod Seconds a delivered milestone may be disputed before it can be released.
    /// @param promoterBps Promoters' commission, in bps of the released amount after the fee,
    /// applied to the share of units they brought.
    /// @param feeBps Platform fee in bps; must equal the fee in force at creation.
    /// @param soleBuyer The only address allowed to pledge, or `address(0)` for anyone.
    /// @param arbiter Resolves disputes; must be set and differ from the seller.
    /// @param metadataHash keccak256 of the off-chain metadata document.
    /// @dev `unitPrice * maxUnits` must fit in 96 bits.
    /// @param milestoneBps Share of the funds released per milestone, summing to 10 000.
    /// @param splits Split table, at most `MAX_SPLITS` entries, bps summing to at most 10 000.
    struct Terms {
        address seller;
        address token;
        uint96 unitPrice;
        uint32 minUnits;
        uint32 maxUnits;
        uint40 fundingDeadline;
        uint32 reviewPeriod;
        uint16 promoterBps;
        uint16 feeBps;
        address soleBuyer;
        address arbiter;
        bytes32 metadataHash;
        uint16[] milestoneBps;
        Split[] splits;
    }

    /// @notice Packed per-order state (one storage slot).
    /// @param status Lifecycle status.
    /// @param milestone Index of the current milestone (equals the count once completed).
    /// @param milestoneState State of the current milestone.
    /// @param unitsPledged Units currently pledged (fixed once funding ends).
    /// @param backerCount Backers holding units (fixed once funding ends).
    /// @param promotedUnits Units pledged through a promoter (fixed once funding ends).
    /// @param released Cumulative amount released to the seller side (fee, promoters, splits,
    /// seller); every party's entitlement is a monotone function of it.
    struct OrderState {
        Status status;
        uint8 milestone;
        MilestoneState milestoneState;
        uint32 unitsPledged;
        uint32 backerCount;
        uint32 promotedUnits;
        uint128 released;
    }

    /// @notice Packed per-order bookkeeping of the current milestone (one slot).
    /// @param deliveredAt Timestamp of the current milestone's delivery.
    /// @param approvalUnits Units of the backers that approved the current milestone.
    struct OrderAux {
        uint40 deliveredAt;
        uint32 approvalUnits;
    }

    /// @notice Promoter pool bookkeeping of an order (one slot).
    /// @param paid Commission paid out so far.
    /// @param count Promoters holding units (fixed once funding ends).
    /// @param closed Promoters that made their final claim after the order ended.
    struct PromoterPool {
        uint128 paid;
        uint32 count;
        uint32 closed;
    }

    /// @notice Refund pool of a resolved dispute (one slot).
    /// @param refundPool Amount the arbiter assigned to backers.
    /// @param refundPaid Amount of the refund pool already paid out.
    /// @param refundedCount Backers refunded from the pool.
    struct OrderPools {
        uint96 refundPool;
        uint96 refundPaid;
        uint32 refundedCount;
    }

    /// @notice One backer's position in an order (one slot). Units are `paid / unitPrice`.
    /// @param paid Exact amount paid in, refunded as is.
    /// @param promoter The backer's promoter, fixed by its first pledge, or `address(0)`.
    struct Backer {
        uint96 paid;
        address promoter;
    }

    /// @notice One promoter's position in an order (one slot).
    /// @param units Units pledged by the backers this promoter brought.
    /// @param claimed Commission already claimed.
    /// @param closed Whether the promoter made the final claim after the order ended.
    struct Promoter {
        uint32 units;
        uint128 claimed;
        bool closed;
    }

    // ---------------------------------------------------------------- errors

    /// @notice The caller of a governance-only function is not governance.
    /// @param caller The address that called.
    error OnlyGovernance(address caller);

    /// @notice An address that must be set is the zero address.
    error ZeroAddress();

    /// @notice A fee above `MAX_FEE_BPS` was asked for.
    /// @param feeBps The fee asked for.
    /// @param max The cap, `MAX_FEE_BPS`.
    error FeeTooHigh(uint256 feeBps, uint256 max);

    /// @notice `createOrder` or a pledge was called while paused.
    error Paused();

    /// @notice `unpause` was called while not paused, or `pause` while paused.
    /// @param paused The current pause flag.
    error PauseUnchanged(bool paused);

    /// @notice The terms passed do not hash to the order's stored terms hash.
    /// @param orderId The order.
    error TermsMismatch(uint256 orderId);

    /// @notice The terms are invalid; `reason` names the field.
    /// @param reason Short name of the failed check, e.g. "milestoneBps".
    error InvalidTerms(bytes32 reason);

    /// @notice The terms carry a fee other than the one in force.
    /// @param given The fee in the terms.
    /// @param current The fee in force.
    error FeeMismatch(uint256 given, uint256 current);

    /// @notice The order is not in the status the action needs.
    /// @param orderId The order.
    /// @param status Its current status.
    error WrongStatus(uint256 orderId, Status status);

    /// @notice The current milestone is not in the state the action needs.
    /// @param orderId The order.
    /// @param state Its current state.
    error WrongMilestoneState(uint256 orderId, MilestoneState state);

    /// @notice The funding period is over.
    /// @param orderId The order.
    error FundingClosed(uint256 orderId);

    /// @notice Funding is still open: the deadline has not passed and the cap is not reached.
    /// @param orderId The order.
    error FundingOpen(uint256 orderId);

    /// @notice A pledge or unpledge of zero units.
    error ZeroUnits();

    /// @notice The pledge would exceed the order's `maxUnits`.
    /// @param available Units still available.
    error CapExceeded(uint256 available);

    /// @notice The caller is not the order's sole buyer.
    /// @param caller The caller.
    error NotSoleBuyer(address caller);

    /// @notice The caller is not the order's seller.
    /// @param caller The caller.
    error NotSeller(address caller);

    /// @notice The caller is not the order's arbiter.
    /// @param caller The caller.
    error NotArbiter(address caller);

    /// @notice The caller holds no units in the order.
    /// @param caller The caller.
    error NotBacker(address caller);

    /// @notice More units were unpledged than the backer holds.
    /// @param held Units the backer holds.
    error InsufficientUnits(uint256 held);

    /// @notice The native value sent differs from what the call needs.
    /// @param sent `msg.value`.
    /// @param expected What had to be sent.
    error WrongNativeAmount(uint256 sent, uint256 expected);

    /// @notice The token delivered less than the amount transferred (fee-on-transfer).
    /// @param expected Amount asked for.
    /// @param received Amount that arrived.
    error InsufficientTokenReceived(uint256 expected, uint256 received);

    /// @notice A native transfer to `to` failed.
    /// @param to The recipient.
    error NativeTransferFailed(address to);

    /// @notice The review period of the delivered milestone is still running.
    /// @param endsAt When it ends.
    error ReviewPeriodActive(uint256 endsAt);

    /// @notice The review period of the delivered milestone is over.
    /// @param endedAt When it ended.
    error ReviewPeriodOver(uint256 endedAt);

    /// @notice The backer already approved the current milestone.
    /// @param backer The backer.
    error AlreadyApproved(address backer);

    /// @notice The arbiter's refund exceeds what the order still holds.
    /// @param refund The refund asked for.
    /// @param held What the order still holds.
    error RefundTooHigh(uint256 refund, uint256 held);

    /// @notice The backer has nothing to refund.
    /// @param backer The backer.
    error NothingToRefund(address backer);

    /// @notice The account has nothing to claim from the order.
    /// @param account The account.
    error NothingToClaim(address account);

    /// @notice The account has no balance of this token.
    /// @param account The account.
    /// @param token The token.
    error NothingToWithdraw(address account, address token);

    // ---------------------------------------------------------------- events

    /// @notice An order was created.
    /// @param orderId Its id.
    /// @param seller Its seller.
    /// @param token Its payment token.
    /// @param termsHash keccak256(abi.encode(terms)).
    /// @param terms The full terms.
    event OrderCreated(
        uint256 indexed orderId,
        address indexed seller,
        address indexed token,
        bytes32 termsHash,
        Terms terms
    );

    /// @notice Units were pledged and paid for.
    /// @param orderId The order.
    /// @param backer Who pledged.
    /// @param promoter The backer's promoter (fixed at the first pledge), or `address(0)`.
    /// @param units Units pledged by this call.
    /// @param amount Amount paid by this call (`units * unitPrice`).
    event Pledged(
        uint256 indexed orderId,
        address indexed backer,
        address indexed promoter,
        uint256 units,
        uint256 amount
    );

    /// @notice Units were withdrawn from a pledge while funding was open, and paid back.
    /// @param orderId The order.
    /// @param backer Who unpledged.
    /// @param promoter The backer's promoter, or `address(0)`.
    /// @param units Units withdrawn.
    /// @param amount Amount paid back.
    event Unpledged(
        uint256 indexed orderId,
        address indexed backer,
        address indexed promoter,
        uint256 units,
        uint256 amount
    );

    /// @notice Funding ended: the order became `Active` (goal met) or `Failed` (goal missed).
    /// @param orderId The order.
    /// @param status `Active` or `Failed`.
    /// @param units Units pledged.
    /// @param funded Amount held for the order.
    event Finalized(uint256 indexed orderId, Status status, uint256 units, uint256 funded);

    /// @notice The seller cancelled the order during funding; backers may take refunds.
    /// @param orderId The order.
    event Cancelled(uint256 indexed orderId);

    /// @notice The seller delivered the current milestone; its review window started.
    /// @param orderId The order.
    /// @param milestone Milestone index.
    /// @param proofHash Hash of the proof of delivery.
    /// @param reviewEndsAt End of the review window.
    event MilestoneDelivered(
        uint256 indexed orderId, uint256 indexed milestone, bytes32 proofHash, uint256 reviewEndsAt
    );

    /// @notice A backer approved the delivered milestone.
    /// @param orderId The order.
    /// @param milestone Milestone index.
    /// @param backer The backer.
    /// @param units The backer's units.
    /// @param approvalUnits Units that approved this milestone so far.
    event MilestoneApproved(
        uint256 indexed orderId,
        uint256 indexed milestone,
        address indexed backer,
        uint256 units,
        uint256 approvalUnits
    );

    /// @notice A milestone was released: its amount is now owed to the seller side.
    /// @param orderId The order.
    /// @param milestone Milestone index.
    /// @param amount Amount released by this milestone.
    /// @param totalReleased Cumulative amount released for the order.
    event MilestoneReleased(
        uint256 indexed orderId, uint256 indexed milestone, uint256 amount, uint256 totalReleased
    );

    /// @notice The last milestone was released; the order is complete.
    /// @param orderId The order.
    event Completed(uint256 indexed orderId);

    /// @notice A backer disputed the current milestone (delivered, or never delivered).
    /// @param orderId The order.
    /// @param milestone Milestone index.
    /// @param backer Who disputed.
    event Disputed(uint256 indexed orderId, uint256 indexed milestone, address indexed backer);

    /// @notice The arbiter resolved the dispute; the order ended.
    /// @param orderId The order.
    /// @param milestone Milestone index that was disputed.
    /// @param refundAmount Amount assigned back to backers, pro rata of what they paid.
    /// @param releaseAmount Amount released to the seller side.
    /// @param totalReleased Cumulative amount released for the order.
    event Resolved(
        uint256 indexed orderId,
        uint256 indexed milestone,
        uint256 refundAmount,
        uint256 releaseAmount,
        uint256 totalReleased
    );

    /// @notice A backer was refunded (failed or cancelled order, or a resolved dispute).
    /// @param orderId The order.
    /// @param backer The backer.
    /// @param amount Amount sent to the backer.
    event Refunded(uint256 indexed orderId, address indexed backer, uint256 amount);

    /// @notice An account's share of an order, as seller, split recipient or treasury, was
    /// credited to its internal balance.
    /// @param orderId The order.
    /// @param account The account.
    /// @param token The token.
    /// @param amount Amount credited.
    event Claimed(
        uint256 indexed orderId, address indexed account, address indexed token, uint256 amount
    );

    /// @notice A promoter's commission was credited to its internal balance.
    /// @param orderId The order.
    /// @param promoter The promoter.
    /// @param token The token.
    /// @param amount Amount credited.
    /// @param closed Whether this was the promoter's final claim (the order had ended).
    event CommissionClaimed(
        uint256 indexed orderId,
        address indexed promoter,
        address indexed token,
        uint256 amount,
        bool closed
    );

    /// @notice An internal balance was paid out.
    /// @param token The token.
    /// @param account The account paid.
    /// @param amount Amount paid.
    event Withdrawn(address indexed token, address indexed account, uint256 amount);

    /// @notice Governance changed the fee for orders created from now on.
    /// @param oldFeeBps The previous fee.
    /// @param newFeeBps The new fee.
    event FeeBpsSet(uint256 oldFeeBps, uint256 newFeeBps);

    /// @notice Governance paused new orders and pledges.
    event PausedSet(bool paused);

    // ---------------------------------------------------------------- functions

    /// @notice Creates an order with `terms`; `terms.feeBps` must equal the fee in force.
    /// @param terms The terms.
    /// @return orderId The new order's id.
    function createOrder(Terms calldata terms) external returns (uint256 orderId);

    /// @notice Pledges `units` to an order, paying `units * unitPrice` (ERC-20 by allowance, or
    /// exactly that much native value).
    /// @param orderId The order.
    /// @param terms Its terms.
    /// @param units Units to pledge.
    /// @param promoter Who brought the backer, or `address(0)`; fixed at the backer's first pledge.
    function pledge(uint256 orderId, Terms calldata terms, uint256 units, address promoter)
        external
        payable;

    /// @notice `pledge` preceded by an EIP-2612 permit; a permit that fails (already used or
    /// front-run) is ignored if the allowance suffices.
    /// @param orderId The order.
    /// @param terms Its terms.
    /// @param units Units to pledge.
    /// @param promoter Who brought the backer, or `address(0)`.
    /// @param deadline Permit deadline.
    /// @param v Permit signature v.
    /// @param r Permit signature r.
    /// @param s Permit signature s.
    function pledgeWithPermit(
        uint256 orderId,
        Terms calldata terms,
        uint256 units,
        address promoter,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external;

    /// @notice Withdraws `units` of the caller's pledge while funding is open; pays back exactly
    /// what they cost.
    /// @param orderId The order.
    /// @param terms Its terms.
    /// @param units Units to withdraw.
    function unpledge(uint256 orderId, Terms calldata terms, uint256 units) external;

    /// @notice Ends funding after the deadline or once the cap is reached; anyone may call.
    /// @param orderId The order.
    /// @param terms Its terms.
    /// @return status `Active` or `Failed`.
    function finalize(uint256 orderId, Terms calldata terms) external returns (Status status);

    /// @notice The seller cancels the order before the funding deadline.
    /// @param orderId The order.
    /// @param terms Its terms.
    function cancel(uint256 orderId, Terms calldata terms) external;

    /// @notice The seller delivers the current milestone, starting its review window.
    /// @param orderId The order.
    /// @param terms Its terms.
    /// @param proofHash Hash of the proof of delivery.
    function deliverMilestone(uint256 orderId, Terms calldata terms, bytes32 proofHash) external;

    /// @notice A backer approves the delivered milestone; once backers holding more than half
    /// of the units approved, it is released at once.
    /// @param orderId The order.
    /// @param terms Its terms.
    /// @return released Whether this approval released the milestone.
    function approveMilestone(uint256 orderId, Terms calldata terms)
        external
        returns (bool released);

    /// @notice Releases the delivered milestone after its review period; anyone may call.
    /// @param orderId The order.
    /// @param terms Its terms.
    function release(uint256 orderId, Terms calldata terms) external;

    /// @notice A backer disputes the current milestone: a delivered one within its review period,
    /// or one not delivered yet (non-delivery).
    /// @dev Any one backer (the sole buyer in a single purchase) may dispute: the milestone then
    /// waits for the arbiter, who can only split what is still held between a pro-rata refund
    /// and a release; no funds are released while a dispute is open.
    /// @param orderId The order.
    /// @param terms Its terms.
    function dispute(uint256 orderId, Terms calldata terms) external;

    /// @notice The arbiter ends a disputed order: `refundAmount` of what is still held goes back
    /// to backers pro rata, the rest is released to the seller side.
    /// @param orderId The order.
    /// @param terms Its terms.
    /// @param refundAmount Amount refunded to backers.
    function resolve(uint256 orderId, Terms calldata terms, uint256 refundAmount) external;

    /// @notice Refunds `backer` of a failed, cancelled or resolved order; anyone may call, the
    /// money always goes to the backer.
    /// @param orderId The order.
    /// @param terms Its terms.
    /// @param backer The backer.
    /// @return amount Amount sent.
    function refund(uint256 orderId, Terms calldata terms, address backer)
        external
        returns (uint256 amount);

    /// @notice Credits `account`'s share of the order's released money as seller, split
    /// recipient or treasury to its internal balance; anyone may call.
    /// @param orderId The order.
    /// @param terms Its terms.
    /// @param account The account.
    /// @return amount Amount credited.
    function claim(uint256 orderId, Terms calldata terms, address account)
        external
        returns (uint256 amount);

    /// @notice Credits `promoter`'s commission to its internal balance; anyone may call. Once the
    /// order ended this closes the promoter's position, the last one taking the pool's remainder.
    /// @param orderId The order.
    /// @param terms Its terms.
    /// @param promoter The promoter.
    /// @return amount Amount credited.
    function claimCommission(uint256 orderId, Terms calldata terms, address promoter)
        external
        returns (uint256 amount);

    /// @notice Pays out `account`'s internal balance of `token`; anyone may call, the money
    /// always goes to `account`.
    /// @param token The token.
    /// @param account The account.
    /// @return amount Amount paid.
    function withdraw(address token, address account) external returns (uint256 amount);

    /// @notice Sets the fee for orders created from now on. Governance only.
    /// @param newFeeBps The new fee, at most `MAX_FEE_BPS`.
    function setFeeBps(uint16 newFeeBps) external;

    /// @notice Stops `createOrder` and pledges. Governance only.
    function pause() external;

    /// @notice Lets `createOrder` and pledges run again. Governance only.
    function unpause() external;

    /// @notice What `claim` would credit `account` now.
    /// @param orderId The order.
    /// @param terms Its terms.
    /// @param account The account.
    /// @return amount The claimable amount.
    function claimable(uint256 orderId, Terms calldata terms, address account)
        external
        view
        returns (uint256 amount);

    /// @notice What `claimCommission` would credit `promoter` now.
    /// @param orderId The order.
    /// @param terms Its terms.
    /// @param promoter The promoter.
    /// @return amount The claimable commission.
    function commissionClaimable(uint256 orderId, Terms calldata terms, address promoter)
        external
        view
        returns (uint256 amount);

    /// @notice keccak256(abi.encode(terms)).
    /// @param terms The terms.
    /// @return The hash.
    function hashTerms(Terms calldata terms) external pure returns (bytes32);

    /// @notice The stored terms hash of an order.
    /// @param orderId The order.
    /// @return The hash (zero if the order does not exist).
    function termsHashOf(uint256 orderId) external view returns (bytes32);

    /// @notice The packed state of an order.
    /// @param orderId The order.
    /// @return The state.
    function orderState(uint256 orderId) external view returns (OrderState memory);

    /// @notice The packed bookkeeping of an order.
    /// @param orderId The order.
    /// @return The bookkeeping.
    function orderAux(uint256 orderId) external view returns (OrderAux memory);

    /// @notice The refund pool of an order.
    /// @param orderId The order.
    /// @return The pools.
    function orderPools(uint256 orderId) external view returns (OrderPools memory);

    /// @notice A backer's position.
    /// @param orderId The order.
    /// @param backer The backer.
    /// @return The position.
    function backerOf(uint256 orderId, address backer) external view returns (Backer memory);

    /// @notice Index + 1 of the last milestone `backer` approved (0 if none).
    /// @param orderId The order.
    /// @param backer The backer.
    /// @return The marker.
    function approvedOf(uint256 orderId, address backer) external view returns (uint256);

    /// @notice A promoter's position.
    /// @param orderId The order.
    /// @param promoter The promoter.
    /// @return The position.
    function promoterOf(uint256 orderId, address promoter) external view returns (Promoter memory);

    /// @notice Amount claimed by `account` from the order in roles other than promoter.
    /// @param orderId The order.
    /// @param account The account.
    /// @return The amount.
    function claimedOf(uint256 orderId, address account) external view returns (uint256);

    /// @notice The promoter pool bookkeeping of an order.
    /// @param orderId The order.
    /// @return The bookkeeping.
    function promoterPoolOf(uint256 orderId) external view returns (PromoterPool memory);

    /// @notice An account's withdrawable balance.
    /// @param token The token.
    /// @param account The account.
    /// @return The balance.
    function balanceOf(address token, address account) external view returns (uint256);

    /// @notice The fee in force for new orders.
    /// @return The fee in bps.
    function feeBps() external view returns (uint16);

    /// @notice Whether new orders and pledges are paused.
    /// @return The flag.
    function paused() external view returns (bool);

    /// @notice Number of orders created; ids run from 1 to this.
    /// @return The count.
    function orderCount() external view returns (uint256);
}
