// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Test} from "forge-std/Test.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {DemoStablecoin} from "src/DemoStablecoin.sol";
import {Escrow} from "src/Escrow.sol";
import {IEscrow} from "src/interfaces/IEscrow.sol";

/// @dev Shared set-up for the Escrow tests: actors, a 6-decimal stablecoin and default terms.
abstract contract EscrowFixture is Test {
    uint16 internal constant FEE_BPS = 250;
    uint96 internal constant PRICE = 10e6;

    Escrow internal escrow;
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
        escrow = new Escrow(governance, treasury, FEE_BPS);
        usd = new DemoStablecoin();
    }

    /// @dev A collective order: 5..10 units at 10 dUSD, two milestones, one partner split.
    function _terms() internal view returns (IEscrow.Terms memory t) {
        t.seller = seller;
        t.token = address(usd);
        t.unitPrice = PRICE;
        t.minUnits = 5;
        t.maxUnits = 10;
        t.fundingDeadline = uint40(block.timestamp + 7 days);
        t.reviewPeriod = 3 days;
        t.promoterBps = 500;
        t.feeBps = escrow.feeBps();
        t.arbiter = arbiter;
        t.metadataHash = keccak256("metadata");
        t.milestoneBps = new uint16[](2);
        t.milestoneBps[0] = 3000;
        t.milestoneBps[1] = 7000;
        t.splits = new IEscrow.Split[](1);
        t.splits[0] = IEscrow.Split({recipient: partner, bps: 2000});
    }

    function _create(IEscrow.Terms memory t) internal returns (uint256) {
        vm.prank(t.seller);
        return escrow.createOrder(t);
    }

    function _pledge(uint256 id, IEscrow.Terms memory t, address who, uint256 units, address via)
        internal
        returns (uint256 amount)
    {
        amount = units * t.unitPrice;
        if (t.token == address(0)) {
            vm.deal(who, who.balance + amount);
            vm.prank(who);
            escrow.pledge{value: amount}(id, t, units, via);
        } else {
            _mintTo(t.token, who, amount);
            vm.prank(who);
            (bool ok,) = t.token
                .call(abi.encodeWithSignature("approve(address,uint256)", address(escrow), amount));
            require(ok, "approve");
            vm.prank(who);
            escrow.pledge(id, t, units, via);
        }
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
        escrow.finalize(id, t);
    }

    function _deliver(uint256 id, IEscrow.Terms memory t) internal {
        vm.prank(t.seller);
        escrow.deliverMilestone(id, t, keccak256("proof"));
    }

    function _deliverAndRelease(uint256 id, IEscrow.Terms memory t) internal {
        _deliver(id, t);
        vm.warp(block.timestamp + t.reviewPeriod);
        escrow.release(id, t);
    }

    function _status(uint256 id) internal view returns (IEscrow.Status) {
        return escrow.orderState(id).status;
    }

    function _balance(address token, address who) internal view returns (uint256) {
        return token == address(0) ? who.balance : IERC20(token).balanceOf(who);
    }
}
