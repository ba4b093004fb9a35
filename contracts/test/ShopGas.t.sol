// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {VmSafe} from "forge-std/Vm.sol";
import {IShop} from "src/interfaces/IShop.sol";
import {ShopFixture} from "./utils/ShopFixture.sol";

/// @dev Gas of the Shop's paths, written to `snapshots/shop.json` as `EscrowGasTest` writes
/// the Escrow's: every top-level call runs as its own transaction (`isolate`); `<name>_tx` is
/// the whole transaction (21 000 + calldata + execution, net of refunds), `<name>` the execution
/// alone and `<name>_calldata` the EIP-2028 calldata cost.
///
/// Realistic case: the escrow already holds the token and the shop already approved the escrow
/// for it (an earlier purchase; the first purchase ever in a token also pays that approval,
/// measured apart); the buyer keeps some of the token after paying and approved exactly the
/// amount; the listing was bought from before (its stock slot is not fresh, but every
/// purchase's order is).
/// forge-config: default.isolate = true
/// forge-config: ci.isolate = true
contract ShopGasTest is ShopFixture {
    bool internal _coverage;
    uint256 internal _a;
    uint256 internal _b;

    function setUp() public override {
        super.setUp();
        _coverage = vm.isContext(VmSafe.ForgeContext.Coverage);
        usd.mint(address(escrow), 1);
        _a = _list(_listing());
        IShop.Listing memory l = _listing();
        l.seller = artisan2;
        l.unitPrice = 4e6;
        _b = _list(l);
    }

    function _calldataGas(bytes memory data) internal pure returns (uint256 gas) {
        for (uint256 i; i < data.length; ++i) {
            gas += data[i] == 0 ? 4 : 16;
        }
    }

    function _record(string memory name, bytes memory data) internal {
        if (_coverage) return;
        uint256 total = vm.snapshotGasLastCall("shop", string.concat(name, "_tx"));
        uint256 calldataGas = _calldataGas(data);
        vm.snapshotValue("shop", name, total - 21_000 - calldataGas);
        vm.snapshotValue("shop", string.concat(name, "_calldata"), calldataGas);
    }

    /// @dev A buyer with more than it needs, which approved exactly the amount.
    function _prepare(address who, uint256 amount) internal {
        usd.mint(who, amount + 1);
        vm.prank(who);
        usd.approve(address(shop), amount);
    }

    /// @dev An earlier purchase of each listing: the shop's allowance to the escrow is set.
    function _warm() internal {
        _buy(_a, carol, 1, address(0));
        _buy(_b, carol, 1, address(0));
    }

    function test_Gas_List() public {
        IShop.Listing memory l = _listing();
        vm.prank(seller);
        shop.list(l);
        _record("list", abi.encodeCall(shop.list, (l)));
    }

    function test_Gas_ListForSigned() public {
        (address artisan, uint256 key) = makeAddrAndKey("signing artisan");
        IShop.Listing memory l = _listing();
        l.seller = artisan;
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = _sign(key, _listingDigest(address(shop), l, deadline));
        vm.prank(partner);
        shop.listFor(l, deadline, sig);
        _record("listFor", abi.encodeCall(shop.listFor, (l, deadline, sig)));
    }

    function test_Gas_Update() public {
        vm.prank(seller);
        shop.update(_a, 12e6, 5);
        _record("update", abi.encodeCall(shop.update, (_a, 12e6, 5)));
    }

    function test_Gas_UpdateForSigned() public {
        (address artisan, uint256 key) = makeAddrAndKey("signing artisan");
        IShop.Listing memory l = _listing();
        l.seller = artisan;
        vm.prank(artisan);
        uint256 id = shop.list(l);
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = _sign(key, _updateDigest(address(shop), artisan, id, 12e6, 5, deadline));
        shop.updateFor(id, 12e6, 5, deadline, sig);
        _record("updateFor", abi.encodeCall(shop.updateFor, (id, 12e6, 5, deadline, sig)));
    }

    function test_Gas_Buy() public {
        _warm();
        _prepare(bob, 2 * PRICE);
        vm.prank(bob);
        shop.buy(_a, 2, address(0), PRICE);
        _record("buy", abi.encodeCall(shop.buy, (_a, 2, address(0), PRICE)));
    }

    function test_Gas_BuyFirstEverInToken() public {
        _prepare(bob, 2 * PRICE);
        vm.prank(bob);
        shop.buy(_a, 2, address(0), PRICE);
        _record("buy_first_in_token", abi.encodeCall(shop.buy, (_a, 2, address(0), PRICE)));
    }

    function test_Gas_BuyThroughPromoter() public {
        _warm();
        _prepare(bob, 2 * PRICE);
        vm.prank(bob);
        shop.buy(_a, 2, promoter, PRICE);
        _record("buy_new_promoter", abi.encodeCall(shop.buy, (_a, 2, promoter, PRICE)));
    }

    function test_Gas_BuyWithPermit() public {
        _warm();
        (address dave, uint256 key) = makeAddrAndKey("dave");
        usd.mint(dave, 2 * PRICE + 1);
        IShop.Permit memory p = _permitShop(key, 2 * PRICE, block.timestamp);
        vm.prank(dave);
        shop.buyWithPermit(_a, 2, address(0), PRICE, p);
        _record(
            "buyWithPermit_first_permit",
            abi.encodeCall(shop.buyWithPermit, (_a, 2, address(0), PRICE, p))
        );
    }

    function test_Gas_BuyNative() public {
        IShop.Listing memory l = _listing();
        l.token = address(0);
        uint256 id = _list(l);
        vm.deal(carol, PRICE);
        vm.prank(carol);
        shop.buy{value: PRICE}(id, 1, address(0), PRICE);
        vm.deal(bob, 2 * PRICE);
        vm.prank(bob);
        shop.buy{value: 2 * PRICE}(id, 2, address(0), PRICE);
        _record("buy_native", abi.encodeCall(shop.buy, (id, 2, address(0), PRICE)));
    }

    function _cart() internal view returns (IShop.Item[] memory items) {
        items = new IShop.Item[](2);
        items[0] = IShop.Item({listingId: _a, units: 2, promoter: address(0), maxUnitPrice: PRICE});
        items[1] = IShop.Item({listingId: _b, units: 1, promoter: address(0), maxUnitPrice: 4e6});
    }

    /// @dev Two items of two artisans, one payment.
    function test_Gas_BuyCartTwoItems() public {
        _warm();
        IShop.Item[] memory items = _cart();
        _prepare(bob, 2 * PRICE + 4e6);
        vm.prank(bob);
        shop.buyCart(items);
        _record("buyCart_2items", abi.encodeCall(shop.buyCart, (items)));
    }

    function test_Gas_BuyCartTwoItemsWithPermit() public {
        _warm();
        IShop.Item[] memory items = _cart();
        (address dave, uint256 key) = makeAddrAndKey("dave");
        usd.mint(dave, 2 * PRICE + 4e6 + 1);
        IShop.Permit memory p = _permitShop(key, 2 * PRICE + 4e6, block.timestamp);
        vm.prank(dave);
        shop.buyCartWithPermit(items, p);
        _record(
            "buyCartWithPermit_2items_first_permit",
            abi.encodeCall(shop.buyCartWithPermit, (items, p))
        );
    }
}
