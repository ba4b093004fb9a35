// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Test} from "forge-std/Test.sol";
import {DemoStablecoin} from "src/DemoStablecoin.sol";
import {Escrow} from "src/Escrow.sol";
import {EscrowLens} from "src/EscrowLens.sol";
import {Shop} from "src/Shop.sol";
import {TermsVerifier} from "src/TermsVerifier.sol";
import {IEscrow} from "src/interfaces/IEscrow.sol";
import {ShopHandler} from "./utils/ShopHandler.sol";

/// @dev Invariants of the Shop over the Escrow under random listings, price and stock changes,
/// fee changes, purchases and carts by any actor, the listing's own roles included (see
/// `ShopHandler`).
contract ShopInvariantTest is Test {
    Escrow internal escrow;
    EscrowLens internal lens;
    Shop internal shop;
    DemoStablecoin internal usd;
    ShopHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        address governance = makeAddr("governance");
        escrow =
            new Escrow(governance, makeAddr("treasury"), 250, new TermsVerifier(), address(this));
        lens = new EscrowLens(escrow);
        usd = new DemoStablecoin();
        shop = new Shop(escrow);
        escrow.setTokenAllowed(address(usd), true);
        escrow.setShop(address(shop));
        escrow.renounceBootstrap();
        handler = new ShopHandler(escrow, shop, usd, governance);
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](9);
        selectors[0] = ShopHandler.list.selector;
        selectors[1] = ShopHandler.update.selector;
        selectors[2] = ShopHandler.setFee.selector;
        selectors[3] = ShopHandler.buy.selector;
        selectors[4] = ShopHandler.buy.selector; // buys three times as often
        selectors[5] = ShopHandler.buy.selector;
        selectors[6] = ShopHandler.buyCart.selector;
        selectors[7] = ShopHandler.list.selector;
        selectors[8] = ShopHandler.warp.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev What the shop takes goes into the Escrow in the same call.
    function invariant_ShopHoldsNoMoney() public view {
        assertEq(usd.balanceOf(address(shop)), 0);
        assertEq(address(shop).balance, 0);
        assertEq(usd.balanceOf(address(escrow)), handler.paidTotal());
    }

    /// @dev Units for sale plus units sold are what the artisan supplied: no purchase takes
    /// more than the stock, none is lost.
    function invariant_StockIsConserved() public view {
        uint256 n = shop.listingCount();
        for (uint256 id = 1; id <= n; ++id) {
            (,,,, uint256 stock) = shop.listingOf(id);
            assertEq(stock + handler.sold(id), handler.supplied(id));
        }
    }

    /// @dev Each purchase is an Escrow order of its own: the terms the shop showed for it,
    /// funded and active, its buyer the only backer holding exactly the units bought.
    function invariant_EveryPurchaseIsItsOwnOrder() public view {
        uint256 n = handler.purchaseCount();
        assertEq(escrow.orderCount(), n);
        for (uint256 i; i < n; ++i) {
            ShopHandler.Purchase memory p = handler.purchase(i);
            assertEq(p.orderId, i + 1);
            assertEq(lens.termsHashOf(p.orderId), p.termsHash);
            IEscrow.OrderState memory s = lens.orderState(p.orderId);
            assertEq(uint8(s.status), uint8(IEscrow.Status.Active));
            assertEq(s.unitsPledged, p.units);
            assertEq(s.backerCount, 1);
            assertEq(lens.participantOf(p.orderId, p.buyer).units, p.units);
        }
    }
}
