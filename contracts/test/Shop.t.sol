// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Escrow} from "src/Escrow.sol";
import {Shop} from "src/Shop.sol";
import {IEscrow} from "src/interfaces/IEscrow.sol";
import {IShop} from "src/interfaces/IShop.sol";
import {ContractWallet} from "./utils/ContractWallet.sol";
import {ReentrantToken} from "./utils/EscrowTokens.sol";
import {ShopFixture} from "./utils/ShopFixture.sol";
import {TermsLib} from "./utils/TermsLib.sol";

/// @dev The Shop over the Escrow: the Escrow's sale hook, listings by the artisan or signed
/// for a partner (plain keys and EIP-1271 wallets), updates, purchases, carts, the attacks of
/// issue 16 and the whole life of a purchase through the Escrow.
contract ShopTest is ShopFixture {
    // ------------------------------------------------------------- escrow hook

    function test_SetShop_OnceByTheBootstrap() public {
        address boot = makeAddr("boot");
        Escrow e = new Escrow(governance, treasury, FEE_BPS, verifier, boot);
        assertEq(e.shop(), address(0));
        vm.expectEmit(address(e));
        emit IEscrow.ShopSet(address(shop));
        vm.prank(boot);
        e.setShop(address(shop));
        assertEq(e.shop(), address(shop));
        vm.prank(boot);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.ShopAlreadySet.selector, address(shop)));
        e.setShop(alice);
    }

    function test_RevertWhen_SetShopByOtherThanTheBootstrap() public {
        address boot = makeAddr("boot");
        Escrow e = new Escrow(governance, treasury, FEE_BPS, verifier, boot);
        vm.prank(governance);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.OnlyGovernance.selector, governance));
        e.setShop(alice);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.OnlyGovernance.selector, alice));
        e.setShop(alice);
        vm.prank(boot);
        vm.expectRevert(IEscrow.ZeroAddress.selector);
        e.setShop(address(0));
        vm.prank(boot);
        e.renounceBootstrap();
        vm.prank(boot);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.OnlyGovernance.selector, boot));
        e.setShop(alice);
    }

    function test_RevertWhen_CreateSaleByOtherThanTheShop() public {
        bytes memory p = _packSale(_listing(), PRICE, alice, 1);
        _fund(address(usd), alice, PRICE);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.OnlyShop.selector, alice));
        escrow.createSale(p, alice, 1, address(0));
        // Nor on an Escrow without a shop, by anyone.
        Escrow e = new Escrow(governance, treasury, FEE_BPS, verifier, address(0));
        vm.expectRevert(abi.encodeWithSelector(IEscrow.OnlyShop.selector, address(this)));
        e.createSale(p, alice, 1, address(0));
    }

    /// @dev The shop's own terms must name the buyer as sole buyer, and the units bought as
    /// both minimum and maximum: a sale can never be an open order.
    function test_RevertWhen_CreateSaleTermsDoNotMatchThePurchase() public {
        IShop.Listing memory l = _listing();
        _mintTo(address(usd), address(shop), 10 * PRICE);
        vm.prank(address(shop));
        usd.approve(address(escrow), type(uint256).max);
        bytes memory forAlice = _packSale(l, PRICE, alice, 2);
        bytes memory forNobody = _packSale(l, PRICE, address(0), 2);
        IEscrow.Terms memory t = _saleTerms(l, PRICE, alice, 2);
        t.minUnits = 1;
        bytes memory open = TermsLib.pack(t);
        t.minUnits = 2;
        t.feeBps = 0;
        bytes memory staleFee = TermsLib.pack(t);
        vm.startPrank(address(shop));
        vm.expectRevert(_invalidTerms("soleBuyer"));
        escrow.createSale(forAlice, bob, 2, address(0));
        vm.expectRevert(_invalidTerms("soleBuyer"));
        escrow.createSale(forNobody, address(0), 2, address(0));
        vm.expectRevert(_invalidTerms("units"));
        escrow.createSale(forAlice, alice, 1, address(0));
        vm.expectRevert(_invalidTerms("units"));
        escrow.createSale(open, alice, 2, address(0));
        // Validated as createOrder validates: a stale fee is refused.
        vm.expectRevert(abi.encodeWithSelector(IEscrow.FeeMismatch.selector, 0, FEE_BPS));
        escrow.createSale(staleFee, alice, 2, address(0));
        // The right terms pass.
        uint256 id = escrow.createSale(forAlice, alice, 2, address(0));
        vm.stopPrank();
        assertEq(uint8(_status(id)), uint8(IEscrow.Status.Active));
    }

    // ----------------------------------------------------------------- listing

    function test_List_StoresTheListingAndEmitsItsTemplate() public {
        IShop.Listing memory l = _listing();
        IEscrow.Terms memory template = _saleTerms(l, PRICE, address(0), 0);
        template.fundingDeadline = 0;
        template.feeBps = 0;
        vm.expectEmit(address(shop));
        emit IShop.Listed(1, seller, partner, address(usd), PRICE, 10, TermsLib.pack(template));
        uint256 id = _list(l);
        assertEq(id, 1);
        assertEq(shop.listingCount(), 1);
        (address s, address p, address token, uint256 price, uint256 stock) = shop.listingOf(id);
        assertEq(abi.encode(s, p, token, price, stock), abi.encode(seller, partner, usd, PRICE, 10));
        assertEq(shop.termsOf(id, alice, 3), _packSale(l, PRICE, alice, 3));
        assertEq(_list(l), 2);
    }

    function test_RevertWhen_ListingForSomeoneElse() public {
        IShop.Listing memory l = _listing();
        vm.prank(partner);
        vm.expectRevert(abi.encodeWithSelector(IShop.NotSeller.selector, partner));
        shop.list(l);
    }

    function test_RevertWhen_ListingIsMalformed() public {
        IShop.Listing memory l = _listing();
        l.unitPrice = 0;
        vm.prank(seller);
        vm.expectRevert(_invalidListing("unitPrice"));
        shop.list(l);
        l = _listing();
        l.milestones = new IEscrow.Milestone[](0);
        vm.prank(seller);
        vm.expectRevert(_invalidListing("milestoneCount"));
        shop.list(l);
        l.milestones = TermsLib.milestones(9, DELIVERY);
        vm.prank(seller);
        vm.expectRevert(_invalidListing("milestoneCount"));
        shop.list(l);
        l = _listing();
        l.splits = new IEscrow.Split[](6);
        vm.prank(seller);
        vm.expectRevert(_invalidListing("splitCount"));
        shop.list(l);
        // Nobody signs for the zero address.
        l = _listing();
        l.seller = address(0);
        vm.expectRevert(IShop.InvalidSignature.selector);
        shop.listFor(l, block.timestamp, "");
    }

    /// @dev Terms the Escrow rejects can be listed, but never bought: the Escrow validates every
    /// purchase's terms as it validates any order's.
    function test_RevertWhen_BuyingAListingTheEscrowRejects() public {
        IShop.Listing memory l = _listing();
        l.reviewPeriod = 1 hours;
        uint256 id = _list(l);
        _fundShop(address(usd), alice, PRICE);
        vm.prank(alice);
        vm.expectRevert(_invalidTerms("reviewPeriod"));
        shop.buy(id, 1, address(0), PRICE);
    }

    function test_ListFor_SignedByTheArtisanSubmittedByThePartner() public {
        (address artisan, uint256 key) = makeAddrAndKey("signing artisan");
        IShop.Listing memory l = _listing();
        l.seller = artisan;
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 digest = _listingDigest(address(shop), l, deadline);
        assertEq(shop.listingDigest(l, deadline), digest);
        assertEq(shop.DOMAIN_SEPARATOR(), _domain(address(shop)));
        bytes memory sig = _sign(key, digest);
        vm.prank(partner);
        uint256 id = shop.listFor(l, deadline, sig);
        (address s, address p,,,) = shop.listingOf(id);
        assertEq(s, artisan);
        assertEq(p, partner);
        assertEq(shop.nonces(artisan), 1);
        // The artisan's signature, not the partner's, made the orders possible.
        uint256 orderId = _buy(id, alice, 1, address(0));
        assertEq(_state(orderId).unitsPledged, 1);
    }

    function test_ListFor_ContractWalletArtisan() public {
        (address owner, uint256 key) = makeAddrAndKey("wallet owner");
        ContractWallet wallet = new ContractWallet(owner);
        IShop.Listing memory l = _listing();
        l.seller = address(wallet);
        uint256 deadline = block.timestamp + 1 hours;
        (, uint256 otherKey) = makeAddrAndKey("not the owner");
        bytes memory bad = _sign(otherKey, _listingDigest(address(shop), l, deadline));
        vm.expectRevert(IShop.InvalidSignature.selector);
        shop.listFor(l, deadline, bad);
        bytes memory sig = _sign(key, _listingDigest(address(shop), l, deadline));
        vm.prank(partner);
        uint256 id = shop.listFor(l, deadline, sig);
        (address s,,,,) = shop.listingOf(id);
        assertEq(s, address(wallet));
    }

    function test_RevertWhen_ListingSignatureReplayed() public {
        (address artisan, uint256 key) = makeAddrAndKey("signing artisan");
        IShop.Listing memory l = _listing();
        l.seller = artisan;
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = _sign(key, _listingDigest(address(shop), l, deadline));
        shop.listFor(l, deadline, sig);
        // A second copy of the listing (and of its stock) is refused.
        vm.expectRevert(IShop.InvalidSignature.selector);
        shop.listFor(l, deadline, sig);
        assertEq(shop.listingCount(), 1);
    }

    function test_RevertWhen_ListingSignatureForAnotherShopOrChain() public {
        (address artisan, uint256 key) = makeAddrAndKey("signing artisan");
        IShop.Listing memory l = _listing();
        l.seller = artisan;
        uint256 deadline = block.timestamp + 1 hours;
        Shop other = new Shop(escrow);
        bytes memory forOther = _sign(key, _listingDigest(address(other), l, deadline));
        vm.expectRevert(IShop.InvalidSignature.selector);
        shop.listFor(l, deadline, forOther);
        bytes memory sig = _sign(key, _listingDigest(address(shop), l, deadline));
        uint256 chainId = block.chainid;
        vm.chainId(chainId + 1);
        vm.expectRevert(IShop.InvalidSignature.selector);
        shop.listFor(l, deadline, sig);
        vm.chainId(chainId);
        shop.listFor(l, deadline, sig);
    }

    function test_RevertWhen_SignedListingAltered() public {
        (address artisan, uint256 key) = makeAddrAndKey("signing artisan");
        IShop.Listing memory l = _listing();
        l.seller = artisan;
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = _sign(key, _listingDigest(address(shop), l, deadline));
        l.splits[0].bps = 5000; // the partner takes a bigger share
        vm.prank(partner);
        vm.expectRevert(IShop.InvalidSignature.selector);
        shop.listFor(l, deadline, sig);
        l = _listing();
        l.seller = artisan;
        l.stock = 1000;
        vm.prank(partner);
        vm.expectRevert(IShop.InvalidSignature.selector);
        shop.listFor(l, deadline, sig);
    }

    function test_RevertWhen_ListingSignatureExpired() public {
        (address artisan, uint256 key) = makeAddrAndKey("signing artisan");
        IShop.Listing memory l = _listing();
        l.seller = artisan;
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = _sign(key, _listingDigest(address(shop), l, deadline));
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IShop.SignatureExpired.selector, deadline));
        shop.listFor(l, deadline, sig);
    }

    function test_UseNonce_RevokesSignatures() public {
        (address artisan, uint256 key) = makeAddrAndKey("signing artisan");
        IShop.Listing memory l = _listing();
        l.seller = artisan;
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = _sign(key, _listingDigest(address(shop), l, deadline));
        vm.expectEmit(address(shop));
        emit IShop.NonceUsed(artisan, 0);
        vm.prank(artisan);
        shop.useNonce();
        vm.expectRevert(IShop.InvalidSignature.selector);
        shop.listFor(l, deadline, sig);
    }

    // ------------------------------------------------------------------ update

    function test_Update_BySeller() public {
        uint256 id = _list(_listing());
        vm.expectEmit(address(shop));
        emit IShop.ListingUpdated(id, 12e6, 3);
        vm.prank(seller);
        shop.update(id, 12e6, 3);
        (,,, uint256 price, uint256 stock) = shop.listingOf(id);
        assertEq(abi.encode(price, stock), abi.encode(12e6, 3));
    }

    function test_RevertWhen_UpdateWithZeroPriceOrUnknownListing() public {
        uint256 id = _list(_listing());
        vm.prank(seller);
        vm.expectRevert(_invalidListing("unitPrice"));
        shop.update(id, 0, 3);
        vm.prank(seller);
        vm.expectRevert(abi.encodeWithSelector(IShop.UnknownListing.selector, 7));
        shop.update(7, PRICE, 3);
        vm.expectRevert(abi.encodeWithSelector(IShop.UnknownListing.selector, 7));
        shop.updateFor(7, PRICE, 3, block.timestamp, "");
        vm.expectRevert(abi.encodeWithSelector(IShop.UnknownListing.selector, 7));
        shop.updateDigest(7, PRICE, 3, block.timestamp);
        vm.expectRevert(abi.encodeWithSelector(IShop.UnknownListing.selector, 7));
        shop.termsOf(7, alice, 1);
    }

    /// @dev The partner submitted the listing, but its key alone never changes price or stock.
    function test_RevertWhen_PartnerUpdatesWithoutTheArtisansSignature() public {
        (address artisan, uint256 key) = makeAddrAndKey("signing artisan");
        (, uint256 partnerKey) = makeAddrAndKey("partner key");
        IShop.Listing memory l = _listing();
        l.seller = artisan;
        uint256 deadline = block.timestamp + 1 hours;
        vm.prank(partner);
        uint256 id =
            shop.listFor(l, deadline, _sign(key, _listingDigest(address(shop), l, deadline)));
        vm.prank(partner);
        vm.expectRevert(abi.encodeWithSelector(IShop.NotSeller.selector, partner));
        shop.update(id, 1, 1000);
        bytes memory partnerSig =
            _sign(partnerKey, _updateDigest(address(shop), artisan, id, 1, 1000, deadline));
        vm.prank(partner);
        vm.expectRevert(IShop.InvalidSignature.selector);
        shop.updateFor(id, 1, 1000, deadline, partnerSig);
        vm.prank(partner);
        vm.expectRevert(IShop.InvalidSignature.selector);
        shop.updateFor(id, 1, 1000, deadline, "");
        (,,, uint256 price, uint256 stock) = shop.listingOf(id);
        assertEq(abi.encode(price, stock), abi.encode(PRICE, 10));
    }

    function test_UpdateFor_ArtisanSignatureSubmittedByAnyone() public {
        (address artisan, uint256 key) = makeAddrAndKey("signing artisan");
        IShop.Listing memory l = _listing();
        l.seller = artisan;
        vm.prank(artisan);
        uint256 id = shop.list(l);
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 digest = _updateDigest(address(shop), artisan, id, 12e6, 4, deadline);
        assertEq(shop.updateDigest(id, 12e6, 4, deadline), digest);
        vm.expectEmit(address(shop));
        emit IShop.ListingUpdated(id, 12e6, 4);
        vm.prank(partner);
        shop.updateFor(id, 12e6, 4, deadline, _sign(key, digest));
        (,,, uint256 price, uint256 stock) = shop.listingOf(id);
        assertEq(abi.encode(price, stock), abi.encode(12e6, 4));
    }

    function test_UpdateFor_ContractWalletArtisan() public {
        (address owner, uint256 key) = makeAddrAndKey("wallet owner");
        ContractWallet wallet = new ContractWallet(owner);
        IShop.Listing memory l = _listing();
        l.seller = address(wallet);
        vm.prank(owner);
        uint256 id =
            abi.decode(wallet.execute(address(shop), abi.encodeCall(shop.list, (l))), (uint256));
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig =
            _sign(key, _updateDigest(address(shop), address(wallet), id, 9e6, 2, deadline));
        shop.updateFor(id, 9e6, 2, deadline, sig);
        (,,, uint256 price, uint256 stock) = shop.listingOf(id);
        assertEq(abi.encode(price, stock), abi.encode(9e6, 2));
    }

    /// @dev An old signed change cannot be played again, e.g. to restore a lower price or
    /// stock the artisan since replaced, nor on another listing, shop or chain, nor late.
    function test_RevertWhen_UpdateSignatureReplayed() public {
        (address artisan, uint256 key) = makeAddrAndKey("signing artisan");
        IShop.Listing memory l = _listing();
        l.seller = artisan;
        vm.startPrank(artisan);
        uint256 id = shop.list(l);
        uint256 id2 = shop.list(l);
        vm.stopPrank();
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory cheap =
            _sign(key, _updateDigest(address(shop), artisan, id, 1e6, 50, deadline));
        shop.updateFor(id, 1e6, 50, deadline, cheap);
        bytes memory back =
            _sign(key, _updateDigest(address(shop), artisan, id, PRICE, 10, deadline));
        shop.updateFor(id, PRICE, 10, deadline, back);
        vm.expectRevert(IShop.InvalidSignature.selector);
        shop.updateFor(id, 1e6, 50, deadline, cheap);
        bytes memory next = _sign(key, _updateDigest(address(shop), artisan, id, 1e6, 50, deadline));
        vm.expectRevert(IShop.InvalidSignature.selector);
        shop.updateFor(id2, 1e6, 50, deadline, next);
        Shop other = new Shop(escrow);
        vm.prank(artisan);
        other.list(l);
        vm.expectRevert(IShop.InvalidSignature.selector);
        other.updateFor(id, 1e6, 50, deadline, next);
        uint256 chainId = block.chainid;
        vm.chainId(chainId + 1);
        vm.expectRevert(IShop.InvalidSignature.selector);
        shop.updateFor(id, 1e6, 50, deadline, next);
        vm.chainId(chainId);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IShop.SignatureExpired.selector, deadline));
        shop.updateFor(id, 1e6, 50, deadline, next);
        (,,, uint256 price, uint256 stock) = shop.listingOf(id);
        assertEq(abi.encode(price, stock), abi.encode(PRICE, 10));
    }

    /// @dev A purchase is an order with its own terms: a later change of price touches only
    /// later purchases.
    function test_Update_EarlierPurchasesKeepTheirTerms() public {
        IShop.Listing memory l = _listing();
        uint256 id = _list(l);
        bytes memory first = _packSale(l, PRICE, alice, 2);
        uint256 orderA = _buy(id, alice, 2, address(0));
        vm.prank(seller);
        shop.update(id, 25e6, 10);
        uint256 orderB = _buy(id, bob, 2, address(0));
        assertEq(lens.termsHashOf(orderA), keccak256(first));
        assertEq(lens.termsHashOf(orderB), keccak256(_packSale(l, 25e6, bob, 2)));
        // Alice's order holds and releases what she paid, at the old price.
        vm.prank(seller);
        escrow.deliverMilestone(orderA, first, keccak256("shipped"));
        vm.prank(alice);
        escrow.approveMilestone(orderA, first);
        assertEq(lens.releasedOf(orderA, first), 2 * PRICE);
        assertEq(usd.balanceOf(address(escrow)), 2 * PRICE + 2 * 25e6);
    }

    // ----------------------------------------------------------------- buying

    function test_Buy_OneUnitIsAnOrdinaryActiveOrder() public {
        IShop.Listing memory l = _listing();
        uint256 id = _list(l);
        bytes memory p = _packSale(l, PRICE, alice, 1);
        _fundShop(address(usd), alice, PRICE);
        vm.expectEmit(address(escrow));
        emit IEscrow.OrderCreated(1, seller, address(usd), address(shop), p);
        vm.expectEmit(address(escrow));
        emit IEscrow.Pledged(1, alice, address(0), 1, PRICE, 1);
        vm.expectEmit(address(escrow));
        emit IEscrow.Finalized(1, IEscrow.Status.Active, 1, PRICE, block.timestamp + DELIVERY);
        vm.expectEmit(address(shop));
        emit IShop.Purchased(id, 1, alice, 1, PRICE, 9);
        vm.prank(alice);
        uint256 orderId = shop.buy(id, 1, address(0), PRICE);
        assertEq(orderId, 1);
        assertEq(lens.termsHashOf(orderId), keccak256(p));
        IEscrow.OrderState memory s = _state(orderId);
        assertEq(uint8(s.status), uint8(IEscrow.Status.Active));
        assertEq(abi.encode(s.unitsPledged, s.weightedUnits, s.backerCount), abi.encode(1, 1, 1));
        assertEq(lens.participantOf(orderId, alice).units, 1);
        assertEq(usd.balanceOf(alice), 0);
        assertEq(usd.balanceOf(address(escrow)), PRICE);
        assertEq(usd.balanceOf(address(shop)), 0);
        (,,,, uint256 stock) = shop.listingOf(id);
        assertEq(stock, 9);
    }

    function test_Buy_ManyUnits() public {
        IShop.Listing memory l = _listing();
        uint256 id = _list(l);
        uint256 orderId = _buy(id, alice, 7, address(0));
        assertEq(_state(orderId).unitsPledged, 7);
        assertEq(usd.balanceOf(address(escrow)), 7 * PRICE);
        assertEq(lens.termsHashOf(orderId), keccak256(_packSale(l, PRICE, alice, 7)));
        (,,,, uint256 stock) = shop.listingOf(id);
        assertEq(stock, 3);
    }

    function test_Buy_TwoBuyersRaceForTheLastUnit() public {
        IShop.Listing memory l = _listing();
        l.stock = 1;
        uint256 id = _list(l);
        _fundShop(address(usd), alice, PRICE);
        _fundShop(address(usd), bob, PRICE);
        vm.expectEmit(address(shop));
        emit IShop.SoldOut(id);
        vm.prank(alice);
        shop.buy(id, 1, address(0), PRICE);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IShop.InsufficientStock.selector, id, 0));
        shop.buy(id, 1, address(0), PRICE);
        (,,,, uint256 stock) = shop.listingOf(id);
        assertEq(stock, 0);
        assertEq(usd.balanceOf(bob), PRICE);
        assertEq(escrow.orderCount(), 1);
    }

    /// @dev The seller raises the price just before a buyer's transaction: the buyer's limit
    /// holds, and an equal limit passes.
    function test_RevertWhen_PriceRaisedAboveTheBuyersLimit() public {
        uint256 id = _list(_listing());
        _fundShop(address(usd), alice, 100 * PRICE);
        vm.prank(seller);
        shop.update(id, 2 * PRICE, 10);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IShop.PriceAboveMax.selector, id, 2 * PRICE, PRICE));
        shop.buy(id, 1, address(0), PRICE);
        vm.prank(alice);
        shop.buy(id, 1, address(0), 2 * PRICE);
        assertEq(usd.balanceOf(address(escrow)), 2 * PRICE);
    }

    function test_RevertWhen_BuyingZeroUnitsOrAnUnknownListing() public {
        uint256 id = _list(_listing());
        vm.prank(alice);
        vm.expectRevert(IShop.ZeroUnits.selector);
        shop.buy(id, 0, address(0), PRICE);
        vm.expectRevert(abi.encodeWithSelector(IShop.UnknownListing.selector, 9));
        shop.buy(9, 1, address(0), PRICE);
    }

    /// @dev Stock is a uint32 taken with a check: no purchase wraps it, and the Escrow refuses
    /// an order whose total does not fit in 96 bits.
    function test_RevertWhen_BuyingMoreThanTheStock() public {
        IShop.Listing memory l = _listing();
        uint256 id = _list(l);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IShop.InsufficientStock.selector, id, 10));
        shop.buy(id, type(uint32).max, address(0), PRICE);
        l.stock = type(uint32).max;
        l.unitPrice = type(uint96).max;
        uint256 big = _list(l);
        _fundShop(address(usd), alice, 2 * uint256(type(uint96).max));
        vm.prank(alice);
        vm.expectRevert(_invalidTerms("maxAmount"));
        shop.buy(big, 2, address(0), type(uint96).max);
        (,,,, uint256 stock) = shop.listingOf(big);
        assertEq(stock, type(uint32).max);
    }

    function test_RevertWhen_BuyingADelistedListing() public {
        uint256 id = _list(_listing());
        vm.prank(seller);
        shop.update(id, PRICE, 0);
        _fundShop(address(usd), alice, PRICE);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IShop.InsufficientStock.selector, id, 0));
        shop.buy(id, 1, address(0), PRICE);
    }

    /// @dev The Escrow's sole-buyer rule: the artisan, a split recipient (the partner shop) and
    /// the arbiter cannot buy (no self-dealt sales); a partner shop without a split can.
    function test_RevertWhen_ARoleOfTheListingBuys() public {
        uint256 id = _list(_listing());
        address[3] memory roles = [seller, partner, arbiter];
        for (uint256 i; i < roles.length; ++i) {
            _fundShop(address(usd), roles[i], PRICE);
            vm.prank(roles[i]);
            vm.expectRevert(_invalidTerms("soleBuyer"));
            shop.buy(id, 1, address(0), PRICE);
        }
        IShop.Listing memory l = _listing();
        l.splits = new IEscrow.Split[](0);
        uint256 noSplit = _list(l);
        uint256 orderId = _buy(noSplit, partner, 1, address(0));
        assertEq(lens.participantOf(orderId, partner).units, 1);
    }

    function test_RevertWhen_BuyerNamesItselfOrARoleAsPromoter() public {
        uint256 id = _list(_listing());
        _fundShop(address(usd), alice, PRICE);
        vm.startPrank(alice);
        vm.expectRevert(IEscrow.SelfReferral.selector);
        shop.buy(id, 1, alice, PRICE);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.InvalidPromoter.selector, seller));
        shop.buy(id, 1, seller, PRICE);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.InvalidPromoter.selector, partner));
        shop.buy(id, 1, partner, PRICE);
        vm.stopPrank();
    }

    function test_Buy_ThroughAPromoter() public {
        uint256 id = _list(_listing());
        _fundShop(address(usd), alice, 2 * PRICE);
        vm.expectEmit(address(escrow));
        emit IEscrow.Pledged(1, alice, promoter, 2, 2 * PRICE, 2);
        vm.prank(alice);
        uint256 orderId = shop.buy(id, 2, promoter, PRICE);
        assertEq(_state(orderId).promotedUnits, 2);
        assertEq(lens.participantOf(orderId, promoter).promoted, 2);
    }

    function test_Buy_NativeCoin() public {
        IShop.Listing memory l = _listing();
        l.token = address(0);
        l.unitPrice = 1 ether;
        uint256 id = _list(l);
        vm.deal(alice, 5 ether);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IShop.WrongNativeAmount.selector, 1 ether, 2 ether));
        shop.buy{value: 1 ether}(id, 2, address(0), 1 ether);
        vm.prank(alice);
        uint256 orderId = shop.buy{value: 2 ether}(id, 2, address(0), 1 ether);
        assertEq(address(escrow).balance, 2 ether);
        assertEq(address(shop).balance, 0);
        assertEq(lens.termsHashOf(orderId), keccak256(_packSale(l, 1 ether, alice, 2)));
        // An ERC-20 listing takes no native value.
        uint256 erc20 = _list(_listing());
        _fundShop(address(usd), alice, PRICE);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IShop.WrongNativeAmount.selector, 1, 0));
        shop.buy{value: 1}(erc20, 1, address(0), PRICE);
    }

    function test_BuyWithPermit_NoApprovalTransaction() public {
        uint256 id = _list(_listing());
        (address dave, uint256 key) = makeAddrAndKey("dave");
        usd.mint(dave, 3 * PRICE);
        IShop.Permit memory permit = _permitShop(key, 3 * PRICE, block.timestamp);
        vm.prank(dave);
        uint256 orderId = shop.buyWithPermit(id, 3, address(0), PRICE, permit);
        assertEq(_state(orderId).unitsPledged, 3);
        assertEq(usd.balanceOf(dave), 0);
        assertEq(usd.allowance(dave, address(shop)), 0);
    }

    function test_BuyWithPermit_FrontRunPermitStillBuys() public {
        uint256 id = _list(_listing());
        (address dave, uint256 key) = makeAddrAndKey("dave");
        usd.mint(dave, PRICE);
        IShop.Permit memory p = _permitShop(key, PRICE, block.timestamp);
        usd.permit(dave, address(shop), p.value, p.deadline, p.v, p.r, p.s);
        vm.prank(dave);
        shop.buyWithPermit(id, 1, address(0), PRICE, p);
        assertEq(usd.balanceOf(address(escrow)), PRICE);
    }

    function test_RevertWhen_BuyWithBadPermitAndNoAllowance() public {
        uint256 id = _list(_listing());
        (address dave,) = makeAddrAndKey("dave");
        usd.mint(dave, PRICE);
        IShop.Permit memory p;
        vm.prank(dave);
        vm.expectRevert();
        shop.buyWithPermit(id, 1, address(0), PRICE, p);
        (,,,, uint256 stock) = shop.listingOf(id);
        assertEq(stock, 10);
    }

    function test_RevertWhen_BuyingWhileTheEscrowIsPausedOrTheTokenDelisted() public {
        uint256 id = _list(_listing());
        _fundShop(address(usd), alice, PRICE);
        vm.prank(governance);
        escrow.pause();
        vm.prank(alice);
        vm.expectRevert(IEscrow.Paused.selector);
        shop.buy(id, 1, address(0), PRICE);
        vm.startPrank(governance);
        escrow.unpause();
        escrow.setTokenAllowed(address(usd), false);
        vm.stopPrank();
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.TokenNotAllowed.selector, address(usd)));
        shop.buy(id, 1, address(0), PRICE);
        (,,,, uint256 stock) = shop.listingOf(id);
        assertEq(stock, 10);
    }

    /// @dev A token calling back into the shop in the middle of a purchase (its transfer from
    /// the buyer) is refused by the guard: no second purchase on the same reservation.
    function test_RevertWhen_ReenteringThroughATokenCallback() public {
        ReentrantToken ree = new ReentrantToken();
        _allow(address(ree));
        IShop.Listing memory l = _listing();
        l.token = address(ree);
        l.stock = 2;
        uint256 id = _list(l);
        ree.mint(alice, 2 * PRICE);
        vm.prank(alice);
        ree.approve(address(shop), 2 * PRICE);
        ree.arm(address(shop), abi.encodeCall(shop.buy, (id, 1, address(0), PRICE)));
        vm.prank(alice);
        shop.buy(id, 1, address(0), PRICE);
        assertFalse(ree.reentered());
        assertEq(
            ree.reentryError(),
            abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector)
        );
        (,,,, uint256 stock) = shop.listingOf(id);
        assertEq(stock, 1);
        assertEq(escrow.orderCount(), 1);
        assertEq(ree.balanceOf(address(shop)), 0);
    }

    function testFuzz_StockNeverGoesBelowZero(uint32 stock, uint32 a, uint32 b) public {
        stock = uint32(bound(stock, 0, 1000));
        a = uint32(bound(a, 1, 1200));
        b = uint32(bound(b, 1, 1200));
        IShop.Listing memory l = _listing();
        l.stock = stock;
        l.unitPrice = 1;
        uint256 id = _list(l);
        _fundShop(address(usd), alice, a);
        _fundShop(address(usd), bob, b);
        uint256 sold;
        vm.prank(alice);
        try shop.buy(id, a, address(0), 1) {
            sold += a;
        } catch {}
        vm.prank(bob);
        try shop.buy(id, b, address(0), 1) {
            sold += b;
        } catch {}
        (,,,, uint256 left) = shop.listingOf(id);
        assertLe(sold, stock);
        assertEq(left, stock - sold);
        assertEq(usd.balanceOf(address(escrow)), sold);
        assertEq(usd.balanceOf(address(shop)), 0);
    }

    // -------------------------------------------------------------------- cart

    /// @dev Two listings of two artisans, both sold through the partner shop.
    function _twoArtisans() internal returns (uint256 a, uint256 b, IShop.Listing memory lb) {
        a = _list(_listing());
        lb = _listing();
        lb.seller = artisan2;
        lb.unitPrice = 4e6;
        lb.metadataHash = keccak256("shawl");
        b = _list(lb);
    }

    function _cart(uint256 a, uint256 b) internal pure returns (IShop.Item[] memory items) {
        items = new IShop.Item[](2);
        items[0] = IShop.Item({listingId: a, units: 2, promoter: address(0), maxUnitPrice: PRICE});
        items[1] = IShop.Item({listingId: b, units: 3, promoter: address(0), maxUnitPrice: 4e6});
    }

    /// @dev One approval of the total, one transaction, one order per item.
    function test_BuyCart_TwoArtisansOneApprovalOneTransaction() public {
        (uint256 a, uint256 b, IShop.Listing memory lb) = _twoArtisans();
        uint256 total = 2 * PRICE + 3 * 4e6;
        _fundShop(address(usd), alice, total);
        IShop.Item[] memory items = _cart(a, b);
        items[1].promoter = promoter;
        vm.expectEmit(address(shop));
        emit IShop.Purchased(a, 1, alice, 2, PRICE, 8);
        vm.expectEmit(address(shop));
        emit IShop.Purchased(b, 2, alice, 3, 4e6, 7);
        vm.prank(alice);
        uint256[] memory ids = shop.buyCart(items);
        assertEq(ids.length, 2);
        assertEq(abi.encode(ids[0], ids[1]), abi.encode(1, 2));
        assertEq(lens.termsHashOf(1), keccak256(_packSale(_listing(), PRICE, alice, 2)));
        assertEq(lens.termsHashOf(2), keccak256(_packSale(lb, 4e6, alice, 3)));
        assertEq(lens.participantOf(2, promoter).promoted, 3);
        assertEq(usd.balanceOf(alice), 0);
        assertEq(usd.allowance(alice, address(shop)), 0);
        assertEq(usd.balanceOf(address(escrow)), total);
        assertEq(usd.balanceOf(address(shop)), 0);
    }

    function test_BuyCartWithPermit() public {
        (uint256 a, uint256 b,) = _twoArtisans();
        (address dave, uint256 key) = makeAddrAndKey("dave");
        uint256 total = 2 * PRICE + 3 * 4e6;
        usd.mint(dave, total);
        IShop.Permit memory permit = _permitShop(key, total, block.timestamp);
        vm.prank(dave);
        uint256[] memory ids = shop.buyCartWithPermit(_cart(a, b), permit);
        assertEq(ids.length, 2);
        assertEq(usd.balanceOf(dave), 0);
        assertEq(usd.balanceOf(address(escrow)), total);
        assertEq(uint8(_status(ids[1])), uint8(IEscrow.Status.Active));
    }

    /// @dev Any failing item undoes the whole cart: stock, payment and orders.
    function test_RevertWhen_AnyCartItemFails() public {
        (uint256 a, uint256 b,) = _twoArtisans();
        uint256 total = 2 * PRICE + 3 * 4e6;
        _fundShop(address(usd), alice, total);
        IShop.Item[] memory items = _cart(a, b);
        items[1].units = 11;
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IShop.InsufficientStock.selector, b, 10));
        shop.buyCart(items);
        items = _cart(a, b);
        items[1].maxUnitPrice = 3e6;
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IShop.PriceAboveMax.selector, b, 4e6, 3e6));
        shop.buyCart(items);
        // A failure inside the Escrow (here the second item's promoter) undoes the first order.
        items = _cart(a, b);
        items[1].promoter = alice;
        vm.prank(alice);
        vm.expectRevert(IEscrow.SelfReferral.selector);
        shop.buyCart(items);
        (,,,, uint256 stockA) = shop.listingOf(a);
        assertEq(stockA, 10);
        assertEq(usd.balanceOf(alice), total);
        assertEq(escrow.orderCount(), 0);
    }

    function test_RevertWhen_CartItemsTogetherExceedTheStock() public {
        IShop.Listing memory l = _listing();
        l.stock = 3;
        uint256 id = _list(l);
        IShop.Item[] memory items = _cart(id, id);
        items[1].maxUnitPrice = PRICE;
        items[1].units = 2;
        _fundShop(address(usd), alice, 4 * PRICE);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IShop.InsufficientStock.selector, id, 1));
        shop.buyCart(items);
    }

    function test_RevertWhen_CartIsEmptyOrMixesTokens() public {
        vm.expectRevert(IShop.EmptyCart.selector);
        shop.buyCart(new IShop.Item[](0));
        IShop.Listing memory native = _listing();
        native.token = address(0);
        (uint256 a,,) = _twoArtisans();
        uint256 n = _list(native);
        IShop.Item[] memory items = _cart(a, n);
        items[1].maxUnitPrice = PRICE;
        vm.expectRevert(
            abi.encodeWithSelector(IShop.MixedTokens.selector, address(usd), address(0))
        );
        shop.buyCart(items);
    }

    function test_BuyCart_NativeCoin() public {
        IShop.Listing memory la = _listing();
        la.token = address(0);
        uint256 a = _list(la);
        la.seller = artisan2;
        uint256 b = _list(la);
        IShop.Item[] memory items = _cart(a, b);
        items[1].maxUnitPrice = PRICE;
        vm.deal(alice, 5 * PRICE);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IShop.WrongNativeAmount.selector, PRICE, 5 * PRICE));
        shop.buyCart{value: PRICE}(items);
        vm.prank(alice);
        shop.buyCart{value: 5 * PRICE}(items);
        assertEq(address(escrow).balance, 5 * PRICE);
        assertEq(address(shop).balance, 0);
    }

    // --------------------------------------------------------------- lifecycle

    /// @dev Deliver, the buyer confirms, everyone claims: the artisan, the partner shop, the
    /// promoter and the treasury get exactly their shares of what the buyer paid.
    function test_Lifecycle_DeliverConfirmClaim() public {
        IShop.Listing memory l = _listing();
        uint256 id = _list(l);
        uint256 orderId = _buy(id, alice, 2, promoter);
        bytes memory p = _packSale(l, PRICE, alice, 2);
        vm.prank(seller);
        escrow.deliverMilestone(orderId, p, keccak256("shipped"));
        vm.prank(alice);
        assertTrue(escrow.approveMilestone(orderId, p));
        assertEq(uint8(_status(orderId)), uint8(IEscrow.Status.Completed));
        // F = 20; fee 2.5 % = 0.5; promoters 5 % of 19.5 = 0.975; partner 20 % of 18.525.
        uint256 fee = 500_000;
        uint256 commission = 975_000;
        uint256 partnerShare = 3_705_000;
        uint256 artisanShare = 2 * PRICE - fee - commission - partnerShare;
        assertEq(escrow.claim(orderId, p, seller), artisanShare);
        assertEq(escrow.claim(orderId, p, partner), partnerShare);
        assertEq(escrow.claim(orderId, p, treasury), fee);
        assertEq(escrow.claimCommission(orderId, p, promoter), commission);
        address[4] memory payees = [seller, partner, treasury, promoter];
        for (uint256 i; i < payees.length; ++i) {
            escrow.withdraw(address(usd), payees[i], payees[i]);
        }
        assertEq(usd.balanceOf(seller), artisanShare);
        assertEq(usd.balanceOf(partner), partnerShare);
        assertEq(usd.balanceOf(treasury), fee);
        assertEq(usd.balanceOf(promoter), commission);
        assertEq(usd.balanceOf(address(escrow)), 0);
    }

    /// @dev The buyer stays silent: the review window lapses and anyone releases.
    function test_Lifecycle_ReviewWindowLapsesThenRelease() public {
        IShop.Listing memory l = _listing();
        uint256 id = _list(l);
        uint256 orderId = _buy(id, alice, 1, address(0));
        bytes memory p = _packSale(l, PRICE, alice, 1);
        vm.warp(block.timestamp + 5 days);
        vm.prank(seller);
        escrow.deliverMilestone(orderId, p, keccak256("shipped"));
        vm.warp(block.timestamp + REVIEW - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IEscrow.DeadlineNotReached.selector, block.timestamp + 1)
        );
        escrow.release(orderId, p);
        vm.warp(block.timestamp + 1);
        escrow.release(orderId, p);
        vm.prank(seller);
        uint256 paid = escrow.collect(orderId, p, seller);
        assertEq(paid, PRICE - PRICE * FEE_BPS / 10_000 - (PRICE - PRICE * FEE_BPS / 10_000) / 5);
    }

    /// @dev Nothing delivered in time: the purchase expires and the buyer takes back exactly
    /// what it paid, from its own order.
    function test_Lifecycle_UndeliveredPurchaseRefundsTheBuyer() public {
        IShop.Listing memory l = _listing();
        uint256 id = _list(l);
        uint256 orderId = _buy(id, alice, 3, address(0));
        _buy(id, bob, 1, address(0));
        bytes memory p = _packSale(l, PRICE, alice, 3);
        vm.warp(block.timestamp + DELIVERY);
        escrow.expire(orderId, p);
        assertEq(escrow.refund(orderId, p, alice, alice), 3 * PRICE);
        assertEq(usd.balanceOf(alice), 3 * PRICE);
        assertEq(usd.balanceOf(address(escrow)), PRICE);
    }

    /// @dev A disputed purchase goes to its arbiter like any order.
    function test_Lifecycle_DisputeRuledForTheBuyer() public {
        IShop.Listing memory l = _listing();
        uint256 id = _list(l);
        uint256 orderId = _buy(id, alice, 2, address(0));
        IEscrow.Terms memory t = _saleTerms(l, PRICE, alice, 2);
        bytes memory p = TermsLib.pack(t);
        vm.prank(seller);
        escrow.deliverMilestone(orderId, p, keccak256("shipped"));
        uint256 bond = _dispute(orderId, t, alice);
        vm.prank(arbiter);
        escrow.rule(orderId, p, 0, true);
        assertEq(escrow.refund(orderId, p, alice, alice), 2 * PRICE);
        assertEq(escrow.withdraw(address(usd), alice, alice), bond);
    }

    /// @dev A contract-wallet artisan lists by signature, then delivers and is paid.
    function test_Lifecycle_ContractWalletArtisanDeliversAndIsPaid() public {
        (address owner, uint256 key) = makeAddrAndKey("wallet owner");
        ContractWallet wallet = new ContractWallet(owner);
        IShop.Listing memory l = _listing();
        l.seller = address(wallet);
        uint256 deadline = block.timestamp + 1 hours;
        vm.prank(partner);
        uint256 id =
            shop.listFor(l, deadline, _sign(key, _listingDigest(address(shop), l, deadline)));
        uint256 orderId = _buy(id, alice, 1, address(0));
        bytes memory p = _packSale(l, PRICE, alice, 1);
        vm.prank(owner);
        wallet.execute(
            address(escrow), abi.encodeCall(escrow.deliverMilestone, (orderId, p, bytes32(0)))
        );
        vm.prank(alice);
        escrow.approveMilestone(orderId, p);
        escrow.claim(orderId, p, address(wallet));
        escrow.withdraw(address(usd), address(wallet), address(wallet));
        assertGt(usd.balanceOf(address(wallet)), 0);
    }
}
