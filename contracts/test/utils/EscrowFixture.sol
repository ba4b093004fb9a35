// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Test} from "forge-std/Test.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {DemoStablecoin} from "src/DemoStablecoin.sol";
import {Escrow} from "src/Escrow.sol";
import {EscrowLens} from "src/EscrowLens.sol";
import {TermsVerifier} from "src/TermsVerifier.sol";
import {IEscrow} from "src/interfaces/IEscrow.sol";
import {TermsLib} from "./TermsLib.sol";

/// @dev Shared set-up for the Escrow tests: actors, a 6-decimal stablecoin, default terms, and
/// helpers that pack the terms for every call.
abstract contract EscrowFixture is Test {
    uint16 internal constant FEE_BPS = 250;
    uint96 internal constant PRICE = 10e6;
    uint32 internal constant DELIVERY = 30 days;
    uint32 internal constant REVIEW = 3 days;
    uint32 internal constant RULING = 7 days;

    Escrow internal escrow;
    EscrowLens internal lens;
    TermsVerifier internal verifier;
    DemoStablecoin internal usd;

    address internal governance = makeAddr("governance");
    address internal treasury = makeAddr("treasury");
    address internal seller = makeAddr("seller");
    address internal arbiter = makeAddr("arbiter");
    address internal partner = makeAddr("partner");
    address internal promoter = makeAddr("promoter");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        verifier = new TermsVerifier();
        escrow = new Escrow(governance, treasury, FEE_BPS, verifier, address(0));
        lens = new EscrowLens(escrow);
        usd = new DemoStablecoin();
        _allow(address(usd));
        _allow(address(0));
    }

    function _allow(address token) internal {
        vm.prank(governance);
        escrow.setTokenAllowed(token, true);
    }

    /// @dev A collective order: 5..10 units at 10 dUSD, two milestones (30 % then 70 %), one
    /// partner split, a 5 % promoter commission and a 5 % dispute bond.
    function _terms() internal view returns (IEscrow.Terms memory t) {
        t.seller = seller;
        t.token = address(usd);
        t.unitPrice = PRICE;
        t.minUnits = 5;
        t.maxUnits = 10;
        t.fundingDeadline = uint40(block.timestamp + 7 days);
        t.reviewPeriod = REVIEW;
        t.rulingPeriod = RULING;
        t.promoterBps = 500;
        t.feeBps = escrow.feeBps();
        t.bondBps = 500;
        t.arbiter = arbiter;
        t.metadataHash = keccak256("metadata");
        t.milestones = new IEscrow.Milestone[](2);
        t.milestones[0] = IEscrow.Milestone(3000, DELIVERY);
        t.milestones[1] = IEscrow.Milestone(7000, DELIVERY);
        t.splits = new IEscrow.Split[](1);
        t.splits[0] = IEscrow.Split({recipient: partner, bps: 2000});
    }

    function _pack(IEscrow.Terms memory t) internal pure returns (bytes memory) {
        return TermsLib.pack(t);
    }

    function _create(IEscrow.Terms memory t) internal returns (uint256) {
        vm.prank(t.seller);
        return escrow.createOrder(_pack(t));
    }

    function _pledge(uint256 id, IEscrow.Terms memory t, address who, uint256 units, address via)
        internal
        returns (uint256 amount)
    {
        amount = units * t.unitPrice;
        bytes memory p = _pack(t);
        if (t.token == address(0)) {
            vm.deal(who, who.balance + amount);
            vm.prank(who);
            escrow.pledge{value: amount}(id, p, units, via);
        } else {
            _fund(t.token, who, amount);
            vm.prank(who);
            escrow.pledge(id, p, units, via);
        }
    }

    /// @dev Mints `amount` of `token` to `who` and lets the escrow pull it.
    function _fund(address token, address who, uint256 amount) internal {
        _mintTo(token, who, amount);
        vm.prank(who);
        (bool ok,) =
            token.call(abi.encodeWithSignature("approve(address,uint256)", address(escrow), amount));
        require(ok, "approve");
    }

    function _mintTo(address token, address who, uint256 amount) internal {
        (bool ok,) = token.call(abi.encodeWithSignature("mint(address,uint256)", who, amount));
        require(ok, "mint");
    }

    /// @dev Creates the default order and funds it to the cap: alice 6 via promoter, bob 4.
    function _activeOrder() internal returns (uint256 id, IEscrow.Terms memory t) {
        t = _terms();
        id = _create(t);
        _pledge(id, t, alice, 6, promoter);
        _pledge(id, t, bob, 4, address(0));
        escrow.finalize(id, _pack(t));
    }

    function _deliver(uint256 id, IEscrow.Terms memory t) internal {
        vm.prank(t.seller);
        escrow.deliverMilestone(id, _pack(t), keccak256("proof"));
    }

    function _deliverAndRelease(uint256 id, IEscrow.Terms memory t) internal {
        _deliver(id, t);
        vm.warp(block.timestamp + t.reviewPeriod);
        escrow.release(id, _pack(t));
    }

    /// @dev `who` disputes the delivered milestone, paying the bond.
    function _dispute(uint256 id, IEscrow.Terms memory t, address who)
        internal
        returns (uint256 bond)
    {
        bytes memory p = _pack(t);
        bond = lens.disputeBond(id, p);
        if (t.token == address(0)) {
            vm.deal(who, who.balance + bond);
            vm.prank(who);
            escrow.dispute{value: bond}(id, p, "The wool is not as promised.");
        } else {
            _fund(t.token, who, bond);
            vm.prank(who);
            escrow.dispute(id, p, "The wool is not as promised.");
        }
    }

    function _state(uint256 id) internal view returns (IEscrow.OrderState memory) {
        return lens.orderState(id);
    }

    function _status(uint256 id) internal view returns (IEscrow.Status) {
        return lens.orderState(id).status;
    }

    function _released(uint256 id, IEscrow.Terms memory t) internal view returns (uint256) {
        return lens.releasedOf(id, _pack(t));
    }

    function _balance(address token, address who) internal view returns (uint256) {
        return token == address(0) ? who.balance : IERC20(token).balanceOf(who);
    }
}
