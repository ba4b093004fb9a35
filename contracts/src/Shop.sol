// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IEscrow} from "src/interfaces/IEscrow.sol";
import {IShop} from "src/interfaces/IShop.sol";
import {PackedTerms} from "src/libraries/PackedTerms.sol";

/// @title Shop
/// @notice Listings with stock and carts over the Escrow: each purchase is sold as an ordinary
/// Escrow order of its own (`IEscrow.createSale`). The rules users rely on are listed on
/// `IShop`; this contract enforces the ones about listings, stock and payment, and the Escrow
/// those about orders.
/// @dev Per listing: four slots of fixed template fields, price and stock, and the packed tail
/// of the terms (milestones and splits, exactly as the Escrow's layout has them), so that a
/// purchase builds its order's terms with one concatenation. The shop holds no money between
/// calls: a purchase takes the buyer's payment (only ever from `msg.sender`) and the Escrow
/// pulls it from the shop in the same call; the shop's allowance to the Escrow is unlimited,
/// which is safe because the Escrow only pulls from its caller, and the shop calls it only to
/// sell. Not upgradeable; no owner.
contract Shop is IShop, EIP712, Nonces, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice EIP-712 type of a listing a seller signs.
    bytes32 public constant LISTING_TYPEHASH = keccak256(
        "Listing(address seller,address partner,address token,uint96 unitPrice,uint32 stock,"
        "uint32 reviewPeriod,uint32 rulingPeriod,uint16 promoterBps,uint16 bondBps,"
        "address arbiter,bytes32 metadataHash,Milestone[] milestones,Split[] splits,"
        "uint256 nonce,uint256 deadline)Milestone(uint16 bps,uint32 deliveryPeriod)"
        "Split(address recipient,uint16 bps)"
    );
    /// @notice EIP-712 type of a price and stock change a seller signs.
    bytes32 public constant UPDATE_TYPEHASH = keccak256(
        "Update(uint256 listingId,uint96 unitPrice,uint32 stock,uint256 nonce,uint256 deadline)"
    );

    /// @inheritdoc IShop
    IEscrow public immutable escrow;

    /// @dev A listing in storage: the template's fixed fields in four slots (the first three
    /// read by every purchase), then the packed milestones and splits.
    struct Record {
        address seller;
        uint96 unitPrice;
        address token;
        uint32 stock;
        uint32 reviewPeriod;
        uint32 rulingPeriod;
        address arbiter;
        uint16 promoterBps;
        uint16 bondBps;
        address partner;
        bytes32 metadataHash;
        bytes schedule;
    }

    uint256 private _listingCount;
    mapping(uint256 listingId => Record) private _listings;

    /// @param escrow_ The Escrow, which must name this shop (`IEscrow.setShop`) to sell.
    constructor(IEscrow escrow_) EIP712("Co-Intent Shop", "1") {
        if (address(escrow_) == address(0)) revert ZeroAddress();
        escrow = escrow_;
    }

    // ---------------------------------------------------------------- listings

    /// @inheritdoc IShop
    function list(Listing calldata listing) external nonReentrant returns (uint256 listingId) {
        if (msg.sender != listing.seller) revert NotSeller(msg.sender);
        listingId = _list(listing);
    }

    /// @inheritdoc IShop
    function listFor(Listing calldata listing, uint256 deadline, bytes calldata signature)
        external
        nonReentrant
        returns (uint256 listingId)
    {
        bytes32 digest = _listingDigest(listing, _useNonce(listing.seller), deadline);
        _checkSignature(listing.seller, digest, deadline, signature);
        listingId = _list(listing);
    }

    /// @inheritdoc IShop
    function update(uint256 listingId, uint96 unitPrice, uint32 stock) external nonReentrant {
        address seller = _sellerOf(listingId);
        if (msg.sender != seller) revert NotSeller(msg.sender);
        _update(listingId, unitPrice, stock);
    }

    /// @inheritdoc IShop
    function updateFor(
        uint256 listingId,
        uint96 unitPrice,
        uint32 stock,
        uint256 deadline,
        bytes calldata signature
    ) external nonReentrant {
        address seller = _sellerOf(listingId);
        bytes32 digest = _updateDigest(listingId, unitPrice, stock, _useNonce(seller), deadline);
        _checkSignature(seller, digest, deadline, signature);
        _update(listingId, unitPrice, stock);
    }

    /// @inheritdoc IShop
    function useNonce() external {
        emit NonceUsed(msg.sender, _useNonce(msg.sender));
    }

    // ---------------------------------------------------------------- purchases

    /// @inheritdoc IShop
    function buy(uint256 listingId, uint32 units, address promoter, uint256 maxUnitPrice)
        external
        payable
        nonReentrant
        returns (uint256 orderId)
    {
        orderId = _buy(listingId, units, promoter, maxUnitPrice, false, _noPermit());
    }

    /// @inheritdoc IShop
    function buyWithPermit(
        uint256 listingId,
        uint32 units,
        address promoter,
        uint256 maxUnitPrice,
        Permit calldata permit
    ) external nonReentrant returns (uint256 orderId) {
        orderId = _buy(listingId, units, promoter, maxUnitPrice, true, permit);
    }

    /// @inheritdoc IShop
    function buyCart(Item[] calldata items)
        external
        payable
        nonReentrant
        returns (uint256[] memory orderIds)
    {
        orderIds = _buyCart(items, false, _noPermit());
    }

    /// @inheritdoc IShop
    function buyCartWithPermit(Item[] calldata items, Permit calldata permit)
        external
        nonReentrant
        returns (uint256[] memory orderIds)
    {
        orderIds = _buyCart(items, true, permit);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IShop
    function listingCount() external view returns (uint256) {
        return _listingCount;
    }

    /// @inheritdoc IShop
    function listingOf(uint256 listingId)
        external
        view
        returns (address seller, address partner, address token, uint256 unitPrice, uint256 stock)
    {
        Record storage l = _listings[listingId];
        return (l.seller, l.partner, l.token, l.unitPrice, l.stock);
    }

    /// @inheritdoc IShop
    function termsOf(uint256 listingId, address buyer, uint32 units)
        external
        view
        returns (bytes memory)
    {
        Record storage l = _listings[listingId];
        if (l.seller == address(0)) revert UnknownListing(listingId);
        return _terms(l, l.unitPrice, buyer, units, _fundingDeadline(), escrow.feeBps());
    }

    /// @inheritdoc IShop
    function listingDigest(Listing calldata listing, uint256 deadline)
        external
        view
        returns (bytes32)
    {
        return _listingDigest(listing, nonces(listing.seller), deadline);
    }

    /// @inheritdoc IShop
    function updateDigest(uint256 listingId, uint96 unitPrice, uint32 stock, uint256 deadline)
        external
        view
        returns (bytes32)
    {
        return _updateDigest(listingId, unitPrice, stock, nonces(_sellerOf(listingId)), deadline);
    }

    /// @inheritdoc IShop
    function nonces(address account) public view override(IShop, Nonces) returns (uint256) {
        return super.nonces(account);
    }

    /// @inheritdoc IShop
    // forge-lint: disable-next-line(mixed-case-function)
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // --------------------------------------------------------------- internals

    /// @dev Stores a listing whose seller's will is established (so its seller is not zero),
    /// and emits its template.
    function _list(Listing calldata listing) private returns (uint256 listingId) {
        if (listing.unitPrice == 0) revert InvalidListing("unitPrice");
        uint256 n = listing.milestones.length;
        uint256 m = listing.splits.length;
        // The counts are packed in one byte each; the Escrow checks the rest of the schedule.
        if (n == 0 || n > PackedTerms.MAX_MILESTONES) revert InvalidListing("milestoneCount");
        if (m > PackedTerms.MAX_SPLITS) revert InvalidListing("splitCount");
        // A uint256 counter bumped once per listing cannot wrap.
        unchecked {
            listingId = ++_listingCount;
        }
        Record storage l = _listings[listingId];
        l.seller = listing.seller;
        l.unitPrice = listing.unitPrice;
        l.token = listing.token;
        l.stock = listing.stock;
        l.reviewPeriod = listing.reviewPeriod;
        l.rulingPeriod = listing.rulingPeriod;
        l.arbiter = listing.arbiter;
        l.promoterBps = listing.promoterBps;
        l.bondBps = listing.bondBps;
        l.partner = listing.partner;
        l.metadataHash = listing.metadataHash;
        l.schedule = _schedule(listing.milestones, listing.splits);
        emit Listed(
            listingId,
            listing.seller,
            listing.partner,
            listing.token,
            listing.unitPrice,
            listing.stock,
            _terms(l, listing.unitPrice, address(0), 0, 0, 0)
        );
    }

    function _update(uint256 listingId, uint96 unitPrice, uint32 stock) private {
        if (unitPrice == 0) revert InvalidListing("unitPrice");
        Record storage l = _listings[listingId];
        l.unitPrice = unitPrice;
        l.stock = stock;
        emit ListingUpdated(listingId, unitPrice, stock);
    }

    /// @dev One purchase: takes the stock, then the payment, then sells it into the Escrow.
    function _buy(
        uint256 listingId,
        uint32 units,
        address promoter,
        uint256 maxUnitPrice,
        bool withPermit,
        Permit memory permit
    ) private returns (uint256 orderId) {
        Record storage l = _listings[listingId];
        (address token, uint256 price, uint256 stockLeft) =
            _reserve(l, listingId, units, maxUnitPrice);
        // price < 2^96 and units < 2^32.
        uint256 amount;
        unchecked {
            amount = price * units;
        }
        if (withPermit) _permit(token, permit);
        _collect(token, amount);
        orderId = _sell(l, listingId, token, price, units, promoter, escrow.feeBps(), stockLeft);
    }

    /// @dev A cart: first every item's stock (the total too), then one payment, then one sale
    /// per item. Any revert undoes the whole cart.
    function _buyCart(Item[] calldata items, bool withPermit, Permit memory permit)
        private
        returns (uint256[] memory orderIds)
    {
        uint256 count = items.length;
        if (count == 0) revert EmptyCart();
        uint256[] memory prices = new uint256[](count);
        uint256[] memory stockLeft = new uint256[](count);
        address token = _listings[items[0].listingId].token;
        uint256 total = 0;
        for (uint256 i; i < count; ++i) {
            Item calldata item = items[i];
            address itemToken;
            (itemToken, prices[i], stockLeft[i]) =
                _reserve(_listings[item.listingId], item.listingId, item.units, item.maxUnitPrice);
            if (itemToken != token) revert MixedTokens(token, itemToken);
            total += prices[i] * item.units;
        }
        if (withPermit) _permit(token, permit);
        _collect(token, total);
        uint16 fee = escrow.feeBps();
        orderIds = new uint256[](count);
        for (uint256 i; i < count; ++i) {
            Item calldata item = items[i];
            orderIds[i] = _sell(
                _listings[item.listingId],
                item.listingId,
                token,
                prices[i],
                item.units,
                item.promoter,
                fee,
                stockLeft[i]
            );
        }
    }

    /// @dev Takes `units` from the listing's stock at its current price, within the buyer's
    /// limit.
    function _reserve(Record storage l, uint256 listingId, uint32 units, uint256 maxUnitPrice)
        private
        returns (address token, uint256 price, uint256 stockLeft)
    {
        if (l.seller == address(0)) revert UnknownListing(listingId);
        if (units == 0) revert ZeroUnits();
        price = l.unitPrice;
        if (price > maxUnitPrice) revert PriceAboveMax(listingId, price, maxUnitPrice);
        uint32 stock = l.stock;
        if (units > stock) revert InsufficientStock(listingId, stock);
        // units <= stock.
        unchecked {
            stock -= units;
        }
        l.stock = stock;
        if (stock == 0) emit SoldOut(listingId);
        return (l.token, price, stock);
    }

    /// @dev Sells one reserved purchase, already paid to the shop, as an Escrow order.
    function _sell(
        Record storage l,
        uint256 listingId,
        address token,
        uint256 price,
        uint32 units,
        address promoter,
        uint16 fee,
        uint256 stockLeft
    ) private returns (uint256 orderId) {
        bytes memory terms = _terms(l, price, msg.sender, units, _fundingDeadline(), fee);
        // price * units < 2^128: the reservation bounded both.
        uint256 value;
        unchecked {
            value = token == address(0) ? price * units : 0;
        }
        orderId = escrow.createSale{value: value}(terms, msg.sender, units, promoter);
        emit Purchased(listingId, orderId, msg.sender, units, price, stockLeft);
    }

    /// @dev Takes `amount` from the caller: exactly that much native value, or the token, which
    /// the Escrow may then pull from the shop.
    function _collect(address token, uint256 amount) private {
        if (token == address(0)) {
            if (msg.value != amount) revert WrongNativeAmount(msg.value, amount);
            return;
        }
        if (msg.value != 0) revert WrongNativeAmount(msg.value, 0);
        IERC20 erc20 = IERC20(token);
        erc20.safeTransferFrom(msg.sender, address(this), amount);
        if (erc20.allowance(address(this), address(escrow)) < amount) {
            erc20.forceApprove(address(escrow), type(uint256).max);
        }
    }

    /// @dev A permit already used or front-run must not block the purchase: the transfer fails
    /// anyway if the allowance is short.
    function _permit(address token, Permit memory p) private {
        if (token == address(0)) return;
        try IERC20Permit(token)
            .permit(msg.sender, address(this), p.value, p.deadline, p.v, p.r, p.s) {}
            catch {}
    }

    /// @dev The packed terms (`IEscrow.Terms` layout) of a purchase of the listing.
    function _terms(
        Record storage l,
        uint256 price,
        address buyer,
        uint32 units,
        uint40 fundingDeadline,
        uint16 fee
    ) private view returns (bytes memory) {
        // The price was stored as a uint96.
        // forge-lint: disable-next-line(unsafe-typecast)
        bytes memory head = abi.encodePacked(l.seller, l.token, uint96(price), units, units);
        bytes memory middle = abi.encodePacked(
            fundingDeadline, l.reviewPeriod, l.rulingPeriod, l.promoterBps, fee, l.bondBps, buyer
        );
        return bytes.concat(head, middle, abi.encodePacked(l.arbiter, l.metadataHash, l.schedule));
    }

    /// @dev The milestone and split part of the packed terms, from the milestone count on.
    function _schedule(IEscrow.Milestone[] calldata milestones, IEscrow.Split[] calldata splits)
        private
        pure
        returns (bytes memory out)
    {
        // The counts were checked against the Escrow's maxima (8 and 5).
        // forge-lint: disable-next-line(unsafe-typecast)
        out = abi.encodePacked(uint8(milestones.length));
        for (uint256 i; i < milestones.length; ++i) {
            out = bytes.concat(
                out, abi.encodePacked(milestones[i].bps, milestones[i].deliveryPeriod)
            );
        }
        // forge-lint: disable-next-line(unsafe-typecast)
        out = bytes.concat(out, abi.encodePacked(uint8(splits.length)));
        for (uint256 j; j < splits.length; ++j) {
            out = bytes.concat(out, abi.encodePacked(splits[j].recipient, splits[j].bps));
        }
    }

    /// @dev Funding of a sale ends in the call that creates it; the Escrow only asks that the
    /// deadline be in the future.
    function _fundingDeadline() private view returns (uint40) {
        // A timestamp fits in 40 bits until the year 36 812.
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint40(block.timestamp + 1);
    }

    function _sellerOf(uint256 listingId) private view returns (address seller) {
        seller = _listings[listingId].seller;
        if (seller == address(0)) revert UnknownListing(listingId);
    }

    function _checkSignature(
        address signer,
        bytes32 digest,
        uint256 deadline,
        bytes calldata signature
    ) private view {
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp > deadline) revert SignatureExpired(deadline);
        if (!SignatureChecker.isValidSignatureNowCalldata(signer, digest, signature)) {
            revert InvalidSignature();
        }
    }

    function _listingDigest(Listing calldata l, uint256 nonce, uint256 deadline)
        private
        view
        returns (bytes32)
    {
        bytes memory head = abi.encode(
            LISTING_TYPEHASH, l.seller, l.partner, l.token, l.unitPrice, l.stock, l.reviewPeriod
        );
        bytes memory middle =
            abi.encode(l.rulingPeriod, l.promoterBps, l.bondBps, l.arbiter, l.metadataHash);
        bytes memory tail =
            abi.encode(_milestonesHash(l.milestones), _splitsHash(l.splits), nonce, deadline);
        return _hashTypedDataV4(keccak256(bytes.concat(head, middle, tail)));
    }

    function _updateDigest(
        uint256 listingId,
        uint96 unitPrice,
        uint32 stock,
        uint256 nonce,
        uint256 deadline
    ) private view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(abi.encode(UPDATE_TYPEHASH, listingId, unitPrice, stock, nonce, deadline))
        );
    }

    function _milestonesHash(IEscrow.Milestone[] calldata milestones)
        private
        pure
        returns (bytes32)
    {
        bytes32[] memory hashes = new bytes32[](milestones.length);
        for (uint256 i; i < milestones.length; ++i) {
            hashes[i] = keccak256(
                abi.encode(
                    PackedTerms.MILESTONE_TYPEHASH, milestones[i].bps, milestones[i].deliveryPeriod
                )
            );
        }
        return keccak256(abi.encodePacked(hashes));
    }

    function _splitsHash(IEscrow.Split[] calldata splits) private pure returns (bytes32) {
        bytes32[] memory hashes = new bytes32[](splits.length);
        for (uint256 j; j < splits.length; ++j) {
            hashes[j] = keccak256(
                abi.encode(PackedTerms.SPLIT_TYPEHASH, splits[j].recipient, splits[j].bps)
            );
        }
        return keccak256(abi.encodePacked(hashes));
    }

    /// @dev The permit argument of the variants without one (never read).
    function _noPermit() private pure returns (Permit memory p) {}
}
