// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Escrow} from "src/Escrow.sol";
import {EscrowLens} from "src/EscrowLens.sol";
import {Shop} from "src/Shop.sol";
import {IEscrow} from "src/interfaces/IEscrow.sol";
import {IShop} from "src/interfaces/IShop.sol";
import {EscrowFixture} from "./EscrowFixture.sol";
import {TermsLib} from "./TermsLib.sol";

/// @dev Shared set-up for the Shop tests: an Escrow whose bootstrap (this contract) set the
/// shop and renounced, two artisans, a partner shop, a default listing, and EIP-712 digests
/// computed here from the type strings, independently of the Shop's own code.
abstract contract ShopFixture is EscrowFixture {
    Shop internal shop;

    address internal artisan2 = makeAddr("artisan2");

    function setUp() public virtual override {
        super.setUp();
        escrow = new Escrow(governance, treasury, FEE_BPS, verifier, address(this));
        lens = new EscrowLens(escrow);
        _allow(address(usd));
        _allow(address(0));
        shop = new Shop(escrow);
        escrow.setShop(address(shop));
        escrow.renounceBootstrap();
    }

    /// @dev A handicraft listing by `seller`: 10 units at 10 dUSD, one delivery in 30 days, the
    /// partner shop's 20 % split, a 5 % promoter commission and a 5 % dispute bond.
    function _listing() internal view returns (IShop.Listing memory l) {
        l.seller = seller;
        l.partner = partner;
        l.token = address(usd);
        l.unitPrice = PRICE;
        l.stock = 10;
        l.reviewPeriod = REVIEW;
        l.rulingPeriod = RULING;
        l.promoterBps = 500;
        l.bondBps = 500;
        l.arbiter = arbiter;
        l.metadataHash = keccak256("vase");
        l.milestones = new IEscrow.Milestone[](1);
        l.milestones[0] = IEscrow.Milestone(10_000, DELIVERY);
        l.splits = new IEscrow.Split[](1);
        l.splits[0] = IEscrow.Split({recipient: partner, bps: 2000});
    }

    function _list(IShop.Listing memory l) internal returns (uint256) {
        vm.prank(l.seller);
        return shop.list(l);
    }

    /// @dev The terms of the order a purchase of `units` by `buyer` at `price` creates now.
    function _saleTerms(IShop.Listing memory l, uint96 price, address buyer, uint32 units)
        internal
        view
        returns (IEscrow.Terms memory t)
    {
        t.seller = l.seller;
        t.token = l.token;
        t.unitPrice = price;
        t.minUnits = units;
        t.maxUnits = units;
        t.fundingDeadline = uint40(block.timestamp + 1);
        t.reviewPeriod = l.reviewPeriod;
        t.rulingPeriod = l.rulingPeriod;
        t.promoterBps = l.promoterBps;
        t.feeBps = escrow.feeBps();
        t.bondBps = l.bondBps;
        t.soleBuyer = buyer;
        t.arbiter = l.arbiter;
        t.metadataHash = l.metadataHash;
        t.milestones = l.milestones;
        t.splits = l.splits;
    }

    /// @dev Mints `amount` of `token` to `who` and lets the shop take it.
    function _fundShop(address token, address who, uint256 amount) internal {
        _mintTo(token, who, amount);
        vm.prank(who);
        (bool ok,) =
            token.call(abi.encodeWithSignature("approve(address,uint256)", address(shop), amount));
        require(ok, "approve");
    }

    /// @dev `who` buys `units` of an ERC-20 listing at its current price.
    function _buy(uint256 id, address who, uint32 units, address via)
        internal
        returns (uint256 orderId)
    {
        (,, address token, uint256 price,) = shop.listingOf(id);
        _fundShop(token, who, units * price);
        vm.prank(who);
        orderId = shop.buy(id, units, via, price);
    }

    // --------------------------------------------------------------- EIP-712

    function _domain(address shop_) internal view returns (bytes32) {
        return keccak256(
            abi.encode(
                keccak256(
                    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
                ),
                keccak256("Co-Intent Shop"),
                keccak256("1"),
                block.chainid,
                shop_
            )
        );
    }

    function _listingStructHash(IShop.Listing memory l, uint256 nonce, uint256 deadline)
        internal
        pure
        returns (bytes32)
    {
        bytes32[] memory ms = new bytes32[](l.milestones.length);
        for (uint256 i; i < ms.length; ++i) {
            ms[i] = keccak256(
                abi.encode(
                    keccak256("Milestone(uint16 bps,uint32 deliveryPeriod)"),
                    l.milestones[i].bps,
                    l.milestones[i].deliveryPeriod
                )
            );
        }
        bytes32[] memory ss = new bytes32[](l.splits.length);
        for (uint256 j; j < ss.length; ++j) {
            ss[j] = keccak256(
                abi.encode(
                    keccak256("Split(address recipient,uint16 bps)"),
                    l.splits[j].recipient,
                    l.splits[j].bps
                )
            );
        }
        bytes memory a = abi.encode(
            keccak256(
                "Listing(address seller,address partner,address token,uint96 unitPrice,uint32 stock,uint32 reviewPeriod,uint32 rulingPeriod,uint16 promoterBps,uint16 bondBps,address arbiter,bytes32 metadataHash,Milestone[] milestones,Split[] splits,uint256 nonce,uint256 deadline)Milestone(uint16 bps,uint32 deliveryPeriod)Split(address recipient,uint16 bps)"
            ),
            l.seller,
            l.partner,
            l.token,
            l.unitPrice,
            l.stock
        );
        bytes memory b = abi.encode(
            l.reviewPeriod, l.rulingPeriod, l.promoterBps, l.bondBps, l.arbiter, l.metadataHash
        );
        bytes memory c = abi.encode(
            keccak256(abi.encodePacked(ms)), keccak256(abi.encodePacked(ss)), nonce, deadline
        );
        return keccak256(bytes.concat(a, b, c));
    }

    /// @dev The digest a seller signs to list `l` on `shop_` with its current nonce there.
    function _listingDigest(address shop_, IShop.Listing memory l, uint256 deadline)
        internal
        view
        returns (bytes32)
    {
        uint256 nonce = Shop(shop_).nonces(l.seller);
        return keccak256(
            abi.encodePacked(hex"1901", _domain(shop_), _listingStructHash(l, nonce, deadline))
        );
    }

    /// @dev The digest a seller signs to set a listing's price and stock on `shop_`.
    function _updateDigest(
        address shop_,
        address signer,
        uint256 id,
        uint96 price,
        uint32 stock,
        uint256 deadline
    ) internal view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(
                    "Update(uint256 listingId,uint96 unitPrice,uint32 stock,uint256 nonce,uint256 deadline)"
                ),
                id,
                price,
                stock,
                Shop(shop_).nonces(signer),
                deadline
            )
        );
        return keccak256(abi.encodePacked(hex"1901", _domain(shop_), structHash));
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev An EIP-2612 permit of `key`'s account letting the shop take `amount` of dUSD.
    function _permitShop(uint256 key, uint256 amount, uint256 deadline)
        internal
        view
        returns (IShop.Permit memory p)
    {
        address owner = vm.addr(key);
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(
                    "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
                ),
                owner,
                address(shop),
                amount,
                usd.nonces(owner),
                deadline
            )
        );
        (p.v, p.r, p.s) = vm.sign(
            key, keccak256(abi.encodePacked("\x19\x01", usd.DOMAIN_SEPARATOR(), structHash))
        );
        p.value = amount;
        p.deadline = deadline;
    }

    function _invalidTerms(bytes32 reason) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IEscrow.InvalidTerms.selector, reason);
    }

    function _invalidListing(bytes32 reason) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IShop.InvalidListing.selector, reason);
    }

    function _packSale(IShop.Listing memory l, uint96 price, address buyer, uint32 units)
        internal
        view
        returns (bytes memory)
    {
        return TermsLib.pack(_saleTerms(l, price, buyer, units));
    }
}
