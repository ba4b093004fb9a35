// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IEscrow} from "src/interfaces/IEscrow.sol";

/// @title IShop
/// @notice Open listings with stock, and carts, on top of the Escrow: anyone buys from a
/// listing, and each purchase becomes an ordinary Escrow order of its own (`createSale`), with
/// the buyer as sole buyer and only backer, funded and `Active` at once, and its own delivery,
/// review window, dispute, refund and deadlines. The Escrow emits its usual events for it
/// (`OrderCreated` with the shop as creator, `Pledged`, `Finalized`).
///
/// Rules every user can rely on (each one is enforced here and tested):
/// - A listing exists only by its seller's will: the seller lists it itself (`list`), or
///   signed it (EIP-712 `Listing`, plain keys and EIP-1271 contract wallets), typically for a
///   partner shop to submit (`listFor`).
/// - Only the seller changes a listing's price and stock: itself (`update`) or by signing the
///   change (`updateFor`). A partner's key alone changes nothing.
/// - Every signature is bound to this shop on this chain (EIP-712 domain "Co-Intent Shop",
///   version "1", chain id, this contract), to the seller's current nonce (so it is used at most
///   once, and `useNonce` revokes it) and to a deadline.
/// - A purchase takes stock atomically: stock never goes below zero, and a purchase that does
///   not fit reverts whole. It never pays more than the buyer's `maxUnitPrice` per unit.
/// - A cart is all or nothing: one token, one payment, one order per item.
/// - The shop holds no money between calls: what it takes from the buyer goes into the Escrow
///   in the same call. It only ever takes money from the caller.
/// - A purchase's order keeps the terms it was created with: later price or stock changes of
///   the listing touch only later purchases.
///
/// @dev A listing stores a terms template: everything in the Escrow's packed terms except the
/// per-purchase fields, which the shop fills at each purchase: `soleBuyer` (the buyer),
/// `minUnits` and `maxUnits` (the units bought), `fundingDeadline` (the next second: funding
/// ends in the same call) and `feeBps` (the fee in force, as for any new order). The Escrow
/// validates the resulting terms as it validates any order's, so a listing whose terms it
/// would reject (a token taken off the allowlist, a bad schedule) cannot be bought. The native
/// coin is written as the token address `address(0)`.
interface IShop {
    /// @notice A listing as its seller lists or signs it (the EIP-712 type `Listing` adds the
    /// seller's `nonce` and a `deadline`):
    /// `Listing(address seller,address partner,address token,uint96 unitPrice,uint32 stock,
    /// uint32 reviewPeriod,uint32 rulingPeriod,uint16 promoterBps,uint16 bondBps,address arbiter,
    /// bytes32 metadataHash,Milestone[] milestones,Split[] splits,uint256 nonce,uint256 deadline)
    /// Milestone(uint16 bps,uint32 deliveryPeriod)Split(address recipient,uint16 bps)`.
    /// @param seller The artisan: seller of every purchase's order.
    /// @param partner The partner shop that sells it, or `address(0)`: recorded as the seller
    /// states it, for off-chain use (the partner's own assent is submitting a signed listing);
    /// its share, if any, is an entry of `splits`.
    /// @param token Payment token (`address(0)`: the native coin); must be allowlisted.
    /// @param unitPrice Price of one unit in the token's smallest unit; not zero.
    /// @param stock Units for sale.
    /// @param reviewPeriod Review window of each delivered milestone (see `IEscrow.Terms`).
    /// @param rulingPeriod Time the arbiter has to rule on a dispute.
    /// @param promoterBps Promoters' commission (see `IEscrow.Terms`).
    /// @param bondBps Dispute bond in bps of the disputed milestone's amount.
    /// @param arbiter Rules on disputes.
    /// @param metadataHash keccak256 of the product's metadata document.
    /// @param milestones The delivery schedule: 1 to 8 entries.
    /// @param splits The split table (artisan's partners, the partner shop, ...): at most 5.
    struct Listing {
        address seller;
        address partner;
        address token;
        uint96 unitPrice;
        uint32 stock;
        uint32 reviewPeriod;
        uint32 rulingPeriod;
        uint16 promoterBps;
        uint16 bondBps;
        address arbiter;
        bytes32 metadataHash;
        IEscrow.Milestone[] milestones;
        IEscrow.Split[] splits;
    }

    /// @notice One item of a cart.
    /// @param listingId The listing.
    /// @param units Units to buy.
    /// @param promoter Who brought the buyer to this item, or `address(0)`.
    /// @param maxUnitPrice The most the buyer pays per unit.
    struct Item {
        uint256 listingId;
        uint32 units;
        address promoter;
        uint256 maxUnitPrice;
    }

    /// @notice An EIP-2612 permit of the buyer letting the shop take `value` of the token.
    /// @param value The permitted amount (at least what the purchase costs).
    /// @param deadline Permit deadline.
    /// @param v Signature v.
    /// @param r Signature r.
    /// @param s Signature s.
    struct Permit {
        uint256 value;
        uint256 deadline;
        uint8 v;
        bytes32 r;
        bytes32 s;
    }

    // ---------------------------------------------------------------- errors

    /// @notice An address that must be set is the zero address.
    error ZeroAddress();

    /// @notice No listing has this id.
    /// @param listingId The id.
    error UnknownListing(uint256 listingId);

    /// @notice A listing field is invalid; `reason` names it.
    /// @param reason Short name of the failed check, e.g. "unitPrice".
    error InvalidListing(bytes32 reason);

    /// @notice Only the listing's seller may do this.
    /// @param caller The caller.
    error NotSeller(address caller);

    /// @notice The seller's signature is invalid (wrong signer, data, nonce, shop or chain).
    error InvalidSignature();

    /// @notice The signature's deadline passed.
    /// @param deadline The deadline.
    error SignatureExpired(uint256 deadline);

    /// @notice A purchase of zero units.
    error ZeroUnits();

    /// @notice The listing has fewer units left than asked for (none when sold out or
    /// delisted).
    /// @param listingId The listing.
    /// @param available Units left.
    error InsufficientStock(uint256 listingId, uint256 available);

    /// @notice The listing's price is above the buyer's limit.
    /// @param listingId The listing.
    /// @param unitPrice The current price.
    /// @param maxUnitPrice The buyer's limit.
    error PriceAboveMax(uint256 listingId, uint256 unitPrice, uint256 maxUnitPrice);

    /// @notice A cart with no items.
    error EmptyCart();

    /// @notice A cart's items are priced in different tokens.
    /// @param expected The first item's token.
    /// @param token This item's token.
    error MixedTokens(address expected, address token);

    /// @notice The native value sent differs from what the purchase costs.
    /// @param sent `msg.value`.
    /// @param expected What had to be sent.
    error WrongNativeAmount(uint256 sent, uint256 expected);

    // ---------------------------------------------------------------- events

    /// @notice A listing was created.
    /// @param listingId Its id.
    /// @param seller Its seller.
    /// @param partner Its partner shop, or `address(0)`.
    /// @param token Its payment token.
    /// @param unitPrice Its price.
    /// @param stock Units for sale.
    /// @param template Its terms template in the Escrow's packed layout (`IEscrow.Terms`), with
    /// `unitPrice` the listed price and `soleBuyer`, `minUnits`, `maxUnits`, `fundingDeadline`
    /// and `feeBps` zero: each purchase's order terms are these with the purchase's price and
    /// those fields filled in.
    event Listed(
        uint256 indexed listingId,
        address indexed seller,
        address indexed partner,
        address token,
        uint256 unitPrice,
        uint256 stock,
        bytes template
    );

    /// @notice The seller changed a listing's price or stock (zero stock: delisted).
    /// @param listingId The listing.
    /// @param unitPrice The new price.
    /// @param stock The new stock.
    event ListingUpdated(uint256 indexed listingId, uint256 unitPrice, uint256 stock);

    /// @notice Units of a listing were bought; the Escrow holds the payment as order `orderId`.
    /// @param listingId The listing.
    /// @param orderId The purchase's Escrow order.
    /// @param buyer The buyer.
    /// @param units Units bought.
    /// @param unitPrice Price paid per unit.
    /// @param stockLeft The listing's stock right after this purchase took its units (in log
    /// order, the last one is the listing's stock).
    event Purchased(
        uint256 indexed listingId,
        uint256 indexed orderId,
        address indexed buyer,
        uint256 units,
        uint256 unitPrice,
        uint256 stockLeft
    );

    /// @notice A purchase took a listing's last units.
    /// @param listingId The listing.
    event SoldOut(uint256 indexed listingId);

    /// @notice An account used up its current nonce, revoking its signatures made with it.
    /// @param account The account.
    /// @param nonce The nonce used.
    event NonceUsed(address indexed account, uint256 nonce);

    // ---------------------------------------------------------------- listings

    /// @notice The caller lists a product as its seller.
    /// @param listing The listing; its `seller` must be the caller.
    /// @return listingId The new listing's id.
    function list(Listing calldata listing) external returns (uint256 listingId);

    /// @notice Lists a product on its seller's behalf, with the seller's EIP-712 signature over
    /// the listing, its current nonce and `deadline` (an ECDSA signature, or one its contract
    /// wallet accepts through EIP-1271). Anyone may submit it, typically the partner shop.
    /// @param listing The listing.
    /// @param deadline Last second at which the signature may be used.
    /// @param signature The seller's signature over `listingDigest(listing, deadline)`.
    /// @return listingId The new listing's id.
    function listFor(Listing calldata listing, uint256 deadline, bytes calldata signature)
        external
        returns (uint256 listingId);

    /// @notice The seller sets a listing's price and stock.
    /// @param listingId The listing.
    /// @param unitPrice The new price; not zero.
    /// @param stock The new stock: units for sale from now on (zero delists).
    function update(uint256 listingId, uint96 unitPrice, uint32 stock) external;

    /// @notice Sets a listing's price and stock with its seller's EIP-712 signature
    /// `Update(uint256 listingId,uint96 unitPrice,uint32 stock,uint256 nonce,uint256 deadline)`
    /// over them, its current nonce and `deadline`; anyone may submit it. The stock is set as
    /// of submission: sign a short deadline.
    /// @param listingId The listing.
    /// @param unitPrice The new price; not zero.
    /// @param stock The new stock.
    /// @param deadline Last second at which the signature may be used.
    /// @param signature The seller's signature.
    function updateFor(
        uint256 listingId,
        uint96 unitPrice,
        uint32 stock,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /// @notice The caller uses up its current nonce, revoking the signatures it made with it.
    function useNonce() external;

    // ---------------------------------------------------------------- purchases

    /// @notice Buys `units` of a listing as one Escrow order, paying `units * unitPrice` (ERC-20
    /// by allowance to the shop, or exactly that much native value).
    /// @param listingId The listing.
    /// @param units Units to buy.
    /// @param promoter Who brought the buyer, or `address(0)` (the Escrow's promoter rules).
    /// @param maxUnitPrice The most the buyer pays per unit.
    /// @return orderId The purchase's Escrow order.
    function buy(uint256 listingId, uint32 units, address promoter, uint256 maxUnitPrice)
        external
        payable
        returns (uint256 orderId);

    /// @notice `buy` preceded by the buyer's EIP-2612 permit to the shop; a permit that fails
    /// (already used or front-run) is ignored if the allowance suffices.
    /// @param listingId The listing.
    /// @param units Units to buy.
    /// @param promoter Who brought the buyer, or `address(0)`.
    /// @param maxUnitPrice The most the buyer pays per unit.
    /// @param permit The permit.
    /// @return orderId The purchase's Escrow order.
    function buyWithPermit(
        uint256 listingId,
        uint32 units,
        address promoter,
        uint256 maxUnitPrice,
        Permit calldata permit
    ) external returns (uint256 orderId);

    /// @notice Buys every item of a cart, all in one token, with one payment of the total;
    /// each item becomes its own Escrow order. All or nothing: any item that cannot be bought
    /// reverts the whole cart.
    /// @param items The items.
    /// @return orderIds The items' Escrow orders, in the items' order.
    function buyCart(Item[] calldata items) external payable returns (uint256[] memory orderIds);

    /// @notice `buyCart` preceded by the buyer's EIP-2612 permit to the shop.
    /// @param items The items.
    /// @param permit The permit.
    /// @return orderIds The items' Escrow orders.
    function buyCartWithPermit(Item[] calldata items, Permit calldata permit)
        external
        returns (uint256[] memory orderIds);

    // ---------------------------------------------------------------- views

    /// @notice The Escrow the purchases go into.
    /// @return The Escrow.
    function escrow() external view returns (IEscrow);

    /// @notice Number of listings; ids run from 1 to this.
    /// @return The count.
    function listingCount() external view returns (uint256);

    /// @notice A listing's parties, token, price and stock.
    /// @param listingId The listing.
    /// @return seller Its seller (zero: no such listing).
    /// @return partner Its partner shop, or zero.
    /// @return token Its payment token.
    /// @return unitPrice Its current price.
    /// @return stock Units left.
    function listingOf(uint256 listingId)
        external
        view
        returns (address seller, address partner, address token, uint256 unitPrice, uint256 stock);

    /// @notice The packed terms of the order that `buyer` buying `units` now would create.
    /// @param listingId The listing.
    /// @param buyer The buyer.
    /// @param units Units bought.
    /// @return The packed terms.
    function termsOf(uint256 listingId, address buyer, uint32 units)
        external
        view
        returns (bytes memory);

    /// @notice The EIP-712 digest the seller signs for `listFor` (with its current nonce).
    /// @param listing The listing.
    /// @param deadline The signature's deadline.
    /// @return The digest.
    function listingDigest(Listing calldata listing, uint256 deadline)
        external
        view
        returns (bytes32);

    /// @notice The EIP-712 digest the seller signs for `updateFor` (with its current nonce).
    /// @param listingId The listing.
    /// @param unitPrice The new price.
    /// @param stock The new stock.
    /// @param deadline The signature's deadline.
    /// @return The digest.
    function updateDigest(uint256 listingId, uint96 unitPrice, uint32 stock, uint256 deadline)
        external
        view
        returns (bytes32);

    /// @notice An account's current nonce: the one its next signature must use.
    /// @param account The account.
    /// @return The nonce.
    function nonces(address account) external view returns (uint256);

    /// @notice The EIP-712 domain separator of this shop on this chain.
    /// @return The separator.
    function DOMAIN_SEPARATOR() external view returns (bytes32);
}
