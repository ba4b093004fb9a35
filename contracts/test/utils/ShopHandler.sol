// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Test} from "forge-std/Test.sol";
import {DemoStablecoin} from "src/DemoStablecoin.sol";
import {Escrow} from "src/Escrow.sol";
import {Shop} from "src/Shop.sol";
import {IEscrow} from "src/interfaces/IEscrow.sol";
import {IShop} from "src/interfaces/IShop.sol";

/// @dev Drives the Shop for the invariant run: listings by two artisans sold through a partner
/// shop (a split recipient), price and stock changes, fee changes, and purchases and carts by
/// any actor, the artisans and the partner included (roles overlap: the Escrow must refuse
/// them as buyers). It never reverts itself: every shop call is tried, and what a success or a
/// failure implies is asserted here; the ghosts below let the invariants check stock and money.
contract ShopHandler is Test {
    Escrow internal immutable _escrow;
    Shop internal immutable _shop;
    DemoStablecoin internal immutable _usd;
    address internal immutable _governance;

    address[] internal _artisans;
    address[] internal _buyers;
    address[] internal _actors;
    address internal _partner;
    address internal _promoter;

    /// @dev One successful purchase.
    struct Purchase {
        uint256 listingId;
        uint256 orderId;
        address buyer;
        uint32 units;
        uint256 paid;
        bytes32 termsHash;
    }

    uint256[] public listings;
    mapping(uint256 listingId => uint256) public supplied;
    mapping(uint256 listingId => uint256) public sold;
    Purchase[] internal _purchases;
    uint256 public paidTotal;
    uint256 public roleRefusals;

    constructor(Escrow escrow_, Shop shop_, DemoStablecoin usd_, address governance_) {
        _escrow = escrow_;
        _shop = shop_;
        _usd = usd_;
        _governance = governance_;
        _artisans.push(makeAddr("artisan A"));
        _artisans.push(makeAddr("artisan B"));
        _partner = makeAddr("partner shop");
        _promoter = makeAddr("promoter");
        _buyers.push(makeAddr("buyer A"));
        _buyers.push(makeAddr("buyer B"));
        _buyers.push(makeAddr("buyer C"));
        _actors = _buyers;
        _actors.push(_promoter);
        _actors.push(_artisans[0]);
        _actors.push(_artisans[1]);
        _actors.push(_partner);
    }

    /// @dev Mostly a plain buyer; one time in four any actor, the listings' roles included.
    function _buyer(uint256 seed) internal view returns (address) {
        if (seed % 4 == 0) return _actors[(seed / 4) % _actors.length];
        return _buyers[seed % _buyers.length];
    }

    /// @dev Mostly none or the promoter; sometimes any actor (the buyer itself, a role).
    function _promoterFor(uint256 seed) internal view returns (address) {
        uint256 kind = seed % 4;
        if (kind == 0) return address(0);
        if (kind == 1) return _promoter;
        if (kind == 2) return _buyers[(seed / 4) % _buyers.length];
        return _actors[(seed / 4) % _actors.length];
    }

    function purchaseCount() external view returns (uint256) {
        return _purchases.length;
    }

    function purchase(uint256 i) external view returns (Purchase memory) {
        return _purchases[i];
    }

    // ----------------------------------------------------------------- actions

    function list(uint256 artisanSeed, uint96 price, uint32 stock) external {
        IShop.Listing memory l;
        l.seller = _artisans[artisanSeed % _artisans.length];
        l.partner = _partner;
        l.token = address(_usd);
        l.unitPrice = uint96(bound(price, 1, 100e6));
        l.stock = uint32(bound(stock, 0, 20));
        l.reviewPeriod = 3 days;
        l.rulingPeriod = 7 days;
        l.promoterBps = 500;
        l.bondBps = 500;
        l.arbiter = makeAddr("arbiter");
        l.metadataHash = keccak256(abi.encode(listings.length));
        l.milestones = new IEscrow.Milestone[](1);
        l.milestones[0] = IEscrow.Milestone(10_000, 30 days);
        l.splits = new IEscrow.Split[](1);
        l.splits[0] = IEscrow.Split(_partner, 2000);
        vm.prank(l.seller);
        uint256 id = _shop.list(l);
        listings.push(id);
        supplied[id] = l.stock;
    }

    function update(uint256 listingSeed, uint96 price, uint32 stock) external {
        if (listings.length == 0) return;
        uint256 id = listings[listingSeed % listings.length];
        (address seller,,,,) = _shop.listingOf(id);
        uint32 newStock = uint32(bound(stock, 0, 20));
        vm.prank(seller);
        _shop.update(id, uint96(bound(price, 1, 100e6)), newStock);
        supplied[id] = sold[id] + newStock;
    }

    function setFee(uint16 fee) external {
        vm.prank(_governance);
        _escrow.setFeeBps(uint16(bound(fee, 0, 500)));
    }

    /// @dev A purchase, sometimes with a limit below the price (a price change racing it).
    function buy(uint256 actorSeed, uint256 listingSeed, uint32 units, uint256 promoterSeed)
        external
    {
        if (listings.length == 0) return;
        address buyer = _buyer(actorSeed);
        uint256 id = listings[listingSeed % listings.length];
        units = uint32(bound(units, 0, 6));
        address promoter = _promoterFor(promoterSeed);
        (address seller,,, uint256 price, uint256 stock) = _shop.listingOf(id);
        uint256 limit = (promoterSeed >> 8) % 8 == 0 ? price - 1 : price;
        bytes32 termsHash = keccak256(_shop.termsOf(id, buyer, units));
        _usd.mint(buyer, units * price);
        vm.prank(buyer);
        _usd.approve(address(_shop), units * price);
        vm.prank(buyer);
        try _shop.buy(id, units, promoter, limit) returns (uint256 orderId) {
            assertTrue(units != 0 && units <= stock && price <= limit, "bought what it could not");
            assertTrue(buyer != seller && buyer != _partner, "a role of the listing bought");
            _record(id, orderId, buyer, units, price, termsHash);
        } catch {
            if (units != 0 && (buyer == seller || buyer == _partner)) ++roleRefusals;
            // Nothing left with the buyer's allowance: the next purchase starts clean.
            vm.prank(buyer);
            _usd.approve(address(_shop), 0);
        }
        (,,,, uint256 after_) = _shop.listingOf(id);
        assertEq(after_ + sold[id], supplied[id], "stock moved without a purchase");
    }

    /// @dev A cart of two items (possibly the same listing twice), paid at once.
    function buyCart(uint256 actorSeed, uint256 seedA, uint256 seedB, uint32 unitsA, uint32 unitsB)
        external
    {
        if (listings.length == 0) return;
        address buyer = _buyer(actorSeed);
        IShop.Item[] memory items = new IShop.Item[](2);
        items[0].listingId = listings[seedA % listings.length];
        items[1].listingId = listings[seedB % listings.length];
        items[0].units = uint32(bound(unitsA, 1, 4));
        items[1].units = uint32(bound(unitsB, 1, 4));
        items[1].promoter = _promoterFor(unitsB >> 8);
        uint256 total;
        bytes32[2] memory hashes;
        uint256[2] memory prices;
        for (uint256 i; i < 2; ++i) {
            (,,, prices[i],) = _shop.listingOf(items[i].listingId);
            items[i].maxUnitPrice = prices[i];
            total += prices[i] * items[i].units;
            hashes[i] = keccak256(_shop.termsOf(items[i].listingId, buyer, items[i].units));
        }
        uint256 before = _escrow.orderCount();
        _usd.mint(buyer, total);
        vm.prank(buyer);
        _usd.approve(address(_shop), total);
        vm.prank(buyer);
        try _shop.buyCart(items) returns (uint256[] memory orderIds) {
            for (uint256 i; i < 2; ++i) {
                _record(
                    items[i].listingId, orderIds[i], buyer, items[i].units, prices[i], hashes[i]
                );
            }
        } catch {
            assertEq(_escrow.orderCount(), before, "a failed cart left an order");
            vm.prank(buyer);
            _usd.approve(address(_shop), 0);
        }
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 3 days));
    }

    function _record(
        uint256 id,
        uint256 orderId,
        address buyer,
        uint32 units,
        uint256 price,
        bytes32 termsHash
    ) internal {
        sold[id] += units;
        paidTotal += units * price;
        _purchases.push(Purchase(id, orderId, buyer, units, units * price, termsHash));
    }
}
