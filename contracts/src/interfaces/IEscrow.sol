// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ITermsVerifier} from "src/interfaces/ITermsVerifier.sol";

/// @title IEscrow
/// @notice The Co-Intent escrow (v2): one singleton per chain holding every order by id. One
/// primitive serves collective orders (many backers, funding goal and deadline), handicraft
/// sales (one sole buyer, a split table) and freelance jobs (one client, milestones, an arbiter).
///
/// Rules every user can rely on (each one is enforced here and tested):
/// - Orders exist only by the seller's will: the seller sends `createOrder` itself, or signed
///   the terms (EIP-712 `Terms`, checked for plain keys and for EIP-1271 contract wallets), or
///   the shop set once at deployment (`setShop`) sells one purchase of a listing the seller
///   made or signed there (`createSale`).
/// - A sale from the shop is an ordinary order: its buyer is its sole buyer and only backer,
///   it is funded and `Active` from its creation, and every later step is the usual one.
/// - Payment tokens come from a per-chain allowlist kept by governance (the timelock).
/// - Every waiting state ends by a deadline with a default outcome anyone may trigger:
///   funding ends at `fundingDeadline` (`finalize`); each milestone must be delivered within
///   its `deliveryPeriod` from the moment the previous one was settled (funding end for the
///   first), else `expire` ends the order and backers take back everything still held; a
///   delivered milestone is released once its `reviewPeriod` (at least `MIN_REVIEW_PERIOD`)
///   ends (`release`); a dispute not ruled within `rulingPeriod` ends by the default ruling
///   (`ruleByDefault`): nothing more is released, the order ends and backers take back
///   everything still held, the bond goes back to the disputer.
/// - Weight: the seller, the split recipients, the arbiter and the promoters of an order (any
///   address backers named as promoter, while it has promoted units) may pledge, but their
///   units carry no approval or dispute weight. A backer cannot be its own promoter, and an
///   address that already backs an order with weight cannot be named promoter in it.
/// - Approvals release a milestone before its review window ends only when every unit with
///   weight approved it: nobody's review window is ever skipped.
/// - A dispute is opened by a backer with weight, on a delivered milestone within its review
///   window, by posting a bond of `bondBps` (1 % to 20 %) of that milestone's amount. Upheld
///   (or ruled by default) the bond goes back to the disputer; dismissed it goes to the seller.
/// - The arbiter rules on the disputed milestone only: it releases at most that milestone's
///   amount, and either dismisses (the whole milestone is released, the schedule continues),
///   withholds part of it (the schedule continues) or ends the order. What is withheld or left
///   unreleased when an order ends goes back to backers, pro rata of their units.
/// - Refunds and withdrawals go to the owner, or to any address the owner names itself.
///
/// @dev Terms are passed in a packed encoding (see `Terms` for the byte layout); only
/// `keccak256(packedTerms)` and a few packed counters are stored per order. `OrderCreated`
/// emits the packed terms; every later call passes them again and they are checked against the
/// hash. The events are complete: an off-chain mirror can recompute every order's state, every
/// entitlement and every internal balance from the logs plus the terms, without reading
/// storage. The native coin is written as the token address `address(0)`.
interface IEscrow {
    /// @notice Lifecycle of an order. `Funding` is zero: whether an id exists is told by its
    /// terms hash (`termsHashOf`). `Completed`, `Resolved` and `Expired` are end states in which
    /// backers take back, pro rata of their units, whatever was not released.
    enum Status {
        Funding,
        Active,
        Failed,
        Cancelled,
        Completed,
        Resolved,
        Expired
    }

    /// @notice State of the current milestone of an `Active` order.
    enum MilestoneState {
        Pending,
        Delivered,
        Disputed
    }

    /// @notice One milestone of the schedule.
    /// @param bps Share of the order's funds this milestone releases, in bps of 10 000.
    /// @param deliveryPeriod Seconds the seller has to deliver it, counted from the end of
    /// funding (first milestone) or from the settlement of the previous milestone.
    struct Milestone {
        uint16 bps;
        uint32 deliveryPeriod;
    }

    /// @notice One entry of an order's split table.
    /// @param recipient Who earns the share.
    /// @param bps Share of the net released amount (after fee and promoters), in bps of 10 000.
    struct Split {
        address recipient;
        uint16 bps;
    }

    /// @notice The immutable terms of an order. This struct is the EIP-712 type a seller signs
    /// (`Terms(...)Milestone(...)Split(...)`, domain "Co-Intent Escrow", version "2"); calls take
    /// its packed encoding (`packTerms`), big-endian and without padding:
    ///   offset 0 seller (20) | 20 token (20) | 40 unitPrice (12) | 52 minUnits (4)
    ///   | 56 maxUnits (4) | 60 fundingDeadline (5) | 65 reviewPeriod (4) | 69 rulingPeriod (4)
    ///   | 73 promoterBps (2) | 75 feeBps (2) | 77 bondBps (2) | 79 soleBuyer (20)
    ///   | 99 arbiter (20) | 119 metadataHash (32) | 151 milestone count n (1)
    ///   | 152 n x [bps (2), deliveryPeriod (4)] | 152+6n split count m (1)
    ///   | 153+6n m x [recipient (20), bps (2)]; total length 153 + 6n + 22m bytes.
    /// @param seller Maker, artisan or freelancer; delivers milestones, takes the remainder.
    /// @param token Payment token, `address(0)` for the native coin; must be allowlisted.
    /// @param unitPrice Price of one unit in the token's smallest unit.
    /// @param minUnits Funding goal in units; below it at the deadline the order fails.
    /// @param maxUnits Cap in units; reaching it lets anyone finalize before the deadline.
    /// @param fundingDeadline Timestamp at which funding closes, within `MAX_FUNDING_PERIOD`.
    /// @param reviewPeriod Seconds a delivered milestone may be approved or disputed before it
    /// is released; between `MIN_REVIEW_PERIOD` and `MAX_REVIEW_PERIOD`.
    /// @param rulingPeriod Seconds the arbiter has to rule on a dispute; between
    /// `MIN_RULING_PERIOD` and `MAX_RULING_PERIOD`.
    /// @param promoterBps Promoters' commission, in bps of the released amount after the fee,
    /// applied to the share of units they brought.
    /// @param feeBps Platform fee in bps; must equal the fee in force at creation.
    /// @param bondBps Dispute bond in bps of the disputed milestone's amount; between
    /// `MIN_BOND_BPS` and `MAX_BOND_BPS`.
    /// @param soleBuyer The only address allowed to pledge, or `address(0)` for anyone; never
    /// the seller, the arbiter or a split recipient.
    /// @param arbiter Rules on disputes; set, and neither the seller nor a split recipient.
    /// @param metadataHash keccak256 of the off-chain metadata document.
    /// @param milestones The schedule: 1 to `MAX_MILESTONES` entries, bps summing to 10 000,
    /// each delivery period between `MIN_DELIVERY_PERIOD` and `MAX_DELIVERY_PERIOD`.
    /// @param splits Split table, at most `MAX_SPLITS` entries, bps summing to at most 10 000.
    /// @dev `unitPrice * maxUnits` must fit in 96 bits.
    struct Terms {
        address seller;
        address token;
        uint96 unitPrice;
        uint32 minUnits;
        uint32 maxUnits;
        uint40 fundingDeadline;
        uint32 reviewPeriod;
        uint32 rulingPeriod;
        uint16 promoterBps;
        uint16 feeBps;
        uint16 bondBps;
        address soleBuyer;
        address arbiter;
        bytes32 metadataHash;
        Milestone[] milestones;
        Split[] splits;
    }

    /// @notice Packed per-order state (one storage slot, written at creation).
    /// @param status Lifecycle status.
    /// @param milestone Index of the current milestone: the number of milestones settled
    /// (released or ruled on); equals the milestone count once the schedule is done.
    /// @param milestoneState State of the current milestone.
    /// @param since Start of the current phase: creation time while `Funding`; then the start
    /// of the current milestone's delivery window (`Pending`), its delivery time (`Delivered`)
    /// or the dispute's opening time (`Disputed`); the time the order ended otherwise.
    /// @param unitsPledged Units pledged (fixed once funding ends).
    /// @param weightedUnits Units that carry approval and dispute weight (fixed once funding
    /// ends): units of backers that are not the seller, a split recipient, the arbiter nor a
    /// promoter with promoted units in the order.
    /// @param promotedUnits Units pledged through a promoter (fixed once funding ends).
    /// @param backerCount Backers holding units (fixed once funding ends).
    /// @param promoterCount Promoters with promoted units (fixed once funding ends).
    /// @param approvalUnits Weighted units that approved the current delivered milestone.
    struct OrderState {
        Status status;
        uint8 milestone;
        MilestoneState milestoneState;
        uint40 since;
        uint32 unitsPledged;
        uint32 weightedUnits;
        uint32 promotedUnits;
        uint32 backerCount;
        uint32 promoterCount;
        uint32 approvalUnits;
    }

    /// @notice Per-order bookkeeping of rulings and end-of-order refunds (one slot).
    /// @param withheld Amount of settled milestones that rulings did not release; it goes back
    /// to backers when the order ends.
    /// @param refundPaid Amount refunded so far after the order ended (pro-rata refunds).
    /// @param refundedCount Backers refunded so far after the order ended.
    struct OrderAux {
        uint96 withheld;
        uint96 refundPaid;
        uint32 refundedCount;
    }

    /// @notice The open dispute of an order (one slot, cleared by the ruling).
    /// @param disputer The backer who opened it.
    /// @param bond The bond it posted.
    struct Dispute {
        address disputer;
        uint96 bond;
    }

    /// @notice Promoter pool bookkeeping of an order (one slot).
    /// @param paid Commission paid out so far.
    /// @param closed Promoters that made their final claim after the order ended.
    struct PromoterPool {
        uint96 paid;
        uint32 closed;
    }

    /// @notice One account's position in an order, as backer and as promoter (one slot).
    /// Its payment is `units * unitPrice`, refunded exactly if the order fails.
    /// @param units Units it holds as a backer.
    /// @param promoter Its promoter, fixed by its first pledge while holding no units (reset
    /// when it unpledges everything), or `address(0)`.
    /// @param promoted Units pledged by the backers that named it as promoter.
    /// @param approved Index + 1 of the last milestone it approved (0 if none).
    /// @param closed Whether, as a promoter, it made its final claim after the order ended.
    struct Participant {
        uint32 units;
        address promoter;
        uint32 promoted;
        uint8 approved;
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

    /// @notice The payment token is not on this chain's allowlist.
    /// @param token The token.
    error TokenNotAllowed(address token);

    /// @notice `createOrder` was sent by someone other than the terms' seller.
    /// @param caller The caller.
    /// @param seller The seller named in the terms.
    error NotSeller(address caller, address seller);

    /// @notice The seller's signature over the terms is invalid.
    error InvalidSignature();

    /// @notice The seller's signature over these terms was already used or revoked.
    /// @param digest The EIP-712 digest of the terms.
    error SignatureUsed(bytes32 digest);

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

    /// @notice A backer named itself as its promoter.
    error SelfReferral();

    /// @notice The promoter named is a role of the order (seller, split recipient, arbiter or
    /// the treasury), which may not earn commission on it.
    /// @param promoter The promoter named.
    error InvalidPromoter(address promoter);

    /// @notice The promoter named already backs the order with weight; naming it would take
    /// its weight away.
    /// @param promoter The promoter named.
    error PromoterIsBacker(address promoter);

    /// @notice The caller has no approval or dispute weight in the order: it holds no units, or
    /// is the seller, a split recipient, the arbiter or a promoter of the order.
    /// @param caller The caller.
    error NoWeight(address caller);

    /// @notice The caller is not the order's arbiter.
    /// @param caller The caller.
    error NotArbiter(address caller);

    /// @notice A dispute's reason is empty or longer than `MAX_REASON_BYTES`.
    /// @param length Its length in bytes.
    /// @param max The most allowed.
    error ReasonLength(uint256 length, uint256 max);

    /// @notice Only the account itself may send its money to another address.
    /// @param caller The caller.
    error OnlyAccount(address caller);

    /// @notice The action is reserved to the seller.
    /// @param caller The caller.
    error OnlySeller(address caller);

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

    /// @notice The deadline of the current phase has not passed yet.
    /// @param endsAt When it passes.
    error DeadlineNotReached(uint256 endsAt);

    /// @notice The deadline of the current phase has passed.
    /// @param endedAt When it passed.
    error DeadlinePassed(uint256 endedAt);

    /// @notice The backer already approved the current milestone.
    /// @param backer The backer.
    error AlreadyApproved(address backer);

    /// @notice The arbiter's release exceeds the disputed milestone's amount.
    /// @param amount The release asked for.
    /// @param max The disputed milestone's amount.
    error ReleaseTooHigh(uint256 amount, uint256 max);

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

    /// @notice `createSale` was called by another account than the shop.
    /// @param caller The caller.
    error OnlyShop(address caller);

    /// @notice The shop was set already; it is set once.
    /// @param shop The shop.
    error ShopAlreadySet(address shop);

    // ---------------------------------------------------------------- events

    /// @notice An order was created.
    /// @param orderId Its id.
    /// @param seller Its seller.
    /// @param token Its payment token.
    /// @param creator Who sent the transaction: the seller, or whoever relayed its signature.
    /// @param terms The packed terms (layout in `Terms`); their keccak256 is the terms hash
    /// every later call is checked against.
    event OrderCreated(
        uint256 indexed orderId,
        address indexed seller,
        address indexed token,
        address creator,
        bytes terms
    );

    /// @notice The seller revoked a signature over terms it had not used yet.
    /// @param seller The seller.
    /// @param digest The EIP-712 digest of the terms.
    event TermsRevoked(address indexed seller, bytes32 digest);

    /// @notice Units were pledged and paid for.
    /// @param orderId The order.
    /// @param backer Who pledged.
    /// @param promoter The backer's promoter (fixed at its first pledge), or `address(0)`.
    /// @param units Units pledged by this call.
    /// @param amount Amount paid by this call (`units * unitPrice`).
    /// @param weightedUnits The order's weighted units after this call.
    event Pledged(
        uint256 indexed orderId,
        address indexed backer,
        address indexed promoter,
        uint256 units,
        uint256 amount,
        uint256 weightedUnits
    );

    /// @notice Units were withdrawn from a pledge while funding was open, and paid back.
    /// @param orderId The order.
    /// @param backer Who unpledged.
    /// @param promoter The backer's promoter, or `address(0)`; reset when `backer` holds no
    /// units any more.
    /// @param units Units withdrawn.
    /// @param amount Amount paid back.
    /// @param weightedUnits The order's weighted units after this call (a promoter left
    /// without promoted units regains the weight of its own units).
    event Unpledged(
        uint256 indexed orderId,
        address indexed backer,
        address indexed promoter,
        uint256 units,
        uint256 amount,
        uint256 weightedUnits
    );

    /// @notice Funding ended: the order became `Active` (goal met) or `Failed` (goal missed).
    /// @param orderId The order.
    /// @param status `Active` or `Failed`.
    /// @param units Units pledged.
    /// @param funded Amount held for the order.
    /// @param deliverBy Deadline of the first milestone's delivery (0 when `Failed`).
    event Finalized(
        uint256 indexed orderId, Status status, uint256 units, uint256 funded, uint256 deliverBy
    );

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

    /// @notice A backer with weight approved the delivered milestone.
    /// @param orderId The order.
    /// @param milestone Milestone index.
    /// @param backer The backer.
    /// @param units The backer's (weighted) units.
    /// @param approvalUnits Weighted units that approved this milestone so far.
    event MilestoneApproved(
        uint256 indexed orderId,
        uint256 indexed milestone,
        address indexed backer,
        uint256 units,
        uint256 approvalUnits
    );

    /// @notice A milestone was released in full: its amount is now owed to the seller side.
    /// @param orderId The order.
    /// @param milestone Milestone index.
    /// @param amount Amount released by this milestone.
    /// @param totalReleased Cumulative amount released for the order.
    /// @param deliverBy Deadline of the next milestone's delivery (0 when the order completed).
    event MilestoneReleased(
        uint256 indexed orderId,
        uint256 indexed milestone,
        uint256 amount,
        uint256 totalReleased,
        uint256 deliverBy
    );

    /// @notice The schedule is done; the order is complete (backers take back anything a
    /// ruling withheld).
    /// @param orderId The order.
    event Completed(uint256 indexed orderId);

    /// @notice A backer with weight disputed the delivered milestone and posted the bond.
    /// @param orderId The order.
    /// @param milestone Milestone index.
    /// @param backer Who disputed.
    /// @param bond The bond posted.
    /// @param rulingEndsAt When the default ruling becomes available.
    /// @param reason Why, in the disputer's words, for the arbiter (1 to `MAX_REASON_BYTES`).
    event Disputed(
        uint256 indexed orderId,
        uint256 indexed milestone,
        address indexed backer,
        uint256 bond,
        uint256 rulingEndsAt,
        string reason
    );

    /// @notice The dispute of a milestone was ruled on, by the arbiter or by default.
    /// @param orderId The order.
    /// @param milestone Milestone index.
    /// @param released Amount of the milestone released to the seller side.
    /// @param withheld Amount of the milestone withheld (goes back to backers at the end).
    /// @param totalReleased Cumulative amount released for the order.
    /// @param ended Whether the order ended (`Resolved`, or `Completed` after the last one).
    /// @param upheld Whether the dispute was upheld (anything withheld, or the order ended).
    /// @param byDefault Whether this is the default ruling after `rulingPeriod`.
    /// @param bondTo Who was credited the bond: the disputer if upheld, else the seller.
    /// @param bond The bond credited to `bondTo`'s internal balance.
    /// @param deliverBy Deadline of the next milestone's delivery (0 when the order ended).
    event DisputeRuled(
        uint256 indexed orderId,
        uint256 indexed milestone,
        uint256 released,
        uint256 withheld,
        uint256 totalReleased,
        bool ended,
        bool upheld,
        bool byDefault,
        address bondTo,
        uint256 bond,
        uint256 deliverBy
    );

    /// @notice The current milestone was not delivered in time; the order ended and backers
    /// take back everything still held.
    /// @param orderId The order.
    /// @param milestone The milestone that was not delivered.
    /// @param totalReleased Cumulative amount released for the order.
    event Expired(uint256 indexed orderId, uint256 indexed milestone, uint256 totalReleased);

    /// @notice A backer was refunded (failed or cancelled order: exactly what it paid; ended
    /// order: its pro-rata share of what was not released).
    /// @param orderId The order.
    /// @param backer The backer.
    /// @param to Where the money went (the backer, or an address it named).
    /// @param amount Amount sent.
    event Refunded(
        uint256 indexed orderId, address indexed backer, address indexed to, uint256 amount
    );

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
    /// @param account The account whose balance was paid.
    /// @param to Where the money went (the account, or an address it named).
    /// @param amount Amount paid.
    event Withdrawn(
        address indexed token, address indexed account, address indexed to, uint256 amount
    );

    /// @notice Governance changed the fee for orders created from now on.
    /// @param oldFeeBps The previous fee.
    /// @param newFeeBps The new fee.
    event FeeBpsSet(uint256 oldFeeBps, uint256 newFeeBps);

    /// @notice Governance paused or unpaused new orders and pledges.
    /// @param paused The new flag.
    event PausedSet(bool paused);

    /// @notice A payment token was added to or removed from this chain's allowlist. Removal
    /// only stops new orders in it; existing orders run to their end.
    /// @param token The token (`address(0)`: the native coin).
    /// @param allowed Whether new orders may use it.
    event TokenAllowed(address indexed token, bool allowed);

    /// @notice The deployment bootstrap account gave up its right to edit the allowlist; from
    /// now on only governance edits it.
    /// @param bootstrap The account.
    event BootstrapRenounced(address bootstrap);

    /// @notice The deployment bootstrap account set the shop, the one contract that may create
    /// sales (`createSale`). Set once, before the bootstrap renounces.
    /// @param shop The shop.
    event ShopSet(address shop);

    // ---------------------------------------------------------------- functions

    /// @notice Creates an order; the caller must be the terms' seller.
    /// @param terms The packed terms.
    /// @return orderId The new order's id.
    function createOrder(bytes calldata terms) external returns (uint256 orderId);

    /// @notice Creates an order on the seller's behalf, with the seller's EIP-712 signature over
    /// the terms (an ECDSA signature, or one its contract wallet accepts through EIP-1271).
    /// Each signature creates one order at most.
    /// @param terms The packed terms.
    /// @param signature The seller's signature over `termsDigest(terms)`.
    /// @return orderId The new order's id.
    function createOrderFor(bytes calldata terms, bytes calldata signature)
        external
        returns (uint256 orderId);

    /// @notice The shop sells one purchase of a listing as an order of its own: creates the order
    /// (`OrderCreated`, with the shop as creator), records the buyer's pledge of all its units
    /// (`Pledged`, the buyer as backer, the promoter rules unchanged) paid by the shop, which
    /// collected it from the buyer (ERC-20 by allowance, or exactly that much native value),
    /// and ends funding (`Finalized`, `Active`), all in this call. The terms are validated as
    /// in `createOrder`; their sole buyer must be `buyer` and both their minimum and maximum
    /// units `units`. Shop only: the shop establishes the seller's will.
    /// @param terms The packed terms.
    /// @param buyer The buyer: the order's sole buyer and only backer.
    /// @param units Units bought.
    /// @param promoter Who brought the buyer, or `address(0)`.
    /// @return orderId The new order's id.
    function createSale(bytes calldata terms, address buyer, uint32 units, address promoter)
        external
        payable
        returns (uint256 orderId);

    /// @notice The seller makes its signature over `terms` unusable.
    /// @param terms The packed terms.
    function revokeTerms(bytes calldata terms) external;

    /// @notice Pledges `units` to an order, paying `units * unitPrice` (ERC-20 by allowance, or
    /// exactly that much native value).
    /// @param orderId The order.
    /// @param terms Its packed terms.
    /// @param units Units to pledge.
    /// @param promoter Who brought the backer, or `address(0)`; fixed at the backer's first
    /// pledge (ignored on later ones); never the backer itself nor a role of the order.
    function pledge(uint256 orderId, bytes calldata terms, uint256 units, address promoter)
        external
        payable;

    /// @notice `pledge` preceded by an EIP-2612 permit, called once the terms are checked; a
    /// permit that fails (already used or front-run) is ignored if the allowance suffices.
    /// @param orderId The order.
    /// @param terms Its packed terms.
    /// @param units Units to pledge.
    /// @param promoter Who brought the backer, or `address(0)`.
    /// @param deadline Permit deadline.
    /// @param v Permit signature v.
    /// @param r Permit signature r.
    /// @param s Permit signature s.
    function pledgeWithPermit(
        uint256 orderId,
        bytes calldata terms,
        uint256 units,
        address promoter,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external;

    /// @notice Withdraws `units` of the caller's pledge while funding is open; pays back exactly
    /// what they cost. Unpledging everything also clears the caller's promoter.
    /// @param orderId The order.
    /// @param terms Its packed terms.
    /// @param units Units to withdraw.
    function unpledge(uint256 orderId, bytes calldata terms, uint256 units) external;

    /// @notice Ends funding after the deadline or once the cap is reached; anyone may call.
    /// @param orderId The order.
    /// @param terms Its packed terms.
    /// @return status `Active` or `Failed`.
    function finalize(uint256 orderId, bytes calldata terms) external returns (Status status);

    /// @notice The seller cancels the order before the funding deadline.
    /// @param orderId The order.
    /// @param terms Its packed terms.
    function cancel(uint256 orderId, bytes calldata terms) external;

    /// @notice The seller delivers the current milestone within its delivery period, starting
    /// its review window.
    /// @param orderId The order.
    /// @param terms Its packed terms.
    /// @param proofHash Hash of the proof of delivery.
    function deliverMilestone(uint256 orderId, bytes calldata terms, bytes32 proofHash) external;

    /// @notice A backer with weight approves the delivered milestone within its review window;
    /// once every weighted unit approved, it is released at once.
    /// @param orderId The order.
    /// @param terms Its packed terms.
    /// @return released Whether this approval released the milestone.
    function approveMilestone(uint256 orderId, bytes calldata terms)
        external
        returns (bool released);

    /// @notice Releases the delivered milestone once its review window ended; anyone may call.
    /// @param orderId The order.
    /// @param terms Its packed terms.
    function release(uint256 orderId, bytes calldata terms) external;

    /// @notice A backer with weight disputes the delivered milestone within its review window,
    /// posting the bond (`disputeBond`): by allowance, or as exactly that much native value.
    /// The reason goes on the record (`Disputed`) for the arbiter and everyone to read.
    /// @param orderId The order.
    /// @param terms Its packed terms.
    /// @param reason Why, in the disputer's words: 1 to `MAX_REASON_BYTES` bytes of UTF-8.
    function dispute(uint256 orderId, bytes calldata terms, string calldata reason) external payable;

    /// @notice The arbiter rules on the disputed milestone within the ruling period.
    /// `releaseAmount` (at most the milestone's amount) is released to the seller side, the rest
    /// of the milestone is withheld for backers. With `endOrder` the order ends (`Resolved`) and
    /// backers take back everything not released; otherwise the schedule continues. Releasing
    /// the whole milestone without ending the order dismisses the dispute.
    /// @param orderId The order.
    /// @param terms Its packed terms.
    /// @param releaseAmount Amount of the disputed milestone to release.
    /// @param endOrder Whether the order ends here.
    function rule(uint256 orderId, bytes calldata terms, uint256 releaseAmount, bool endOrder)
        external;

    /// @notice After the ruling period, anyone applies the default ruling: nothing more is
    /// released, the order ends (`Resolved`), the bond goes back to the disputer.
    /// @param orderId The order.
    /// @param terms Its packed terms.
    function ruleByDefault(uint256 orderId, bytes calldata terms) external;

    /// @notice After the current milestone's delivery deadline passed without a delivery,
    /// anyone ends the order (`Expired`); backers take back everything still held.
    /// @param orderId The order.
    /// @param terms Its packed terms.
    function expire(uint256 orderId, bytes calldata terms) external;

    /// @notice Refunds `backer`: a failed or cancelled order pays back exactly what it paid; an
    /// ended order its pro-rata share of what was not released (the last backer refunded takes
    /// the rounding remainder). Anyone may send the money to the backer itself; only the backer
    /// may send it to another address (`to`), e.g. when the token blocks its own.
    /// @param orderId The order.
    /// @param terms Its packed terms.
    /// @param backer The backer.
    /// @param to Where to send the money: `backer`, or any address when the backer calls.
    /// @return amount Amount sent.
    function refund(uint256 orderId, bytes calldata terms, address backer, address to)
        external
        returns (uint256 amount);

    /// @notice Credits `account`'s share of the order's released money as seller, split
    /// recipient or treasury to its internal balance; anyone may call.
    /// @param orderId The order.
    /// @param terms Its packed terms.
    /// @param account The account.
    /// @return amount Amount credited.
    function claim(uint256 orderId, bytes calldata terms, address account)
        external
        returns (uint256 amount);

    /// @notice Credits `promoter`'s commission to its internal balance; anyone may call. Once the
    /// order ended this closes the promoter's position, the last one taking the pool's remainder.
    /// @param orderId The order.
    /// @param terms Its packed terms.
    /// @param promoter The promoter.
    /// @return amount Amount credited.
    function claimCommission(uint256 orderId, bytes calldata terms, address promoter)
        external
        returns (uint256 amount);

    /// @notice The caller's whole "get paid" path in one call: releases the delivered milestone
    /// if its review window ended, credits the caller's share as seller, split recipient or
    /// treasury, and pays the caller's whole internal balance of the order's token to `to`.
    /// @param orderId The order.
    /// @param terms Its packed terms.
    /// @param to Where to send the money.
    /// @return amount Amount sent.
    function collect(uint256 orderId, bytes calldata terms, address to)
        external
        returns (uint256 amount);

    /// @notice Pays out `account`'s internal balance of `token`. Anyone may send it to the
    /// account itself; only the account may send it to another address (`to`).
    /// @param token The token.
    /// @param account The account.
    /// @param to Where to send the money: `account`, or any address when the account calls.
    /// @return amount Amount paid.
    function withdraw(address token, address account, address to) external returns (uint256 amount);

    /// @notice Sets the fee for orders created from now on. Governance only.
    /// @param newFeeBps The new fee, at most `MAX_FEE_BPS`.
    function setFeeBps(uint16 newFeeBps) external;

    /// @notice Stops `createOrder` and pledges. Governance only.
    function pause() external;

    /// @notice Lets `createOrder` and pledges run again. Governance only.
    function unpause() external;

    /// @notice Adds `token` to this chain's payment-token allowlist or removes it. Governance,
    /// or the deployment bootstrap account until it renounces.
    /// @param token The token (`address(0)`: the native coin).
    /// @param allowed Whether new orders may use it.
    function setTokenAllowed(address token, bool allowed) external;

    /// @notice Sets the shop, the one contract that may call `createSale`. Once, by the
    /// deployment bootstrap account before it renounces.
    /// @param newShop The shop.
    function setShop(address newShop) external;

    /// @notice The bootstrap account gives up its right to edit the allowlist and to set the
    /// shop.
    function renounceBootstrap() external;

    // ------------------------------------------------------------------ views

    /// @notice The account that sets the fee, pauses and keeps the allowlist (the timelock).
    /// @return The account.
    function governance() external view returns (address);

    /// @notice Receives the platform fee of every order.
    /// @return The account.
    function treasury() external view returns (address);

    /// @notice Checks sellers' EIP-712 signatures over terms for `createOrderFor`.
    /// @return The verifier.
    function verifier() external view returns (ITermsVerifier);

    /// @notice The raw value of one storage slot (for `EscrowLens`, which decodes the order
    /// records; the layout is documented there).
    /// @param slot The slot.
    /// @return value Its value.
    function extsload(bytes32 slot) external view returns (bytes32 value);

    /// @notice An account's withdrawable balance.
    /// @param token The token.
    /// @param account The account.
    /// @return The balance.
    function balanceOf(address token, address account) external view returns (uint256);

    /// @notice Whether new orders may use `token`.
    /// @param token The token (`address(0)`: the native coin).
    /// @return The flag.
    function isTokenAllowed(address token) external view returns (bool);

    /// @notice The deployment bootstrap account that may still edit the allowlist, or zero.
    /// @return The account.
    function bootstrap() external view returns (address);

    /// @notice The fee in force for new orders.
    /// @return The fee in bps.
    function feeBps() external view returns (uint16);

    /// @notice Whether new orders and pledges are paused.
    /// @return The flag.
    function paused() external view returns (bool);

    /// @notice Number of orders created; ids run from 1 to this.
    /// @return The count.
    function orderCount() external view returns (uint256);

    /// @notice The shop, the one contract that may call `createSale`, or zero if none was set.
    /// @return The shop.
    function shop() external view returns (address);
}
